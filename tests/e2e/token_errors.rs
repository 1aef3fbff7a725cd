//! Token-endpoint failures reach the operator as a cause and a fix, without the secret.

use crate::common::{Env, stderr};
use graph_emulator::Options;

#[test]
fn wrong_secret_fails_with_cause_and_fix() {
    let env = Env::new(10, Options::default());
    let wrong = "not-the-secret-Zq8~value";
    env.config_for(&env.emulator.url(), wrong, "");
    let out = env.itam(&["sync", "-vvv"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("the client secret is wrong"), "{err}");
    assert!(err.contains("AADSTS7000215"), "{err}");
    assert!(err.contains("Certificates & secrets"), "{err}");
    assert!(
        err.contains("secret.txt"),
        "names where the secret came from: {err}"
    );
    assert!(
        !err.contains(wrong),
        "the secret must never be printed: {err}"
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains(wrong));
    let db = std::fs::read(env.dir.path().join("itam.db")).unwrap_or_default();
    assert!(
        !String::from_utf8_lossy(&db).contains(wrong),
        "the secret must not reach the database"
    );
    assert_eq!(
        env.emulator.requests().get("users"),
        None,
        "no Graph call without a token"
    );
}

#[test]
fn unknown_tenant_and_unknown_client_are_told_apart() {
    let env = Env::new(10, Options::default());
    env.config_for(&env.emulator.url(), &env.tenant().client_secret.clone(), "");
    let path = env.dir.path().join("itam.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        text.replace(&env.tenant().tenant_id, "fabrikam.onmicrosoft.com"),
    )
    .unwrap();
    let out = env.itam(&["sync"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("tenant was not found"),
        "{}",
        stderr(&out)
    );

    std::fs::write(
        &path,
        text.replace(
            &env.tenant().client_id,
            "00000000-1111-2222-3333-444444444444",
        ),
    )
    .unwrap();
    let out = env.itam(&["sync"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("AADSTS700016"), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("Application (client) ID"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_scope_the_identity_platform_rejects_is_explained() {
    // The tenant lives in the global cloud; asking for the China cloud's scope is AADSTS70011.
    let env = Env::new(
        10,
        Options {
            accepted_scopes: vec!["https://graph.microsoft.com/.default".into()],
            ..Options::default()
        },
    );
    let config = env.config();
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("{text}cloud = \"china\"\n")).unwrap();
    let out = env.itam(&["sync"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("AADSTS70011") && err.contains("cloud matches"),
        "{err}"
    );
    assert!(err.contains(" at 20"), "errors carry the time: {err}");
}

#[test]
fn network_failures_name_their_cause_and_a_fix() {
    // Nothing listens on port 9: the token request is refused.
    let env = Env::new(10, Options::default());
    env.config_for(
        "http://127.0.0.1:9",
        &env.tenant().client_secret.clone(),
        "",
    );
    let out = env.itam(&["sync"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains(
            "could not obtain a token: token request to http://127.0.0.1:9 failed: the connection was refused ("
        ),
        "{err}"
    );
    assert!(
        err.contains("fix: nothing accepts connections there: check the URL and port"),
        "{err}"
    );
    assert!(!err.contains("error sending request\n"), "{err}");

    // The token comes from the emulator, but Graph is where nothing listens.
    let path = env.config();
    let text = std::fs::read_to_string(&path).unwrap();
    let graph = format!("graph_url = \"{}\"", env.emulator.url());
    assert!(text.contains(&graph), "{text}");
    crate::common::write_private(
        &path,
        &text.replace(&graph, "graph_url = \"http://127.0.0.1:9\""),
    );
    let out = env.itam(&["sync"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("network error: no answer from http://127.0.0.1:9/v1.0/")
            && err.contains(": the connection was refused"),
        "{err}"
    );
    assert!(
        err.contains(
            "fix: nothing accepts connections there: check graph_url / login_url and the port"
        ),
        "{err}"
    );
}

#[test]
fn a_failure_at_default_verbosity_is_said_once_without_log_noise() {
    let env = Env::new(10, Options::default());
    env.config_for(&env.emulator.url(), "not-the-secret-Zq8~value", "");
    let out = env.itam(&["sync"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        !err.contains("WARN"),
        "no log line repeats the error: {err}"
    );
    assert!(!err.contains("AADSTS7000215: AADSTS7000215"), "{err}");
    assert_eq!(
        err.matches("the client secret is wrong").count(),
        1,
        "{err}"
    );
    assert_eq!(
        err.lines().filter(|l| l.starts_with("error:")).count(),
        1,
        "{err}"
    );
}
