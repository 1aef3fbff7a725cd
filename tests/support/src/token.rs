//! A minimal OAuth 2.0 token endpoint: answers a client-credentials request that carries the
//! expected client ID and secret with a JWT-shaped token, and anything else with an OAuth
//! error. It counts the tokens it issued.

use base64::Engine as _;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A token endpoint serving `http://127.0.0.1:PORT/token` until dropped.
pub struct TokenEndpoint {
    url: String,
    issued: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl TokenEndpoint {
    /// Starts an endpoint that accepts `client_id` with `client_secret`.
    pub async fn start(client_id: &str, client_secret: &str) -> TokenEndpoint {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let url = format!("http://{}", listener.local_addr().expect("an address"));
        let issued: Arc<Mutex<Vec<String>>> = Arc::default();
        let expected = (
            format!("client_id={client_id}"),
            format!("client_secret={client_secret}"),
        );
        let task = tokio::spawn({
            let issued = issued.clone();
            async move {
                while let Ok((mut socket, _)) = listener.accept().await {
                    let issued = issued.clone();
                    let expected = expected.clone();
                    tokio::spawn(async move {
                        let request = read_request(&mut socket).await;
                        let body = request.rsplit("\r\n\r\n").next().unwrap_or_default();
                        let fields: Vec<&str> = body.split('&').collect();
                        let reply = if fields.contains(&expected.0.as_str())
                            && fields.contains(&expected.1.as_str())
                        {
                            let token = token(issued.lock().unwrap().len());
                            issued.lock().unwrap().push(token.clone());
                            (
                                200,
                                serde_json::json!({"access_token": token, "expires_in": 3600}),
                            )
                        } else {
                            (401, serde_json::json!({"error": "invalid_client"}))
                        };
                        let body = reply.1.to_string();
                        let response = format!(
                            "HTTP/1.1 {} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                            reply.0,
                            body.len()
                        );
                        let _ = socket.write_all(response.as_bytes()).await;
                    });
                }
            }
        });
        TokenEndpoint { url, issued, task }
    }

    /// The endpoint's origin, `http://127.0.0.1:PORT`.
    pub fn origin(&self) -> String {
        self.url.clone()
    }

    /// The token URL.
    pub fn token_url(&self) -> String {
        format!("{}/token", self.url)
    }

    /// The tokens issued so far.
    pub fn issued(&self) -> Vec<String> {
        self.issued.lock().unwrap().clone()
    }
}

impl Drop for TokenEndpoint {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Reads a request head and its `content-length` body.
async fn read_request(socket: &mut tokio::net::TcpStream) -> String {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    while let Ok(n) = socket.read(&mut buf).await {
        if n == 0 {
            break;
        }
        data.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&data);
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length = head
                .lines()
                .find_map(|l| {
                    let (name, value) = l.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse::<usize>().ok())?
                })
                .unwrap_or(0);
            if body.len() >= length {
                break;
            }
        }
    }
    String::from_utf8_lossy(&data).into_owned()
}

/// A JWT-shaped token (unsigned) with roles and a tenant, as access tokens carry them.
fn token(n: usize) -> String {
    let encode = |v: serde_json::Value| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
    };
    format!(
        "{}.{}.sig{n}",
        encode(serde_json::json!({"alg": "none"})),
        encode(serde_json::json!({"roles": ["Read.All"], "tid": "tenant-1"}))
    )
}
