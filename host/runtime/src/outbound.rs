//! The wasi:http send hook: default-deny allow-list, credential attachment, request timeouts.

use crate::credentials::TokenBroker;
use crate::http::Sender;
use crate::network::Network;
use crate::policy::{AllowList, Origin};
use http::HeaderValue;
use http::header::AUTHORIZATION;
use http_body_util::BodyExt;
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
    sender: Sender,
    denied: Arc<Mutex<Vec<String>>>,
    requests: Arc<std::sync::atomic::AtomicU64>,
    /// Answers that asked the plugin to slow down (429 or 503).
    throttled: Arc<std::sync::atomic::AtomicU64>,
    /// One permit per request from sending until its response body is read or dropped.
    in_flight: Arc<tokio::sync::Semaphore>,
    max_in_flight: usize,
    pacer: Option<Arc<dyn crate::Pacer>>,
}

/// Largest request body a plugin may send, in bytes.
const MAX_REQUEST_BODY: usize = 1 << 20;

/// Most refused origins a run lists in its error.
const MAX_DENIED_SHOWN: usize = 20;

impl OutboundPolicy {
    /// A policy allowing `allow`, attaching `broker`'s tokens, with connect / first-byte /
    /// between-bytes timeouts and a response size limit.
    pub fn new(
        allow: AllowList,
        broker: Arc<TokenBroker>,
        timeouts: [Duration; 3],
        max_response_bytes: u64,
        max_in_flight: usize,
        network: &Network,
    ) -> Self {
        OutboundPolicy {
            allow,
            broker,
            sender: Sender::new(timeouts, max_response_bytes, network),
            denied: Arc::default(),
            requests: Arc::default(),
            throttled: Arc::default(),
            max_in_flight,
            in_flight: Arc::new(tokio::sync::Semaphore::new(max_in_flight)),
            pacer: None,
        }
    }

    /// Holds each request until `pacer` is ready, and tells it of throttled answers.
    pub fn pace_with(&mut self, pacer: Arc<dyn crate::Pacer>) {
        self.pacer = Some(pacer);
    }

    /// Counts the requests sent into `counter` (for progress).
    pub fn count_requests(&mut self, counter: Arc<std::sync::atomic::AtomicU64>) {
        self.requests = counter;
    }

    /// Requests sent so far.
    pub fn requests(&self) -> u64 {
        self.requests.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Answers so far that asked the plugin to slow down: 429 Too Many Requests or 503
    /// Service Unavailable.
    pub fn throttled(&self) -> u64 {
        self.throttled.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Origins whose responses were cut off for exceeding the response size limit.
    pub fn oversized(&self) -> Vec<String> {
        self.sender.oversized()
    }

    /// Origins refused so far.
    pub fn denied(&self) -> Vec<String> {
        self.denied.lock().map(|d| d.clone()).unwrap_or_default()
    }
}

/// Whether the plugin may not set header `name`: wasi:http's defaults (hop-by-hop headers and
/// the like) and `Authorization`, which only the host attaches. The plugin gets a header error
/// it can see (`forbidden`) when it tries, instead of the header being dropped in silence.
fn forbidden(name: &http::HeaderName) -> bool {
    *name == AUTHORIZATION || wasmtime_wasi_http::DEFAULT_FORBIDDEN_HEADERS.contains(name)
}

impl WasiHttpHooks for OutboundPolicy {
    fn is_forbidden_header(&mut self, name: &http::HeaderName) -> bool {
        forbidden(name)
    }

    fn forbidden_header_filter(&mut self) -> wasmtime_wasi_http::ForbiddenHeaderFilter {
        Arc::new(forbidden)
    }

    fn send_request(
        &mut self,
        mut request: http::Request<WasiBody>,
        _options: Option<RequestOptions>,
        fut: Box<dyn Future<Output = Result<(), Error>> + Send>,
    ) -> ResponseFuture {
        drop(fut);
        // Only an authority that is exactly `host[:port]` is judged: userinfo
        // (`evil.example@api-host`) would otherwise pass as the host after the `@`.
        let origin = Origin::from_uri(request.uri()).filter(|_| plain_authority(request.uri()));
        let Some(origin) = origin.filter(|o| self.allow.allows(o)) else {
            let shown = Origin::from_uri(request.uri())
                .map(|o| o.to_string())
                .unwrap_or_else(|| "a request without a host".into());
            tracing::info!(origin = %shown, "denied an outbound request: not on the allow-list");
            if let Ok(mut d) = self.denied.lock()
                && d.len() < MAX_DENIED_SHOWN
            {
                d.push(shown);
            }
            return Box::new(async { Err(Error::HttpRequestDenied) });
        };
        let Ok(permit) = self.in_flight.clone().try_acquire_owned() else {
            tracing::info!(
                limit = self.max_in_flight,
                "refused a request: too many in flight"
            );
            return Box::new(async { Err(Error::ConnectionLimitReached) });
        };
        self.requests
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        // Only the host authenticates requests. The plugin cannot set the header (see
        // `forbidden`); removing it again costs nothing and keeps that true whatever the hook.
        request.headers_mut().remove(AUTHORIZATION);
        let broker = self.broker.clone();
        let sender = self.sender.clone();
        let throttled = self.throttled.clone();
        let pacer = self.pacer.clone();
        Box::new(async move {
            if let Some(pacer) = &pacer {
                pacer.ready().await;
            }
            let token = if origin.may_carry_credentials() {
                broker.bearer_for(&origin).await
            } else {
                None
            };
            let carries_token = token.is_some();
            if let Some(token) = token {
                let mut value = HeaderValue::from_str(&format!("Bearer {}", token.expose()))
                    .map_err(|_| Error::HttpRequestDenied)?;
                value.set_sensitive(true);
                request.headers_mut().insert(AUTHORIZATION, value);
            }
            // The body is read whole before connecting (bounded, and a `$batch` is a few KiB):
            // a connection that fails then reaches the plugin as its cause (refused, DNS, TLS)
            // on the response, instead of as a broken body stream while it is still writing.
            let (parts, body) = request.into_parts();
            let body = http_body_util::Limited::new(body, MAX_REQUEST_BODY)
                .collect()
                .await
                .map_err(|_| Error::HttpRequestBodySize(None))?
                .to_bytes();
            let body = http_body_util::Full::new(body)
                .map_err(|never| match never {})
                .boxed_unsync();
            let request = http::Request::from_parts(parts, body);
            // The host's timeouts apply whatever the plugin asks for.
            let response = sender.send(request, permit).await?;
            if carries_token && response.status() == http::StatusCode::UNAUTHORIZED {
                broker.token_rejected();
            }
            if matches!(
                response.status(),
                http::StatusCode::TOO_MANY_REQUESTS | http::StatusCode::SERVICE_UNAVAILABLE
            ) {
                throttled.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if let Some(pacer) = &pacer {
                    pacer.throttled(crate::pace::retry_after(response.headers()));
                }
            }
            Ok((
                response,
                Box::new(async { Ok(()) }) as Box<dyn Future<Output = Result<(), Error>> + Send>,
            ))
        })
    }
}

/// Whether the URI's authority is exactly `host[:port]`: no userinfo, no empty port.
fn plain_authority(uri: &http::Uri) -> bool {
    let (Some(authority), Some(host)) = (uri.authority(), uri.host()) else {
        return false;
    };
    let text = authority.as_str();
    match uri.port() {
        Some(port) => text == format!("{host}:{}", port.as_str()),
        None => text == host,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bindings::itam::collector::types::{ClientCredentialsGrant, Grant};
    use crate::credentials::Credential;
    use crate::credentials::Secret;
    use http_body_util::Empty;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A server that answers every request with the request's header block as its body.
    async fn echo_server() -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            loop {
                let Ok((mut socket, _)) = listener.accept().await else {
                    return;
                };
                tokio::spawn(async move {
                    let mut buf = vec![0u8; 8192];
                    let n = socket.read(&mut buf).await.unwrap_or(0);
                    let head = String::from_utf8_lossy(&buf[..n]).to_lowercase();
                    let reply = format!(
                        "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{head}",
                        head.len()
                    );
                    let _ = socket.write_all(reply.as_bytes()).await;
                });
            }
        });
        format!("http://{addr}")
    }

    /// A server that answers every request 429 with `Retry-After: 7`.
    async fn throttling_server() -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let mut buf = vec![0u8; 8192];
                    let _ = socket.read(&mut buf).await;
                    let reply = "HTTP/1.1 429 Too Many Requests\r\nretry-after: 7\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";
                    let _ = socket.write_all(reply.as_bytes()).await;
                });
            }
        });
        format!("http://{addr}")
    }

    /// A pacer that lets everything through and remembers what it was told.
    #[derive(Default)]
    struct Counting {
        ready: std::sync::atomic::AtomicU32,
        throttled: Mutex<Vec<Option<Duration>>>,
    }

    impl crate::Pacer for Counting {
        fn ready(&self) -> std::pin::Pin<Box<dyn Future<Output = ()> + Send + '_>> {
            self.ready
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            Box::pin(async {})
        }

        fn throttled(&self, retry_after: Option<Duration>) {
            self.throttled.lock().unwrap().push(retry_after);
        }
    }

    #[tokio::test]
    async fn the_pacer_sees_every_request_and_each_throttled_answer() {
        let ok = echo_server().await;
        let busy = throttling_server().await;
        let allow = AllowList::build(&[ok.clone(), busy.clone()], None).unwrap();
        let broker = Arc::new(TokenBroker::new(
            None,
            allow.clone(),
            Duration::from_secs(5),
            &Network::default(),
        ));
        let timeouts = [Duration::from_secs(2); 3];
        let mut policy =
            OutboundPolicy::new(allow, broker, timeouts, 1 << 20, 16, &Network::default());
        let pacer = Arc::new(Counting::default());
        policy.pace_with(pacer.clone());
        send(&mut policy, &format!("{ok}/a")).await.unwrap();
        send(&mut policy, &format!("{busy}/b")).await.unwrap();
        // A denied request never reaches the pacer.
        assert!(send(&mut policy, "http://127.0.0.1:9/x").await.is_err());
        assert_eq!(pacer.ready.load(std::sync::atomic::Ordering::Relaxed), 2);
        assert_eq!(
            *pacer.throttled.lock().unwrap(),
            [Some(Duration::from_secs(7))]
        );
        assert_eq!(policy.throttled(), 1);
    }

    async fn send(policy: &mut OutboundPolicy, url: &str) -> Result<String, Error> {
        let body = Empty::<bytes::Bytes>::new()
            .map_err(|never| match never {})
            .boxed_unsync();
        let request = http::Request::get(url)
            .header("authorization", "Basic cGx1Z2luOnNldA==")
            .body(body)
            .unwrap();
        let response =
            Box::into_pin(policy.send_request(request, None, Box::new(async { Ok(()) })));
        let (response, _io) = response.await?;
        let bytes = response.into_body().collect().await?.to_bytes();
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }

    #[test]
    fn the_plugin_may_not_set_authorization_but_may_set_ordinary_headers() {
        assert!(forbidden(&AUTHORIZATION));
        assert!(forbidden(&http::HeaderName::from_static("authorization")));
        assert!(
            forbidden(&http::header::CONNECTION),
            "wasi:http's defaults stay"
        );
        assert!(!forbidden(&http::header::ACCEPT));
        assert!(!forbidden(&http::HeaderName::from_static(
            "consistencylevel"
        )));
    }

    #[tokio::test]
    async fn bearer_goes_only_to_resource_hosts_and_plugin_credentials_are_dropped() {
        let endpoint = itam_test_support::TokenEndpoint::start("client-1", "s3cret").await;
        let resource = echo_server().await;
        let other = echo_server().await;
        let declared = vec![endpoint.origin(), resource.clone(), other.clone()];
        let allow = AllowList::build(&declared, None).unwrap();
        let credential = Credential {
            client_id: "client-1".into(),
            auth: crate::credentials::ClientAuth::Secret(Secret::new("s3cret")),
            origin: "test".into(),
        };
        let grant = Grant::ClientCredentials(ClientCredentialsGrant {
            token_url: endpoint.token_url(),
            scope: "https://api.example.com/.default".into(),
            resource_hosts: vec![resource.clone()],
        });
        let broker = Arc::new(
            TokenBroker::new(
                Some(credential),
                allow.clone(),
                Duration::from_secs(5),
                &Network::default(),
            )
            .expecting(Some(grant.clone())),
        );
        broker.authorize(grant).await.unwrap();
        let timeouts = [Duration::from_secs(2); 3];
        let mut policy =
            OutboundPolicy::new(allow, broker, timeouts, 1 << 20, 16, &Network::default());

        let seen = send(&mut policy, &format!("{resource}/v1.0/users"))
            .await
            .unwrap();
        assert!(seen.contains("authorization: bearer "), "{seen}");
        assert!(!seen.contains("basic"), "{seen}");

        let seen = send(&mut policy, &format!("{other}/x")).await.unwrap();
        assert!(
            !seen.contains("authorization"),
            "no token and no plugin header for other hosts: {seen}"
        );

        let denied = send(&mut policy, "http://127.0.0.1:9/x").await;
        assert!(matches!(denied, Err(Error::HttpRequestDenied)));
        assert_eq!(policy.denied(), vec!["http://127.0.0.1:9"]);

        // An authority with userinfo names the resource host but is not exactly host[:port].
        let port = resource.rsplit(':').next().unwrap();
        let sneaky = send(
            &mut policy,
            &format!("http://evil.example@127.0.0.1:{port}/v1.0/users"),
        )
        .await;
        assert!(
            matches!(sneaky, Err(Error::HttpRequestDenied)),
            "{sneaky:?}"
        );
        for odd in [
            format!("http://127.0.0.1:{port}@127.0.0.1:{port}/x"),
            format!("http://user:pw@127.0.0.1:{port}/x"),
        ] {
            assert!(matches!(
                send(&mut policy, &odd).await,
                Err(Error::HttpRequestDenied)
            ));
        }
    }
}
