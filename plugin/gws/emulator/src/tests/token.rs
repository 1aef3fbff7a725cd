//! The token endpoint: a JWT signed with the written key file gets a token; every refusal has
//! Google's error code and description.

use super::http::{exchange, send, token_for};
use super::{SEED, serve, tenant};
use crate::service_account::ServiceAccount;
use crate::token::{BAD_LIFETIME, BAD_SIGNATURE, BAD_SUBJECT, NOT_DELEGATED, UNKNOWN_ACCOUNT};
use crate::{Emulator, Options, scopes};
use base64::Engine as _;
use serde_json::{Value, json};

fn now() -> i64 {
    crate::clock::system_now()
}

/// Claims for `emulator` impersonating `sub` with the default scopes, issued at `iat`,
/// expiring at `exp`.
fn claims(emulator: &Emulator, sub: &str, iat: i64, exp: i64) -> Value {
    json!({
        "iss": emulator.service_account().client_email,
        "scope": crate::tenant::DEFAULT_SCOPES.join(" "),
        "aud": emulator.token_url(),
        "iat": iat,
        "exp": exp,
        "sub": sub,
    })
}

/// Signs like a client would: RS256 with the PKCS#8 key read from the key file's PEM.
fn sign_with_key_file(key_file: &Value, claims: &Value) -> String {
    let pem = key_file["private_key"].as_str().unwrap();
    let b64 = base64::engine::general_purpose::STANDARD;
    let der = b64
        .decode(
            pem.lines()
                .filter(|l| !l.starts_with("-----"))
                .collect::<String>(),
        )
        .unwrap();
    let key = ring::signature::RsaKeyPair::from_pkcs8(&der).unwrap();
    let url = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let header = json!({"alg": "RS256", "typ": "JWT", "kid": key_file["private_key_id"]});
    let signed = format!(
        "{}.{}",
        url.encode(header.to_string()),
        url.encode(claims.to_string())
    );
    let mut signature = vec![0; key.public().modulus_len()];
    key.sign(
        &ring::signature::RSA_PKCS1_SHA256,
        &ring::rand::SystemRandom::new(),
        signed.as_bytes(),
        &mut signature,
    )
    .unwrap();
    format!("{signed}.{}", url.encode(signature))
}

async fn refused(emulator: &Emulator, assertion: &str) -> (u16, String, String) {
    let answer = exchange(emulator, assertion).await;
    (
        answer.status,
        answer.body["error"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        answer.body["error_description"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
    )
}

#[tokio::test]
async fn a_jwt_signed_with_the_written_key_file_gets_a_token() {
    let emulator = serve(tenant(40), Options::default()).await;
    let dir = tempfile::tempdir().unwrap();
    crate::client_config::write_itam_config(dir.path(), emulator.tenant(), &emulator.url())
        .unwrap();
    let key_file: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("acme-sa.json")).unwrap()).unwrap();
    assert_eq!(key_file["token_uri"], "https://oauth2.googleapis.com/token");
    let admin = emulator.tenant().admin_email().to_string();
    // Google's own audience is accepted as well as the emulator's token URL.
    for aud in [
        emulator.token_url(),
        "https://oauth2.googleapis.com/token".into(),
    ] {
        let mut c = claims(&emulator, &admin, now(), now() + 3600);
        c["aud"] = json!(aud);
        let answer = exchange(&emulator, &sign_with_key_file(&key_file, &c)).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        let keys: Vec<&String> = answer.body.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["access_token", "expires_in", "token_type"]);
        assert!(
            answer.body["access_token"]
                .as_str()
                .unwrap()
                .starts_with("ya29.")
        );
        assert_eq!(answer.body["expires_in"], 3599);
        assert_eq!(answer.body["token_type"], "Bearer");
    }
    assert_eq!(emulator.issued_tokens().len(), 2);
}

#[tokio::test]
async fn bad_signatures_and_keys_get_invalid_grant() {
    let emulator = serve(tenant(40), Options::default()).await;
    let sa = emulator.service_account().clone();
    let admin = emulator.tenant().admin_email().to_string();
    let c = claims(&emulator, &admin, now(), now() + 3600);

    // Signed by another key under this key's ID.
    let other = ServiceAccount::new("x", "p", "1", "1", SEED + 1);
    let header = json!({"alg": "RS256", "typ": "JWT", "kid": sa.private_key_id});
    let forged = other.sign_with_header(&header, &c);
    assert_eq!(
        refused(&emulator, &forged).await,
        (400, "invalid_grant".into(), BAD_SIGNATURE.into())
    );
    // A tampered claim breaks the signature.
    let good = sa.sign_assertion(&c);
    let mut parts: Vec<&str> = good.split('.').collect();
    let tampered_claims = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(claims(&emulator, "someone@acme.example", now(), now() + 3600).to_string());
    parts[1] = &tampered_claims;
    assert_eq!(
        refused(&emulator, &parts.join(".")).await,
        (400, "invalid_grant".into(), BAD_SIGNATURE.into())
    );
    // The right key under an unknown key ID.
    let wrong_kid = json!({"alg": "RS256", "typ": "JWT", "kid": "0".repeat(40)});
    assert_eq!(
        refused(&emulator, &sa.sign_with_header(&wrong_kid, &c)).await,
        (400, "invalid_grant".into(), BAD_SIGNATURE.into())
    );
    // Another algorithm than RS256.
    let hs = json!({"alg": "HS256", "typ": "JWT", "kid": sa.private_key_id});
    assert_eq!(
        refused(&emulator, &sa.sign_with_header(&hs, &c)).await,
        (400, "invalid_grant".into(), BAD_SIGNATURE.into())
    );
    // An issuer that is no service account.
    let mut stranger = c.clone();
    stranger["iss"] = json!("someone@other-project.iam.gserviceaccount.com");
    assert_eq!(
        refused(&emulator, &sa.sign_assertion(&stranger)).await,
        (400, "invalid_grant".into(), UNKNOWN_ACCOUNT.into())
    );
    // The right key without `kid` is accepted.
    let no_kid = json!({"alg": "RS256", "typ": "JWT"});
    assert_eq!(
        exchange(&emulator, &sa.sign_with_header(&no_kid, &c))
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn lifetimes_audiences_and_grant_types_are_checked() {
    let emulator = serve(tenant(40), Options::default()).await;
    let sa = emulator.service_account().clone();
    let admin = emulator.tenant().admin_email().to_string();
    let lifetime = (400, "invalid_grant".to_string(), BAD_LIFETIME.to_string());
    let expired = claims(&emulator, &admin, now() - 7200, now() - 3600);
    assert_eq!(
        refused(&emulator, &sa.sign_assertion(&expired)).await,
        lifetime
    );
    let too_long = claims(&emulator, &admin, now(), now() + 3601);
    assert_eq!(
        refused(&emulator, &sa.sign_assertion(&too_long)).await,
        lifetime
    );
    let future = claims(&emulator, &admin, now() + 900, now() + 1800);
    assert_eq!(
        refused(&emulator, &sa.sign_assertion(&future)).await,
        lifetime
    );
    // Within the clock skew: issued two minutes from now.
    let skewed = claims(&emulator, &admin, now() + 120, now() + 3000);
    assert_eq!(
        exchange(&emulator, &sa.sign_assertion(&skewed))
            .await
            .status,
        200
    );

    let mut elsewhere = claims(&emulator, &admin, now(), now() + 3600);
    elsewhere["aud"] = json!("https://example.com/token");
    let (status, error, _) = refused(&emulator, &sa.sign_assertion(&elsewhere)).await;
    assert_eq!((status, error.as_str()), (400, "invalid_grant"));

    let form = "grant_type=client_credentials&client_id=x&client_secret=y";
    let answer = send(&emulator, "POST", "/token", None, Some(form)).await;
    assert_eq!(answer.status, 400);
    assert_eq!(answer.body["error"], "unsupported_grant_type");
}

#[tokio::test]
async fn subjects_must_be_users_and_delegation_must_cover_every_scope() {
    let emulator = serve(tenant(40), Options::default()).await;
    let sa = emulator.service_account().clone();
    let c = claims(&emulator, "nobody@acme.example", now(), now() + 3600);
    assert_eq!(
        refused(&emulator, &sa.sign_assertion(&c)).await,
        (400, "invalid_grant".into(), BAD_SUBJECT.into())
    );
    // A scope outside the delegation (write access to orders).
    let admin = emulator.tenant().admin_email().to_string();
    let assertion = emulator.assertion(&admin, &[scopes::USER_READONLY, scopes::ORDER]);
    assert_eq!(
        refused(&emulator, &assertion).await,
        (401, "unauthorized_client".into(), NOT_DELEGATED.into())
    );
    // A subset of the delegated scopes is fine.
    token_for(&emulator, &admin, &[scopes::USER_READONLY]).await;

    // No delegation at all.
    let mut t = tenant(40);
    t.delegation.clear();
    let emulator = serve(t, Options::default()).await;
    let assertion = emulator.assertion(&admin, &[scopes::USER_READONLY]);
    assert_eq!(
        refused(&emulator, &assertion).await,
        (401, "unauthorized_client".into(), NOT_DELEGATED.into())
    );
    // Without `sub` the service account acts as itself (no delegation involved), and the
    // Directory API then refuses it.
    let mut own = claims(&emulator, "", now(), now() + 3600);
    own.as_object_mut().unwrap().remove("sub");
    let answer = exchange(&emulator, &sa.sign_assertion(&own)).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let token = answer.body["access_token"].as_str().unwrap();
    let users = super::http::get(
        &emulator,
        "/admin/directory/v1/users?customer=my_customer",
        token,
    )
    .await;
    assert_eq!(users.status, 403);
    assert_eq!(users.body["error"]["errors"][0]["reason"], "forbidden");
}
