//! Secret hygiene: with every log at trace level, the client secret and the access tokens
//! appear in no output and no database file; loose file permissions are warned about.

use crate::common::{Env, assert_success, stderr, sync_traced};
use graph_emulator::Options;

#[test]
fn secret_and_tokens_never_reach_logs_errors_or_the_database() {
    let env = Env::new(
        300,
        Options {
            token_lifetime_secs: 60,
            ..Options::default()
        },
    );
    let config = env.config();
    let out = sync_traced(&config);
    assert_success(&out);
    let logs = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
    assert!(logs.contains("TRACE"), "trace logging was on");
    let tokens = env.emulator.issued_tokens();
    assert!(
        tokens.len() >= 2,
        "short-lived tokens were refreshed: {}",
        tokens.len()
    );
    let mut files = String::new();
    for entry in std::fs::read_dir(env.dir.path()).unwrap() {
        let path = entry.unwrap().path();
        if path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("itam.db")
        {
            files.push_str(&String::from_utf8_lossy(&std::fs::read(&path).unwrap()));
        }
    }
    assert!(!files.is_empty());
    let secret = env.tenant().client_secret.clone();
    for (what, value) in std::iter::once(("client secret", &secret))
        .chain(tokens.iter().map(|t| ("access token", t)))
    {
        assert!(
            !logs.contains(value.as_str()),
            "the {what} leaked into the logs"
        );
        assert!(
            !files.contains(value.as_str()),
            "the {what} leaked into the database"
        );
        // Not even a recognisable part of it.
        assert!(
            !logs.contains(&value[value.len() - 16..]),
            "part of the {what} leaked into the logs"
        );
    }
}

#[test]
fn a_secret_file_others_can_read_is_a_warning() {
    use std::os::unix::fs::PermissionsExt;
    let env = Env::new(5, Options::default());
    env.config();
    let secret = env.dir.path().join("secret.txt");
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = env.itam(&["sync"]);
    assert_success(&out);
    assert!(
        stderr(&out).contains("client secret file"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("chmod 600"), "{}", stderr(&out));
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o600)).unwrap();
    let out = env.itam(&["sync"]);
    assert!(
        !stderr(&out).contains("readable by other users"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn the_private_key_never_reaches_logs_or_the_database() {
    use crate::common::write_private;
    let cert = graph_emulator::certs::TestCertificate::new(-1, 90);
    let env = Env::new(
        50,
        Options {
            client_certificates: vec![cert.der.clone()],
            ..Options::default()
        },
    );
    write_private(&env.dir.path().join("app.pem"), &cert.combined_pem());
    let config = env.config();
    let text = std::fs::read_to_string(&config).unwrap().replace(
        "client_secret = { file = \"secret.txt\" }",
        "certificate = { file = \"app.pem\" }",
    );
    write_private(&config, &text);
    let out = sync_traced(&config);
    assert_success(&out);
    let logs = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
    let db = std::fs::read(env.dir.path().join("itam.db")).unwrap();
    let db = String::from_utf8_lossy(&db);
    // Every line of the key's base64 body is checked on its own.
    for line in cert.key_pem.lines().filter(|l| !l.starts_with("-----")) {
        assert!(
            !logs.contains(line),
            "a line of the private key leaked into the logs"
        );
        assert!(
            !db.contains(line),
            "a line of the private key leaked into the database"
        );
    }
    for token in env.emulator.issued_tokens() {
        assert!(!logs.contains(&token) && !db.contains(&token));
    }
}
