//! Whether a run reads everything or only what changed: the host's side of incremental sync.
//!
//! The plugin decides how it reads (it may fall back to a full read, e.g. when the remote
//! service rejects its delta link, and says why); the host decides when it must not even try:
//! the first run, a run asked for with `--full`, a source whose plugin changed, and a source
//! whose last full read is older than `full_every`. Sign-in activity, which has no change
//! tracking, is asked for in full when it is older than `sign_ins_every`.

use chrono::{DateTime, Utc};
use itam_runtime::contract::types::{CollectMode, EntityKind};
use itam_store::PluginState;
use std::time::Duration;

/// How the host asks a run to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunMode {
    /// Full or incremental.
    pub mode: CollectMode,
    /// The state handed to the plugin (incremental runs only).
    pub state: Option<Vec<u8>>,
    /// Kinds to read in full although the run is incremental.
    pub refresh: Vec<EntityKind>,
    /// Why the run reads in full, for `itam runs`.
    pub full_reason: Option<String>,
}

/// What the decision looks at.
pub struct Inputs<'a> {
    /// `itam sync --full`.
    pub forced_full: bool,
    /// `[[source]] full_every`.
    pub full_every: Duration,
    /// `[[source]] sign_ins_every`.
    pub sign_ins_every: Duration,
    /// The plugin this run uses.
    pub plugin: &'a str,
    /// What the last successful run left, if anything.
    pub previous: Option<PluginState>,
    /// The time now.
    pub now: DateTime<Utc>,
}

fn full(reason: impl Into<String>) -> RunMode {
    RunMode {
        mode: CollectMode::Full,
        state: None,
        refresh: Vec::new(),
        full_reason: Some(reason.into()),
    }
}

fn age(now: DateTime<Utc>, then: DateTime<Utc>) -> Duration {
    (now - then).to_std().unwrap_or_default()
}

/// `7d 2h`, for reasons.
fn shown(d: Duration) -> String {
    humantime::format_duration(Duration::from_secs(d.as_secs())).to_string()
}

/// Decides how the run reads.
pub fn decide(inputs: Inputs<'_>) -> RunMode {
    if inputs.forced_full {
        return full("asked for (--full)");
    }
    let Some(previous) = inputs.previous else {
        return full("first run of the source (nothing to read changes against)");
    };
    if previous.plugin != inputs.plugin {
        return full(format!(
            "the source's plugin changed (from {})",
            previous.plugin
        ));
    }
    let Some(state) = previous.state else {
        return full("the plugin keeps no state between runs, so every run reads in full");
    };
    match previous.full_at {
        None => return full("no full read recorded for the source"),
        Some(at) if age(inputs.now, at) >= inputs.full_every => {
            return full(format!(
                "the last full read was {} ago (full_every = {})",
                shown(age(inputs.now, at)),
                shown(inputs.full_every)
            ));
        }
        Some(_) => {}
    }
    let sign_ins = EntityKind::SignInActivity.wit_name();
    let sign_ins_read = previous
        .refreshed
        .get(sign_ins)
        .copied()
        .into_iter()
        .chain(previous.full_at)
        .max();
    let refresh = match sign_ins_read {
        Some(at) if age(inputs.now, at) < inputs.sign_ins_every => Vec::new(),
        _ => vec![EntityKind::SignInActivity],
    };
    RunMode {
        mode: CollectMode::Incremental,
        state: Some(state),
        refresh,
        full_reason: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    const DAY: Duration = Duration::from_secs(86400);

    fn at(hours: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + hours * 3600, 0).unwrap()
    }

    fn previous(full_at_hours: i64, sign_ins_hours: Option<i64>) -> PluginState {
        PluginState {
            plugin: "m365".into(),
            run_id: 7,
            saved_at: at(full_at_hours),
            state: Some(b"links".to_vec()),
            full_at: Some(at(full_at_hours)),
            refreshed: sign_ins_hours
                .map(|h| ("sign-in-activity".to_string(), at(h)))
                .into_iter()
                .collect::<BTreeMap<_, _>>(),
        }
    }

    fn inputs(previous: Option<PluginState>, now_hours: i64) -> Inputs<'static> {
        Inputs {
            forced_full: false,
            full_every: 7 * DAY,
            sign_ins_every: DAY,
            plugin: "m365",
            previous,
            now: at(now_hours),
        }
    }

    #[test]
    fn a_run_with_fresh_state_is_incremental_and_hands_the_state_back() {
        let mode = decide(inputs(Some(previous(0, None)), 2));
        assert_eq!(mode.mode, CollectMode::Incremental);
        assert_eq!(mode.state.as_deref(), Some(&b"links"[..]));
        assert_eq!(mode.refresh, Vec::new());
        assert_eq!(mode.full_reason, None);
    }

    #[test]
    fn full_reads_say_why() {
        let cases = [
            (
                Inputs {
                    forced_full: true,
                    ..inputs(Some(previous(0, None)), 1)
                },
                "asked for (--full)",
            ),
            (inputs(None, 1), "first run of the source"),
            (
                Inputs {
                    plugin: "other",
                    ..inputs(Some(previous(0, None)), 1)
                },
                "plugin changed (from m365)",
            ),
            (
                inputs(
                    Some(PluginState {
                        state: None,
                        ..previous(0, None)
                    }),
                    1,
                ),
                "keeps no state",
            ),
            (
                inputs(Some(previous(0, None)), 7 * 24),
                "the last full read was 7days ago (full_every = 7days)",
            ),
        ];
        for (inputs, reason) in cases {
            let mode = decide(inputs);
            assert_eq!(mode.mode, CollectMode::Full);
            assert_eq!(mode.state, None, "a full run gets no state");
            let said = mode.full_reason.unwrap();
            assert!(said.contains(reason), "{said:?} should contain {reason:?}");
        }
    }

    #[test]
    fn sign_ins_are_refreshed_when_older_than_their_interval() {
        // Read in full at hour 0: fresh until hour 24.
        assert_eq!(decide(inputs(Some(previous(0, None)), 23)).refresh, vec![]);
        assert_eq!(
            decide(inputs(Some(previous(0, None)), 24)).refresh,
            vec![EntityKind::SignInActivity]
        );
        // Refreshed on its own at hour 30: fresh until hour 54.
        assert_eq!(
            decide(inputs(Some(previous(0, Some(30))), 53)).refresh,
            vec![]
        );
        // An interval of 0 refreshes every run.
        let every_run = Inputs {
            sign_ins_every: Duration::ZERO,
            ..inputs(Some(previous(0, None)), 1)
        };
        assert_eq!(decide(every_run).refresh, vec![EntityKind::SignInActivity]);
    }
}
