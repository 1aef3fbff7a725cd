//! Certificate credentials: the host signs the client assertion; the emulator verifies it as
//! the identity platform does.

use crate::common::{Env, assert_success, stderr, write_private};
use graph_emulator::Options;
use graph_emulator::certs::TestCertificate;

/// Replaces the config's client secret with `certificate = { file = "app.pem", … }`.
fn use_certificate(env: &Env, cert: &TestCertificate, extra: &str) {
    write_private(&env.dir.path().join("app.pem"), &cert.combined_pem());
    let path = env.config();
    let text = std::fs::read_to_string(&path).unwrap();
    let text = text.replace(
        "client_secret = { file = \"secret.txt\" }",
        &format!("certificate = {{ file = \"app.pem\"{extra} }}"),
    );
    write_private(&path, &text);
}

#[test]
fn a_registered_certificate_gets_a_token_and_the_sync_completes() {
    let cert = TestCertificate::new(-1, 365);
    for algorithm in ["", ", algorithm = \"RS256\""] {
        let env = Env::new(
            200,
            Options {
                client_certificates: vec![cert.der.clone()],
                ..Options::default()
            },
        );
        use_certificate(&env, &cert, algorithm);
        assert_success(&env.itam(&["sync"]));
        assert_eq!(
            env.itam_json(&["export", "accounts"])
                .as_array()
                .unwrap()
                .len(),
            200
        );
        let check = env.itam_json(&["check", "--format", "json"]);
        let credential = &check[0]["steps"][1];
        assert_eq!(credential["status"], "pass");
        assert!(
            credential["detail"]
                .as_str()
                .unwrap()
                .contains("expires in 36"),
            "{credential}"
        );
    }
}

#[test]
fn an_unregistered_certificate_is_refused_with_a_fix() {
    let registered = TestCertificate::new(-1, 365);
    let other = TestCertificate::new(-1, 365);
    let env = Env::new(
        20,
        Options {
            client_certificates: vec![registered.der.clone()],
            ..Options::default()
        },
    );
    use_certificate(&env, &other, "");
    let out = env.itam(&["sync"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("AADSTS700027") && err.contains("upload the certificate"),
        "{err}"
    );
    assert!(err.contains("certificate file"), "{err}");
    assert!(!err.contains("PRIVATE KEY"), "{err}");
}

#[test]
fn an_expired_certificate_or_a_foreign_key_fail_before_any_request() {
    let expired = TestCertificate::new(-60, -2);
    let env = Env::new(
        20,
        Options {
            client_certificates: vec![expired.der.clone()],
            ..Options::default()
        },
    );
    use_certificate(&env, &expired, "");
    let out = env.itam(&["sync"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("expired"), "{}", stderr(&out));

    let a = TestCertificate::new(-1, 30);
    let b = TestCertificate::new(-1, 30);
    write_private(
        &env.dir.path().join("app.pem"),
        &format!("{}{}", a.cert_pem, b.key_pem),
    );
    let out = env.itam(&["sync"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("does not belong to the certificate"),
        "{}",
        stderr(&out)
    );
    assert_eq!(env.emulator.total_requests(), 0);
}
