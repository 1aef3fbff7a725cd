//! The `[serve]` section: how `itam serve` listens, schedules and protects itself.

use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// The default listen address: loopback only.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

/// Default requests per second per app across the fleet: below Graph's 13,000 (130,000 per
/// 10 seconds per app across all tenants), leaving room for the app's other clients.
pub const DEFAULT_APP_REQUESTS_PER_SECOND: u32 = 10_000;

/// Default share of a source's interval that its runs are spread over.
pub const DEFAULT_SPLAY_PERCENT: u32 = 10;

/// `[serve]`, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct ServeSettings {
    /// Where the dashboard, API and metrics listen.
    pub listen: SocketAddr,
    /// How far past its interval a run may be pushed, at random.
    pub splay: Splay,
    /// Most runs at a time, across sources.
    pub max_concurrent_runs: usize,
    /// Where the access token comes from (required to listen beyond loopback).
    pub token: Option<TokenRef>,
    /// Whether `/metrics` answers without the token.
    pub metrics_public: bool,
    /// TLS certificate chain and key (PEM), when the service speaks HTTPS.
    pub tls: Option<(PathBuf, PathBuf)>,
    /// How often the service renews its heartbeat and its leases, and looks for due
    /// sources that other services of the fleet left.
    pub heartbeat: std::time::Duration,
    /// How long a source's lease lasts unless renewed: how soon another service takes over
    /// the sources of one that died.
    pub lease: std::time::Duration,
    /// Requests per second per app (client ID) across the fleet: Graph allows an app
    /// 130,000 requests per 10 seconds across all tenants.
    pub app_requests_per_second: u32,
}

/// The random delay added to each interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Splay {
    /// A share of the interval, in percent.
    Percent(u32),
    /// A fixed upper bound.
    Fixed(std::time::Duration),
}

impl Splay {
    /// The largest delay for a source run every `interval`.
    pub fn max_for(self, interval: std::time::Duration) -> std::time::Duration {
        match self {
            Splay::Percent(p) => interval * p / 100,
            Splay::Fixed(d) => d.min(interval),
        }
    }
}

pub use super::secret_ref::SecretRef as TokenRef;

impl Default for ServeSettings {
    fn default() -> Self {
        ServeSettings {
            listen: DEFAULT_LISTEN.parse().expect("a valid address"),
            splay: Splay::Percent(DEFAULT_SPLAY_PERCENT),
            max_concurrent_runs: 2,
            token: None,
            metrics_public: false,
            tls: None,
            heartbeat: std::time::Duration::from_secs(10),
            lease: std::time::Duration::from_secs(60),
            app_requests_per_second: DEFAULT_APP_REQUESTS_PER_SECOND,
        }
    }
}

/// `[serve]` as written.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawServe {
    listen: Option<String>,
    splay: Option<String>,
    max_concurrent_runs: Option<i64>,
    token: Option<toml::Value>,
    metrics_public: Option<bool>,
    tls_certificate: Option<PathBuf>,
    tls_key: Option<PathBuf>,
    heartbeat: Option<String>,
    lease: Option<String>,
    app_requests_per_second: Option<i64>,
}

impl RawServe {
    /// Validates `[serve]`; relative paths are taken from `base`.
    pub(crate) fn resolve(self, base: &Path) -> Result<ServeSettings, String> {
        let defaults = ServeSettings::default();
        let listen = match self.listen {
            None => defaults.listen,
            Some(text) => parse_listen(&text)?,
        };
        let splay = match self.splay {
            None => defaults.splay,
            Some(text) => parse_splay(&text)?,
        };
        let max_concurrent_runs = match self.max_concurrent_runs {
            None => defaults.max_concurrent_runs,
            Some(n @ 1..=64) => n as usize,
            Some(n) => {
                return Err(format!(
                    "[serve] max_concurrent_runs = {n} is out of range; use 1 to 64 (default 2)"
                ));
            }
        };
        let token = match self.token {
            None => None,
            Some(value) => Some(parse_token(value, base)?),
        };
        let tls = match (self.tls_certificate, self.tls_key) {
            (None, None) => None,
            (Some(cert), Some(key)) => Some((base.join(cert), base.join(key))),
            _ => {
                return Err(
                    "[serve] needs both tls_certificate and tls_key (PEM files) for HTTPS, or neither"
                        .into(),
                );
            }
        };
        let duration = |key: &str, text: Option<String>, default| match text {
            None => Ok(default),
            Some(text) => super::parse_duration(&text).map_err(|e| format!("[serve] {key}: {e}")),
        };
        let heartbeat = duration("heartbeat", self.heartbeat, defaults.heartbeat)?;
        let lease = duration("lease", self.lease, defaults.lease)?;
        if heartbeat < std::time::Duration::from_secs(1) || lease < heartbeat * 3 {
            return Err(format!(
                "[serve] heartbeat = {} and lease = {} do not fit: the heartbeat must be at least 1s and the lease at least three heartbeats, so that a busy service keeps its leases (defaults: 10s and 60s)",
                humantime::format_duration(heartbeat),
                humantime::format_duration(lease)
            ));
        }
        let app_requests_per_second = match self.app_requests_per_second {
            None => defaults.app_requests_per_second,
            Some(n @ 1..=13_000) => n as u32,
            Some(n) => {
                return Err(format!(
                    "[serve] app_requests_per_second = {n} is out of range; use 1 to 13000 (Graph allows an app 130,000 requests per 10 seconds across all tenants; default {DEFAULT_APP_REQUESTS_PER_SECOND})"
                ));
            }
        };
        Ok(ServeSettings {
            app_requests_per_second,
            heartbeat,
            lease,
            listen,
            splay,
            max_concurrent_runs,
            token,
            metrics_public: self.metrics_public.unwrap_or(false),
            tls,
        })
    }
}

/// `host:port` or `[v6]:port` with a numeric address.
pub fn parse_listen(text: &str) -> Result<SocketAddr, String> {
    text.trim().parse().map_err(|_| {
        format!(
            "[serve] listen `{text}` is not an address and port; write e.g. {DEFAULT_LISTEN}, 0.0.0.0:8080 or [::1]:8080"
        )
    })
}

/// `10%` or a duration (`5m`).
fn parse_splay(text: &str) -> Result<Splay, String> {
    let text = text.trim();
    if let Some(percent) = text.strip_suffix('%') {
        return match percent.trim().parse::<u32>() {
            Ok(p @ 0..=100) => Ok(Splay::Percent(p)),
            _ => Err(format!(
                "[serve] splay `{text}` must be a share of the interval from 0% to 100%, or a duration such as 5m"
            )),
        };
    }
    if text == "0" {
        return Ok(Splay::Fixed(std::time::Duration::ZERO));
    }
    super::parse_duration(text)
        .map(Splay::Fixed)
        .map_err(|e| format!("[serve] splay: {e} (or a share such as 10%)"))
}

fn parse_token(value: toml::Value, base: &Path) -> Result<TokenRef, String> {
    TokenRef::parse(
        value,
        base,
        "[serve] token",
        "ITAM_SERVE_TOKEN",
        "serve-token",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn parse(text: &str) -> Result<ServeSettings, String> {
        let raw: RawServe = toml::from_str(text).map_err(|e| e.to_string())?;
        raw.resolve(Path::new("/etc/itam"))
    }

    #[test]
    fn defaults_listen_on_loopback_with_a_tenth_of_the_interval_as_splay() {
        let s = parse("").unwrap();
        assert_eq!(s, ServeSettings::default());
        assert_eq!(s.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(
            s.splay.max_for(Duration::from_secs(3600)),
            Duration::from_secs(360)
        );
    }

    #[test]
    fn every_key_is_read() {
        let s = parse(
            r#"listen = "0.0.0.0:9000"
splay = "5m"
max_concurrent_runs = 4
token = { file = "token" }
metrics_public = true
tls_certificate = "cert.pem"
tls_key = "key.pem""#,
        )
        .unwrap();
        assert_eq!(s.listen.to_string(), "0.0.0.0:9000");
        assert_eq!(s.splay, Splay::Fixed(Duration::from_secs(300)));
        // A fixed splay never exceeds the interval.
        assert_eq!(
            s.splay.max_for(Duration::from_secs(60)),
            Duration::from_secs(60)
        );
        assert_eq!(s.max_concurrent_runs, 4);
        assert_eq!(s.token, Some(TokenRef::File("/etc/itam/token".into())));
        assert!(s.metrics_public);
        assert_eq!(
            s.tls,
            Some(("/etc/itam/cert.pem".into(), "/etc/itam/key.pem".into()))
        );
    }

    #[test]
    fn bad_values_say_what_to_write() {
        for (text, expected) in [
            ("listen = \"localhost\"", "is not an address and port"),
            ("splay = \"150%\"", "from 0% to 100%"),
            ("splay = \"soon\"", "[serve] splay"),
            ("max_concurrent_runs = 0", "use 1 to 64"),
            ("token = \"hunter2\"", "must be a reference"),
            (
                "token = { env = \"A\", file = \"b\" }",
                "exactly one of env or file",
            ),
            (
                "tls_key = \"key.pem\"",
                "needs both tls_certificate and tls_key",
            ),
        ] {
            let error = parse(text).unwrap_err();
            assert!(error.contains(expected), "{text}: {error}");
            assert!(!error.contains("hunter2"), "{error}");
        }
    }
}
