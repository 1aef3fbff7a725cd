//! `[[webhook]]`: where `itam serve` POSTs each run's changes, signed with a shared secret.

use super::serve::TokenRef;
use serde::Deserialize;
use std::path::Path;

/// One `[[webhook]]`, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct Webhook {
    /// Its name, as the outbox, logs and metrics know it (`name`, else `webhook-` and a hash
    /// of the URL, so the URL, which may carry a secret, is never stored or logged).
    pub name: String,
    /// Where the changes are POSTed: `https://…`, or `http://` to a loopback address.
    pub url: url::Url,
    /// The HMAC-SHA256 key, by reference.
    pub secret: TokenRef,
    /// The change kinds sent (feed names such as `licence-added`); empty = every kind.
    pub events: Vec<String>,
    /// The sources whose changes are sent; empty = every source.
    pub sources: Vec<String>,
}

/// The change kinds of the feed (see `itam_reports::feed::kind`).
pub const EVENTS: &[&str] = &[
    "account-added",
    "account-removed",
    "account-renamed",
    "account-disabled",
    "account-enabled",
    "licence-added",
    "licence-removed",
    "product-added",
    "product-removed",
    "product-units-changed",
];

/// `[[webhook]]` as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawWebhook {
    name: Option<String>,
    url: String,
    secret: Option<toml::Value>,
    #[serde(default)]
    events: Vec<String>,
    #[serde(default)]
    sources: Vec<String>,
}

impl RawWebhook {
    /// Validates one webhook; relative paths are taken from `base`.
    pub(crate) fn resolve(self, base: &Path, index: usize) -> Result<Webhook, String> {
        let at = format!("[[webhook]] #{}", index + 1);
        let url = url::Url::parse(&self.url)
            .map_err(|e| format!("{at}: url `{}` is not a URL ({e})", self.url))?;
        let loopback = match url.host() {
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
            None => false,
        };
        match url.scheme() {
            "https" => {}
            "http" if loopback => {}
            _ => {
                return Err(format!(
                    "{at}: url must be https:// (http:// only to a loopback address), so that the changes and their signature cannot be read or altered on the way"
                ));
            }
        }
        let hint = "write secret = { env = \"ITAM_WEBHOOK_SECRET\" } or secret = { file = \"webhook-secret\" }; the secret itself never goes in the file";
        let secret = match self.secret {
            None => {
                return Err(format!(
                    "{at}: a secret is required to sign the deliveries: {hint}"
                ));
            }
            Some(value) => TokenRef::parse(
                value,
                base,
                &format!("{at}: secret"),
                "ITAM_WEBHOOK_SECRET",
                "webhook-secret",
            )?,
        };
        for event in &self.events {
            if !EVENTS.contains(&event.as_str()) {
                return Err(format!(
                    "{at}: events: `{event}` is not a change kind; use any of {}",
                    EVENTS.join(", ")
                ));
            }
        }
        let name = match self.name {
            Some(name) if super::valid_name(&name) => name,
            Some(name) => {
                return Err(format!(
                    "{at}: name `{name}` may hold only letters, digits, `-` and `_`"
                ));
            }
            None => {
                use sha2::Digest;
                let digest = sha2::Sha256::digest(self.url.as_bytes());
                format!("webhook-{}", &hex::encode(digest)[..12])
            }
        };
        Ok(Webhook {
            name,
            url,
            secret,
            events: self.events,
            sources: self.sources,
        })
    }
}

impl Webhook {
    /// Whether a change of `kind` from `source` goes to this webhook.
    pub fn wants(&self, source: &str, kind: &str) -> bool {
        (self.sources.is_empty() || self.sources.iter().any(|s| s == source))
            && (self.events.is_empty() || self.events.iter().any(|e| e == kind))
    }

    /// The webhook's origin (`scheme://host[:port]`), for logs: never its path or query.
    pub fn origin(&self) -> String {
        self.url.origin().ascii_serialization()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Webhook, String> {
        let raw: RawWebhook = toml::from_str(text).map_err(|e| e.to_string())?;
        raw.resolve(Path::new("/etc/itam"), 0)
    }

    #[test]
    fn a_webhook_needs_https_a_secret_by_reference_and_known_events() {
        let w = parse(
            r#"url = "https://itam.example/hooks/x?key=abc"
               secret = { env = "HOOK" }
               events = ["licence-added", "account-removed"]"#,
        )
        .unwrap();
        assert!(w.name.starts_with("webhook-") && !w.name.contains("abc"));
        assert_eq!(w.origin(), "https://itam.example");
        assert!(w.wants("any", "licence-added") && !w.wants("any", "account-added"));
        assert!(
            parse(
                r#"url = "http://127.0.0.1:9/h"
                         secret = { file = "s" }"#
            )
            .is_ok()
        );
        let cases = [
            (
                r#"url = "http://itam.example/h"
                secret = { env = "HOOK" }"#,
                "must be https://",
            ),
            (r#"url = "https://itam.example/h""#, "a secret is required"),
            (
                r#"url = "https://itam.example/h"
                secret = "inline""#,
                "must be a reference",
            ),
            (
                r#"url = "https://itam.example/h"
                secret = { env = "HOOK" }
                events = ["joiner"]"#,
                "`joiner` is not a change kind",
            ),
            (
                r#"url = "not a url"
                secret = { env = "HOOK" }"#,
                "is not a URL",
            ),
        ];
        for (text, said) in cases {
            let e = parse(text).unwrap_err();
            assert!(e.contains(said), "{e}");
        }
    }
}
