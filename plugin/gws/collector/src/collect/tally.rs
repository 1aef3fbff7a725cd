//! What a run has gathered besides the entities themselves, and handing batches to the host.

use crate::errors::cancelled;
use crate::hostapi::HostApi;
use crate::types::{Batch, CollectError, Flow, Summary};

/// How many entities go to the host in one batch.
pub const BATCH: usize = 1000;

/// Counts, warnings, data-quality notes and facts of one run.
#[derive(Debug, Default)]
pub struct Tally {
    counts: Vec<(String, u64)>,
    /// Problems that did not stop collection.
    pub warnings: Vec<String>,
    /// Gaps in the data and why.
    pub data_quality: Vec<String>,
    /// Facts about the customer.
    pub facts: Vec<(String, String)>,
}

impl Tally {
    /// Adds `n` to the count of `kind` (listed even when 0) and returns the new total.
    pub fn add(&mut self, kind: &str, n: usize) -> u64 {
        let n = n as u64;
        match self.counts.iter_mut().find(|(k, _)| k == kind) {
            Some((_, total)) => {
                *total += n;
                *total
            }
            None => {
                self.counts.push((kind.to_string(), n));
                n
            }
        }
    }

    /// The count of `kind`.
    pub fn get(&self, kind: &str) -> u64 {
        self.counts
            .iter()
            .find(|(k, _)| k == kind)
            .map_or(0, |(_, n)| *n)
    }

    /// Records a fact about the customer.
    pub fn fact(&mut self, name: &str, value: impl Into<String>) {
        self.facts.push((name.to_string(), value.into()));
    }

    /// The run's summary.
    pub fn into_summary(self) -> Summary {
        Summary {
            counts: self.counts,
            warnings: self.warnings,
            data_quality: self.data_quality,
            facts: self.facts,
        }
    }
}

/// Hands `items` to the host as `batch` in chunks of [`BATCH`], counted under `kind`; an
/// empty list sends nothing (but is counted). Stops at the host's first `cancel`.
pub fn emit<T>(
    host: &mut impl HostApi,
    tally: &mut Tally,
    kind: &str,
    items: Vec<T>,
    batch: impl Fn(Vec<T>) -> Batch,
) -> Result<u64, CollectError> {
    let mut total = tally.add(kind, 0);
    let mut items = items.into_iter().peekable();
    while items.peek().is_some() {
        let chunk: Vec<T> = items.by_ref().take(BATCH).collect();
        total = tally.add(kind, chunk.len());
        if host.emit(batch(chunk)) == Flow::Cancel {
            return Err(cancelled());
        }
    }
    Ok(total)
}
