//! The reports of a source's snapshot, computed once and shared by the dashboard and the
//! metrics. A snapshot changes only when a run succeeds, so an entry is kept until the source's
//! last successful run changes, the report settings change (a reload), or it is older than
//! [`MAX_AGE`] — the parts that depend on the clock (inactivity, renewal windows) are then at
//! most that much behind it. At 100,000 users the waste report alone takes most of a second.

use anyhow::Result;
use chrono::{DateTime, Utc};
use itam_reports::balance::BalanceRow;
use itam_reports::changes::ChangeLog;
use itam_reports::cost::WasteReport;
use itam_reports::history::HistoryRow;
use itam_reports::settings::ReportSettings;
use itam_reports::subscriptions::SubscriptionRow;
use itam_store::Store;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How far back the trend charts reach, in days.
pub const HISTORY_DAYS: i64 = 90;

/// How long computed reports are reused while the snapshot stays the same.
pub const MAX_AGE: Duration = Duration::from_secs(300);

/// The reports of one snapshot.
pub struct SnapshotReports {
    /// The successful run that wrote the snapshot.
    pub run_id: i64,
    /// When they were computed.
    pub computed_at: DateTime<Utc>,
    /// `itam report balance`.
    pub balance: Vec<BalanceRow>,
    /// `itam report waste`, at the configured inactivity and prices.
    pub waste: WasteReport,
    /// `itam report subscriptions`.
    pub subscriptions: Vec<SubscriptionRow>,
    /// `itam report changes` of the snapshot's run.
    pub changes: ChangeLog,
    /// `itam report history` over the last [`HISTORY_DAYS`].
    pub history: Vec<HistoryRow>,
}

struct Entry {
    run_id: i64,
    settings: ReportSettings,
    computed: Instant,
    reports: Arc<SnapshotReports>,
}

/// The computed reports per source.
#[derive(Default)]
pub struct ReportCache {
    entries: Mutex<HashMap<String, Entry>>,
}

impl ReportCache {
    /// The reports of `source`'s current snapshot under `settings`, computed now or reused;
    /// `None` when the source has no successful run. Reads SQLite: call it on a blocking
    /// thread.
    pub fn get(
        &self,
        store: &Store,
        source: &str,
        settings: &ReportSettings,
    ) -> Result<Option<Arc<SnapshotReports>>> {
        let Some(run) = store.last_success(source)? else {
            return Ok(None);
        };
        if let Some(entry) = self.lock().get(source)
            && entry.run_id == run.id
            && entry.settings == *settings
            && entry.computed.elapsed() < MAX_AGE
        {
            return Ok(Some(entry.reports.clone()));
        }
        let reports = Arc::new(compute(store, source, run.id, settings)?);
        self.lock().insert(
            source.to_string(),
            Entry {
                run_id: run.id,
                settings: settings.clone(),
                computed: Instant::now(),
                reports: reports.clone(),
            },
        );
        Ok(Some(reports))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn compute(
    store: &Store,
    source: &str,
    run_id: i64,
    settings: &ReportSettings,
) -> Result<SnapshotReports> {
    let now = Utc::now();
    let catalog = crate::catalogs::for_source(store, source)?;
    let since = (now - chrono::Duration::days(HISTORY_DAYS))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    Ok(SnapshotReports {
        run_id,
        computed_at: now,
        balance: itam_reports::balance::balance(store, source, &*catalog)?,
        waste: itam_reports::cost::waste_report(
            store,
            source,
            settings,
            settings.inactive_days,
            now,
            &*catalog,
        )?,
        subscriptions: itam_reports::subscriptions::subscriptions(store, source, now, &*catalog)?,
        changes: itam_reports::changes::changes(store, source, None, &*catalog)?,
        history: itam_reports::history::history(store, source, None, Some(&since), &*catalog)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::serve::metrics::tests::{product, sync};
    use itam_runtime::contract::types::Batch;

    #[test]
    fn reports_are_reused_until_a_new_snapshot_or_other_settings() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("itam.db")).unwrap();
        let cache = ReportCache::default();
        let settings = ReportSettings::default();
        assert!(cache.get(&store, "src", &settings).unwrap().is_none());

        sync(
            &store,
            vec![Batch::Products(vec![product("p", "P", 10, 4)])],
        );
        let first = cache.get(&store, "src", &settings).unwrap().unwrap();
        assert_eq!(first.balance[0].consumed, 4);
        let again = cache.get(&store, "src", &settings).unwrap().unwrap();
        assert!(
            Arc::ptr_eq(&first, &again),
            "the same snapshot is not computed twice"
        );

        let stricter = ReportSettings {
            inactive_days: 30,
            ..settings.clone()
        };
        let other = cache.get(&store, "src", &stricter).unwrap().unwrap();
        assert!(!Arc::ptr_eq(&first, &other));
        assert_eq!(other.waste.inactive_days, 30);

        sync(
            &store,
            vec![Batch::Products(vec![product("p", "P", 10, 9)])],
        );
        let newer = cache.get(&store, "src", &settings).unwrap().unwrap();
        assert_ne!(newer.run_id, first.run_id);
        assert_eq!(newer.balance[0].consumed, 9);
    }
}
