//! The wasi:http send hook: default-deny allow-list, credential attachment, request timeouts.

use crate::credentials::TokenBroker;
use crate::policy::{AllowList, Origin};
use http::HeaderValue;
use http::header::AUTHORIZATION;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use wasmtime_wasi_http::{Error, RequestOptions, WasiBody, WasiHttpHooks};

type ResponseFuture = Box<
    dyn Future<
            Output = Result<
                (
                    http::Response<WasiBody>,
                    Box<dyn Future<Output = Result<(), Error>> + Send>,
                ),
                Error,
            >,
        > + Send,
>;

/// The outbound policy of one run.
pub struct OutboundPolicy {
    allow: AllowList,
    broker: Arc<TokenBroker>,
    timeouts: [Duration; 3],
    denied: Arc<Mutex<Vec<String>>>,
}

impl OutboundPolicy {
    /// A policy allowing `allow`, attaching `broker`'s tokens, with connect / first-byte /
    /// between-bytes timeouts.
    pub fn new(allow: AllowList, broker: Arc<TokenBroker>, timeouts: [Duration; 3]) -> Self {
        OutboundPolicy {
            allow,
            broker,
            timeouts,
            denied: Arc::default(),
        }
    }

    /// Origins refused so far.
    pub fn denied(&self) -> Vec<String> {
        self.denied.lock().map(|d| d.clone()).unwrap_or_default()
    }

    /// The host's timeouts, shortened where the plugin asked for less.
    fn options(&self, asked: Option<RequestOptions>) -> RequestOptions {
        let asked = asked.unwrap_or_default();
        let pick = |asked: Option<Duration>, cap: Duration| Some(asked.map_or(cap, |a| a.min(cap)));
        RequestOptions {
            connect_timeout: pick(asked.connect_timeout, self.timeouts[0]),
            first_byte_timeout: pick(asked.first_byte_timeout, self.timeouts[1]),
            between_bytes_timeout: pick(asked.between_bytes_timeout, self.timeouts[2]),
        }
    }
}

impl WasiHttpHooks for OutboundPolicy {
    fn send_request(
        &mut self,
        mut request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        fut: Box<dyn Future<Output = Result<(), Error>> + Send>,
    ) -> ResponseFuture {
        drop(fut);
        let origin = Origin::from_uri(request.uri());
        let Some(origin) = origin.filter(|o| self.allow.allows(o)) else {
            let shown = Origin::from_uri(request.uri())
                .map(|o| o.to_string())
                .unwrap_or_else(|| "a request without a host".into());
            tracing::warn!(origin = %shown, "denied an outbound request: not on the allow-list");
            if let Ok(mut d) = self.denied.lock() {
                d.push(shown);
            }
            return Box::new(async { Err(Error::HttpRequestDenied) });
        };
        // Only the host authenticates requests: whatever the plugin set is dropped.
        request.headers_mut().remove(AUTHORIZATION);
        let options = self.options(options);
        let broker = self.broker.clone();
        Box::new(async move {
            let token = if origin.may_carry_credentials() {
                broker.bearer_for(&origin).await
            } else {
                None
            };
            if let Some(token) = token {
                let mut value = HeaderValue::from_str(&format!("Bearer {}", token.expose()))
                    .map_err(|_| Error::HttpRequestDenied)?;
                value.set_sensitive(true);
                request.headers_mut().insert(AUTHORIZATION, value);
            }
            let (response, io) =
                wasmtime_wasi_http::default_send_request(request, Some(options)).await?;
            use http_body_util::BodyExt;
            Ok((
                response.map(BodyExt::boxed_unsync),
                Box::new(io) as Box<dyn Future<Output = Result<(), Error>> + Send>,
            ))
        })
    }
}
