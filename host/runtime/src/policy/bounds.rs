//! Bounds on the text a plugin hands the host outside of entities (entities have their own
//! checks in the store): log lines, summaries, errors and check findings. Without them a
//! plugin could fill the operator's terminal, logs or the `runs` table with hundreds of MiB.

use crate::bindings::itam::collector::types::Failure;
use crate::contract::types::Outcome;
use crate::contract::types::{CheckFinding, CollectError, Summary};

/// Longest log line kept, in bytes.
pub const MAX_LOG_LINE: usize = 4096;
/// Longest error message, fix, warning, finding or fact, in bytes.
pub const MAX_TEXT: usize = 4096;
/// Most warnings and data-quality notes kept from one summary, and most facts.
pub const MAX_NOTES: usize = 100;
/// Most check findings kept.
pub const MAX_FINDINGS: usize = 200;
/// Longest progress phase name, in bytes.
pub const MAX_PHASE: usize = 64;

/// Cuts `text` to at most `max` bytes (on a character boundary), saying how much was cut.
pub fn truncate(text: &mut String, max: usize) {
    if text.len() <= max {
        return;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let cut = text.len() - end;
    text.truncate(end);
    text.push_str(&format!("… [{cut} more bytes cut]"));
}

/// Keeps at most [`MAX_NOTES`] of `notes`, each bounded, saying how many were dropped.
fn notes(notes: &mut Vec<String>, what: &str) {
    let dropped = notes.len().saturating_sub(MAX_NOTES);
    notes.truncate(MAX_NOTES);
    for n in notes.iter_mut() {
        truncate(n, MAX_TEXT);
    }
    if dropped > 0 {
        notes.push(format!(
            "{dropped} more {what} from the plugin were dropped"
        ));
    }
}

/// Bounds a summary's warnings, data-quality notes and facts.
pub fn summary(s: &mut Summary) {
    notes(&mut s.warnings, "warnings");
    notes(&mut s.data_quality, "data-quality notes");
    s.facts.truncate(MAX_NOTES);
    for (k, v) in &mut s.facts {
        truncate(k, 128);
        truncate(v, MAX_TEXT);
    }
    s.counts.truncate(MAX_NOTES);
    for (k, _) in &mut s.counts {
        truncate(k, 128);
    }
}

/// Bounds an incremental run's outcome: its summary as [`summary`] does, its reason for a
/// full read, and its state, which is dropped (with a warning, so the next run reads in full)
/// when it exceeds [`Caps::max_state_bytes`](super::Caps::max_state_bytes).
pub fn outcome(o: &mut Outcome, caps: &super::Caps) {
    summary(&mut o.summary);
    if let Some(reason) = &mut o.full_reason {
        truncate(reason, MAX_TEXT);
    }
    if let Some(state) = &o.state
        && state.len() > caps.max_state_bytes
    {
        o.summary.warnings.push(format!(
            "the plugin's state for the next run was {} bytes, over the host's cap of {}; it was not kept, so the next run reads in full",
            state.len(),
            caps.max_state_bytes
        ));
        o.state = None;
    }
    o.coverage.truncate(MAX_NOTES);
}

/// Bounds the text of a plugin's error.
pub fn error(e: &mut CollectError) {
    let f: &mut Failure = match e {
        CollectError::InvalidConfig(f)
        | CollectError::Unauthorized(f)
        | CollectError::Forbidden(f)
        | CollectError::Throttled(f)
        | CollectError::Upstream(f)
        | CollectError::Network(f)
        | CollectError::Denied(f)
        | CollectError::Cancelled(f)
        | CollectError::Internal(f) => f,
    };
    truncate(&mut f.message, MAX_TEXT);
    for t in [&mut f.fix, &mut f.code, &mut f.request_id]
        .into_iter()
        .flatten()
    {
        truncate(t, MAX_TEXT);
    }
}

/// Bounds check findings.
pub fn findings(findings: &mut Vec<CheckFinding>) {
    findings.truncate(MAX_FINDINGS);
    for f in findings {
        truncate(&mut f.step, 128);
        truncate(&mut f.detail, MAX_TEXT);
        if let Some(fix) = &mut f.fix {
            truncate(fix, MAX_TEXT);
        }
    }
}

/// What one call may still log.
#[derive(Debug)]
pub struct LogBudget {
    lines: u32,
    bytes: usize,
    max_lines: u32,
    max_bytes: usize,
    /// Whether the line saying that logs are dropped was written.
    told: bool,
}

/// What to do with one log line.
#[derive(Debug, PartialEq, Eq)]
pub enum LogVerdict {
    /// Log it (cut to [`MAX_LOG_LINE`]).
    Keep,
    /// Drop it, and say once that the plugin's logs are being dropped.
    DropAndTell,
    /// Drop it quietly: the budget ran out earlier in this call.
    Drop,
}

impl LogBudget {
    /// A budget of `max_lines` lines and `max_bytes` bytes.
    pub fn new(max_lines: u32, max_bytes: usize) -> LogBudget {
        LogBudget {
            lines: 0,
            bytes: 0,
            max_lines,
            max_bytes,
            told: false,
        }
    }

    /// Cuts `message` to [`MAX_LOG_LINE`] and decides whether it is still within the budget.
    pub fn admit(&mut self, message: &mut String) -> LogVerdict {
        truncate(message, MAX_LOG_LINE);
        if !self.told && self.lines < self.max_lines && self.bytes + message.len() <= self.max_bytes
        {
            self.lines += 1;
            self.bytes += message.len();
            return LogVerdict::Keep;
        }
        if std::mem::replace(&mut self.told, true) {
            LogVerdict::Drop
        } else {
            LogVerdict::DropAndTell
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_keeps_characters_whole_and_says_so() {
        let mut t = "ééééé".to_string();
        truncate(&mut t, 3);
        assert_eq!(t, "é… [8 more bytes cut]");
        let mut short = "ok".to_string();
        truncate(&mut short, 3);
        assert_eq!(short, "ok");
    }

    #[test]
    fn logs_are_dropped_past_the_budget_and_that_is_said_once() {
        let caps = crate::policy::Caps::default();
        let mut budget = LogBudget::new(caps.max_log_lines, caps.max_log_bytes);
        let mut big = "x".repeat(10 << 20);
        assert_eq!(budget.admit(&mut big), LogVerdict::Keep);
        assert!(big.len() < MAX_LOG_LINE + 64);
        let mut kept = 1;
        loop {
            let mut line = "y".repeat(MAX_LOG_LINE);
            match budget.admit(&mut line) {
                LogVerdict::Keep => kept += 1,
                LogVerdict::DropAndTell => break,
                LogVerdict::Drop => panic!("told before dropping"),
            }
        }
        assert!(
            kept * MAX_LOG_LINE <= caps.max_log_bytes + MAX_LOG_LINE,
            "{kept}"
        );
        assert_eq!(budget.admit(&mut "z".into()), LogVerdict::Drop);
    }

    #[test]
    fn summaries_keep_a_bounded_number_of_bounded_notes() {
        let mut s = Summary {
            counts: vec![("accounts".into(), 1)],
            warnings: (0..100_000)
                .map(|i| format!("{i}{}", "w".repeat(600)))
                .collect(),
            data_quality: vec!["d".repeat(10_000)],
            facts: vec![("organization".into(), "Contoso".into())],
        };
        summary(&mut s);
        assert_eq!(s.warnings.len(), MAX_NOTES + 1);
        assert_eq!(
            s.warnings.last().unwrap(),
            "99900 more warnings from the plugin were dropped"
        );
        assert!(s.data_quality[0].len() < MAX_TEXT + 64);
        assert_eq!(s.facts[0].1, "Contoso");
    }
}
