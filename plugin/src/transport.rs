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
    Network(String),
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
            let name = waki::header::HeaderName::from_bytes(name.as_bytes())
                .map_err(|e| TransportError::Network(format!("bad header name {name}: {e}")))?;
            request = request.header(name, value.to_string());
        }
        let response = request
            .send()
            .map_err(|e| match e.downcast_ref::<waki::ErrorCode>() {
                Some(waki::ErrorCode::HttpRequestDenied) => TransportError::Denied(url.to_string()),
                _ => TransportError::Network(format!("{e:#}")),
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
        let body = response
            .body()
            .map_err(|e| TransportError::Network(format!("reading the response body: {e:#}")))?;
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
