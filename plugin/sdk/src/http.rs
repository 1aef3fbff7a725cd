//! HTTP for plugins: whole-body requests over wasi:http, behind a small trait.
//!
//! Write the plugin's remote logic against [`HttpClient`] and pass it [`WasiHttp`] in the
//! component; a native test passes a scripted client instead, so the logic runs with
//! `cargo test`. Credentials never appear here: for the grant's resource hosts, the host
//! attaches `Authorization: Bearer …` itself, after dropping any the plugin set.
//!
//! The host's refusal of a destination (wasi:http `HTTP-request-denied`, an origin the plan
//! did not declare) is [`HttpError::Denied`], apart from network failures; neither the host
//! nor this client follows redirects, and a redirect's target must be on the allow-list too.

use crate::types::{CollectError, Failure};
use std::fmt;

/// An HTTP answer: status, headers and the whole body.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Response {
    /// HTTP status code.
    pub status: u16,
    /// Response headers, names in lower case, in the order received.
    pub headers: Vec<(String, String)>,
    /// The whole body (the host refuses one larger than the source's `max_response_mb`).
    pub body: Vec<u8>,
}

impl Response {
    /// The value of the first header called `name` (compared without regard to case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// Why a request got no answer.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum HttpError {
    /// The host's policy refused the destination (wasi:http `HTTP-request-denied`): its origin
    /// is not among those the plan declared (or the operator's `allowed_hosts` left it out).
    /// Holds the URL.
    Denied(String),
    /// The request was not sent: a header name or value is malformed, or the host forbids
    /// the plugin to set that header. Holds what went wrong.
    Request(String),
    /// The connection failed, timed out or broke before the answer was complete.
    Network(NetworkCause),
}

impl HttpError {
    /// Whether the host refused the destination (`HTTP-request-denied`).
    pub fn is_denied(&self) -> bool {
        matches!(self, HttpError::Denied(_))
    }

    /// The contract's error for this failure of a request to `url`: `denied` (with code
    /// `HTTP-request-denied`), `network`, or `internal` for a request that could not be sent.
    pub fn into_collect_error(self, url: &str) -> CollectError {
        match self {
            HttpError::Denied(_) => CollectError::Denied(
                Failure::new(format!(
                    "the host denied a request to {url}: its origin is not on the source's allow-list"
                ))
                .with_fix("if the origin is legitimate, check the setting it comes from and the source's allowed_hosts")
                .with_code("HTTP-request-denied"),
            ),
            HttpError::Request(said) => CollectError::internal(format!(
                "a request to {url} could not be sent: {said}"
            )),
            HttpError::Network(cause) => CollectError::Network(
                Failure::new(format!("no answer from {url}: {}", cause.text()))
                    .with_fix(cause.fix()),
            ),
        }
    }
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HttpError::Denied(url) => write!(
                f,
                "the host denied the request to {url} (HTTP-request-denied)"
            ),
            HttpError::Request(said) => write!(f, "the request was not sent: {said}"),
            HttpError::Network(cause) => f.write_str(&cause.text()),
        }
    }
}

impl std::error::Error for HttpError {}

/// Why a connection failed, as the host's wasi:http reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum NetworkCause {
    /// The host name did not resolve.
    Dns,
    /// Nothing accepted the connection.
    Refused,
    /// Connecting timed out.
    ConnectTimeout,
    /// The server did not answer, or stopped sending, in time.
    ReadTimeout,
    /// The server's TLS certificate is not trusted.
    Certificate,
    /// The TLS handshake failed otherwise.
    Tls,
    /// The connection was closed before the answer was complete.
    Closed,
    /// Anything else, with the host's words.
    Other(String),
}

impl NetworkCause {
    /// What happened, in a few words.
    pub fn text(&self) -> String {
        match self {
            NetworkCause::Dns => "the host name could not be resolved (DNS)".into(),
            NetworkCause::Refused => "the connection was refused".into(),
            NetworkCause::ConnectTimeout => "connecting timed out".into(),
            NetworkCause::ReadTimeout => "the server did not answer in time".into(),
            NetworkCause::Certificate => "the server's TLS certificate is not trusted".into(),
            NetworkCause::Tls => "the TLS handshake failed".into(),
            NetworkCause::Closed => {
                "the connection was closed before the answer was complete".into()
            }
            NetworkCause::Other(said) => said.clone(),
        }
    }

    /// What an operator can do about it, in terms of the host's configuration.
    pub fn fix(&self) -> &'static str {
        match self {
            NetworkCause::Dns => {
                "check the host name in the source's settings and this machine's DNS; behind a proxy, set [network] https_proxy"
            }
            NetworkCause::Refused => {
                "nothing accepts connections there: check the URL and port in the source's settings, and any firewall"
            }
            NetworkCause::ConnectTimeout => {
                "check the firewall and proxy ([network] https_proxy); raise limits.connect_timeout if the network is slow"
            }
            NetworkCause::ReadTimeout => {
                "raise limits.first_byte_timeout or limits.between_bytes_timeout if the source is large or the network slow"
            }
            NetworkCause::Certificate => {
                "if a TLS-inspecting proxy is in the way, set [network] ca_bundle to its CA certificate; otherwise check the URL"
            }
            NetworkCause::Tls => "check that the URL uses https on an HTTPS port",
            NetworkCause::Closed => {
                "try again; if it persists, check the proxy or firewall in between"
            }
            NetworkCause::Other(_) => "check network access to the source (proxy, firewall, DNS)",
        }
    }
}

/// Sends requests and reads whole answers. Redirects are never followed.
///
/// [`WasiHttp`] is the real client; tests implement it with scripted answers. A method added
/// in a later version will have a default.
pub trait HttpClient {
    /// Sends a GET to `url` with `headers`.
    fn get(&mut self, url: &str, headers: &[(&str, &str)]) -> Result<Response, HttpError>;

    /// Sends a POST of the JSON `body` to `url` with `headers` (and
    /// `content-type: application/json`): for query APIs such as batches or searches.
    fn post_json(
        &mut self,
        url: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Result<Response, HttpError>;
}

impl<T: HttpClient + ?Sized> HttpClient for &mut T {
    fn get(&mut self, url: &str, headers: &[(&str, &str)]) -> Result<Response, HttpError> {
        (**self).get(url, headers)
    }

    fn post_json(
        &mut self,
        url: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Result<Response, HttpError> {
        (**self).post_json(url, headers, body)
    }
}

/// The real client: wasi:http through the host, one request at a time, waiting for the whole
/// answer. Natively (outside a component) its methods panic.
#[derive(Clone, Copy, Debug, Default)]
pub struct WasiHttp;

#[cfg(not(target_arch = "wasm32"))]
impl HttpClient for WasiHttp {
    fn get(&mut self, _: &str, _: &[(&str, &str)]) -> Result<Response, HttpError> {
        outside()
    }

    fn post_json(&mut self, _: &str, _: &[(&str, &str)], _: &[u8]) -> Result<Response, HttpError> {
        outside()
    }
}

/// Panics with a message saying wasi:http is only there inside a component.
#[cfg(not(target_arch = "wasm32"))]
#[track_caller]
fn outside() -> ! {
    panic!(
        "itam_plugin_sdk::http::WasiHttp was used outside a WebAssembly component; in native tests, pass your own HttpClient"
    )
}

#[cfg(target_arch = "wasm32")]
impl HttpClient for WasiHttp {
    fn get(&mut self, url: &str, headers: &[(&str, &str)]) -> Result<Response, HttpError> {
        wasi::send(wasi::Method::Get, url, headers, None)
    }

    fn post_json(
        &mut self,
        url: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Result<Response, HttpError> {
        let mut all = vec![("content-type", "application/json")];
        all.extend_from_slice(headers);
        wasi::send(wasi::Method::Post, url, &all, Some(body))
    }
}

/// The wasi:http side, on the wasi:http bindings `waki` generates. A request is sent without
/// request options: the host enforces its own timeouts, and wasmtime-wasi-http 48 keeps a
/// request's options resource until the run ends, so a long run would run out of handles.
#[cfg(target_arch = "wasm32")]
mod wasi {
    use super::{HttpError, NetworkCause, Response};
    use waki::bindings::wasi::http::outgoing_handler;
    pub(super) use waki::bindings::wasi::http::types::Method;
    use waki::bindings::wasi::http::types::{
        ErrorCode as E, Fields, IncomingBody, OutgoingBody, OutgoingRequest, Scheme,
    };
    use waki::bindings::wasi::io::streams::StreamError;

    /// The cause behind a wasi:http error code.
    fn cause(code: &E) -> NetworkCause {
        match code {
            E::DnsTimeout | E::DnsError(_) | E::DestinationNotFound => NetworkCause::Dns,
            E::ConnectionRefused | E::DestinationUnavailable => NetworkCause::Refused,
            E::ConnectionTimeout => NetworkCause::ConnectTimeout,
            E::ConnectionReadTimeout | E::HttpResponseTimeout => NetworkCause::ReadTimeout,
            E::TlsCertificateError => NetworkCause::Certificate,
            E::TlsProtocolError | E::TlsAlertReceived(_) => NetworkCause::Tls,
            E::ConnectionTerminated | E::HttpResponseIncomplete => NetworkCause::Closed,
            E::InternalError(Some(said)) => NetworkCause::Other(said.clone()),
            other => NetworkCause::Other(format!("{other:?}")),
        }
    }

    fn failed(code: E, url: &str) -> HttpError {
        match code {
            E::HttpRequestDenied => HttpError::Denied(url.to_string()),
            code => HttpError::Network(cause(&code)),
        }
    }

    /// `scheme://authority/path?query` split into its parts.
    fn split(url: &str) -> Result<(Scheme, &str, &str), HttpError> {
        let bad = || HttpError::Request(format!("{url} is not an http(s) URL"));
        let (scheme, rest) = url.split_once("://").ok_or_else(bad)?;
        let scheme = match scheme.to_ascii_lowercase().as_str() {
            "https" => Scheme::Https,
            "http" => Scheme::Http,
            _ => return Err(bad()),
        };
        let at = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, path) = rest.split_at(at);
        if authority.is_empty() {
            return Err(bad());
        }
        Ok((scheme, authority, if path.is_empty() { "/" } else { path }))
    }

    /// Sends a request with `headers` (and `body`) and reads the whole answer.
    pub(super) fn send(
        method: Method,
        url: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
    ) -> Result<Response, HttpError> {
        let (scheme, authority, path) = split(url)?;
        let fields = Fields::new();
        for (name, value) in headers {
            fields
                .append(&name.to_string(), &value.as_bytes().to_vec())
                .map_err(|e| HttpError::Request(format!("bad header {name}: {e:?}")))?;
        }
        let request = OutgoingRequest::new(fields);
        let refused = |what: &str| HttpError::Request(format!("the host refused the {what}"));
        request
            .set_method(&method)
            .map_err(|()| refused("method"))?;
        request
            .set_scheme(Some(&scheme))
            .map_err(|()| refused("scheme"))?;
        request
            .set_authority(Some(authority))
            .map_err(|()| refused("authority"))?;
        request
            .set_path_with_query(Some(path))
            .map_err(|()| refused("path"))?;
        let outgoing = request.body().map_err(|()| refused("body"))?;
        let future = outgoing_handler::handle(request, None).map_err(|e| failed(e, url))?;
        if let Some(body) = body {
            let stream = outgoing.write().map_err(|()| refused("body"))?;
            for chunk in body.chunks(4096) {
                stream
                    .blocking_write_and_flush(chunk)
                    .map_err(|e| HttpError::Network(NetworkCause::Other(format!("{e:?}"))))?;
            }
        }
        OutgoingBody::finish(outgoing, None).map_err(|e| failed(e, url))?;
        let response = loop {
            match future.get() {
                Some(answer) => break answer,
                None => future.subscribe().block(),
            }
        };
        let response = response
            .map_err(|()| HttpError::Request("the response was already taken".into()))?
            .map_err(|e| failed(e, url))?;
        let status = response.status();
        let headers = response
            .headers()
            .entries()
            .into_iter()
            .map(|(n, v)| {
                (
                    n.to_ascii_lowercase(),
                    String::from_utf8_lossy(&v).into_owned(),
                )
            })
            .collect();
        let incoming = response.consume().map_err(|()| refused("response body"))?;
        let mut body = Vec::new();
        {
            let stream = incoming.stream().map_err(|()| refused("response body"))?;
            loop {
                match stream.blocking_read(1 << 20) {
                    Ok(chunk) => body.extend_from_slice(&chunk),
                    Err(StreamError::Closed) => break,
                    Err(StreamError::LastOperationFailed(e)) => {
                        return Err(HttpError::Network(
                            match waki::bindings::wasi::http::types::http_error_code(&e) {
                                Some(code) => cause(&code),
                                None => NetworkCause::Other(format!(
                                    "reading the response body: {}",
                                    e.to_debug_string()
                                )),
                            },
                        ));
                    }
                }
            }
        }
        drop(IncomingBody::finish(incoming));
        Ok(Response {
            status,
            headers,
            body,
        })
    }
}
