//! The token broker: performs the OAuth 2.0 client-credentials grant with the source's
//! credential, caches the token, and hands it only to the outbound hook. The plugin never sees
//! the secret or the token, only [`TokenFacts`].

use crate::config::{ClientAuth, Credential, Network};
use crate::policy::{AllowList, Origin};
use crate::runtime::bindings::itam::collector::types::{AuthError, Grant, TokenFacts};
use crate::secret::Secret;
use base64::Engine as _;
use serde::Deserialize;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::Mutex;

/// Refresh a cached token this long before it expires.
const EXPIRY_MARGIN: Duration = Duration::from_secs(120);

/// A token in hand, with the grant it answers.
struct Issued {
    grant: Grant,
    token: Secret,
    expires_at: u64,
    resource_hosts: Vec<Origin>,
}

/// Obtains, caches and attaches tokens for one run.
pub struct TokenBroker {
    client: reqwest::Client,
    /// For loopback token URLs: never through a proxy, which could read a plain-HTTP secret.
    direct: reqwest::Client,
    credential: Option<Credential>,
    allow: AllowList,
    /// The grant the plugin declared in its plan; no other is performed.
    expected: Option<Grant>,
    issued: Mutex<Option<Issued>>,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    expires_in: Option<u64>,
}

#[derive(Deserialize)]
struct TokenErrorBody {
    error: Option<String>,
    error_description: Option<String>,
    #[serde(default)]
    error_codes: Vec<u32>,
}

#[derive(Deserialize, Default)]
struct Claims {
    #[serde(default)]
    roles: Vec<String>,
    tid: Option<String>,
    exp: Option<f64>,
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn refuse(error: &str, description: String) -> AuthError {
    AuthError {
        status: 0,
        error: error.into(),
        codes: Vec::new(),
        description,
    }
}

impl TokenBroker {
    /// A broker for one source's credential and allow-list.
    pub fn new(
        credential: Option<Credential>,
        allow: AllowList,
        timeout: Duration,
        network: &Network,
    ) -> TokenBroker {
        let base = || {
            let mut builder = reqwest::Client::builder()
                .timeout(timeout)
                .redirect(reqwest::redirect::Policy::none())
                .user_agent(concat!("itam/", env!("CARGO_PKG_VERSION")));
            for der in &network.extra_roots {
                if let Ok(cert) = reqwest::Certificate::from_der(der) {
                    builder = builder.add_root_certificate(cert);
                }
            }
            builder
        };
        let mut builder = base();
        // Without a configured proxy reqwest follows HTTPS_PROXY / NO_PROXY itself.
        if let Some(proxy) = network
            .https_proxy
            .as_deref()
            .and_then(|p| reqwest::Proxy::https(p).ok())
        {
            let no_proxy = network
                .no_proxy
                .as_deref()
                .and_then(reqwest::NoProxy::from_string);
            builder = builder.proxy(proxy.no_proxy(no_proxy));
        }
        // The CA bundle was validated when the configuration was loaded.
        let build =
            |b: reqwest::ClientBuilder| b.build().expect("a TLS-capable HTTP client can be built");
        TokenBroker {
            client: build(builder),
            direct: build(base().no_proxy()),
            credential,
            allow,
            expected: None,
            issued: Mutex::new(None),
        }
    }

    /// Performs only `grant` (the one the plugin declared in its plan); any other is refused.
    pub fn expecting(mut self, grant: Option<Grant>) -> TokenBroker {
        self.expected = grant;
        self
    }

    /// Obtains a fresh token for `grant` and remembers it for the grant's resource hosts.
    pub async fn authorize(&self, grant: Grant) -> Result<TokenFacts, AuthError> {
        if let Some(expected) = &self.expected
            && (expected.token_url != grant.token_url
                || expected.scope != grant.scope
                || expected.resource_hosts != grant.resource_hosts)
        {
            return Err(refuse(
                "not-allowed",
                format!(
                    "the plugin asked for a grant ({}) other than the one it declared in its plan ({})",
                    grant.token_url, expected.token_url
                ),
            ));
        }
        let token_origin = url::Url::parse(&grant.token_url)
            .ok()
            .as_ref()
            .and_then(Origin::from_url)
            .ok_or_else(|| {
                refuse(
                    "not-allowed",
                    format!("token URL `{}` is not a URL", grant.token_url),
                )
            })?;
        if !self.allow.allows(&token_origin) {
            return Err(refuse(
                "not-allowed",
                format!("token URL {token_origin} is not on the source's allow-list"),
            ));
        }
        if !token_origin.may_carry_credentials() {
            return Err(refuse(
                "not-allowed",
                format!(
                    "token URL {token_origin} is not HTTPS; credentials travel only over HTTPS (or to loopback)"
                ),
            ));
        }
        let mut resource_hosts = Vec::new();
        for host in &grant.resource_hosts {
            let origin = Origin::parse(host).map_err(|e| refuse("not-allowed", e))?;
            if !self.allow.allows(&origin) || !origin.may_carry_credentials() {
                return Err(refuse(
                    "not-allowed",
                    format!("resource host {origin} is not on the allow-list or is not HTTPS"),
                ));
            }
            resource_hosts.push(origin);
        }
        let credential = self.credential.as_ref().ok_or_else(|| {
            refuse(
                "no-credential",
                "the source has no [source.credential]; add client_id and a client_secret or certificate".into(),
            )
        })?;
        // A certificate signs a fresh assertion for this token URL; the key stays here.
        let assertion;
        let proof: [(&str, &str); 2] = match &credential.auth {
            ClientAuth::Secret(secret) => [("client_secret", secret.expose()), ("", "")],
            ClientAuth::Certificate(cert) => {
                assertion = cert
                    .assertion(&credential.client_id, &grant.token_url)
                    .map_err(|e| refuse("no-credential", e))?;
                [
                    (
                        "client_assertion_type",
                        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                    ),
                    ("client_assertion", assertion.expose()),
                ]
            }
        };
        let mut form = vec![
            ("client_id", credential.client_id.as_str()),
            ("scope", grant.scope.as_str()),
            ("grant_type", "client_credentials"),
        ];
        form.extend(proof.into_iter().filter(|(k, _)| !k.is_empty()));
        let client = if token_origin.is_loopback() {
            &self.direct
        } else {
            &self.client
        };
        let response = client
            .post(&grant.token_url)
            .form(&form)
            .send()
            .await
            .map_err(|e| {
                refuse(
                    "network",
                    format!(
                        "token request to {token_origin} failed: {}",
                        e.without_url()
                    ),
                )
            })?;
        let status = response.status().as_u16();
        let body = response.bytes().await.map_err(|e| {
            refuse(
                "network",
                format!("reading the token response failed: {}", e.without_url()),
            )
        })?;
        if status != 200 {
            let parsed: Option<TokenErrorBody> = serde_json::from_slice(&body).ok();
            return Err(match parsed {
                Some(b) => AuthError {
                    status,
                    error: b.error.unwrap_or_else(|| format!("http-{status}")),
                    codes: b.error_codes,
                    description: b.error_description.unwrap_or_default(),
                },
                None => AuthError {
                    status,
                    error: format!("http-{status}"),
                    codes: Vec::new(),
                    // The body itself is not passed on: it could echo the request.
                    description: format!(
                        "the token endpoint answered HTTP {status} without an OAuth error body"
                    ),
                },
            });
        }
        let token: TokenResponse = serde_json::from_slice(&body).map_err(|e| AuthError {
            status,
            error: "invalid-response".into(),
            codes: Vec::new(),
            description: format!("the token endpoint answered 200 without a usable token: {e}"),
        })?;
        let claims = decode_claims(&token.access_token);
        let expires_at = match (token.expires_in, claims.exp) {
            (Some(seconds), _) => now().saturating_add(seconds.min(86_400)),
            (None, Some(exp)) => exp as u64,
            (None, None) => now() + 300,
        };
        let facts = TokenFacts {
            expires_at,
            roles: claims.roles,
            tenant_id: claims.tid,
        };
        *self.issued.lock().await = Some(Issued {
            grant,
            token: Secret::new(token.access_token),
            expires_at,
            resource_hosts,
        });
        Ok(facts)
    }

    /// The token to attach to a request for `origin`, refreshed when close to expiry.
    /// `None` when no grant covers the origin.
    pub async fn bearer_for(&self, origin: &Origin) -> Option<Secret> {
        let refresh = {
            let issued = self.issued.lock().await;
            let issued = issued.as_ref()?;
            if !issued.resource_hosts.contains(origin) {
                return None;
            }
            if issued.expires_at > now() + EXPIRY_MARGIN.as_secs() {
                return Some(issued.token.clone());
            }
            issued.grant.clone()
        };
        match self.authorize(refresh).await {
            Ok(_) => self.issued.lock().await.as_ref().map(|i| i.token.clone()),
            Err(e) => {
                tracing::warn!(error = %e.error, "refreshing the token failed; sending without it");
                None
            }
        }
    }
}

/// Reads the claims of a JWT access token without verifying it (only non-secret facts are used).
fn decode_claims(token: &str) -> Claims {
    token
        .split('.')
        .nth(1)
        .and_then(|payload| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(payload.trim_end_matches('='))
                .ok()
        })
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_are_read_from_the_payload() {
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(br#"{"roles":["User.Read.All"],"tid":"t-1","exp":1700000000}"#);
        let c = decode_claims(&format!("e30.{payload}.sig"));
        assert_eq!(c.roles, vec!["User.Read.All"]);
        assert_eq!(c.tid.as_deref(), Some("t-1"));
        assert!(decode_claims("opaque-token").roles.is_empty());
    }
}

#[cfg(test)]
mod grant_checks {
    use super::*;

    fn broker(allowed: &[&str]) -> TokenBroker {
        let allow = AllowList::build(
            &allowed.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
            None,
        )
        .unwrap();
        let credential = Credential {
            client_id: "00000000-0000-0000-0000-000000000001".into(),
            auth: crate::config::ClientAuth::Secret(Secret::new("s3cret")),
            origin: "test".into(),
        };
        TokenBroker::new(
            Some(credential),
            allow,
            Duration::from_secs(1),
            &Network::default(),
        )
    }

    fn grant(token_url: &str, resource: &str) -> Grant {
        Grant {
            token_url: token_url.into(),
            scope: "https://graph.microsoft.com/.default".into(),
            resource_hosts: vec![resource.into()],
        }
    }

    #[tokio::test]
    async fn the_secret_goes_only_to_allowed_https_or_loopback_token_urls() {
        let b = broker(&[
            "https://login.example",
            "http://login.example",
            "https://graph.example",
        ]);
        let e = b
            .authorize(grant(
                "https://evil.example/t/oauth2/v2.0/token",
                "https://graph.example",
            ))
            .await
            .unwrap_err();
        assert_eq!(e.error, "not-allowed");
        assert!(e.description.contains("not on the source's allow-list"));
        let e = b
            .authorize(grant(
                "http://login.example/t/oauth2/v2.0/token",
                "https://graph.example",
            ))
            .await
            .unwrap_err();
        assert!(e.description.contains("not HTTPS"), "{}", e.description);
        let e = b
            .authorize(grant(
                "https://login.example/t/oauth2/v2.0/token",
                "https://evil.example",
            ))
            .await
            .unwrap_err();
        assert!(e.description.contains("resource host"), "{}", e.description);
        assert!(!format!("{e:?}").contains("s3cret"));
    }
}
