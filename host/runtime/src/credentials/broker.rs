//! The token broker: performs the OAuth 2.0 client-credentials grant with the source's
//! credential, caches the token, and hands it only to the outbound hook. The plugin never sees
//! the secret or the token, only [`TokenFacts`].

use crate::bindings::itam::collector::types::{AuthError, Grant, TokenFacts};
use crate::credentials::Secret;
use crate::credentials::{ClientAuth, Credential};
use crate::network::Network;
use crate::policy::{AllowList, Origin};
use base64::Engine as _;
use serde::Deserialize;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::Mutex;

/// Largest token-endpoint answer read, in bytes (a token is a few KiB).
const MAX_TOKEN_RESPONSE: u64 = 1 << 20;

/// Refresh a cached token this long before it expires.
const EXPIRY_MARGIN: Duration = Duration::from_secs(120);

/// The plugin may make the host request a new token at most this often.
pub const MIN_REFRESH_INTERVAL: Duration = Duration::from_secs(5);

/// A token in hand, with the grant it answers.
struct Issued {
    grant: Grant,
    token: Secret,
    expires_at: u64,
    /// Where the token came from (checked against the allow-list).
    token_origin: Origin,
    resource_hosts: Vec<Origin>,
    /// What the plugin was told about this token.
    facts: TokenFacts,
    /// When the token was requested.
    requested: std::time::Instant,
}

/// Obtains, caches and attaches tokens for one run.
pub struct TokenBroker {
    /// The host's HTTP client, as for the plugin's traffic (proxy, CAs, timeouts, body cap).
    http: crate::http::Sender,
    credential: Option<Credential>,
    allow: AllowList,
    /// The grant the plugin declared in its plan; no other is performed.
    expected: Option<Grant>,
    issued: Mutex<Option<Issued>>,
    /// `authorize` calls answered from the cache (see [`TokenBroker::authorize`]).
    refused_refreshes: std::sync::atomic::AtomicU64,
    /// Whether a resource host rejected the current token (see [`TokenBroker::token_rejected`]).
    rejected: std::sync::atomic::AtomicBool,
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
        TokenBroker {
            http: crate::http::Sender::new([timeout; 3], MAX_TOKEN_RESPONSE, network),
            credential,
            allow,
            expected: None,
            issued: Mutex::new(None),
            refused_refreshes: Default::default(),
            rejected: Default::default(),
        }
    }

    /// Performs only `grant` (the one the plugin declared in its plan); any other is refused.
    pub fn expecting(mut self, grant: Option<Grant>) -> TokenBroker {
        self.expected = grant;
        self
    }

    /// Answers the plugin's `authorize`: performs the declared grant, or serves the cached token
    /// when the last token request is younger than [`MIN_REFRESH_INTERVAL`], that token has not
    /// expired and no resource host has rejected it (so a plugin cannot make the host flood
    /// the token endpoint with the credential, yet a revoked token is replaced at once).
    pub async fn authorize(&self, grant: Grant) -> Result<TokenFacts, AuthError> {
        let origins = self.check_grant(&grant)?;
        {
            let issued = self.issued.lock().await;
            if let Some(issued) = issued.as_ref()
                && issued.grant.same_as(&grant)
                && issued.expires_at > now()
                && issued.requested.elapsed() < MIN_REFRESH_INTERVAL
                && !self.rejected.load(std::sync::atomic::Ordering::Relaxed)
            {
                self.refused_refreshes
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                return Ok(issued.facts.clone());
            }
        }
        self.fetch(grant, origins).await
    }

    /// Notes that a resource host answered 401 to a request carrying the current token, so
    /// the plugin's next `authorize` gets a new one whatever its age.
    pub fn token_rejected(&self) {
        self.rejected
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// How many of the plugin's `authorize` calls were answered from the cache because they
    /// came faster than [`MIN_REFRESH_INTERVAL`].
    pub fn refused_refreshes(&self) -> u64 {
        self.refused_refreshes
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Checks `grant` against the plan and the allow-list; returns its token origin and its
    /// resource hosts.
    fn check_grant(&self, grant: &Grant) -> Result<(Origin, Vec<Origin>), AuthError> {
        // No declared grant means no grant at all: the plan is what the operator can inspect.
        let Some(expected) = &self.expected else {
            return Err(refuse(
                "not-allowed",
                format!(
                    "the plugin asked for a grant ({}) but declared none in its plan",
                    grant.token_url()
                ),
            ));
        };
        if !expected.same_as(grant) {
            return Err(refuse(
                "not-allowed",
                format!(
                    "the plugin asked for a grant ({}) other than the one it declared in its plan ({})",
                    grant.token_url(),
                    expected.token_url()
                ),
            ));
        }
        let token_origin = url::Url::parse(grant.token_url())
            .ok()
            .as_ref()
            .and_then(Origin::from_url)
            .ok_or_else(|| {
                refuse(
                    "not-allowed",
                    format!("token URL `{}` is not a URL", grant.token_url()),
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
        for host in grant.resource_hosts() {
            let origin = Origin::parse(host).map_err(|e| refuse("not-allowed", e))?;
            if !self.allow.allows(&origin) || !origin.may_carry_credentials() {
                return Err(refuse(
                    "not-allowed",
                    format!("resource host {origin} is not on the allow-list or is not HTTPS"),
                ));
            }
            resource_hosts.push(origin);
        }
        Ok((token_origin, resource_hosts))
    }

    /// Performs the token request for an already checked `grant` and caches the token.
    async fn fetch(
        &self,
        grant: Grant,
        (token_origin, resource_hosts): (Origin, Vec<Origin>),
    ) -> Result<TokenFacts, AuthError> {
        let credential = self.credential.as_ref().ok_or_else(|| {
            refuse(
                "no-credential",
                "the source has no [source.credential]; add client_id and a client_secret or certificate, or a service_account key file".into(),
            )
        })?;
        // An assertion is signed afresh for this grant; the key stays here.
        let assertion;
        let form: Vec<(&str, &str)> = match (&grant, &credential.auth) {
            (Grant::ClientCredentials(g), ClientAuth::Secret(secret)) => vec![
                ("client_id", credential.client_id.as_str()),
                ("scope", g.scope.as_str()),
                ("grant_type", "client_credentials"),
                ("client_secret", secret.expose()),
            ],
            (Grant::ClientCredentials(g), ClientAuth::Certificate(cert)) => {
                assertion = cert
                    .assertion(&credential.client_id, &g.token_url)
                    .map_err(|e| refuse("no-credential", e))?;
                vec![
                    ("client_id", credential.client_id.as_str()),
                    ("scope", g.scope.as_str()),
                    ("grant_type", "client_credentials"),
                    (
                        "client_assertion_type",
                        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                    ),
                    ("client_assertion", assertion.expose()),
                ]
            }
            (Grant::JwtBearer(g), ClientAuth::ServiceAccount(key)) => {
                assertion = key.assertion(g).map_err(|e| refuse("no-credential", e))?;
                vec![
                    ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
                    ("assertion", assertion.expose()),
                ]
            }
            (Grant::JwtBearer(_), _) => {
                return Err(refuse(
                    "no-credential",
                    format!(
                        "the plugin asks for a service account's JWT-bearer grant, but the source's credential is {}; set service_account = {{ file = \"key.json\" }} in [source.credential]",
                        credential.origin
                    ),
                ));
            }
            (Grant::ClientCredentials(_), ClientAuth::ServiceAccount(_)) => {
                return Err(refuse(
                    "no-credential",
                    format!(
                        "the plugin asks for a client-credentials grant, but the source's credential is a service account key ({}); give client_id and a client_secret or certificate instead",
                        credential.origin
                    ),
                ));
            }
        };
        let requested = std::time::Instant::now();
        let (status, body) = self
            .http
            .post_form(grant.token_url(), &form)
            .await
            .map_err(|e| {
                use crate::http::PostError;
                use crate::net_cause::NetCause;
                let (cause, chain) = match &e {
                    PostError::Send(e) => (NetCause::of(e), NetCause::chain(e)),
                    PostError::Timeout => (NetCause::Timeout, "no answer in time".to_string()),
                    PostError::Url => (NetCause::Other, "not a URL".to_string()),
                    PostError::Body(why) => (NetCause::Closed, why.clone()),
                };
                refuse(
                    "network",
                    format!(
                        "token request to {token_origin} failed: {} ({chain}); fix: {}",
                        cause.text(),
                        cause.fix()
                    ),
                )
            })?;
        if status != 200 {
            let parsed: Option<TokenErrorBody> = serde_json::from_slice(&body).ok();
            let mut error = match parsed {
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
            };
            // Domain-wide delegation is granted to the service account's client ID, which the
            // plugin cannot read from the key: the fix it writes needs it (it is no secret).
            if matches!(grant, Grant::JwtBearer(_)) {
                error.description = format!(
                    "{} (service account client ID {})",
                    error.description, credential.client_id
                );
            }
            return Err(error);
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
        self.rejected
            .store(false, std::sync::atomic::Ordering::Relaxed);
        *self.issued.lock().await = Some(Issued {
            grant,
            token: Secret::new(token.access_token),
            expires_at,
            token_origin,
            resource_hosts,
            facts: facts.clone(),
            requested,
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
            (
                issued.grant.clone(),
                (issued.token_origin.clone(), issued.resource_hosts.clone()),
            )
        };
        match self.fetch(refresh.0, refresh.1).await {
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
    use crate::contract::types::JwtBearerGrant;

    #[tokio::test]
    async fn a_grant_the_credential_cannot_perform_is_refused_with_the_fix() {
        let jwt = Grant::JwtBearer(JwtBearerGrant {
            token_url: "http://127.0.0.1:9/token".into(),
            scopes: vec!["https://www.googleapis.com/auth/admin.directory.user.readonly".into()],
            subject: Some("admin@example.com".into()),
            resource_hosts: vec!["http://127.0.0.1:9".into()],
        });
        let allow = AllowList::build(&["http://127.0.0.1:9".to_string()], None).unwrap();
        let broker = TokenBroker::new(
            Some(Credential {
                client_id: "client-1".into(),
                auth: ClientAuth::Secret(Secret::new("s3cret")),
                origin: "environment variable X".into(),
            }),
            allow,
            Duration::from_secs(5),
            &Network::default(),
        )
        .expecting(Some(jwt.clone()));
        let e = broker.authorize(jwt).await.unwrap_err();
        assert_eq!(e.error, "no-credential");
        assert!(
            e.description.contains("service_account = { file"),
            "{}",
            e.description
        );
        assert!(!e.description.contains("s3cret"));
    }

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
    use crate::contract::types::ClientCredentialsGrant;

    /// A broker for `allowed` whose plan declared `declared`.
    fn broker(allowed: &[&str], declared: &Grant) -> TokenBroker {
        let allow = AllowList::build(
            &allowed.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
            None,
        )
        .unwrap();
        let credential = Credential {
            client_id: "00000000-0000-0000-0000-000000000001".into(),
            auth: crate::credentials::ClientAuth::Secret(Secret::new("s3cret")),
            origin: "test".into(),
        };
        TokenBroker::new(
            Some(credential),
            allow,
            Duration::from_secs(1),
            &Network::default(),
        )
        .expecting(Some(declared.clone()))
    }

    fn grant(token_url: &str, resource: &str) -> Grant {
        Grant::ClientCredentials(ClientCredentialsGrant {
            token_url: token_url.into(),
            scope: "https://api.example.com/.default".into(),
            resource_hosts: vec![resource.into()],
        })
    }

    #[tokio::test]
    async fn the_secret_goes_only_to_allowed_https_or_loopback_token_urls() {
        let allowed = [
            "https://login.example",
            "http://login.example",
            "https://api.example",
        ];
        // Each grant is the one its plan declared, so only the URL checks can refuse it.
        let asked = |token_url: &str, resource: &str| {
            let g = grant(token_url, resource);
            (broker(&allowed, &g), g)
        };
        let (b, g) = asked(
            "https://evil.example/t/oauth2/v2.0/token",
            "https://api.example",
        );
        let e = b.authorize(g).await.unwrap_err();
        assert_eq!(e.error, "not-allowed");
        assert!(e.description.contains("not on the source's allow-list"));
        let (b, g) = asked(
            "http://login.example/t/oauth2/v2.0/token",
            "https://api.example",
        );
        let e = b.authorize(g).await.unwrap_err();
        assert!(e.description.contains("not HTTPS"), "{}", e.description);
        let (b, g) = asked(
            "https://login.example/t/oauth2/v2.0/token",
            "https://evil.example",
        );
        let e = b.authorize(g).await.unwrap_err();
        assert!(e.description.contains("resource host"), "{}", e.description);
        assert!(!format!("{e:?}").contains("s3cret"));
    }

    #[tokio::test]
    async fn a_plan_without_a_grant_allows_no_grant_at_all() {
        let g = grant(
            "https://login.example/t/oauth2/v2.0/token",
            "https://api.example",
        );
        let b = broker(&["https://login.example", "https://api.example"], &g).expecting(None);
        let e = b.authorize(g).await.unwrap_err();
        assert_eq!(e.error, "not-allowed");
        assert!(
            e.description.contains("declared none in its plan"),
            "{}",
            e.description
        );
    }

    #[tokio::test]
    async fn repeated_authorize_calls_are_served_from_the_cache() {
        let endpoint = itam_test_support::TokenEndpoint::start("client-1", "s3cret").await;
        let g = Grant::ClientCredentials(ClientCredentialsGrant {
            token_url: endpoint.token_url(),
            scope: "https://api.example.com/.default".into(),
            resource_hosts: vec![endpoint.origin()],
        });
        let credential = Credential {
            client_id: "client-1".into(),
            auth: crate::credentials::ClientAuth::Secret(Secret::new("s3cret")),
            origin: "test".into(),
        };
        let allow = AllowList::build(&[endpoint.origin()], None).unwrap();
        let b = TokenBroker::new(
            Some(credential),
            allow,
            Duration::from_secs(5),
            &Network::default(),
        )
        .expecting(Some(g.clone()));
        let first = b.authorize(g.clone()).await.unwrap();
        for _ in 0..200 {
            let again = b.authorize(g.clone()).await.unwrap();
            assert_eq!(again.expires_at, first.expires_at);
        }
        assert_eq!(endpoint.issued().len(), 1);
        assert_eq!(b.refused_refreshes(), 200);
    }
}
