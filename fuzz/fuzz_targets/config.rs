//! Fuzzes the host's configuration parsing, `itam_cli::config::Config::parse`, and the
//! resolution of each source's credential reference, with arbitrary
//! UTF-8 text: TOML syntax, the strict schema (unknown keys), durations, limits, proxy URLs,
//! origins in `allowed_hosts`, credentials and secret references, report settings and prices.
//! It must answer `Ok` or `Err(String)` and never panic or hang.
//!
//! Relative paths resolve against an empty directory, so file references fail as they would
//! for a missing file; environment variables with an even-length name are "set".

#![no_main]

use itam_cli::config::{Config, mib};
use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;
use std::sync::OnceLock;

/// An empty directory to resolve relative paths against.
fn base() -> &'static PathBuf {
    static BASE: OnceLock<PathBuf> = OnceLock::new();
    BASE.get_or_init(|| {
        let dir = std::env::temp_dir().join("itam-fuzz-config-empty");
        std::fs::create_dir_all(&dir).expect("a temporary directory");
        dir
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let env = |name: &str| (name.len() % 2 == 0).then(|| "s3cret".to_string());
    if let Ok(config) = Config::parse(text, base()) {
        // What the runtime does next with a valid configuration must not panic either.
        for source in &config.sources {
            assert!(!source.name.is_empty());
            let _ = source.with_credential_from(&env);
            let _ = (
                mib(source.limits.max_response_bytes),
                mib(source.limits.max_output_bytes),
            );
        }
        let _ = config.network.proxy_matcher();
        let _ = config.select(None);
    }
});
