//! The state a plugin keeps between runs of a source (contract 0.2.0 and later), and when the
//! source was last read in full. It is saved by [`crate::RunWriter::commit`] in the same
//! transaction as the snapshot it describes, so a failed or killed run never advances it.

use super::Store;
use crate::query::{Query, Value};
use crate::values;
use anyhow::Result;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// What the store keeps for the next run of one source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginState {
    /// The plugin that wrote it (a state is handed back only to the same plugin).
    pub plugin: String,
    /// The run it was saved with.
    pub run_id: i64,
    /// When that run committed.
    pub saved_at: DateTime<Utc>,
    /// The plugin's bytes, if it handed any back.
    pub state: Option<Vec<u8>>,
    /// When the source was last read in full.
    pub full_at: Option<DateTime<Utc>>,
    /// When each kind with a refresh interval of its own (e.g. `sign-in-activity`) was last
    /// read in full.
    pub refreshed: BTreeMap<String, DateTime<Utc>>,
}

fn parse(at: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(at)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

impl Store {
    /// What the last successful run of `source` left for the next one, if anything.
    pub fn plugin_state(&self, source: &str) -> Result<Option<PluginState>> {
        let row = self.read(|q| {
            q.row_opt(
                "SELECT plugin, run_id, saved_at, state, full_at, refreshed
                 FROM plugin_state WHERE source = ?1",
                &values![source],
                |r| {
                    Ok((
                        r.get::<String>(0)?,
                        r.get::<i64>(1)?,
                        r.get::<String>(2)?,
                        r.get::<Option<Vec<u8>>>(3)?,
                        r.get::<Option<String>>(4)?,
                        r.get::<String>(5)?,
                    ))
                },
            )
        })?;
        Ok(
            row.and_then(|(plugin, run_id, saved_at, state, full_at, refreshed)| {
                let refreshed: BTreeMap<String, String> =
                    serde_json::from_str(&refreshed).unwrap_or_default();
                Some(PluginState {
                    plugin,
                    run_id,
                    saved_at: parse(&saved_at)?,
                    state,
                    full_at: full_at.as_deref().and_then(parse),
                    refreshed: refreshed
                        .into_iter()
                        .filter_map(|(kind, at)| Some((kind, parse(&at)?)))
                        .collect(),
                })
            }),
        )
    }

    /// Forgets `source`'s plugin state: its next run reads in full.
    pub fn forget_plugin_state(&self, source: &str) -> Result<()> {
        self.read(|q| {
            q.execute(
                "DELETE FROM plugin_state WHERE source = ?1",
                &values![source],
            )
        })?;
        Ok(())
    }
}

/// What a committing run leaves for the next one.
pub(crate) struct Saved<'a> {
    pub plugin: &'a str,
    pub state: Option<&'a [u8]>,
    /// Whether the run read everything in full.
    pub full: bool,
    /// Kinds the run read in full although it was incremental.
    pub refreshed: Vec<String>,
}

/// Saves what run `run_id` of `source` leaves, inside the run's publishing transaction.
pub(crate) fn save(q: &mut dyn Query, source: &str, run_id: i64, saved: &Saved) -> Result<()> {
    let now = super::now();
    let previous: Option<(String, Option<String>, String)> = q.row_opt(
        "SELECT plugin, full_at, refreshed FROM plugin_state WHERE source = ?1",
        &values![source],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    // What an earlier run of another plugin recorded says nothing about this one's reads.
    let previous = previous.filter(|(plugin, _, _)| plugin == saved.plugin);
    let (full_at, mut refreshed) = match previous {
        Some((_, full_at, refreshed)) => (
            full_at,
            serde_json::from_str::<BTreeMap<String, String>>(&refreshed).unwrap_or_default(),
        ),
        None => (None, BTreeMap::new()),
    };
    let full_at = if saved.full {
        refreshed.clear();
        Some(now.clone())
    } else {
        full_at
    };
    for kind in &saved.refreshed {
        refreshed.insert(kind.clone(), now.clone());
    }
    q.execute(
        "INSERT INTO plugin_state (source, plugin, run_id, saved_at, state, full_at, refreshed)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (source) DO UPDATE SET plugin = excluded.plugin, run_id = excluded.run_id,
             saved_at = excluded.saved_at, state = excluded.state, full_at = excluded.full_at,
             refreshed = excluded.refreshed",
        &values![
            source,
            saved.plugin,
            run_id,
            now,
            saved.state.map(|b| Value::Blob(b.to_vec())),
            full_at,
            serde_json::to_string(&refreshed)?
        ],
    )?;
    Ok(())
}
