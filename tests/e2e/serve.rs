//! `itam serve` end to end: the real binary on a short schedule against the emulator, its
//! HTTP API and metrics over loopback, systemd's notification socket, and signals.

use crate::common::{Env, assert_success, stderr};
use graph_emulator::Options;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::os::unix::net::UnixDatagram;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A running `itam serve` and what it wrote to standard error.
pub struct Service {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    log: Arc<Mutex<Vec<String>>>,
}

impl Service {
    /// Starts `itam serve` on `config` (whose `[serve] listen` should be port 0) and waits
    /// until it says where it listens. `env` is extra environment.
    pub fn start(config: &Path, args: &[&str], env: &[(&str, &str)]) -> Service {
        let mut all = vec!["--config", config.to_str().unwrap(), "serve"];
        all.extend_from_slice(args);
        Service::spawn(&all, env)
    }

    /// Starts `itam ARGS` (a command that serves) and waits until it says where it listens.
    pub fn spawn(args: &[&str], env: &[(&str, &str)]) -> Service {
        let mut command = Command::new(env!("CARGO_BIN_EXE_itam"));
        command
            .args(args)
            .env(
                "ITAM_CACHE_DIR",
                concat!(env!("CARGO_TARGET_TMPDIR"), "/itam-cache"),
            )
            .env_remove("RUST_LOG")
            .env_remove("NOTIFY_SOCKET")
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (k, v) in env {
            command.env(k, v);
        }
        let mut child = command.spawn().expect("itam serve starts");
        let log = Arc::new(Mutex::new(Vec::new()));
        let (found, address) = std::sync::mpsc::channel();
        let stream = child.stderr.take().unwrap();
        let lines = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                if let Some(rest) = line.split(" on http://").nth(1) {
                    let addr = rest.split('/').next().unwrap_or_default().to_string();
                    let _ = found.send(addr);
                }
                lines.lock().unwrap().push(line);
            }
        });
        let addr = match address.recv_timeout(Duration::from_secs(60)) {
            Ok(addr) => addr,
            Err(_) => {
                let _ = child.kill();
                panic!(
                    "itam serve did not start:\n{}",
                    log.lock().unwrap().join("\n")
                );
            }
        };
        Service {
            child,
            base: format!("http://{addr}"),
            log,
        }
    }

    /// Everything it logged so far.
    pub fn log(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }

    /// GET `path`: status and body.
    pub fn get(&self, path: &str) -> (u16, String) {
        self.request("GET", path, &[])
    }

    /// GET `path` as JSON, asserting 200.
    pub fn json(&self, path: &str) -> Value {
        let (status, body) = self.get(path);
        assert_eq!(status, 200, "{path}: {body}\n{}", self.log());
        serde_json::from_str(&body).unwrap()
    }

    /// A request with `headers`: status and body.
    pub fn request(&self, method: &str, path: &str, headers: &[(&str, &str)]) -> (u16, String) {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into();
        let url = format!("{}{path}", self.base);
        let mut response = match method {
            "GET" => {
                let mut r = agent.get(&url);
                for (k, v) in headers {
                    r = r.header(*k, *v);
                }
                r.call()
            }
            _ => {
                let mut r = agent.post(&url);
                for (k, v) in headers {
                    r = r.header(*k, *v);
                }
                r.send("")
            }
        }
        .unwrap_or_else(|e| panic!("{method} {path}: {e}\n{}", self.log()));
        let status = response.status().as_u16();
        (
            status,
            response.body_mut().read_to_string().unwrap_or_default(),
        )
    }

    /// The process's ID.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends `signal` to the process.
    pub fn signal(&self, signal: i32) {
        assert_eq!(unsafe { libc::kill(self.child.id() as i32, signal) }, 0);
    }

    /// Waits for the process to exit, at most `within`.
    pub fn wait(&mut self, within: Duration) -> ExitStatus {
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("itam serve did not exit within {within:?}:\n{}", self.log());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Polls `check` until it holds, at most `within`.
    pub fn until(&self, within: Duration, what: &str, mut check: impl FnMut(&Service) -> bool) {
        let deadline = Instant::now() + within;
        while !check(self) {
            assert!(
                Instant::now() < deadline,
                "timed out waiting: {what}\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The runs of `source`, newest first, as the API lists them.
    pub fn runs(&self, source: &str) -> Vec<Value> {
        self.json(&format!("/api/v1/sources/{source}/runs?limit=100"))
            .as_array()
            .unwrap()
            .clone()
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Writes the env's configuration with `schedule` on its source and `serve` as `[serve]`.
pub fn serve_config(env: &Env, schedule: &str, serve: &str) -> std::path::PathBuf {
    let path = env.config();
    let text = std::fs::read_to_string(&path).unwrap().replace(
        "plugin = \"m365\"\n",
        &format!("plugin = \"m365\"\nschedule = \"{schedule}\"\n"),
    );
    crate::common::write_private(
        &path,
        &format!("{text}\n[serve]\nlisten = \"127.0.0.1:0\"\n{serve}\n"),
    );
    path
}

/// The succeeded runs among `runs`.
fn succeeded(runs: &[Value]) -> usize {
    runs.iter().filter(|r| r["status"] == "succeeded").count()
}

/// The value of the sample `name{labels…}` in an exposition, where every `label="value"` in
/// `labels` appears among the sample's labels.
fn sample(metrics: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    metrics.lines().find_map(|line| {
        let rest = line.strip_prefix(name)?;
        let (labels_text, value) = match rest.strip_prefix('{') {
            Some(rest) => rest.split_once("} ")?,
            None => ("", rest.strip_prefix(' ')?),
        };
        labels
            .iter()
            .all(|(k, v)| {
                labels_text
                    .split(',')
                    .any(|pair| pair == format!("{k}=\"{v}\""))
            })
            .then(|| value.split(' ').next()?.parse().ok())?
    })
}

#[test]
fn serve_runs_on_schedule_and_serves_the_balance_the_cli_prints() {
    let env = Env::new(120, Options::default());
    let config = serve_config(&env, "3s", "splay = \"0\"");
    let notify_dir = tempfile::tempdir().unwrap();
    let notify_path = notify_dir.path().join("notify.sock");
    let notify = UnixDatagram::bind(&notify_path).unwrap();
    notify
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let mut service = Service::start(
        &config,
        &[],
        &[
            ("NOTIFY_SOCKET", notify_path.to_str().unwrap()),
            ("WATCHDOG_USEC", "400000"),
        ],
    );

    // systemd hears READY=1 once the listener is bound and the store is open.
    let mut buf = [0u8; 512];
    let n = notify.recv(&mut buf).unwrap();
    let ready = String::from_utf8_lossy(&buf[..n]).into_owned();
    assert!(ready.lines().any(|l| l == "READY=1"), "{ready}");
    // Like systemd, keep reading (the watchdog pets every 200 ms).
    let heard = Arc::new(Mutex::new(String::new()));
    std::thread::spawn({
        let heard = heard.clone();
        let notify = notify.try_clone().unwrap();
        move || {
            let mut buf = [0u8; 512];
            while let Ok(n) = notify.recv(&mut buf) {
                heard
                    .lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        }
    });
    assert_eq!(service.get("/healthz"), (200, "ok\n".to_string()));

    // The first run at start-up, then every 3 s.
    service.until(Duration::from_secs(90), "two successful runs", |s| {
        succeeded(&s.runs("contoso")) >= 2
    });

    assert_eq!(service.get("/readyz"), (200, "ready\n".to_string()));

    // The API's balance is the CLI's, key for key and number for number.
    let api = service.json("/api/v1/sources/contoso/balance");
    let cli = env.itam_json(&["report", "balance", "--format", "json"]);
    assert_eq!(api, cli);
    // And the emulator's ground truth.
    let truth = env.tenant().expected_balance();
    assert_eq!(api.as_array().unwrap().len(), truth.len());
    for e in truth {
        let row = api
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["sku_id"] == e.sku_id.as_str())
            .unwrap_or_else(|| panic!("{} missing from {api}", e.sku_id));
        assert_eq!(row["sku_part_number"], e.part_number.as_str());
        assert_eq!(row["enabled"], e.enabled);
        assert_eq!(row["warning"], e.warning);
        assert_eq!(row["suspended"], e.suspended);
        assert_eq!(row["locked_out"], e.locked_out);
        assert_eq!(row["consumed"], e.consumed);
        assert_eq!(row["available"], e.enabled as i64 - e.consumed as i64);
    }

    // The metrics carry the same numbers.
    let (status, metrics) = service.get("/metrics");
    assert_eq!(status, 200);
    for row in api.as_array().unwrap() {
        let labels = [
            ("source", "contoso"),
            ("sku_id", row["sku_id"].as_str().unwrap()),
        ];
        assert_eq!(
            sample(&metrics, "itam_license_consumed_units", &labels),
            row["consumed"].as_f64(),
            "{labels:?}"
        );
        assert_eq!(
            sample(&metrics, "itam_license_available_units", &labels),
            row["available"].as_f64(),
            "{labels:?}"
        );
    }
    let runs_total = sample(
        &metrics,
        "itam_collector_runs_total",
        &[("source", "contoso"), ("outcome", "succeeded")],
    )
    .unwrap();
    assert!(runs_total >= 2.0, "{metrics}");
    assert!(
        sample(
            &metrics,
            "itam_collector_requests_total",
            &[("source", "contoso")]
        )
        .unwrap()
            > 0.0
    );

    // Other reports answer with the CLI's JSON too.
    assert_eq!(
        service.json("/api/v1/sources/contoso/subscriptions"),
        env.itam_json(&["report", "subscriptions", "--format", "json"])
    );
    // The change feed: a tenant that does not change has none, and the cursor stays.
    assert_eq!(
        service.json("/api/v1/sources/contoso/changes?since=0"),
        serde_json::json!({ "changes": [], "cursor": 0 })
    );
    let sources = service.json("/api/v1/sources");
    assert_eq!(sources[0]["name"], "contoso");
    assert_eq!(sources[0]["interval_seconds"], 3);
    assert!(sources[0]["last_success"]["run_id"].is_i64(), "{sources}");

    // A run on request: 202, or 409 while the schedule's own run is in progress.
    let (status, body) = service.request(
        "POST",
        "/api/v1/sources/contoso/runs",
        &[("content-type", "application/json")],
    );
    assert!(status == 202 || status == 409, "{status} {body}");
    // Without a JSON content type (what a cross-site form sends) it is refused.
    let (status, _) = service.request("POST", "/api/v1/sources/contoso/runs", &[]);
    assert_eq!(status, 415);
    // As is a post another site's page makes.
    let (status, _) = service.request(
        "POST",
        "/api/v1/sources/contoso/runs",
        &[
            ("content-type", "application/json"),
            ("sec-fetch-site", "cross-site"),
        ],
    );
    assert_eq!(status, 403);
    assert_eq!(service.get("/api/v1/sources/nope/balance").0, 404);

    // A second service on the same database is refused (exit 2), the first keeps serving.
    let second = crate::common::itam(&config, &["serve", "--listen", "127.0.0.1:0"]);
    assert_eq!(second.status.code(), Some(2), "{}", stderr(&second));
    assert!(
        stderr(&second).contains("another `itam serve` is already running"),
        "{}",
        stderr(&second)
    );
    // One-shot commands keep working beside it.
    assert_success(&env.itam(&["runs", "--format", "json"]));

    // SIGHUP with a broken configuration keeps the old one serving.
    let good = std::fs::read_to_string(&config).unwrap();
    crate::common::write_private(&config, &format!("{good}\n[serve]\nbroken = true\n"));
    service.signal(libc::SIGHUP);
    service.until(Duration::from_secs(10), "the reload to be refused", |s| {
        s.log().contains("the new configuration was refused")
    });
    assert_eq!(service.get("/healthz").0, 200);
    assert_eq!(service.json("/api/v1/sources")[0]["interval_seconds"], 3);

    // SIGTERM: STOPPING=1, exit 0 well within 10 s.
    crate::common::write_private(&config, &good);
    let stopping = Instant::now();
    service.signal(libc::SIGTERM);
    let status = service.wait(Duration::from_secs(10));
    assert!(status.success(), "{status:?}\n{}", service.log());
    assert!(stopping.elapsed() < Duration::from_secs(10));
    std::thread::sleep(Duration::from_millis(300));
    let heard = heard.lock().unwrap().clone();
    assert!(heard.lines().any(|l| l == "STOPPING=1"), "{heard}");
    assert!(heard.lines().any(|l| l == "WATCHDOG=1"), "{heard}");
}

#[test]
fn sigterm_in_the_middle_of_a_run_cancels_it_and_keeps_the_snapshot() {
    // The first run reads users in 8 pages; users request 9 (the second run's) stalls for a
    // minute.
    let env = Env::stalling_users_at(1500, 9, 60);
    let config = serve_config(&env, "1h", "");
    assert_success(&env.itam(&["sync"]));
    let before = env.itam(&["export", "accounts"]).stdout;
    let mut service = Service::start(&config, &[], &[]);
    // The last success is younger than the interval: nothing runs until asked.
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(service.runs("contoso").len(), 1);
    let (status, body) = service.request(
        "POST",
        "/api/v1/sources/contoso/runs",
        &[("content-type", "application/json")],
    );
    assert_eq!(status, 202, "{body}");
    let (status, _) = service.request(
        "POST",
        "/api/v1/sources/contoso/runs",
        &[("content-type", "application/json")],
    );
    assert_eq!(status, 409, "a second run of the same source is refused");
    service.until(
        Duration::from_secs(60),
        "the run to reach the stall",
        |_| {
            env.emulator
                .requests()
                .get("users/delta")
                .copied()
                .unwrap_or(0)
                >= 9
        },
    );
    // A one-shot sync of the source meanwhile is refused: the service holds its lease.
    let beside = env.itam(&["sync", "--source", "contoso"]);
    assert_eq!(beside.status.code(), Some(1), "{}", stderr(&beside));
    assert!(
        stderr(&beside).contains("being run by a service now"),
        "{}",
        stderr(&beside)
    );
    // SIGUSR1 asks for every source now: this one is running, so its run is skipped and counted.
    service.signal(libc::SIGUSR1);
    service.until(Duration::from_secs(10), "the skip to be counted", |s| {
        let (_, metrics) = s.get("/metrics");
        sample(
            &metrics,
            "itam_collector_skipped_runs_total",
            &[("source", "contoso")],
        ) == Some(1.0)
    });

    let stopping = Instant::now();
    service.signal(libc::SIGTERM);
    let status = service.wait(Duration::from_secs(10));
    assert!(status.success(), "{status:?}\n{}", service.log());
    assert!(stopping.elapsed() < Duration::from_secs(10));

    let runs = env.itam_json(&["runs", "--format", "json"]);
    assert_eq!(runs[0]["status"], "cancelled", "{runs}");
    assert_eq!(runs[1]["status"], "succeeded", "{runs}");
    assert_eq!(env.itam(&["export", "accounts"]).stdout, before);
}

#[test]
fn listening_beyond_loopback_needs_a_token_and_the_token_guards_every_endpoint() {
    let env = Env::new(20, Options::default());
    let config = serve_config(&env, "1h", "");
    let refused = crate::common::itam(&config, &["serve", "--listen", "0.0.0.0:0"]);
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains("without an access token"),
        "{}",
        stderr(&refused)
    );

    let token = "0123456789abcdef0123456789abcdef";
    std::fs::write(env.dir.path().join("serve-token"), format!("{token}\n")).unwrap();
    let config = serve_config(&env, "1h", "token = { file = \"serve-token\" }");
    let service = Service::start(&config, &[], &[]);
    assert_eq!(service.get("/healthz").0, 200);
    assert_eq!(service.get("/api/v1/sources").0, 401);
    assert_eq!(service.get("/metrics").0, 401);
    let wrong = service.request(
        "GET",
        "/api/v1/sources",
        &[("authorization", "Bearer nope")],
    );
    assert_eq!(wrong.0, 401);
    let bearer = format!("Bearer {token}");
    let (status, body) = service.request("GET", "/api/v1/sources", &[("authorization", &bearer)]);
    assert_eq!(status, 200, "{body}");
    assert!(!body.contains(token));

    // A browser is sent to sign in, signs in once with the token, and keeps a session cookie.
    let html = [("accept", "text/html")];
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into();
    let to_login = agent
        .get(&format!("{}/", service.base))
        .header("accept", "text/html")
        .call()
        .unwrap();
    assert_eq!(to_login.status().as_u16(), 303);
    assert_eq!(to_login.headers()["location"], "/login");
    let (status, _, _) = post_form(
        &service,
        "/login",
        "token=wrong-token-of-some-length",
        &html,
    );
    assert_eq!(status, 401);
    let signed_in = agent
        .post(&format!("{}/login", service.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .send(format!("token={token}"))
        .unwrap();
    assert_eq!(signed_in.status().as_u16(), 303);
    let cookie = signed_in.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    assert!(!cookie.contains(token), "{cookie}");
    let session = cookie.split(';').next().unwrap();
    let (status, page) = service.request("GET", "/", &[("cookie", session)]);
    assert_eq!(status, 200, "{page}");
    assert!(!page.contains(token));
    assert!(!service.log().contains(token));
}

/// `s` as the dashboard's pages escape it (`&`, `<`, `>`, `"`).
fn html_escaped(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `s` encoded for a query string.
fn query_encoded(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// POSTs the form `body` with `headers`, not following redirects: status, `Location`, body.
fn post_form(
    service: &Service,
    path: &str,
    body: &str,
    headers: &[(&str, &str)],
) -> (u16, Option<String>, String) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into();
    let mut request = agent
        .post(&format!("{}{path}", service.base))
        .header("content-type", "application/x-www-form-urlencoded");
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    let mut response = request
        .send(body)
        .unwrap_or_else(|e| panic!("POST {path}: {e}\n{}", service.log()));
    let location = response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    (
        response.status().as_u16(),
        location,
        response.body_mut().read_to_string().unwrap_or_default(),
    )
}

#[test]
fn dashboard_pages_show_the_balance_and_run_now_works() {
    let env = Env::new(120, Options::default());
    let config = serve_config(&env, "1h", "splay = \"0\"");
    let service = Service::start(&config, &[], &[]);
    service.until(Duration::from_secs(90), "the first successful run", |s| {
        succeeded(&s.runs("contoso")) >= 1
    });

    // The overview shows every product's consumed and available units as the API gives them.
    let (status, overview) = service.get("/");
    assert_eq!(status, 200, "{overview}");
    let balance = service.json("/api/v1/sources/contoso/balance");
    let rows = balance.as_array().unwrap();
    assert!(!rows.is_empty(), "{balance}");
    for row in rows {
        let sku = html_escaped(row["sku_id"].as_str().unwrap());
        for metric in ["consumed", "available"] {
            let n = row[metric].as_i64().unwrap();
            let cell =
                format!(r#"data-metric="{metric}" data-sku="{sku}" data-value="{n}">{n}</td>"#);
            assert!(
                overview.contains(&cell),
                "{metric} of {sku}: no {cell}\n{overview}"
            );
        }
    }
    // The tenant, from the last success's facts; a trend chart per product; the other reports.
    assert!(
        overview.contains(r#"data-field="organization">Contoso"#),
        "{overview}"
    );
    assert!(overview.contains("<svg"), "no trend chart:\n{overview}");
    assert!(overview.contains("consumed against purchased licences over"));
    for heading in [
        "Licence balance",
        "Waste",
        "Renewals and expiries in the next 90 days",
        "Recent changes",
    ] {
        assert!(
            overview.contains(&format!("<h3>{heading}</h3>")),
            "{heading}"
        );
    }

    // A product's page lists its holders; a search narrows them.
    let busiest = rows
        .iter()
        .max_by_key(|r| r["consumed"].as_i64().unwrap())
        .unwrap();
    let sku = busiest["sku_id"].as_str().unwrap();
    let all = service.json(&format!(
        "/api/v1/sources/contoso/products/{sku}/holders?per_page=500"
    ));
    let holders = all["holders"].as_array().unwrap();
    assert!(holders.len() >= 2, "{all}");
    let holder = &holders[0];
    let upn = holder["user_principal_name"].as_str().unwrap();
    let (status, product) = service.get(&format!("/sources/contoso/products/{sku}"));
    assert_eq!(status, 200, "{product}");
    assert!(product.contains(&html_escaped(upn)), "{product}");
    assert!(product.contains("<svg"), "{product}");
    let (status, found) = service.get(&format!(
        "/sources/contoso/products/{sku}?q={}",
        query_encoded(upn)
    ));
    assert_eq!(status, 200, "{found}");
    let matching = service.json(&format!(
        "/api/v1/sources/contoso/products/{sku}/holders?per_page=500&q={}",
        query_encoded(upn)
    ))["matching"]
        .as_u64()
        .unwrap();
    assert!(matching >= 1 && (matching as usize) < holders.len());
    assert!(
        found.contains(&format!(r#"data-matching="{matching}""#)),
        "{found}"
    );
    assert_eq!(found.matches("<tr data-account=").count() as u64, matching);
    assert!(found.contains(&html_escaped(upn)), "{found}");
    let needle = upn.to_lowercase();
    let outsider = holders
        .iter()
        .map(|h| h["user_principal_name"].as_str().unwrap())
        .find(|u| !u.to_lowercase().contains(&needle))
        .unwrap();
    assert!(
        !found.contains(&html_escaped(outsider)),
        "{outsider} in {found}"
    );

    // The holder's account page shows its names and its licence.
    let (status, account) = service.get(&format!(
        "/sources/contoso/accounts/{}",
        holder["id"].as_str().unwrap()
    ));
    assert_eq!(status, 200, "{account}");
    assert!(account.contains(&html_escaped(upn)), "{account}");
    if let Some(name) = holder["display_name"].as_str() {
        assert!(account.contains(&html_escaped(name)), "{name}: {account}");
    }
    assert!(
        account.contains(&html_escaped(busiest["sku_part_number"].as_str().unwrap())),
        "{account}"
    );

    // Unknown sources, products and accounts are 404 pages.
    for path in [
        "/sources/nope/products/x",
        "/sources/contoso/products/NO_SUCH_PRODUCT",
        "/sources/contoso/accounts/nobody@nowhere.example",
    ] {
        let (status, body) = service.get(path);
        assert_eq!(status, 404, "{path}: {body}");
        assert!(body.contains("<h1>Not found</h1>"), "{path}: {body}");
    }

    // Run now: refused without the form key (or with a wrong one, or from another site)...
    let before = service.runs("contoso").len();
    let (status, _, _) = post_form(&service, "/sources/contoso/run", "", &[]);
    assert_eq!(status, 403);
    let (status, _, _) = post_form(&service, "/sources/contoso/run", "form_key=wrong", &[]);
    assert_eq!(status, 403);
    let (_, runs_page) = service.get("/runs");
    let marker = r#"name="form_key" value=""#;
    let start = runs_page.find(marker).expect("a Run now form") + marker.len();
    let key = &runs_page[start..start + runs_page[start..].find('"').unwrap()];
    let form = format!("form_key={key}");
    let (status, _, _) = post_form(
        &service,
        "/sources/contoso/run",
        &form,
        &[("sec-fetch-site", "cross-site")],
    );
    assert_eq!(status, 403);
    assert_eq!(service.runs("contoso").len(), before, "nothing was started");
    // ...and with it, 303 to the runs page, which then shows the run.
    let (status, location, _) = post_form(&service, "/sources/contoso/run", &form, &[]);
    assert_eq!(status, 303);
    let location = location.expect("a Location");
    assert_eq!(location, "/runs?started=contoso");
    service.until(Duration::from_secs(60), "the run asked for", |s| {
        s.runs("contoso").len() > before
    });
    let run_id = service.runs("contoso")[0]["id"].as_i64().unwrap();
    let (status, page) = service.get(&location);
    assert_eq!(status, 200, "{page}");
    assert!(page.contains(r#"data-outcome="started""#), "{page}");
    assert!(
        page.contains(&format!(
            r#"<tr id="run-{run_id}" data-run-id="{run_id}" data-source="contoso""#
        )),
        "{page}"
    );
    // A source that is not configured is reported, not started.
    let (status, location, _) = post_form(&service, "/sources/nope/run", &form, &[]);
    assert_eq!(status, 303);
    assert_eq!(location.as_deref(), Some("/runs?unknown=nope"));
    assert!(
        service
            .get("/runs?unknown=nope")
            .1
            .contains(r#"data-outcome="unknown""#)
    );
}

#[test]
fn the_demo_serves_its_dashboard_and_says_where() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    let mut service = Service::spawn(
        &[
            "demo",
            "--users",
            "40",
            "--db",
            db.to_str().unwrap(),
            "--serve",
            "--listen",
            "127.0.0.1:0",
        ],
        &[],
    );
    let balance = service.json("/api/v1/sources/demo/balance");
    assert!(!balance.as_array().unwrap().is_empty(), "{balance}");
    let (status, page) = service.get("/");
    assert_eq!(status, 200);
    assert!(page.contains("Source demo"), "{page}");
    service.signal(libc::SIGTERM);
    assert!(service.wait(Duration::from_secs(10)).success());

    // Without --serve, the demo says that it exists.
    let out = Command::new(env!("CARGO_BIN_EXE_itam"))
        .args(["demo", "--users", "10", "--format", "table"])
        .env(
            "ITAM_CACHE_DIR",
            concat!(env!("CARGO_TARGET_TMPDIR"), "/itam-cache"),
        )
        .output()
        .unwrap();
    assert_success(&out);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("itam demo --serve"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn a_failing_source_is_retried_after_a_minute_and_readiness_says_why() {
    let env = Env::new(20, Options::default());
    env.config_for(&env.emulator.url(), "not-the-secret", "");
    let config = env.dir.path().join("itam.toml");
    let text = std::fs::read_to_string(&config).unwrap().replace(
        "plugin = \"m365\"\n",
        "plugin = \"m365\"\nschedule = \"1h\"\n",
    );
    crate::common::write_private(
        &config,
        &format!("{text}\n[serve]\nlisten = \"127.0.0.1:0\"\n"),
    );
    let service = Service::start(&config, &[], &[]);
    service.until(Duration::from_secs(60), "the first run to fail", |s| {
        s.json("/api/v1/sources")[0]["consecutive_failures"] == 1
    });
    let source = &service.json("/api/v1/sources")[0];
    let next: chrono::DateTime<chrono::Utc> =
        source["next_run_at"].as_str().unwrap().parse().unwrap();
    let wait = (next - chrono::Utc::now()).num_seconds();
    assert!(
        (50..=60).contains(&wait),
        "retried in {wait} s, not after a minute: {source}"
    );
    assert!(
        source["last_error"]
            .as_str()
            .unwrap()
            .contains("sync failed"),
        "{source}"
    );

    let (status, body) = service.get("/readyz");
    assert_eq!(status, 503, "{body}");
    assert!(
        body.contains("source `contoso`: no successful run yet"),
        "{body}"
    );
    assert!(!body.contains("not-the-secret"), "{body}");
    assert_eq!(service.get("/healthz").0, 200);
}
