//! Webhooks: each run's changes reach the receiver, signed, even when the receiver was down or
//! no service was running when the run committed; a failed delivery is retried with the same
//! idempotency key; the events filter holds.

use crate::common::{Env, assert_success};
use crate::serve::{Service, serve_config};
use graph_emulator::Options;
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const SECRET: &str = "a-webhook-secret-of-some-length";

/// One request the receiver got: its headers (lower-case names) and body.
#[derive(Clone, Debug)]
struct Received {
    headers: Vec<(String, String)>,
    body: String,
}

impl Received {
    fn header(&self, name: &str) -> &str {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_default()
    }
}

/// A plain HTTP receiver on loopback that records every request and answers each with the
/// next status of `statuses` (then 200).
fn receiver(statuses: Vec<u16>) -> (String, Arc<Mutex<Vec<Received>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hooks/itam", listener.local_addr().unwrap());
    let received = Arc::new(Mutex::new(Vec::new()));
    let log = received.clone();
    std::thread::spawn(move || {
        let mut statuses = statuses.into_iter();
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut headers = Vec::new();
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            loop {
                line.clear();
                reader.read_line(&mut line).unwrap();
                let trimmed = line.trim_end();
                if trimmed.is_empty() {
                    break;
                }
                let (name, value) = trimmed.split_once(':').unwrap();
                headers.push((name.to_ascii_lowercase(), value.trim().to_string()));
            }
            let length: usize = headers
                .iter()
                .find(|(n, _)| n == "content-length")
                .map(|(_, v)| v.parse().unwrap())
                .unwrap_or(0);
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            log.lock().unwrap().push(Received {
                headers,
                body: String::from_utf8(body).unwrap(),
            });
            let status = statuses.next().unwrap_or(200);
            let _ = write!(
                stream,
                "HTTP/1.1 {status} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
            );
        }
    });
    (url, received)
}

/// Checks the delivery's signature as a receiver would (see README: "Webhooks").
fn assert_signed(r: &Received) {
    let timestamp = r.header("x-itam-timestamp");
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, SECRET.as_bytes());
    let expected = ring::hmac::sign(&key, format!("{timestamp}.{}", r.body).as_bytes());
    assert_eq!(
        r.header("x-itam-signature"),
        format!("sha256={}", hex::encode(expected.as_ref()))
    );
    let age = chrono::Utc::now().timestamp() - timestamp.parse::<i64>().unwrap();
    assert!((0..120).contains(&age), "a fresh timestamp: {age}");
}

#[test]
fn changes_reach_the_webhook_signed_and_a_failed_delivery_is_retried_with_its_key() {
    let env = Env::new(400, Options::default());
    // The first delivery attempt fails; the retry (30 s later) is taken.
    let (url, received) = receiver(vec![503]);
    let config = serve_config(&env, "1h", "");
    env.append_config(&format!(
        "[[webhook]]\nname = \"itsm\"\nurl = \"{url}\"\nsecret = {{ env = \"ITAM_TEST_HOOK_SECRET\" }}\nevents = [\"account-added\", \"account-removed\", \"licence-added\", \"licence-removed\"]\n"
    ));
    assert_success(&env.itam(&["sync"]));
    // A run while no service runs: its delivery waits in the outbox.
    env.emulator.apply_random_changes(7, 25);
    assert_success(&env.itam(&["sync"]));
    let feed = env.itam_json(&["changes", "--format", "json"]);
    let wanted: Vec<Value> = feed["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| {
            [
                "account-added",
                "account-removed",
                "licence-added",
                "licence-removed",
            ]
            .contains(&c["kind"].as_str().unwrap())
        })
        .cloned()
        .collect();
    assert!(!wanted.is_empty(), "the changes include some of the events");
    assert!(received.lock().unwrap().is_empty());

    let service = Service::start(&config, &[], &[("ITAM_TEST_HOOK_SECRET", SECRET)]);
    service.until(Duration::from_secs(90), "the retried delivery", |_| {
        received.lock().unwrap().len() >= 2
    });
    let got = received.lock().unwrap().clone();
    let (first, retry) = (&got[0], &got[1]);
    assert_eq!(first.body.len(), retry.body.len());
    let key = first.header("idempotency-key");
    assert!(key.starts_with("itam-itsm-"), "{key}");
    assert_eq!(
        retry.header("idempotency-key"),
        key,
        "the same key on retry"
    );
    assert_eq!(first.header("content-type"), "application/json");
    for r in &got {
        assert_signed(r);
    }
    let body: Value = serde_json::from_str(&retry.body).unwrap();
    assert_eq!(body["source"], "contoso");
    assert_eq!(body["delivery"], key);
    assert_eq!(body["changes"].as_array().unwrap(), &wanted);
    assert_eq!(body["cursor"], feed["cursor"]);
    assert!(
        !String::from_utf8_lossy(&std::fs::read(env.dir.path().join("itam.db")).unwrap())
            .contains(SECRET),
        "the secret is not in the database"
    );
    assert!(!service.log().contains(SECRET), "nor in the log");
    drop(service);
}
