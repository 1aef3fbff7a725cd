//! The HTTP sender behind the plugin's wasi:http requests: one pooled client per run, so a
//! run's pages reuse connections (wasmtime's default sender opens one per request), with
//! connect, first-byte and between-bytes timeouts instead of wasmtime's 600 s default.

use bytes::Bytes;
use http_body::{Body, Frame};
use http_body_util::BodyExt;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use wasmtime_wasi_http::{Error, WasiBody};

/// Sends the requests of one run.
#[derive(Clone)]
pub struct Sender {
    client: Client<hyper_rustls::HttpsConnector<HttpConnector>, WasiBody>,
    first_byte: Duration,
    between_bytes: Duration,
}

impl Sender {
    /// A sender with connect, first-byte and between-bytes timeouts.
    pub fn new([connect, first_byte, between_bytes]: [Duration; 3]) -> Sender {
        let mut http = HttpConnector::new();
        http.set_connect_timeout(Some(connect));
        http.set_nodelay(true);
        http.enforce_http(false);
        let roots = rustls::RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.into(),
        };
        let tls = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("ring supports the default protocol versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        let client = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(60))
            .build(https);
        Sender {
            client,
            first_byte,
            between_bytes,
        }
    }

    /// Sends `request` and returns the response whose body enforces the between-bytes timeout.
    pub async fn send(
        &self,
        request: http::Request<WasiBody>,
    ) -> Result<http::Response<WasiBody>, Error> {
        let response = tokio::time::timeout(self.first_byte, self.client.request(request))
            .await
            .map_err(|_| Error::ConnectionReadTimeout)?
            .map_err(|e| {
                if e.is_connect() {
                    Error::ConnectionRefused
                } else {
                    Error::InternalError(Some(format!("{e:#}")))
                }
            })?;
        let between_bytes = self.between_bytes;
        Ok(response.map(|body| {
            BetweenBytes {
                inner: body.map_err(Error::from),
                timeout: between_bytes,
                sleep: Box::pin(tokio::time::sleep(between_bytes)),
            }
            .boxed_unsync()
        }))
    }
}

/// A body that fails when no frame arrives within `timeout`.
struct BetweenBytes<B> {
    inner: B,
    timeout: Duration,
    sleep: Pin<Box<tokio::time::Sleep>>,
}

impl<B: Body<Data = Bytes, Error = Error> + Unpin> Body for BetweenBytes<B> {
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
