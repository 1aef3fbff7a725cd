//! A minimal HTTP/1.1 client over a raw loopback TCP connection, and helpers to get tokens and
//! read every page of a listing.

use crate::Emulator;
use crate::tenant::DEFAULT_SCOPES;
use serde_json::Value;
use std::collections::BTreeMap;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// An answer: status, headers (names lowercased) and JSON body (`null` if none).
pub(crate) struct Answer {
    pub status: u16,
    pub headers: BTreeMap<String, String>,
    pub body: Value,
}

/// One request on a fresh connection. A `form` body is sent form-encoded.
pub(crate) async fn send(
    emulator: &Emulator,
    method: &str,
    path: &str,
    token: Option<&str>,
    form: Option<&str>,
) -> Answer {
    let mut stream = tokio::net::TcpStream::connect(emulator.addr())
        .await
        .unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n",
        emulator.addr()
    );
    if let Some(token) = token {
        head.push_str(&format!("Authorization: Bearer {token}\r\n"));
    }
    if let Some(form) = form {
        head.push_str(&format!(
            "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n",
            form.len()
        ));
    }
    head.push_str("\r\n");
    head.push_str(form.unwrap_or_default());
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    let text = String::from_utf8(raw).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    let headers: BTreeMap<String, String> = head
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_lowercase(), v.trim().to_string()))
        .collect();
    let body = if headers
        .get("transfer-encoding")
        .is_some_and(|v| v.contains("chunked"))
    {
        dechunk(body)
    } else {
        body.to_string()
    };
    Answer {
        status,
        headers,
        body: serde_json::from_str(&body).unwrap_or(Value::Null),
    }
}

/// The payload of a chunked body.
fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        out.push_str(&rest[..size]);
        body = &rest[size + 2..];
    }
    out
}

/// Percent-encodes a form value.
pub(crate) fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `POST /token` with `assertion`.
pub(crate) async fn exchange(emulator: &Emulator, assertion: &str) -> Answer {
    let form = format!(
        "grant_type={}&assertion={}",
        encode(crate::token::JWT_BEARER),
        encode(assertion)
    );
    send(emulator, "POST", "/token", None, Some(&form)).await
}

/// A token impersonating `subject` with `scopes`.
pub(crate) async fn token_for(emulator: &Emulator, subject: &str, scopes: &[&str]) -> String {
    let answer = exchange(emulator, &emulator.assertion(subject, scopes)).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.body["access_token"].as_str().unwrap().to_string()
}

/// A token impersonating the super administrator with every default scope.
pub(crate) async fn admin_token(emulator: &Emulator) -> String {
    let admin = emulator.tenant().admin_email().to_string();
    token_for(emulator, &admin, &DEFAULT_SCOPES).await
}

/// `GET path` with `token`.
pub(crate) async fn get(emulator: &Emulator, path: &str, token: &str) -> Answer {
    send(emulator, "GET", path, Some(token), None).await
}

/// Every item under `field` of every page of `path` (which has a query already), following
/// `nextPageToken`; also the number of pages.
pub(crate) async fn all(
    emulator: &Emulator,
    path: &str,
    token: &str,
    field: &str,
) -> (Vec<Value>, usize) {
    let (mut items, mut pages, mut next) = (Vec::new(), 0, None::<String>);
    loop {
        let url = match &next {
            Some(t) => format!("{path}&pageToken={}", encode(t)),
            None => path.to_string(),
        };
        let answer = get(emulator, &url, token).await;
        assert_eq!(answer.status, 200, "{url}: {}", answer.body);
        if let Some(page) = answer.body[field].as_array() {
            items.extend(page.iter().cloned());
        }
        pages += 1;
        next = answer.body["nextPageToken"].as_str().map(String::from);
        if next.is_none() {
            return (items, pages);
        }
    }
}
