//! Test harness: an emulated tenant, a config written to a temp dir, and the `itam` binary.

use graph_emulator::{Emulator, Options, Tenant, TenantSpec};
use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Output};

/// An emulated tenant plus a scratch directory for config, secret and database.
pub struct Env {
    pub dir: tempfile::TempDir,
    pub emulator: Emulator,
    // Keeps the emulator's server running; dropped last.
    rt: tokio::runtime::Runtime,
}

impl Env {
    pub fn new(users: usize, options: Options) -> Env {
        Env::with_spec(
            TenantSpec {
                users,
                seed: 7,
                ..Default::default()
            },
            options,
        )
    }

    /// An env whose tenant is generated from `spec`.
    pub fn with_spec(spec: TenantSpec, options: Options) -> Env {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let tenant = Tenant::generate(&spec);
        let emulator = rt.block_on(Emulator::start(tenant, options, 0)).unwrap();
        Env {
            dir: tempfile::tempdir().unwrap(),
            emulator,
            rt,
        }
    }

    /// An env whose users request number `nth` stalls for `secs` (to catch a run mid-way).
    pub fn stalling_users_at(users: usize, nth: u64, secs: u64) -> Env {
        let stall = graph_emulator::FaultRule::new(
            "users/delta",
            graph_emulator::Trigger::Nth(vec![nth]),
            graph_emulator::Fault::Stall(std::time::Duration::from_secs(secs)),
        );
        Env::new(
            users,
            Options {
                faults: vec![stall],
                ..Options::default()
            },
        )
    }

    /// Starts another emulator (e.g. the same tenant later on) in this env's runtime.
    pub fn start_emulator(&self, tenant: Tenant, options: Options) -> Emulator {
        self.rt
            .block_on(Emulator::start(tenant, options, 0))
            .unwrap()
    }

    /// Appends TOML to the env's `itam.toml`.
    pub fn append_config(&self, text: &str) {
        let path = self.dir.path().join("itam.toml");
        let old = std::fs::read_to_string(&path).unwrap();
        write_private(&path, &format!("{old}\n{text}\n"));
    }

    pub fn tenant(&self) -> &Tenant {
        self.emulator.tenant()
    }

    /// Writes `itam.toml` (and the secret file) pointing at `url`; `runtime` is TOML for the
    /// `[runtime]` table.
    pub fn config_for(&self, url: &str, secret: &str, runtime: &str) -> PathBuf {
        graph_emulator::client_config::write_itam_config(
            self.dir.path(),
            self.tenant(),
            url,
            secret,
            runtime,
        )
        .unwrap()
    }

    /// A config for this env's emulator with the right secret.
    pub fn config(&self) -> PathBuf {
        self.config_for(
            &self.emulator.url(),
            &self.tenant().client_secret.clone(),
            "",
        )
    }

    /// Runs `itam --config <dir>/itam.toml ARGS`.
    pub fn itam(&self, args: &[&str]) -> Output {
        itam(&self.dir.path().join("itam.toml"), args)
    }

    /// Runs `itam` and parses its stdout as JSON, asserting success.
    pub fn itam_json(&self, args: &[&str]) -> Value {
        let out = self.itam(args);
        assert_success(&out);
        serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
    }
}

/// Starts `itam --config CONFIG ARGS` in the background (its output piped) and returns once
/// the emulator has seen `n` requests to `endpoint`: a run is then under way, usually waiting
/// on a stalled answer.
pub fn spawn_until(
    config: &std::path::Path,
    args: &[&str],
    emulator: &Emulator,
    endpoint: &str,
    n: u64,
) -> std::process::Child {
    let child = Command::new(env!("CARGO_BIN_EXE_itam"))
        .arg("--config")
        .arg(config)
        .args(args)
        .env(
            "ITAM_CACHE_DIR",
            concat!(env!("CARGO_TARGET_TMPDIR"), "/itam-cache"),
        )
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while emulator.requests().get(endpoint).copied().unwrap_or(0) < n {
        assert!(
            std::time::Instant::now() < deadline,
            "the run never reached request {n} of {endpoint}"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child
}

/// Writes a file only its owner may read, as a careful operator would.
pub fn write_private(path: &std::path::Path, text: &str) {
    graph_emulator::client_config::write_private(path, text).unwrap();
}

/// Runs the `itam` binary with a shared compiled-component cache.
pub fn itam(config: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_itam"))
        .arg("--config")
        .arg(config)
        .args(args)
        .env(
            "ITAM_CACHE_DIR",
            concat!(env!("CARGO_TARGET_TMPDIR"), "/itam-cache"),
        )
        .env_remove("RUST_LOG")
        .output()
        .expect("the itam binary runs")
}

/// Runs `itam --config CONFIG sync -vvv` with every crate's logs at trace level.
pub fn sync_traced(config: &std::path::Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_itam"))
        .arg("--config")
        .arg(config)
        .args(["sync", "-vvv"])
        .env("RUST_LOG", "trace")
        .env(
            "ITAM_CACHE_DIR",
            concat!(env!("CARGO_TARGET_TMPDIR"), "/itam-cache"),
        )
        .output()
        .expect("the itam binary runs")
}

pub fn assert_success(out: &Output) {
    assert!(
        out.status.success(),
        "itam failed ({:?}):\nstdout: {}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}
