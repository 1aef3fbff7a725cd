//! `itam changes`: the change feed across runs. Its cursors strictly increase, a consumer that
//! passes back the last cursor gets exactly what came after it, and every change of the
//! emulator's ground truth is in it under the feed's kinds.

use crate::common::{Env, assert_success};
use graph_emulator::Options;
use graph_emulator::expected::{ExpectedChanges, expected_changes};
use serde_json::Value;
use std::collections::BTreeSet;

/// `itam changes ARGS` as JSON lines: the changes, and the cursor of the last line.
fn feed(env: &Env, args: &[&str]) -> (Vec<Value>, i64) {
    let mut all = vec!["changes"];
    all.extend_from_slice(args);
    let out = env.itam(&all);
    assert_success(&out);
    let mut lines: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let last = lines.pop().expect("the cursor line");
    assert_eq!(last.as_object().unwrap().len(), 1, "{last}");
    (lines, last["cursor"].as_i64().unwrap())
}

/// The (account, detail or product) pairs of the changes of `kind`.
fn of_kind(changes: &[Value], kind: &str, second: &str) -> BTreeSet<(String, String)> {
    changes
        .iter()
        .filter(|c| c["kind"] == kind)
        .map(|c| {
            (
                c["account_id"].as_str().unwrap_or_default().to_string(),
                c[second].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// Asserts that `changes` (one run's) hold exactly `truth`.
fn assert_matches(changes: &[Value], truth: &ExpectedChanges) {
    let ids = |kind: &str| -> BTreeSet<String> {
        of_kind(changes, kind, "detail")
            .into_iter()
            .map(|(a, _)| a)
            .collect()
    };
    assert_eq!(ids("account-added"), truth.joiners);
    assert_eq!(ids("account-removed"), truth.leavers);
    assert_eq!(ids("account-disabled"), truth.disabled);
    assert_eq!(ids("account-enabled"), truth.enabled);
    assert_eq!(of_kind(changes, "account-renamed", "detail"), truth.renamed);
    // Licences of accounts in both states; a joiner's and a leaver's licences come beside
    // their account event.
    let stayed = |pairs: BTreeSet<(String, String)>| -> BTreeSet<(String, String)> {
        pairs
            .into_iter()
            .filter(|(a, _)| !truth.joiners.contains(a) && !truth.leavers.contains(a))
            .collect()
    };
    assert_eq!(
        stayed(of_kind(changes, "licence-added", "sku_id")),
        truth.licence_added
    );
    assert_eq!(
        stayed(of_kind(changes, "licence-removed", "sku_id")),
        truth.licence_removed
    );
}

#[test]
fn the_change_feed_misses_nothing_and_repeats_nothing() {
    let env = Env::new(600, Options::default());
    env.config();
    // Before any sync, the feed is empty and stays where the consumer is.
    assert_eq!(feed(&env, &["--since", "7"]), (Vec::new(), 7));
    assert_success(&env.itam(&["sync"]));
    // The first run is the baseline: no changes.
    assert_eq!(feed(&env, &[]), (Vec::new(), 0));

    let second = env.tenant().evolve(3);
    let truth = expected_changes(env.tenant(), &second);
    let emulator = env.start_emulator(second.clone(), Options::default());
    env.config_for(&emulator.url(), &emulator.tenant().client_secret, "");
    assert_success(&env.itam(&["sync"]));
    let (first_batch, cursor) = feed(&env, &[]);
    assert!(!first_batch.is_empty());
    assert_matches(&first_batch, &truth);
    let cursors: Vec<i64> = first_batch
        .iter()
        .map(|c| c["cursor"].as_i64().unwrap())
        .collect();
    assert!(cursors.windows(2).all(|w| w[0] < w[1]), "{cursors:?}");
    assert_eq!(cursor, *cursors.last().unwrap());
    assert!(
        first_batch
            .iter()
            .all(|c| c["run_id"] == 2 && c["source"] == "contoso")
    );
    assert!(first_batch.iter().all(|c| c["at"].is_string()));

    // Asked again from where it left off: nothing new, and the same cursor.
    assert_eq!(
        feed(&env, &["--since", &cursor.to_string()]),
        (Vec::new(), cursor)
    );

    // A third run: exactly its changes come after the cursor.
    let third = second.evolve(4);
    let truth = expected_changes(&second, &third);
    let emulator = env.start_emulator(third, Options::default());
    env.config_for(&emulator.url(), &emulator.tenant().client_secret, "");
    assert_success(&env.itam(&["sync"]));
    let (next, next_cursor) = feed(&env, &["--since", &cursor.to_string()]);
    assert!(
        next.iter()
            .all(|c| c["run_id"] == 3 && c["cursor"].as_i64().unwrap() > cursor)
    );
    assert_matches(&next, &truth);
    assert!(next_cursor > cursor);
    // Pages of two, chained by their cursors, give the same changes as one call.
    let mut paged = Vec::new();
    let mut at = 0;
    loop {
        let (page, to) = feed(&env, &["--since", &at.to_string(), "--limit", "2"]);
        if page.is_empty() {
            break;
        }
        paged.extend(page);
        at = to;
    }
    let (all, _) = feed(&env, &[]);
    assert_eq!(paged, all);
    assert_eq!(all.len(), first_batch.len() + next.len());

    // JSON and CSV carry the same changes.
    let json = env.itam_json(&["changes", "--format", "json"]);
    assert_eq!(json["changes"].as_array().unwrap(), &all);
    assert_eq!(json["cursor"], next_cursor);
    let csv = env.itam(&["changes", "--format", "csv"]);
    assert_success(&csv);
    let csv = String::from_utf8(csv.stdout).unwrap();
    let mut rows = csv.lines();
    assert_eq!(
        rows.next(),
        Some("cursor,source,run_id,at,kind,account_id,user_principal_name,sku_id,detail")
    );
    assert_eq!(rows.count(), all.len());
}
