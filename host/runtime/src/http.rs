//! The host's one HTTP client stack: behind the plugin's wasi:http requests and the host's own
//! token requests alike. One pooled client per run, so a run's pages reuse connections
//! (wasmtime's default sender opens one per request), with connect, first-byte and
//! between-bytes timeouts instead of wasmtime's 600 s default, a response body cap, through the
//! configured HTTPS proxy and trusting the configured extra CAs.

use crate::net_cause::NetCause;
use crate::network::Network;
use bytes::Bytes;
use http_body::{Body, Frame};
use http_body_util::BodyExt;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::connect::proxy::Tunnel;
use hyper_util::client::proxy::matcher::Matcher;
use hyper_util::rt::TokioExecutor;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use wasmtime_wasi_http::{Error, WasiBody};

type Https<C> = hyper_rustls::HttpsConnector<C>;

/// The proxy rules and the client whose connections tunnel through the proxy.
type ProxiedClient = (Arc<Matcher>, Client<Https<Tunnel<HttpConnector>>, WasiBody>);

/// Sends the requests of one run.
#[derive(Clone)]
pub struct Sender {
    direct: Client<Https<HttpConnector>, WasiBody>,
    /// HTTPS destinations the proxy rules intercept go through a CONNECT tunnel.
    proxied: Option<ProxiedClient>,
    first_byte: Duration,
    between_bytes: Duration,
    max_body: u64,
    /// URLs whose response bodies exceeded `max_body`.
    oversized: Arc<std::sync::Mutex<Vec<String>>>,
}

impl Sender {
    /// A sender with connect, first-byte and between-bytes timeouts, the network's proxy and
    /// the public roots plus the network's extra CAs.
    pub fn new(
        [connect, first_byte, between_bytes]: [Duration; 3],
        max_body: u64,
        network: &Network,
    ) -> Sender {
        let mut http = HttpConnector::new();
        http.set_connect_timeout(Some(connect));
        http.set_nodelay(true);
        http.enforce_http(false);
        let mut roots = rustls::RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.into(),
        };
        for der in &network.extra_roots {
            if let Err(e) = roots.add(der.clone().into()) {
                tracing::warn!(error = %e, "ignoring a CA of network.ca_bundle that rustls cannot use");
            }
        }
        let tls = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("ring supports the default protocol versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
        let pool = || {
            let mut builder = Client::builder(TokioExecutor::new());
            builder.pool_idle_timeout(Duration::from_secs(60));
            builder
        };
        let matcher = network.proxy_matcher();
        let probe: http::Uri = "https://proxy-probe.invalid/".parse().expect("a valid URI");
        let proxied = matcher.intercept(&probe).map(|intercept| {
            let mut tunnel = Tunnel::new(intercept.uri().clone(), http.clone());
            if let Some(auth) = intercept.basic_auth() {
                tunnel = tunnel.with_auth(auth.clone());
            }
            (Arc::new(matcher), pool().build(https(&tls, tunnel)))
        });
        Sender {
            direct: pool().build(https(&tls, http)),
            proxied,
            first_byte,
            between_bytes,
            max_body,
            oversized: Arc::default(),
        }
    }

    /// The responses cut off so far for exceeding the response size limit.
    pub fn oversized(&self) -> Vec<String> {
        self.oversized.lock().map(|o| o.clone()).unwrap_or_default()
    }

    /// Sends `request` and returns the response whose body enforces the between-bytes timeout
    /// and the response size limit, and holds `permit` until it is read or dropped.
    pub async fn send(
        &self,
        request: http::Request<WasiBody>,
        permit: tokio::sync::OwnedSemaphorePermit,
    ) -> Result<http::Response<WasiBody>, Error> {
        let via_proxy = match &self.proxied {
            Some((matcher, client))
                if request.uri().scheme_str() == Some("https")
                    && matcher.intercept(request.uri()).is_some() =>
            {
                Some(client)
            }
            _ => None,
        };
        let origin = crate::policy::Origin::from_uri(request.uri())
            .map(|o| o.to_string())
            .unwrap_or_default();
        let sent = match via_proxy {
            Some(client) => client.request(request),
            None => self.direct.request(request),
        };
        let response = tokio::time::timeout(self.first_byte, sent)
            .await
            .map_err(|_| Error::ConnectionReadTimeout)?
            .map_err(|e| {
                let cause = NetCause::of(&e);
                tracing::debug!(origin, cause = cause.text(), error = %NetCause::chain(&e), "request failed");
                match cause {
                    NetCause::Dns => Error::DnsError {
                        rcode: None,
                        info_code: None,
                    },
                    NetCause::Refused => Error::ConnectionRefused,
                    NetCause::Timeout => Error::ConnectionTimeout,
                    NetCause::Certificate => Error::TlsCertificateError,
                    NetCause::Tls => Error::TlsProtocolError,
                    NetCause::Closed => Error::ConnectionTerminated,
                    NetCause::Proxy => Error::InternalError(Some(format!(
                        "proxy: {}",
                        NetCause::chain(&e)
                    ))),
                    NetCause::Other if e.is_connect() => Error::ConnectionRefused,
                    NetCause::Other => Error::InternalError(Some(NetCause::chain(&e))),
                }
            })?;
        let declared = response
            .headers()
            .get(http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > self.max_body) {
            self.record_oversized(&origin);
            return Err(Error::HttpResponseBodySize(declared));
        }
        let between_bytes = self.between_bytes;
        let (max_body, oversized) = (self.max_body, self.oversized.clone());
        Ok(response.map(|body| {
            Guarded {
                inner: body.map_err(Error::from),
                timeout: between_bytes,
                sleep: Box::pin(tokio::time::sleep(between_bytes)),
                remaining: max_body,
                _permit: permit,
                on_oversize: Some(Box::new(move || {
                    if let Ok(mut o) = oversized.lock() {
                        o.push(origin);
                    }
                })),
            }
            .boxed_unsync()
        }))
    }

    /// POSTs `form` URL-encoded to `url` (a token request) and returns the status and body.
    pub async fn post_form(
        &self,
        url: &str,
        form: &[(&str, &str)],
    ) -> Result<(u16, Bytes), PostError> {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let headers = [(http::header::ACCEPT.as_str(), "application/json")];
        self.post(
            url,
            "application/x-www-form-urlencoded",
            body.into(),
            &headers,
        )
        .await
    }

    /// POSTs `body` as `content_type` to `url` with `headers` (through the proxy unless the
    /// destination is loopback), and returns the status and the body, within the timeouts and
    /// the response size cap.
    pub async fn post(
        &self,
        url: &str,
        content_type: &str,
        body: Bytes,
        headers: &[(&str, &str)],
    ) -> Result<(u16, Bytes), PostError> {
        let uri: http::Uri = url.parse().map_err(|_| PostError::Url)?;
        let mut request = http::Request::post(uri.clone())
            .header(http::header::CONTENT_TYPE, content_type)
            .header(
                http::header::USER_AGENT,
                concat!("itam/", env!("CARGO_PKG_VERSION")),
            );
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let request = request
            .body(
                http_body_util::Full::new(body)
                    .map_err(|never| match never {})
                    .boxed_unsync(),
            )
            .map_err(|_| PostError::Url)?;
        let loopback = crate::policy::Origin::from_uri(&uri).is_some_and(|o| o.is_loopback());
        let sent = match &self.proxied {
            Some((matcher, client))
                if !loopback
                    && uri.scheme_str() == Some("https")
                    && matcher.intercept(&uri).is_some() =>
            {
                client.request(request)
            }
            _ => self.direct.request(request),
        };
        let response = tokio::time::timeout(self.first_byte, sent)
            .await
            .map_err(|_| PostError::Timeout)?
            .map_err(PostError::Send)?;
        let status = response.status().as_u16();
        let limited = http_body_util::Limited::new(response.into_body(), self.max_body as usize);
        let body = tokio::time::timeout(self.between_bytes, limited.collect())
            .await
            .map_err(|_| PostError::Timeout)?
            .map_err(|e| PostError::Body(e.to_string()))?
            .to_bytes();
        Ok((status, body))
    }

    fn record_oversized(&self, origin: &str) {
        tracing::info!(
            origin,
            limit = self.max_body,
            "refused a response larger than the source's response size limit"
        );
        if let Ok(mut o) = self.oversized.lock() {
            o.push(origin.to_string());
        }
    }
}

/// Wraps a connector with TLS for `https` destinations.
fn https<C>(tls: &rustls::ClientConfig, connector: C) -> Https<C> {
    hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(tls.clone())
        .https_or_http()
        .enable_http1()
        .wrap_connector(connector)
}

/// A body that fails when no frame arrives within `timeout`, or when more than `remaining`
/// bytes arrive (a response size limit that `Content-Length` cannot dodge).
struct Guarded<B> {
    inner: B,
    timeout: Duration,
    sleep: Pin<Box<tokio::time::Sleep>>,
    remaining: u64,
    /// The request's place among those in flight, given back when the body is dropped.
    _permit: tokio::sync::OwnedSemaphorePermit,
    on_oversize: Option<Box<dyn FnOnce() + Send>>,
}

impl<B: Body<Data = Bytes, Error = Error> + Unpin> Body for Guarded<B> {
    type Data = Bytes;
    type Error = Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Error>>> {
        match Pin::new(&mut self.inner).poll_frame(cx) {
            Poll::Ready(frame) => {
                let deadline = tokio::time::Instant::now() + self.timeout;
                self.sleep.as_mut().reset(deadline);
                if let Some(Ok(data)) = frame.as_ref().map(|f| f.as_ref().map(Frame::data_ref)) {
                    let n = data.map_or(0, |d| d.len() as u64);
                    match self.remaining.checked_sub(n) {
                        Some(left) => self.remaining = left,
                        None => {
                            if let Some(record) = self.on_oversize.take() {
                                record();
                            }
                            return Poll::Ready(Some(Err(Error::HttpResponseBodySize(None))));
                        }
                    }
                }
                Poll::Ready(frame)
            }
            Poll::Pending => match self.sleep.as_mut().poll(cx) {
                Poll::Ready(()) => Poll::Ready(Some(Err(Error::ConnectionReadTimeout))),
                Poll::Pending => Poll::Pending,
            },
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }
}

/// Why [`Sender::post_form`] got no answer.
#[derive(Debug)]
pub enum PostError {
    /// The URL is not one a request can be made to.
    Url,
    /// No answer within the timeout.
    Timeout,
    /// The request could not be sent (DNS, refused, TLS, proxy, …).
    Send(hyper_util::client::legacy::Error),
    /// The answer's body could not be read, or was larger than the cap.
    Body(String),
}
