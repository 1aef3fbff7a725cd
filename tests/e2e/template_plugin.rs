//! The template plugin (`plugin/template`, built by `tests/hostile-build`) loaded from its
//! `.wasm` file: it reads a JSON inventory from a server on loopback, and exactly what the
//! server lists is stored.

use crate::common::{assert_success, itam, stderr, write_private};
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Serves `body` as JSON at `/inventory.json` (404 elsewhere) on a loopback port, one
/// connection at a time, and keeps the request heads it was sent.
pub(crate) struct Inventory {
    pub(crate) origin: String,
    heads: Arc<Mutex<Vec<String>>>,
}

impl Inventory {
    pub(crate) fn serve(body: String) -> Inventory {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let origin = format!("http://{}", listener.local_addr().unwrap());
        let heads = Arc::new(Mutex::new(Vec::new()));
        let kept = heads.clone();
        std::thread::spawn(move || {
            for mut stream in listener.incoming().flatten() {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap_or(0) == 1 {
                    head.push(byte[0]);
                }
                let head = String::from_utf8_lossy(&head).into_owned();
                let (status, text) = if head.starts_with("GET /inventory.json ") {
                    ("200 OK", body.as_str())
                } else {
                    ("404 Not Found", "{}")
                };
                kept.lock().unwrap().push(head);
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{text}",
                    text.len()
                );
            }
        });
        Inventory { origin, heads }
    }

    fn heads(&self) -> Vec<String> {
        self.heads.lock().unwrap().clone()
    }
}

/// Writes `itam.toml` with one source, `inventory`, running the template from its file.
fn config(dir: &Path, url: &str) -> PathBuf {
    let path = dir.join("itam.toml");
    write_private(
        &path,
        &format!(
            "[store]\npath = \"itam.db\"\n\n[[source]]\nname = \"inventory\"\nplugin = \"{}\"\n\n[source.settings]\nurl = \"{url}\"\nbatch_size = \"2\"\n",
            hostile_build::TEMPLATE
        ),
    );
    path
}

fn json_of(config: &Path, args: &[&str]) -> Value {
    let out = itam(config, args);
    assert_success(&out);
    serde_json::from_slice(&out.stdout).unwrap()
}

/// `key` of every row, in order.
fn column(rows: &Value, key: &str) -> Vec<Value> {
    rows.as_array()
        .unwrap()
        .iter()
        .map(|r| r[key].clone())
        .collect()
}

#[test]
fn the_template_stores_exactly_the_served_inventory_and_describes_itself() {
    let served = json!({
        "organization": "Example Corp",
        "products": [
            {"id": "office", "part_number": "OFFICE_STD", "enabled": 10},
            {"id": "visio", "part_number": "VISIO_PLAN2", "status": "Warning", "enabled": 2, "warning": 2}
        ],
        "accounts": [
            {"id": "u1", "principal_name": "ada@example.com", "display_name": "Ada Lovelace",
             "department": "Research"},
            {"id": "u2", "principal_name": "grace@example.com", "display_name": "Grace Hopper",
             "enabled": false},
            {"id": "u3", "principal_name": "guest_example.org#EXT#@example.com", "kind": "guest"}
        ],
        "assignments": [
            {"account_id": "u1", "product_id": "office"},
            {"account_id": "u2", "product_id": "office", "state": "Error", "error": "CountViolation"},
            {"account_id": "u1", "product_id": "visio"}
        ]
    });
    let server = Inventory::serve(served.to_string());
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &format!("{}/inventory.json", server.origin));

    let out = itam(&config, &["sync"]);
    assert_success(&out);
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("inventory: run 1 succeeded: 2 products, 3 accounts, 3 assignments"),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        stderr(&out)
    );
    // One request, for the inventory, carrying no credential.
    let heads = server.heads();
    assert_eq!(heads.len(), 1, "{heads:?}");
    assert!(
        heads[0].starts_with("GET /inventory.json HTTP/1.1\r\n"),
        "{heads:?}"
    );
    assert!(
        heads[0]
            .to_ascii_lowercase()
            .contains("\r\naccept: application/json\r\n")
    );
    assert!(!heads[0].to_ascii_lowercase().contains("authorization"));

    let accounts = json_of(&config, &["export", "accounts", "--format", "json"]);
    assert_eq!(
        column(&accounts, "id"),
        [json!("u1"), json!("u2"), json!("u3")]
    );
    assert_eq!(
        column(&accounts, "user_principal_name"),
        [
            json!("ada@example.com"),
            json!("grace@example.com"),
            json!("guest_example.org#EXT#@example.com")
        ]
    );
    assert_eq!(
        column(&accounts, "display_name"),
        [json!("Ada Lovelace"), json!("Grace Hopper"), Value::Null]
    );
    assert_eq!(
        column(&accounts, "account_enabled"),
        [json!(true), json!(false), json!(true)]
    );
    assert_eq!(
        column(&accounts, "user_type"),
        [json!("Member"), json!("Member"), json!("Guest")]
    );
    assert_eq!(accounts[0]["department"], "Research");

    let products = json_of(&config, &["export", "products", "--format", "json"]);
    assert_eq!(
        column(&products, "sku_id"),
        [json!("office"), json!("visio")]
    );
    assert_eq!(
        column(&products, "sku_part_number"),
        [json!("OFFICE_STD"), json!("VISIO_PLAN2")]
    );
    assert_eq!(
        column(&products, "capability_status"),
        [json!("Enabled"), json!("Warning")]
    );
    assert_eq!(column(&products, "enabled"), [json!(10), json!(2)]);
    assert_eq!(column(&products, "warning"), [json!(0), json!(2)]);
    // Without `consumed` in the inventory, a product's assignments are its consumed units.
    assert_eq!(column(&products, "consumed_units"), [json!(2), json!(1)]);

    let assignments = json_of(&config, &["export", "assignments", "--format", "json"]);
    let mut pairs: Vec<(Value, Value, Value, Value)> = assignments
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["user_id"].clone(),
                a["sku_id"].clone(),
                a["state"].clone(),
                a["error"].clone(),
            )
        })
        .collect();
    pairs.sort_by_key(|p| format!("{p:?}"));
    assert_eq!(
        pairs,
        [
            (json!("u1"), json!("office"), json!("Active"), Value::Null),
            (json!("u1"), json!("visio"), json!("Active"), Value::Null),
            (
                json!("u2"),
                json!("office"),
                json!("Error"),
                json!("CountViolation")
            ),
        ]
    );
    assert!(
        assignments
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["assigned_by_group"].is_null())
    );

    let runs = json_of(&config, &["runs", "--format", "json"]);
    assert_eq!(runs[0]["status"], "succeeded");
    assert_eq!(runs[0]["summary"]["facts"]["organization"], "Example Corp");
    assert_eq!(
        runs[0]["summary"]["counts"],
        json!({"products": 2, "accounts": 3, "assignments": 3})
    );

    // What it declares: no credential, its settings, and for the source only the URL's origin.
    let doc = json_of(
        &config,
        &[
            "plugin",
            "inspect",
            hostile_build::TEMPLATE,
            "--source",
            "inventory",
        ],
    );
    assert_eq!(doc["name"], "inventory");
    assert_eq!(doc["contract"], "itam:collector@0.3.0");
    assert_eq!(doc["credential"], "none");
    assert_eq!(
        column(&doc["settings"], "name"),
        [json!("url"), json!("batch_size")]
    );
    assert_eq!(
        column(&doc["settings"], "required"),
        [json!(true), json!(false)]
    );
    assert_eq!(doc["settings"][1]["default"], "500");
    assert_eq!(doc["produces"], json!(["product", "account", "assignment"]));
    assert_eq!(doc["permissions"], json!([]));
    assert_eq!(doc["allowed_hosts"], json!([server.origin]));
    assert_eq!(doc["token_url"], Value::Null);
}

#[test]
fn an_inventory_the_template_cannot_read_fails_the_run_and_stores_nothing() {
    // An assignment to an account the inventory does not list.
    let served = json!({
        "products": [{"id": "office", "part_number": "OFFICE_STD", "enabled": 1}],
        "accounts": [],
        "assignments": [{"account_id": "nobody", "product_id": "office"}]
    });
    let server = Inventory::serve(served.to_string());
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &format!("{}/inventory.json", server.origin));
    let out = itam(&config, &["sync"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("is not a valid inventory: assignment 0 names account `nobody`, which is not among the accounts"),
        "{err}"
    );
    assert!(err.contains("plugin/template/README.md"), "{err}");
    let export = itam(&config, &["export", "accounts"]);
    assert_eq!(export.status.code(), Some(1), "{}", stderr(&export));

    // A URL that is not http(s) is refused before anything is sent.
    let config = self::config(dir.path(), "file:///etc/passwd");
    let out = itam(&config, &["sync"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("is not an http(s) URL"),
        "{}",
        stderr(&out)
    );
    assert_eq!(server.heads().len(), 1);
}
