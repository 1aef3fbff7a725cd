//! `itam init`: flags or prompts to a working configuration, secrets never inline.

use crate::common::{Env, assert_success, stderr};
use graph_emulator::Options;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Stdio};

fn mode(path: &std::path::Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn url_flags(env: &Env) -> Vec<String> {
    vec![
        "--login-url".into(),
        env.emulator.url(),
        "--graph-url".into(),
        env.emulator.url(),
    ]
}

/// Runs `itam ARGS` with `answers` typed at its prompts.
fn answered(args: &[impl AsRef<std::ffi::OsStr>], answers: &str) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_itam"))
        .args(args)
        .env(
            "ITAM_CACHE_DIR",
            concat!(env!("CARGO_TARGET_TMPDIR"), "/itam-cache"),
        )
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(answers.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// `init` with the env's tenant and client, `extra` flags, and the emulator's URLs.
fn init_args(env: &Env, extra: &[&str]) -> Vec<String> {
    let t = env.tenant();
    let mut args: Vec<String> = [
        "init",
        "--tenant-id",
        &t.tenant_id,
        "--client-id",
        &t.client_id,
    ]
    .into_iter()
    .chain(extra.iter().copied())
    .map(String::from)
    .collect();
    args.extend(url_flags(env));
    args
}

#[test]
fn flags_write_a_private_config_that_syncs() {
    let env = Env::new(30, Options::default());
    let t = env.tenant().clone();
    let args = init_args(&env, &["--secret-env", "ITAM_TEST_SECRET"]);
    let out = env.itam(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_success(&out);
    let config = env.dir.path().join("itam.toml");
    assert_eq!(mode(&config), 0o600);
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(
        text.contains("client_secret = { env = \"ITAM_TEST_SECRET\" }"),
        "{text}"
    );
    assert!(!text.contains(&t.client_secret));
    assert!(String::from_utf8_lossy(&out.stdout).contains("export ITAM_TEST_SECRET"));

    let sync = Command::new(env!("CARGO_BIN_EXE_itam"))
        .args(["--config", config.to_str().unwrap(), "sync"])
        .env("ITAM_TEST_SECRET", &t.client_secret)
        .env(
            "ITAM_CACHE_DIR",
            concat!(env!("CARGO_TARGET_TMPDIR"), "/itam-cache"),
        )
        .output()
        .unwrap();
    assert_success(&sync);

    // An existing configuration is not replaced without --force; missing flags are named.
    let again = env.itam(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(again.status.code(), Some(2));
    assert!(stderr(&again).contains("--force"));
    // --force replaces a loosely-permissioned file with a private one.
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o644)).unwrap();
    let mut forced = args.clone();
    forced.push("--force".into());
    assert_success(&env.itam(&forced.iter().map(String::as_str).collect::<Vec<_>>()));
    assert_eq!(mode(&config), 0o600);
    let incomplete = env.itam(&["init", "--force", "--tenant-id", "contoso.onmicrosoft.com"]);
    assert_eq!(incomplete.status.code(), Some(2));
    assert!(
        stderr(&incomplete).contains("--client-id"),
        "{}",
        stderr(&incomplete)
    );
    let bad = env.itam(&[
        "init",
        "--force",
        "--tenant-id",
        "not a tenant",
        "--client-id",
        &t.client_id,
        "--secret-env",
        "X",
    ]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("verified domain"), "{}", stderr(&bad));
}

#[test]
fn a_generated_certificate_once_uploaded_passes_check() {
    let scratch = tempfile::tempdir().unwrap();
    let out = crate::common::itam(
        &scratch.path().join("itam.toml"),
        &["init", "--generate-certificate"],
    );
    assert_success(&out);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("upload") && text.contains("itam-app.crt"),
        "{text}"
    );
    let pem_path = scratch.path().join("itam-app.pem");
    assert_eq!(mode(&pem_path), 0o600);
    let again = crate::common::itam(
        &scratch.path().join("itam.toml"),
        &["init", "--generate-certificate"],
    );
    assert_eq!(
        again.status.code(),
        Some(2),
        "an existing key is not replaced without --force"
    );
    assert!(
        !std::fs::read_to_string(scratch.path().join("itam-app.crt"))
            .unwrap()
            .contains("PRIVATE KEY")
    );

    // "Upload" the certificate: the emulator's app registers it.
    let crt = std::fs::read_to_string(scratch.path().join("itam-app.crt")).unwrap();
    let der = pem::parse(crt).unwrap().contents().to_vec();
    let env = Env::new(
        30,
        Options {
            client_certificates: vec![der],
            ..Options::default()
        },
    );
    std::fs::copy(&pem_path, env.dir.path().join("itam-app.pem")).unwrap();
    let args = init_args(&env, &["--certificate", "itam-app.pem", "--check"]);
    let out = env.itam(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}{}", stderr(&out));
    assert!(
        text.contains("✓ credential") && text.contains("collection will work"),
        "{text}"
    );
}

#[test]
fn prompts_validate_answers_and_write_the_secret_file_privately() {
    let env = Env::new(30, Options::default());
    let t = env.tenant().clone();
    let mut args = vec![
        "--config".to_string(),
        env.dir
            .path()
            .join("itam.toml")
            .to_str()
            .unwrap()
            .to_string(),
        "init".into(),
        "--interactive".into(),
    ];
    args.extend(url_flags(&env));
    let answers = format!(
        "not a tenant\n{}\nmy-app\n{}\n2\n\n{}\nn\n",
        t.tenant_id, t.client_id, t.client_secret
    );
    let out = answered(&args, &answers);
    assert_success(&out);
    let prompts = stderr(&out);
    assert!(
        prompts.contains("verified domain"),
        "a bad tenant is re-asked: {prompts}"
    );
    assert!(
        prompts.contains("Application (client) ID, a GUID"),
        "a bad client ID is re-asked: {prompts}"
    );
    let secret_file = env.dir.path().join("itam.secret");
    assert_eq!(mode(&secret_file), 0o600);
    assert_eq!(
        std::fs::read_to_string(&secret_file).unwrap().trim(),
        t.client_secret
    );
    let config = std::fs::read_to_string(env.dir.path().join("itam.toml")).unwrap();
    assert!(
        config.contains("client_secret = { file = \"itam.secret\" }")
            && !config.contains(&t.client_secret),
        "{config}"
    );
    assert_success(&env.itam(&["sync"]));
}

#[test]
fn init_refuses_answers_that_later_commands_would_refuse() {
    let env = Env::new(10, Options::default());
    let config = env.dir.path().join("itam.toml");
    let cases: [(&[&str], &str); 5] = [
        (
            &["--name", "bad name"],
            "these answers would give a configuration that itam refuses",
        ),
        (&["--login-url", "127.0.0.1:8400"], "login_url"),
        (&["--graph-url", "ftp://x"], "graph_url"),
        (&["--secret-file", "missing.secret"], "missing.secret"),
        (&["--certificate", "missing.pem"], "missing.pem"),
    ];
    for (extra, expected) in cases {
        let t = env.tenant();
        let mut args = vec![
            "init",
            "--tenant-id",
            &t.tenant_id,
            "--client-id",
            &t.client_id,
        ];
        if !extra
            .iter()
            .any(|a| a.starts_with("--secret") || a.starts_with("--cert"))
        {
            args.extend(["--secret-env", "ITAM_TEST_SECRET"]);
        }
        args.extend_from_slice(extra);
        let out = env.itam(&args);
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(expected),
            "{extra:?}: {}",
            stderr(&out)
        );
        assert!(!config.exists(), "{extra:?}: nothing is written");
    }
}

#[test]
fn force_replaces_the_config_but_never_the_key() {
    let scratch = tempfile::tempdir().unwrap();
    let config = scratch.path().join("itam.toml");
    let args = [
        "init",
        "--tenant-id",
        "contoso.onmicrosoft.com",
        "--client-id",
        "00000000-0000-0000-0000-000000000001",
        "--generate-certificate",
    ];
    assert_success(&crate::common::itam(&config, &args));
    let pem = scratch.path().join("itam-app.pem");
    let key = std::fs::read(&pem).unwrap();

    // --force rewrites the configuration and keeps the key already made (and perhaps uploaded).
    let forced: Vec<&str> = args.iter().copied().chain(["--force"]).collect();
    let out = crate::common::itam(&config, &forced);
    assert_success(&out);
    assert_eq!(std::fs::read(&pem).unwrap(), key, "the key is kept");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("kept the existing"), "{said}");
    assert!(said.contains("--new-key"), "{said}");

    // The certificate on its own is not replaced either, and the refusal says what it breaks.
    let out = crate::common::itam(&config, &["init", "--force", "--generate-certificate"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("stops collection until the new itam-app.crt is uploaded"),
        "{}",
        stderr(&out)
    );
    assert_eq!(std::fs::read(&pem).unwrap(), key);

    // --new-key does replace it.
    let renewed: Vec<&str> = forced.iter().copied().chain(["--new-key"]).collect();
    assert_success(&crate::common::itam(&config, &renewed));
    assert_ne!(std::fs::read(&pem).unwrap(), key);
}

#[test]
fn a_plugin_from_a_file_gets_a_guided_setup_from_its_own_declarations() {
    // The template plugin declares one required setting, `url`, and no credential: init asks
    // for it with the plugin's own description, the plugin's `plan` refuses a bad answer with
    // its own message, and nothing is asked about credentials.
    let inventory = crate::template_plugin::Inventory::serve(
        serde_json::json!({
            "products": [{"id": "p", "part_number": "P", "enabled": 1}],
            "accounts": [{"id": "u", "principal_name": "u@example.com"}],
            "assignments": [{"account_id": "u", "product_id": "p"}]
        })
        .to_string(),
    );
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("itam.toml");
    let args = [
        "--config",
        config.to_str().unwrap(),
        "init",
        "--interactive",
        "--plugin",
        hostile_build::TEMPLATE,
    ];
    let answers = format!(
        "ftp://inventory.example\n{}/inventory.json\nn\n",
        inventory.origin
    );
    let out = answered(&args, &answers);
    assert_success(&out);
    let prompts = stderr(&out);
    assert!(
        prompts.contains("the inventory's http(s) URL"),
        "the setting's own description is the question: {prompts}"
    );
    assert!(
        prompts.contains("is not an http(s) URL: its scheme is neither http nor https"),
        "the plugin's plan refused the bad answer: {prompts}"
    );
    assert!(
        !prompts.contains("client ID") && !prompts.contains("Credential:"),
        "{prompts}"
    );
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(
        text.contains(&format!("url = \"{}/inventory.json\"", inventory.origin)),
        "{text}"
    );
    assert!(!text.contains("[source.credential]"), "{text}");
    assert_eq!(mode(&config), 0o600);
    let sync = crate::common::itam(&config, &["sync"]);
    assert_success(&sync);
    assert!(
        String::from_utf8_lossy(&sync.stdout).contains("1 accounts"),
        "{}",
        String::from_utf8_lossy(&sync.stdout)
    );
}
