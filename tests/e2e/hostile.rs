//! Hostile plugins (`tests/hostile`, built by `tests/hostile-build`): each attack is contained
//! with a specific error, the host keeps working, and the m365 source configured after the
//! hostile one in the same `itam sync` still completes.
//!
//! A nextLink pointing at a foreign host is covered with the real plugin in `denied.rs`.

use crate::common::{Env, assert_success, stderr, write_private};
use graph_emulator::Options;
use hostile_build as hostile;
use serde_json::Value;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------------------------
// Harness
// ---------------------------------------------------------------------------------------------

pub(crate) type Respond = Box<dyn Fn(&str) -> String + Send + 'static>;

/// A tiny HTTP/1.1 server on a thread that counts connections and records request heads.
pub(crate) struct Server {
    pub(crate) addr: SocketAddr,
    connections: Arc<AtomicUsize>,
    heads: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
}

impl Server {
    pub(crate) fn start(ip: &str, respond: Respond) -> Server {
        let listener = TcpListener::bind((ip, 0)).unwrap();
        let addr = listener.local_addr().unwrap();
        let connections = Arc::new(AtomicUsize::new(0));
        let heads = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (c, h, s) = (connections.clone(), heads.clone(), stop.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if s.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(mut stream) = stream else { continue };
                c.fetch_add(1, Ordering::SeqCst);
                let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
                let mut head = Vec::new();
                let mut buf = [0u8; 4096];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 65536 {
                    match stream.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&head).into_owned();
                let answer = respond(&head);
                h.lock().unwrap().push(head);
                let _ = stream.write_all(answer.as_bytes());
            }
        });
        Server {
            addr,
            connections,
            heads,
            stop,
        }
    }

    /// Answers every request `200 ok`.
    pub(crate) fn ok(ip: &str) -> Server {
        Server::start(ip, Box::new(|_| reply(200, &[], "ok")))
    }

    pub(crate) fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub(crate) fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    pub(crate) fn heads(&self) -> Vec<String> {
        self.heads.lock().unwrap().clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
    }
}

pub(crate) fn reply(status: u16, headers: &[(&str, &str)], body: &str) -> String {
    let mut text = format!(
        "HTTP/1.1 {status} X\r\ncontent-length: {}\r\nconnection: close\r\n",
        body.len()
    );
    for (name, value) in headers {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    format!("{text}\r\n{body}")
}

/// The `authorization` header of a request head, if any.
pub(crate) fn authorization(head: &str) -> Option<String> {
    head.lines()
        .find(|l| l.to_ascii_lowercase().starts_with("authorization:"))
        .map(|l| l["authorization:".len()..].trim().to_string())
}

/// The compiled-component cache the other e2e tests share.
pub(crate) fn shared_cache() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_TARGET_TMPDIR"), "/itam-cache"))
}

/// Runs `itam --config CONFIG ARGS` with `cache` as `ITAM_CACHE_DIR` and extra variables.
pub(crate) fn run(config: &Path, args: &[&str], cache: &Path, vars: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_itam"))
        .arg("--config")
        .arg(config)
        .args(args)
        .env("ITAM_CACHE_DIR", cache)
        .envs(vars.iter().copied())
        .env_remove("RUST_LOG")
        .output()
        .expect("the itam binary runs")
}

pub(crate) fn itam(config: &Path, args: &[&str]) -> Output {
    run(config, args, &shared_cache(), &[])
}

pub(crate) fn json(out: &Output) -> Value {
    assert_success(out);
    serde_json::from_slice(&out.stdout).unwrap()
}

/// A `[[source]]` named `hostile` running `plugin` with `settings`; `extra` is TOML placed
/// before its settings (allowed_hosts, credential).
pub(crate) fn hostile_source(plugin: &str, extra: &str, settings: &[(&str, &str)]) -> String {
    let mut text = format!(
        "[[source]]\nname = \"hostile\"\nplugin = \"{plugin}\"\n{extra}\n\n[source.settings]\n"
    );
    for (key, value) in settings {
        text.push_str(&format!("{key} = \"{value}\"\n"));
    }
    text
}

/// Writes `itam.toml`: `[runtime]` from `runtime`, the `hostile` source first, then the m365
/// source `contoso` against the env's emulator.
pub(crate) fn config_with(env: &Env, runtime: &str, hostile: &str) -> PathBuf {
    let path = env.config_for(
        &env.emulator.url(),
        &env.tenant().client_secret.clone(),
        runtime,
    );
    let text = std::fs::read_to_string(&path).unwrap();
    let (head, contoso) = text.split_once("[[source]]").unwrap();
    write_private(&path, &format!("{head}{hostile}\n[[source]]{contoso}"));
    path
}

/// Writes `itam.toml` with only the `hostile` source.
pub(crate) fn config_alone(env: &Env, hostile: &str) -> PathBuf {
    let path = env.dir.path().join("itam.toml");
    write_private(&path, &format!("[store]\npath = \"itam.db\"\n\n{hostile}"));
    path
}

/// What every contained attack looks like: exit 1, no panic, the hostile source's run failed
/// with each of `expected` in its error (on stderr and in `itam runs`), and `contoso`, run after
/// it by the same process, succeeded. Returns the recorded error.
pub(crate) fn assert_contained(
    config: &Path,
    out: &Output,
    plugin: &str,
    expected: &[String],
) -> String {
    assert_contained_with(config, out, plugin, expected, &[])
}

/// [`assert_contained`], running `itam` with `vars` set (a secret the config refers to).
pub(crate) fn assert_contained_with(
    config: &Path,
    out: &Output,
    plugin: &str,
    expected: &[String],
    vars: &[(&str, &str)],
) -> String {
    let itam = |config: &Path, args: &[&str]| run(config, args, &shared_cache(), vars);
    let err = stderr(out);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(
        out.status.code(),
        Some(1),
        "stdout: {stdout}\nstderr: {err}"
    );
    // The host itself never panics (a plugin's own panic message may be quoted).
    assert!(
        !err.contains("thread 'main' panicked") && !err.contains("tokio-runtime-worker' panicked"),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "source `hostile` ({plugin} 0.0.0): sync failed, nothing stored (no earlier successful sync)"
        )),
        "{err}"
    );
    let contoso_line = stdout
        .lines()
        .find(|l| l.starts_with("contoso: run "))
        .unwrap_or_else(|| panic!("contoso did not run: {stdout}\n{err}"));
    assert!(contoso_line.contains(" succeeded: "), "{contoso_line}");

    let runs = json(&itam(config, &["runs", "--source", "contoso"]));
    assert_eq!(runs[0]["status"], "succeeded", "{runs:#}");
    let runs = json(&itam(config, &["runs", "--source", "hostile"]));
    assert_eq!(runs[0]["status"], "failed", "{runs:#}");
    let error = runs[0]["error"].as_str().unwrap().to_string();
    for e in expected {
        assert!(
            error.contains(e.as_str()),
            "`{e}` not in the run's error:\n{error}"
        );
        assert!(err.contains(e.as_str()), "`{e}` not on stderr:\n{err}");
    }
    // Nothing the hostile run emitted was kept.
    let export = itam(config, &["export", "accounts", "--source", "hostile"]);
    assert_eq!(export.status.code(), Some(1), "{}", stderr(&export));
    assert!(
        stderr(&export).contains("source `hostile` has no successful sync yet"),
        "{}",
        stderr(&export)
    );
    error
}

/// Reads every file of the store (database, WAL, shared memory) as text.
pub(crate) fn store_bytes(env: &Env) -> String {
    let mut all = String::new();
    for name in ["itam.db", "itam.db-wal", "itam.db-shm"] {
        if let Ok(bytes) = std::fs::read(env.dir.path().join(name)) {
            all.push_str(&String::from_utf8_lossy(&bytes));
        }
    }
    all
}

// ---------------------------------------------------------------------------------------------
// 1. Network: origins outside the plan
// ---------------------------------------------------------------------------------------------

#[test]
fn undeclared_origins_are_denied_inside_the_plugin_and_never_connected() {
    let env = Env::new(10, Options::default());
    let allowed = Server::ok("127.0.0.1");
    let foreign = Server::ok("127.0.0.1");
    let other_address = Server::ok("127.0.0.2");
    let port = allowed.addr.port();
    let targets = [
        format!("{}/steal", foreign.origin()),
        format!("{}/steal", other_address.origin()),
        "http://example.invalid/steal".to_string(),
        format!("https://127.0.0.1:{port}/steal"),
        format!("http://localhost:{port}/steal"),
    ];
    let config = config_with(
        &env,
        "",
        &hostile_source(
            hostile::FOREIGN_HOST,
            "",
            &[("url", &allowed.origin()), ("targets", &targets.join(","))],
        ),
    );
    let out = itam(&config, &["sync"]);

    let mut expected = vec![format!(
        "denied by the sandbox: foreign-host: {}/allowed -> HTTP 200",
        allowed.origin()
    )];
    expected.extend(
        targets
            .iter()
            .map(|t| format!("{t} -> HTTP-request-denied")),
    );
    expected.push(format!(
        "\n  denied: {}, {}, http://example.invalid, https://127.0.0.1:{port}, http://localhost:{port}",
        foreign.origin(),
        other_address.origin()
    ));
    let error = assert_contained(&config, &out, "foreign-host", &expected);
    assert!(!error.contains("NOT ALL DENIED"), "{error}");

    assert_eq!(
        foreign.connections(),
        0,
        "another port of an allowed address"
    );
    assert_eq!(other_address.connections(), 0, "another loopback address");
    // Only the declared request reached the allowed server: not the https one, not `localhost`.
    assert_eq!(allowed.connections(), 1, "{:?}", allowed.heads());
    assert!(allowed.heads()[0].starts_with("GET /allowed HTTP/1.1\r\n"));
}

// ---------------------------------------------------------------------------------------------
// 2. Redirects to a foreign host
// ---------------------------------------------------------------------------------------------

#[test]
fn redirects_are_not_followed_by_the_host_and_the_plugins_follow_up_is_denied() {
    let env = Env::new(10, Options::default());
    let foreign = Server::ok("127.0.0.1");
    let target = format!("{}/escaped", foreign.origin());
    let location = target.clone();
    let redirector = Server::start(
        "127.0.0.1",
        Box::new(move |head| {
            let status = if head.starts_with("GET /307 ") {
                307
            } else {
                302
            };
            reply(status, &[("location", &location)], "")
        }),
    );
    let r = redirector.origin();
    let config = config_with(
        &env,
        "",
        &hostile_source(
            hostile::REDIRECT_ESCAPE,
            "",
            &[("url", &r), ("paths", "/302,/307")],
        ),
    );
    let out = itam(&config, &["sync"]);
    let expected = [
        format!(
            "denied by the sandbox: redirect-escape: {r}/302 -> HTTP 302 to {target}; following it -> HTTP-request-denied; {r}/307 -> HTTP 307 to {target}; following it -> HTTP-request-denied"
        ),
        format!("\n  denied: {0}, {0}", foreign.origin()),
    ];
    assert_contained(&config, &out, "redirect-escape", &expected);
    assert_eq!(redirector.connections(), 2, "{:?}", redirector.heads());
    assert_eq!(foreign.connections(), 0, "nobody followed a redirect");
}

// ---------------------------------------------------------------------------------------------
// 3. The credential and the token
// ---------------------------------------------------------------------------------------------

const SECRET_VAR: &str = "ITAM_HOSTILE_SECRET";

#[test]
fn the_plugin_can_neither_read_replace_nor_redirect_the_credential_or_token() {
    const REFUSED: &str = "header refused (header authorization: HeaderError::Forbidden)";
    let env = Env::new(10, Options::default());
    let t = env.tenant().clone();
    let url = env.emulator.url();
    let echo = Server::ok("127.0.0.1");
    let plain = Server::ok("127.0.0.1");
    let evil = Server::ok("127.0.0.1");
    let secret_file = env.dir.path().join("secret.txt");
    let steal = |token_url: Option<&str>| {
        let extra = format!(
            "allowed_hosts = [\"{url}\", \"{}\", \"{}\"]\n\n[source.credential]\nclient_id = \"{}\"\nclient_secret = {{ env = \"{SECRET_VAR}\" }}",
            echo.origin(),
            plain.origin(),
            t.client_id
        );
        let mut settings = vec![
            ("url", url.clone()),
            ("tenant_id", t.tenant_id.clone()),
            ("echo", echo.origin()),
            ("plain", plain.origin()),
            ("evil", evil.origin()),
            ("secret_env", SECRET_VAR.to_string()),
            ("secret_path", secret_file.display().to_string()),
        ];
        if let Some(token_url) = token_url {
            settings.push(("token_url", token_url.to_string()));
        }
        let settings: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
        hostile_source(hostile::STEAL_CREDENTIAL, &extra, &settings)
    };
    let config = config_with(&env, "", &steal(None));
    let vars = [(SECRET_VAR, t.client_secret.as_str())];
    let out = run(&config, &["sync"], &shared_cache(), &vars);

    let declared = format!("{url}/{}/oauth2/v2.0/token", t.tenant_id);
    let foreign = format!("{}/common/oauth2/v2.0/token", evil.origin());
    let undeclared = |asked: &str| {
        format!(
            "refused 0 not-allowed: the plugin asked for a grant ({asked}) other than the one it declared in its plan ({declared})"
        )
    };
    let expected = [
        "denied by the sandbox: steal-credential: declared grant: granted".to_string(),
        // The plugin cannot set Authorization at all: wasi:http refuses the header (the host
        // forbids it), and the plugin sees that error before anything is sent.
        format!("echo with stolen header: {REFUSED}; sent without it: HTTP 200"),
        format!("plain with stolen header: {REFUSED}; sent without it: HTTP 200"),
        // The emulator accepted the request: it carried the host's token.
        format!("graph with stolen header: {REFUSED}; sent without it: HTTP 200"),
        format!("foreign token-url: {}", undeclared(&foreign)),
        format!("foreign resource host: {}", undeclared(&declared)),
        format!("evil with stolen header: {REFUSED}; sent without it: HTTP-request-denied"),
        "env: 0 vars; env ITAM_HOSTILE_SECRET: Err(NotPresent)".into(),
        format!("file {}: error ", secret_file.display()),
        format!("\n  denied: {}", evil.origin()),
    ];
    let error = assert_contained_with(&config, &out, "steal-credential", &expected, &vars);
    assert!(!error.contains("READ"), "{error}");
    let err = stderr(&out);
    assert!(
        err.contains("steal-credential observed: declared grant: granted"),
        "the plugin's log lines reach the operator: {err}"
    );

    // (a) The resource host got the host's token, the other allowed host nothing, and the
    // plugin's own header went nowhere.
    let tokens = env.emulator.issued_tokens();
    let heads = echo.heads();
    assert_eq!(heads.len(), 1, "{heads:?}");
    let bearer = authorization(&heads[0]).expect("the resource host gets a token");
    let token = bearer.strip_prefix("Bearer ").expect(&bearer);
    assert!(tokens.iter().any(|t| t == token), "{bearer} was not issued");
    assert_eq!(plain.heads().len(), 1);
    assert_eq!(
        authorization(&plain.heads()[0]),
        None,
        "{:?}",
        plain.heads()
    );
    for head in echo.heads().iter().chain(&plain.heads()) {
        assert!(!head.contains("stolen"), "{head}");
    }
    // (b) Nothing reached the foreign token endpoint or host: the secret was never posted there.
    assert_eq!(evil.connections(), 0);

    // (c) Neither the secret nor any token shows up in the output or the store.
    let output = format!("{}{err}", String::from_utf8_lossy(&out.stdout));
    let store = store_bytes(&env);
    assert!(!tokens.is_empty());
    for (what, text) in [("output", &output), ("store", &store)] {
        assert!(
            !text.contains(&t.client_secret),
            "the secret is in the {what}"
        );
        for token in &tokens {
            assert!(!text.contains(token.as_str()), "a token is in the {what}");
        }
    }

    // The plan itself names a foreign token URL that the operator's allowed_hosts leaves out:
    // the host refuses to post the secret there.
    let config = config_with(&env, "", &steal(Some(&foreign)));
    let out = run(&config, &["sync"], &shared_cache(), &vars);
    let expected = [format!(
        "declared grant: refused 0 not-allowed: token URL {} is not on the source's allow-list",
        evil.origin()
    )];
    assert_contained_with(&config, &out, "steal-credential", &expected, &vars);
    let heads = echo.heads();
    assert_eq!(heads.len(), 2, "{heads:?}");
    assert_eq!(
        authorization(&heads[1]),
        None,
        "no grant, no token: {heads:?}"
    );
    assert_eq!(evil.connections(), 0);
    let output = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
    assert!(!output.contains(&t.client_secret));
}

// ---------------------------------------------------------------------------------------------
// 4. Files, environment, sockets, stdio
// ---------------------------------------------------------------------------------------------

#[test]
fn files_environment_sockets_and_name_lookup_are_not_there() {
    let env = Env::new(10, Options::default());
    let listener = Server::ok("127.0.0.1");
    let config_path = env.dir.path().join("itam.toml");
    let paths = format!(
        "/etc/passwd,{},.,/,secret.txt,/proc/self/environ",
        config_path.display()
    );
    let tcp = listener.addr.to_string();
    let config = config_with(
        &env,
        "",
        &hostile_source(
            hostile::SNOOP,
            "",
            &[
                ("url", &listener.origin()),
                ("paths", &paths),
                ("tcp", &tcp),
            ],
        ),
    );
    let out = itam(&config, &["sync"]);
    let mut expected = vec![
        "plugin error: snoop: env []; args []; cwd ".to_string(),
        "; preopens []; ".into(),
        format!("tcp {tcp}: create error ErrorCode {{ code: 1, name: \"access-denied\""),
        "lookup localhost: error ErrorCode { code: 20, name: \"permanent-resolver-failure\"".into(),
    ];
    for path in paths.split(',') {
        expected.push(format!(
            "; {path}: error (No such file or directory (os error 44)"
        ));
    }
    let error = assert_contained(&config, &out, "snoop", &expected);
    // The working directory is the WASI default root, which holds nothing.
    assert!(
        error.contains("; cwd FOUND /; ") || error.contains("; cwd error ("),
        "{error}"
    );
    let output = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
    for leak in [
        "READ ",
        "LISTED",
        "CONNECTED",
        "RESOLVED",
        "PATH=",
        "HOME=",
        "root:",
        "[store]",
        "client_secret",
        &env.tenant().client_secret,
    ] {
        assert!(!error.contains(leak), "`{leak}` leaked: {error}");
        assert!(!output.contains(leak), "`{leak}` leaked: {output}");
    }
    // The plugin's stdout and stderr go nowhere: it cannot forge the host's output.
    assert!(!output.contains("SNOOP-STDOUT-MARKER"), "{output}");
    assert!(!output.contains("SNOOP-STDERR-MARKER"), "{output}");
    assert_eq!(listener.connections(), 0, "no raw TCP");
}

// ---------------------------------------------------------------------------------------------
// 5–6. Memory, time, stack
// ---------------------------------------------------------------------------------------------

#[test]
fn a_plugin_allocating_past_the_memory_cap_is_stopped() {
    let env = Env::new(10, Options::default());
    let config = config_with(
        &env,
        "memory_limit_mb = 32",
        &hostile_source(hostile::MEMORY_HOG, "", &[("url", "http://127.0.0.1:9")]),
    );
    let out = itam(&config, &["sync"]);
    let expected = [
        "the plugin exceeded its memory limit of 32 MiB and was stopped".to_string(),
        "forcing trap when growing memory to ".into(),
    ];
    assert_contained(&config, &out, "memory-hog", &expected);
}

#[test]
fn a_plugin_that_never_returns_is_stopped_at_the_deadline() {
    let env = Env::new(10, Options::default());
    let config = config_with(
        &env,
        "run_timeout = \"3s\"",
        &hostile_source(hostile::ENDLESS_LOOP, "", &[("url", "http://127.0.0.1:9")]),
    );
    let started = Instant::now();
    let out = itam(&config, &["sync"]);
    let took = started.elapsed();
    let expected = [
        "the run exceeded its deadline of 3 s and was stopped".to_string(),
        "wasm trap: interrupt".into(),
    ];
    assert_contained(&config, &out, "endless-loop", &expected);
    assert!(took < Duration::from_secs(60), "took {took:?}");
}

#[test]
fn unbounded_recursion_overflows_the_wasm_stack_not_the_host() {
    let env = Env::new(10, Options::default());
    let config = config_with(
        &env,
        "",
        &hostile_source(
            hostile::DEEP_RECURSION,
            "",
            &[("url", "http://127.0.0.1:9")],
        ),
    );
    let out = itam(&config, &["sync"]);
    let expected = [
        "the plugin crashed (trap)".to_string(),
        "wasm trap: call stack exhausted".into(),
    ];
    assert_contained(&config, &out, "deep-recursion", &expected);
}

// ---------------------------------------------------------------------------------------------
// 7. A panic after some batches
// ---------------------------------------------------------------------------------------------

#[test]
fn a_panic_midway_keeps_the_previous_snapshot_of_the_source() {
    let env = Env::new(10, Options::default());
    let settings = [("url", "http://127.0.0.1:9")];
    let config = config_with(
        &env,
        "",
        &hostile_source(hostile::WELL_BEHAVED, "", &settings),
    );
    assert_success(&itam(&config, &["sync"]));
    let snapshot = |entity: &str| {
        let out = itam(&config, &["export", entity, "--source", "hostile"]);
        assert_success(&out);
        out.stdout
    };
    let accounts = snapshot("accounts");
    let products = snapshot("products");
    let text = String::from_utf8_lossy(&accounts).into_owned();
    assert!(text.contains("wb-1") && text.contains("wb-2"), "{text}");

    // The same source, now running a plugin that emits two batches and panics.
    let config = config_with(
        &env,
        "",
        &hostile_source(hostile::PANIC_MIDWAY, "", &settings),
    );
    let out = itam(&config, &["sync"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("source `hostile` (panic-midway 0.0.0): sync failed, previous snapshot kept"),
        "{err}"
    );
    assert!(err.contains("the plugin crashed (trap)"), "{err}");
    assert!(
        err.contains("wasm trap: wasm `unreachable` instruction executed"),
        "{err}"
    );
    // The plugin's own panic message is kept, for whoever must fix it.
    assert!(
        err.contains("the plugin's stderr: thread '<unnamed>' (1) panicked at")
            && err.contains("panic-midway: deliberate panic after two batches"),
        "{err}"
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("contoso: run "),
        "{err}"
    );
    let runs = json(&itam(&config, &["runs", "--source", "hostile"]));
    assert_eq!(runs[0]["status"], "failed");
    assert!(
        runs[0]["error"]
            .as_str()
            .unwrap()
            .contains("wasm `unreachable` instruction executed")
    );
    assert_eq!(runs[1]["status"], "succeeded");
    assert_eq!(
        json(&itam(&config, &["runs", "--source", "contoso"]))[0]["status"],
        "succeeded"
    );

    // Nothing of the failed run is kept: the snapshot is the well-behaved one, byte for byte.
    assert_eq!(snapshot("accounts"), accounts);
    assert_eq!(snapshot("products"), products);
    let store = store_bytes(&env);
    assert!(!store.contains("PANIC_PACK") && !store.contains("Panic One"));
}

// ---------------------------------------------------------------------------------------------
// 9. Files that are not collector plugins
// ---------------------------------------------------------------------------------------------

#[test]
fn files_that_are_not_collector_plugins_are_refused_clearly() {
    let env = Env::new(10, Options::default());
    let dir = env.dir.path();
    // Deterministic noise that does not start with the wasm magic number.
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let noise: Vec<u8> = (0..4096)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8 | 0x80
        })
        .collect();
    let component = std::fs::read(hostile::WELL_BEHAVED).unwrap();
    let files: [(&str, Vec<u8>); 5] = [
        ("core-module.wasm", b"\0asm\x01\0\0\0".to_vec()),
        ("noise.wasm", noise),
        ("truncated.wasm", component[..component.len() / 2].to_vec()),
        (
            "not-collector.wasm",
            std::fs::read(hostile::NOT_COLLECTOR).unwrap(),
        ),
        (
            "backdoor.wasm",
            std::fs::read(hostile::BACKDOOR_IMPORT).unwrap(),
        ),
    ];
    let not_component =
        "the plugin is not a valid WebAssembly component: failed to parse WebAssembly module: ";
    let wrong_world = "the plugin does not implement the itam:collector@0.3.0 world or imports something the host does not provide: ";
    let messages = [
        format!("{not_component}attempted to parse a wasm module with a component parser"),
        format!("{not_component}magic header not detected: bad magic number"),
        format!("{not_component}wasm component contains an invalid module section: section range "),
        "the component exports no `itam:collector/plugin` interface: it is not a collector plugin"
            .to_string(),
        format!(
            "{wrong_world}component imports instance `evil:extra/backdoor`, but a matching implementation was not found in the linker"
        ),
    ];
    for ((name, bytes), message) in files.iter().zip(&messages) {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();

        let out = itam(
            &dir.join("itam.toml"),
            &["plugin", "inspect", path.to_str().unwrap()],
        );
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{name}: {err}");
        assert!(err.starts_with("error: "), "{name}: {err}");
        assert!(err.contains(message.as_str()), "{name}: {err}");
        assert!(!err.contains("panicked"), "{name}: {err}");
        assert!(out.stdout.is_empty(), "{name}");

        // In a sync it is the source's configuration error (exit 2), found before its plugin
        // runs; the other source still runs.
        let config = config_with(
            &env,
            "",
            &hostile_source(name, "", &[("url", "http://127.0.0.1:9")]),
        );
        let out = itam(&config, &["sync"]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{name}: {err}");
        assert!(
            err.contains(&format!("error: source `hostile`: {message}")),
            "{name}: {err}"
        );
        assert!(!err.contains("panicked"), "{name}: {err}");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            stdout.starts_with("contoso: run ") && stdout.contains(" succeeded: "),
            "{name}: {stdout}\n{err}"
        );
        let runs = json(&itam(&config, &["runs", "--source", "hostile"]));
        assert_eq!(runs, serde_json::json!([]), "{name}: no run was started");
    }
}

// ---------------------------------------------------------------------------------------------
// 10. The compiled-component cache
// ---------------------------------------------------------------------------------------------

const DAMAGED: &str = "ignoring a damaged compiled-component cache entry";

/// The cache files (`.cwasm`, `.sha256`) of the component `wasm` in `components`.
fn cache_entry(components: &Path, wasm: &str) -> (PathBuf, PathBuf) {
    use sha2::Digest;
    let sha = hex::encode(sha2::Sha256::digest(std::fs::read(wasm).unwrap()));
    let artifact = std::fs::read_dir(components)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            let name = p.file_name().unwrap().to_str().unwrap();
            name.starts_with(&sha[..32]) && name.ends_with(".cwasm")
        })
        .unwrap_or_else(|| panic!("no cache entry for {wasm} in {}", components.display()));
    let checksum = artifact.with_extension("sha256");
    assert!(checksum.is_file());
    (artifact, checksum)
}

fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Syncs the well-behaved source against `cache` and checks it ran that plugin.
fn sync_well_behaved(config: &Path, cache: &Path) -> String {
    let out = run(config, &["sync"], cache, &[]);
    let err = stderr(&out);
    assert_success(&out);
    let accounts = run(config, &["export", "accounts"], cache, &[]);
    let text = String::from_utf8_lossy(&accounts.stdout);
    assert!(text.contains("wb-1") && text.contains("wb-2"), "{text}");
    let runs = json(&run(config, &["runs"], cache, &[]));
    assert_eq!(runs[0]["status"], "succeeded");
    err
}

#[test]
fn a_tampered_compiled_component_is_never_loaded() {
    let env = Env::new(1, Options::default());
    let cache = env.dir.path().join("cache");
    let components = cache.join("components");
    let config = config_alone(
        &env,
        &hostile_source(hostile::WELL_BEHAVED, "", &[("url", "http://127.0.0.1:9")]),
    );
    let err = sync_well_behaved(&config, &cache);
    assert!(!err.contains(DAMAGED), "{err}");
    let (artifact, checksum) = cache_entry(&components, hostile::WELL_BEHAVED);
    let good = std::fs::read(&artifact).unwrap();

    // Another component's artifact, compiled by this host into the same cache.
    let out = run(
        &config,
        &["plugin", "inspect", hostile::PANIC_MIDWAY],
        &cache,
        &[],
    );
    assert_success(&out);
    let (other, other_checksum) = cache_entry(&components, hostile::PANIC_MIDWAY);

    let flipped = {
        let mut bytes = good.clone();
        let middle = bytes.len() / 2;
        for b in &mut bytes[middle..middle + 16] {
            *b ^= 0xff;
        }
        bytes
    };
    let tampered: [(&str, Vec<u8>); 3] = [
        ("flipped bytes", flipped),
        ("truncated", good[..good.len() / 2].to_vec()),
        (
            "another component's artifact",
            std::fs::read(&other).unwrap(),
        ),
    ];
    for (what, bytes) in tampered {
        std::fs::write(&artifact, &bytes).unwrap();
        let err = sync_well_behaved(&config, &cache);
        assert!(err.contains(DAMAGED), "{what}: {err}");
        assert!(err.contains(artifact.to_str().unwrap()), "{what}: {err}");
        assert_eq!(
            std::fs::read(&artifact).unwrap(),
            good,
            "{what}: the entry is rebuilt"
        );
    }

    // A consistent forgery (artifact and checksum both replaced) in a cache directory that
    // other users can write to: the host does not use that cache at all.
    std::fs::copy(&other, &artifact).unwrap();
    std::fs::copy(&other_checksum, &checksum).unwrap();
    chmod(&components, 0o777);
    let err = sync_well_behaved(&config, &cache);
    assert!(
        err.contains("not using the component cache: other users can write to it"),
        "{err}"
    );
}

/// Compiled code runs natively, so the cache is trusted only when no other user could have
/// placed files in it: a directory owned by this user, not writable by others, under parents
/// that do not let others swap it out (world-writable only with the sticky bit). Otherwise a
/// consistent forged artifact under the key of a plugin the operator runs would be loaded.
#[test]
fn a_cache_under_a_directory_others_can_write_to_is_not_trusted() {
    let env = Env::new(1, Options::default());
    let config = config_alone(
        &env,
        &hostile_source(hostile::WELL_BEHAVED, "", &[("url", "http://127.0.0.1:9")]),
    );
    // A consistent forged entry: panic-midway's artifact under well-behaved's key.
    let private = env.dir.path().join("private");
    assert_success(&run(
        &config,
        &["plugin", "inspect", hostile::WELL_BEHAVED],
        &private,
        &[],
    ));
    assert_success(&run(
        &config,
        &["plugin", "inspect", hostile::PANIC_MIDWAY],
        &private,
        &[],
    ));
    let (artifact, checksum) = cache_entry(&private.join("components"), hostile::WELL_BEHAVED);
    let (other, other_checksum) = cache_entry(&private.join("components"), hostile::PANIC_MIDWAY);
    let plant = |components: &Path| {
        std::fs::create_dir_all(components).unwrap();
        std::fs::copy(&other, components.join(artifact.file_name().unwrap())).unwrap();
        std::fs::copy(
            &other_checksum,
            components.join(checksum.file_name().unwrap()),
        )
        .unwrap();
        chmod(components, 0o700);
    };

    // Under a parent anyone may write to (no sticky bit), the cache is neither written nor read:
    // another user could swap `components` for their own.
    let shared = env.dir.path().join("shared");
    std::fs::create_dir(&shared).unwrap();
    chmod(&shared, 0o777);
    let err = sync_well_behaved(&config, &shared);
    assert!(err.contains("not using the component cache"), "{err}");
    assert!(
        !shared.join("components").exists(),
        "nothing was cached there"
    );
    plant(&shared.join("components"));
    let err = sync_well_behaved(&config, &shared);
    assert!(err.contains("not using the component cache"), "{err}");

    // A private-looking directory owned by someone else is not trusted either.
    let foreign = env.dir.path().join("foreign");
    std::fs::create_dir(&foreign).unwrap();
    plant(&foreign.join("components"));
    std::os::unix::fs::chown(foreign.join("components"), Some(65534), Some(65534)).unwrap();
    let err = sync_well_behaved(&config, &foreign);
    assert!(err.contains("not using the component cache"), "{err}");
}

#[test]
fn oversized_malformed_dangling_and_flooding_output_is_refused() {
    let cases = [
        (
            "huge-string",
            "",
            "display name of 67108864 bytes; the host accepts at most 64 KiB per field",
        ),
        ("missing-fields", "", "an account without an id"),
        (
            "unknown-refs",
            "",
            "assignments for accounts it never sent (e.g. never-emitted-1); the run is refused as inconsistent",
        ),
        (
            "many-entities",
            "max_output_mb = 16",
            "the plugin's output exceeded the source's limit of 16 MiB (limits.max_output_mb); nothing of this run is kept",
        ),
    ];
    for (mode, runtime, expected) in cases {
        let env = Env::new(10, Options::default());
        let config = config_with(
            &env,
            runtime,
            &hostile_source(
                hostile::FLOOD,
                "",
                &[("url", "http://127.0.0.1:9"), ("mode", mode)],
            ),
        );
        let out = itam(&config, &["sync"]);
        assert_contained(&config, &out, "flood", &[expected.to_string()]);
    }
}

// ---------------------------------------------------------------------------------------------
// Contract versions: a plugin built against the first released contract keeps working
// ---------------------------------------------------------------------------------------------

#[test]
fn a_plugin_built_against_contract_0_2_0_still_loads_and_syncs_incrementally() {
    let env = Env::new(10, Options::default());
    let config = config_with(&env, "", &hostile_source(hostile::CONTRACT_V0_2_0, "", &[]));
    let inspected = json(&itam(
        &config,
        &["plugin", "inspect", hostile::CONTRACT_V0_2_0],
    ));
    assert_eq!(inspected["contract"], "itam:collector@0.2.0");
    let export = |entity: &str| {
        let out = itam(
            &config,
            &["export", entity, "--source", "hostile", "--format", "json"],
        );
        assert_success(&out);
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert_success(&itam(&config, &["sync"]));
    let accounts = export("accounts");
    assert!(
        accounts.contains("v2-1") && accounts.contains("v2-2"),
        "{accounts}"
    );
    // Its 0.2.0 product comes in with known units.
    let balance = json(&itam(
        &config,
        &[
            "report", "balance", "--source", "hostile", "--format", "json",
        ],
    ));
    assert_eq!(balance[0]["enabled"], 10, "{balance}");
    // The second run gets its state back, reads accounts as changes and removes one.
    let out = itam(&config, &["sync"]);
    assert_success(&out);
    let accounts = export("accounts");
    assert!(accounts.contains("Version One, renamed"), "{accounts}");
    assert!(!accounts.contains("v2-2"), "{accounts}");
    let runs = json(&itam(
        &config,
        &["runs", "--source", "hostile", "--format", "json"],
    ));
    assert_eq!(runs[0]["mode"], "incremental", "{runs}");
    assert_eq!(runs[1]["mode"], "full", "{runs}");
    let changes = export("changes");
    assert!(
        changes.contains("leaver") && changes.contains("v2-2"),
        "{changes}"
    );
}

#[test]
fn a_plugin_built_against_contract_0_1_0_still_loads_syncs_and_reads_in_full() {
    let env = Env::new(10, Options::default());
    let config = config_with(&env, "", &hostile_source(hostile::CONTRACT_V0_1_0, "", &[]));
    let inspected = json(&itam(
        &config,
        &["plugin", "inspect", hostile::CONTRACT_V0_1_0],
    ));
    assert_eq!(inspected["contract"], "itam:collector@0.1.0");
    for _ in 0..2 {
        let out = itam(&config, &["sync"]);
        assert_success(&out);
        let said = String::from_utf8_lossy(&out.stdout).into_owned();
        // It keeps no state, so every run reads in full, and says why.
        let read = said
            .lines()
            .skip_while(|l| !l.starts_with("hostile: run "))
            .nth(1)
            .unwrap_or_default();
        assert!(read.starts_with("  read: full: "), "{said}");
    }
    let accounts = itam(&config, &["export", "accounts", "--source", "hostile"]);
    assert_success(&accounts);
    let text = String::from_utf8_lossy(&accounts.stdout).into_owned();
    assert!(text.contains("v1-1") && text.contains("v1-2"), "{text}");
    let runs = json(&itam(
        &config,
        &["runs", "--source", "hostile", "--format", "json"],
    ));
    assert_eq!(runs[0]["mode"], "full");
    assert!(
        runs[0]["full_reason"]
            .as_str()
            .unwrap()
            .contains("keeps no state"),
        "{runs}"
    );
}
