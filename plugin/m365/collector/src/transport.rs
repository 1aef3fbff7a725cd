//! The plugin's view of HTTP: one GET at a time, behind a trait so tests can fake it.

/// An HTTP answer: status, the headers the plugin reads, and the body.
#[derive(Clone, Debug, Default)]
pub struct Reply {
    /// HTTP status code.
    pub status: u16,
    /// Response headers with lower-case names.
    pub headers: Vec<(String, String)>,
    /// The whole body (one Graph page at most).
    pub body: Vec<u8>,
}

impl Reply {
    /// The first header called `name` (lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Why a request got no answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TransportError {
    /// The host's policy refused the destination (wasi:http `HTTP-request-denied`).
    Denied(String),
    /// Connection, TLS or timeout failure.
    Network(NetworkCause),
}

/// Why a connection failed, as the host's wasi:http reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
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

    /// What to do about it.
    pub fn fix(&self) -> &'static str {
        match self {
            NetworkCause::Dns => {
                "check the host name (cloud, login_url, graph_url) and this machine's DNS; behind a proxy, set [network] https_proxy"
            }
            NetworkCause::Refused => {
                "nothing accepts connections there: check graph_url / login_url and the port, and any firewall"
            }
            NetworkCause::ConnectTimeout => {
                "check the firewall and proxy ([network] https_proxy); raise limits.connect_timeout if the network is slow"
            }
            NetworkCause::ReadTimeout => {
                "raise limits.first_byte_timeout or limits.between_bytes_timeout if the tenant is large or the network slow"
            }
            NetworkCause::Certificate => {
                "if a TLS-inspecting proxy is in the way, set [network] ca_bundle to its CA certificate; otherwise check graph_url / login_url"
            }
            NetworkCause::Tls => "check that graph_url / login_url use https on an HTTPS port",
            NetworkCause::Closed => {
                "try again; if it persists, check the proxy or firewall in between"
            }
            NetworkCause::Other(said) if said.starts_with("proxy") => {
                "check [network] https_proxy (or HTTPS_PROXY), its credentials and no_proxy"
            }
            NetworkCause::Other(_) => {
                "check network access to the Graph and sign-in hosts (proxy, firewall, DNS)"
            }
        }
    }
}

/// The cause behind a wasi:http error code.
#[cfg(target_arch = "wasm32")]
fn cause(code: &waki::ErrorCode) -> NetworkCause {
    use waki::ErrorCode as E;
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

/// Sends requests. Credentials are added by the host, never here.
pub trait Transport {
    /// Sends a GET to `url` with `headers`.
    fn get(&mut self, url: &str, headers: &[(&str, &str)]) -> Result<Reply, TransportError>;

    /// Sends a POST of a JSON `body` to `url` with `headers` (used only for `$batch` of GETs).
    fn post_json(
        &mut self,
        url: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Result<Reply, TransportError>;
}

/// The real transport: wasi:http through `waki`.
#[cfg(target_arch = "wasm32")]
pub struct WakiTransport;

#[cfg(target_arch = "wasm32")]
impl WakiTransport {
    fn send(
        request: waki::RequestBuilder,
        url: &str,
        headers: &[(&str, &str)],
    ) -> Result<Reply, TransportError> {
        let mut request = request;
        for (name, value) in headers {
            let name = waki::header::HeaderName::from_bytes(name.as_bytes()).map_err(|e| {
                TransportError::Network(NetworkCause::Other(format!("bad header name {name}: {e}")))
            })?;
            request = request.header(name, value.to_string());
        }
        let response = request
            .send()
            .map_err(|e| match e.downcast_ref::<waki::ErrorCode>() {
                Some(waki::ErrorCode::HttpRequestDenied) => TransportError::Denied(url.to_string()),
                Some(code) => TransportError::Network(cause(code)),
                None => TransportError::Network(NetworkCause::Other(format!("{e:#}"))),
            })?;
        let status = response.status_code();
        let headers = response
            .headers()
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_ascii_lowercase(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let body = response.body().map_err(|e| {
            TransportError::Network(match e.downcast_ref::<waki::ErrorCode>() {
                Some(code) => cause(code),
                None => NetworkCause::Other(format!("reading the response body: {e:#}")),
            })
        })?;
        Ok(Reply {
            status,
            headers,
            body,
        })
    }
}

#[cfg(target_arch = "wasm32")]
impl Transport for WakiTransport {
    fn get(&mut self, url: &str, headers: &[(&str, &str)]) -> Result<Reply, TransportError> {
        WakiTransport::send(waki::Client::new().get(url), url, headers)
    }

    fn post_json(
        &mut self,
        url: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Result<Reply, TransportError> {
        let request = waki::Client::new()
            .post(url)
            .header(waki::header::CONTENT_TYPE, "application/json")
            .body(body.to_vec());
        WakiTransport::send(request, url, headers)
    }
}
