//! `/`: the overview. A section per configured source: its tenant, schedule and state, then
//! (once it has a successful run) the licence balance, waste by kind, renewals and expiries in
//! the next 90 days, the last run's changes and a trend chart per product.

use super::balance::balance_table;
use super::changes::changes;
use super::renewals::renewals;
use super::trends::trends;
use super::waste::waste;
use super::{Nav, blocking, layout, page_response, t, t_lines, when};
use crate::config::Config;
use crate::serve::scheduler::SourceStatus;
use crate::serve::snapshot_reports::{ReportCache, SnapshotReports};
use crate::serve::state::AppState;
use axum::extract::State;
use axum::response::Response;
use chrono::{DateTime, Utc};
use itam_reports::snapshot::{Snapshot, age};
use itam_store::Store;
use maud::{Markup, html};
use std::sync::Arc;

/// One source as the overview shows it.
pub struct SourceView {
    /// The source's name.
    pub name: String,
    /// Its schedule and state, from the scheduler.
    pub status: Option<SourceStatus>,
    /// The tenant's organisation name (the last success's `facts.organization`).
    pub organization: Option<String>,
    /// The tenant's default domain (`facts.default_domain`).
    pub default_domain: Option<String>,
    /// The last successful run and when it ended.
    pub last_success: Option<(i64, Option<String>)>,
    /// The snapshot the reports read, with the runs that failed since.
    pub snapshot: Option<Snapshot>,
    /// The reports, when there are any.
    pub data: Data,
}

/// What the overview has of a source's reports.
pub enum Data {
    /// The source has no successful run yet.
    NoSuccess,
    /// The reports could not be read (the cause is logged).
    Failed,
    /// The reports.
    Ready(Arc<Reports>),
}

/// The reports the overview shows of one source (computed once per snapshot).
pub type Reports = SnapshotReports;

/// `GET /`.
pub async fn page(State(state): State<AppState>) -> Response {
    let config = state.scheduler.config();
    let statuses = state.scheduler.status();
    let store = state.store.clone();
    let cache = state.reports.clone();
    let now = Utc::now();
    match blocking(move || load(&store, &cache, &config, statuses, now)).await {
        Ok(sources) => page_response(render(&sources, now)),
        Err(answer) => answer,
    }
}

/// Reads what the overview shows of every configured source.
pub fn load(
    store: &Store,
    cache: &ReportCache,
    config: &Config,
    statuses: Vec<SourceStatus>,
    now: DateTime<Utc>,
) -> anyhow::Result<Vec<SourceView>> {
    let mut views = Vec::new();
    for source in &config.sources {
        let name = source.name.clone();
        let status = statuses.iter().find(|s| s.name == name).cloned();
        let last = store.last_success(&name)?;
        let facts = last
            .as_ref()
            .and_then(|r| r.summary.as_ref())
            .and_then(|s| s.get("facts"));
        let fact = |key: &str| {
            facts
                .and_then(|f| f.get(key))
                .and_then(|v| v.as_str())
                .map(str::to_string)
        };
        let (snapshot, data) = match &last {
            None => (None, Data::NoSuccess),
            Some(_) => match reports(store, cache, &name, config, now) {
                Ok((snapshot, reports)) => (Some(snapshot), Data::Ready(reports)),
                Err(e) => {
                    tracing::error!(
                        source = %name,
                        "dashboard: the reports cannot be read: {}",
                        crate::display::lines(&format!("{e:#}"))
                    );
                    (None, Data::Failed)
                }
            },
        };
        views.push(SourceView {
            organization: fact("organization"),
            default_domain: fact("default_domain"),
            last_success: last.map(|r| (r.id, r.ended_at)),
            name,
            status,
            snapshot,
            data,
        });
    }
    Ok(views)
}

/// The reports of `source`, which has a successful run.
fn reports(
    store: &Store,
    cache: &ReportCache,
    source: &str,
    config: &Config,
    now: DateTime<Utc>,
) -> anyhow::Result<(Snapshot, Arc<Reports>)> {
    let snapshot = Snapshot::of(store, source, now)?;
    let reports = cache
        .get(store, source, &config.reports)?
        .ok_or_else(|| anyhow::anyhow!("source `{source}` has no successful run"))?;
    Ok((snapshot, reports))
}

/// How long ago `time` (RFC 3339) was, for people.
fn ago(time: Option<&str>, now: DateTime<Utc>) -> Option<String> {
    let time = DateTime::parse_from_rfc3339(time?).ok()?;
    Some(format!(
        "{} ago",
        age((now - time.with_timezone(&Utc)).num_seconds())
    ))
}

/// The overview page of `sources` as of `now`.
pub fn render(sources: &[SourceView], now: DateTime<Utc>) -> Markup {
    let body = html! {
        h1 { "Licence overview" }
        @if sources.is_empty() {
            p.notice { "No source is configured: add a [[source]] to the configuration and reload (SIGHUP)." }
        }
        @for source in sources {
            (source_section(source, now))
        }
    };
    layout("Overview", Nav::Overview, body)
}

fn source_section(s: &SourceView, now: DateTime<Utc>) -> Markup {
    html! {
        section.source data-source=(t(&s.name)) {
            h2 { "Source " (t(&s.name)) }
            (facts(s, now))
            @if let Some(warning) = s.snapshot.as_ref().and_then(Snapshot::warning) {
                p.notice.alert role="status" { (t(&warning)) }
            }
            @match &s.data {
                Data::NoSuccess => p.notice.empty data-empty="no-success" {
                    "No successful run yet: the reports appear after the first one. "
                    a href="/runs" { "See the runs" }
                },
                Data::Failed => p.notice.alert {
                    "The reports of this source cannot be read; the service's log says why."
                },
                Data::Ready(r) => {
                    h3 { "Licence balance" }
                    (balance_table(&s.name, &r.balance, true))
                    (waste(&r.waste))
                    (renewals(&s.name, &r.subscriptions))
                    (changes(&s.name, &r.changes))
                    (trends(&s.name, &r.balance, &r.history))
                },
            }
        }
    }
}

fn facts(s: &SourceView, now: DateTime<Utc>) -> Markup {
    html! {
        dl.facts {
            dt { "Tenant" }
            dd data-field="organization" {
                @match (&s.organization, &s.default_domain) {
                    (None, None) => span.muted { "-" },
                    (org, domain) => {
                        @if let Some(org) = org { (t(org)) }
                        @if let Some(domain) = domain {
                            " " span.muted data-field="default_domain" { "(" (t(domain)) ")" }
                        }
                    },
                }
            }
            @if let Some(status) = &s.status {
                dt { "Plugin" }
                dd { (t(&status.plugin)) }
                dt { "State" }
                dd {
                    span.state.(status.state) data-field="state" { (status.state) }
                    @if let Some(since) = status.since {
                        " since " (when(Some(&since.to_rfc3339())))
                    }
                }
            }
            dt { "Last successful run" }
            dd data-field="last_success" {
                @match &s.last_success {
                    None => span.muted { "none yet" },
                    Some((id, ended)) => {
                        "run " (id) ", " (when(ended.as_deref()))
                        @if let Some(ago) = ago(ended.as_deref(), now) { " (" (ago) ")" }
                    },
                }
            }
            @if let Some(status) = &s.status {
                dt { "Next run" }
                dd data-field="next_run" {
                    @match (status.interval_seconds, status.next_run_at) {
                        (None, _) => "on request only",
                        (Some(_), None) => span.muted { "-" },
                        (Some(_), Some(next)) => {
                            (when(Some(&next.to_rfc3339())))
                            @if next > now {
                                " (in " (age((next - now).num_seconds())) ")"
                            } @else {
                                " (due now)"
                            }
                        },
                    }
                }
                dt { "Failures since the last success" }
                dd data-field="consecutive_failures" data-value=(status.consecutive_failures) {
                    (status.consecutive_failures)
                }
                @if let Some(error) = &status.last_error {
                    dt { "Last error" }
                    dd { pre.error { (t_lines(error)) } }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::changes::MAX_CHANGES;
    use super::super::tests::{ATTRIBUTE, SCRIPT, TERMINAL, assert_escaped};
    use super::*;
    use itam_reports::balance::BalanceRow;
    use itam_reports::catalog::ProductClass;
    use itam_reports::changes::{Change, ChangeLog};
    use itam_reports::cost::WasteReport;
    use itam_reports::history::HistoryRow;
    use itam_reports::subscriptions::SubscriptionRow;
    use itam_reports::waste::{AccountRef, Finding, FindingKind};

    fn hostile() -> String {
        format!("{SCRIPT}{ATTRIBUTE}{TERMINAL}")
    }

    pub fn balance_row(id: &str, enabled: i64, consumed: i64, class: ProductClass) -> BalanceRow {
        BalanceRow {
            product_id: id.into(),
            part_number: hostile(),
            product_name: Some(hostile()),
            status: "Enabled".into(),
            enabled: Some(enabled),
            warning: Some(0),
            suspended: Some(0),
            locked_out: Some(0),
            consumed,
            available: Some(enabled - consumed),
            class,
        }
    }

    fn history_row(run_id: i64, ended: &str, id: &str, enabled: i64, consumed: i64) -> HistoryRow {
        HistoryRow {
            run_id,
            ended_at: Some(ended.into()),
            product_id: id.into(),
            part_number: hostile(),
            product_name: Some(hostile()),
            status: "Enabled".into(),
            enabled: Some(enabled),
            warning: Some(0),
            suspended: Some(0),
            consumed,
            available: Some(enabled - consumed),
        }
    }

    fn status(name: &str) -> SourceStatus {
        SourceStatus {
            name: name.into(),
            plugin: hostile(),
            interval_seconds: Some(3600),
            next_run_at: Some("2026-03-01T11:00:00Z".parse().unwrap()),
            consecutive_failures: 2,
            state: "idle",
            running_on: None,
            since: None,
            last_error: Some(format!("the run failed:\n{}\n  fix: try again", hostile())),
            ran_since_start: true,
        }
    }

    fn view() -> SourceView {
        let finding = |kind, licences, cost: Option<f64>| Finding {
            kind,
            product_id: Some("p-over".into()),
            part_number: Some(hostile()),
            product_name: Some(hostile()),
            evaluated: true,
            reason: None,
            licences,
            accounts: vec![AccountRef {
                id: "a1".into(),
                user_principal_name: hostile(),
                display_name: Some(hostile()),
                detail: None,
            }],
            monthly_cost: cost,
            currency: cost.map(|_| "EUR".into()),
        };
        let mut not_evaluated = finding(FindingKind::InactiveAccounts, 0, None);
        not_evaluated.evaluated = false;
        not_evaluated.reason = Some(hostile());
        let change = |kind: &str, detail: Option<&str>| Change {
            run_id: 7,
            kind: kind.into(),
            account_id: Some("acc/1".into()),
            user_principal_name: Some(hostile()),
            product_id: Some("p-free".into()),
            product: Some(hostile()),
            detail: detail.map(str::to_string),
            licences: vec![hostile()],
            licence_product_ids: vec!["p-free".into()],
        };
        let mut changes: Vec<Change> = (0..MAX_CHANGES + 3)
            .map(|_| change("licence_added", None))
            .collect();
        changes.insert(0, change("joiner", None));
        changes.insert(1, change("leaver", Some("purged")));
        changes.insert(2, change(&hostile(), Some(&hostile())));
        SourceView {
            name: "contoso".into(),
            status: Some(status("contoso")),
            organization: Some(hostile()),
            default_domain: Some(hostile()),
            last_success: Some((7, Some("2026-03-01T09:30:00Z".into()))),
            snapshot: Some(Snapshot {
                source: "contoso".into(),
                run_id: 7,
                taken_at: Some("2026-03-01T09:30:00Z".into()),
                age_seconds: Some(1800),
                failed_runs_since: 1,
                last_failure_at: Some("2026-03-01T09:45:00Z".into()),
                last_error: Some(hostile()),
            }),
            data: Data::Ready(Arc::new(Reports {
                run_id: 7,
                computed_at: Utc::now(),
                balance: vec![
                    balance_row("p-over", 10, 13, ProductClass::Paid),
                    balance_row("p-free", 100, 40, ProductClass::Free),
                    balance_row("p-trial", 25, 0, ProductClass::Trial),
                ],
                waste: WasteReport {
                    inactive_days: 90,
                    findings: vec![
                        finding(FindingKind::UnassignedSeats, 4, Some(40.0)),
                        finding(FindingKind::DisabledAccounts, 2, Some(20.0)),
                        finding(FindingKind::DisabledAccounts, 1, Some(12.5)),
                        not_evaluated,
                    ],
                    potential_monthly_saving: [("EUR".to_string(), 72.5)].into(),
                },
                subscriptions: vec![SubscriptionRow {
                    id: "sub".into(),
                    product_id: "p-trial".into(),
                    part_number: hostile(),
                    product_name: Some(hostile()),
                    status: hostile(),
                    total_licenses: 25,
                    is_trial: true,
                    created_date_time: None,
                    next_lifecycle_date_time: Some("2026-03-20T00:00:00Z".into()),
                    days_until_next_lifecycle: Some(18),
                    within_days: Some(30),
                    holders: 0,
                    attention: vec!["expires_soon", "trial"],
                }],
                changes: ChangeLog {
                    run_id: 7,
                    ended_at: Some("2026-03-01T09:30:00Z".into()),
                    baseline: false,
                    changes,
                },
                history: vec![
                    history_row(5, "2026-02-01T09:00:00Z", "p-over", 10, 8),
                    history_row(5, "2026-02-01T09:00:00Z", "p-free", 100, 30),
                    history_row(6, "2026-02-15T09:00:00Z", "p-over", 10, 11),
                    history_row(7, "2026-03-01T09:30:00Z", "p-over", 10, 13),
                ],
            })),
        }
    }

    fn now() -> DateTime<Utc> {
        "2026-03-01T10:00:00Z".parse().unwrap()
    }

    #[test]
    fn the_overview_escapes_every_hostile_name() {
        let html = render(&[view()], now()).into_string();
        assert_escaped(&html);
    }

    #[test]
    fn the_balance_carries_its_numbers_and_marks_over_allocation_in_words() {
        let html = render(&[view()], now()).into_string();
        assert!(html.contains(r#"<td class="num" data-metric="consumed" data-sku="p-over" data-value="13">13</td>"#), "{html}");
        // The cell holds the number alone (scripts read it); the words are beside it.
        assert!(html.contains(r#"<td class="num short" data-metric="available" data-sku="p-over" data-value="-3">-3</td>"#), "{html}");
        assert!(
            html.contains(r#"Enabled<span class="flag">over-allocated</span></td>"#),
            "{html}"
        );
        assert!(
            html.contains(r#"<tr class="over" data-sku="p-over""#),
            "{html}"
        );
        assert!(html.contains("1 product(s) over-allocated"), "{html}");
        assert!(
            html.contains(r#"data-metric="available" data-sku="p-free" data-value="60">60</td>"#),
            "{html}"
        );
        // Free and trial products are marked; the paid one is not.
        assert!(html.contains(r#"data-class="free">free</span>"#), "{html}");
        assert!(
            html.contains(r#"data-class="trial">trial</span>"#),
            "{html}"
        );
        assert!(!html.contains(r#"data-class="paid""#), "{html}");
        // Utilisation: 13 of 10 is 130 %, the bar is full and marked; 40 of 100 is 40 %.
        assert!(
            html.contains(r#"data-metric="utilisation" data-value="130">130 %"#),
            "{html}"
        );
        assert!(
            html.contains(
                r#"<span class="bar over" aria-hidden="true"><span style="width: 100%">"#
            ),
            "{html}"
        );
        assert!(
            html.contains(r#"data-metric="utilisation" data-value="40">40 %"#),
            "{html}"
        );
        // Products link to their page.
        assert!(
            html.contains(r#"href="/sources/contoso/products/p-over""#),
            "{html}"
        );
        // Tables are accessible.
        assert!(html.contains(r#"<th scope="row">"#));
    }

    #[test]
    fn unknown_purchased_units_read_unknown_and_carry_no_value() {
        let row = BalanceRow {
            enabled: None,
            warning: None,
            suspended: None,
            locked_out: None,
            available: None,
            ..balance_row("p-unknown", 0, 4, ProductClass::Paid)
        };
        let html = super::super::balance::balance_table("src", &[row], false).into_string();
        assert!(
            html.contains(
                r#"<td class="num" data-metric="enabled" data-sku="p-unknown"><span class="muted""#
            ),
            "{html}"
        );
        assert!(
            !html.contains(r#"data-metric="enabled" data-sku="p-unknown" data-value"#),
            "{html}"
        );
        assert!(
            html.contains(r#"data-metric="consumed" data-sku="p-unknown" data-value="4">4</td>"#),
            "{html}"
        );
        assert!(html.contains(">unknown</span>"), "{html}");
        assert!(!html.contains("over-allocated"), "{html}");
    }

    #[test]
    fn the_overview_shows_state_waste_renewals_changes_and_trends() {
        let html = render(&[view()], now()).into_string();
        // State and schedule.
        assert!(html.contains(r#"data-field="state">idle</span>"#), "{html}");
        assert!(html.contains("run 7, "), "{html}");
        assert!(html.contains("(30 min ago)"), "{html}");
        assert!(html.contains("(in 1 h)"), "{html}");
        assert!(
            html.contains(r#"data-field="consecutive_failures" data-value="2""#),
            "{html}"
        );
        assert!(
            html.contains("<pre class=\"error\">the run failed:\n"),
            "{html}"
        );
        assert!(html.contains("1 later run(s) failed"), "{html}");
        // Waste: per kind, with counts and money.
        assert!(
            html.contains(r#"data-metric="licences" data-kind="disabled_accounts" data-value="3""#),
            "{html}"
        );
        assert!(
            html.contains(r#"data-metric="products" data-kind="disabled_accounts" data-value="2""#),
            "{html}"
        );
        assert!(html.contains("32.50 EUR"), "{html}");
        assert!(html.contains("72.50 EUR"), "{html}");
        assert!(html.contains("Not evaluated: "), "{html}");
        // Renewals.
        assert!(
            html.contains(r#"data-metric="days" data-value="18">18 days"#),
            "{html}"
        );
        assert!(html.contains("expires"), "{html}");
        // Changes: capped, counted, accounts linked with their ID encoded.
        assert!(
            html.contains(r#"data-metric="more_changes" data-value="6""#),
            "{html}"
        );
        assert!(
            html.contains(r#"data-change-kind="licence_added" data-value="28""#),
            "{html}"
        );
        assert!(
            html.contains(r#"href="/sources/contoso/accounts/acc%2F1""#),
            "{html}"
        );
        assert_eq!(
            html.matches("<tr data-change-kind=").count(),
            MAX_CHANGES,
            "{html}"
        );
        // Trends: a chart per product with history, a note for the one without.
        assert_eq!(html.matches("<svg").count(), 2, "{html}");
        assert!(html.contains(r#"data-points="3""#), "{html}");
        assert!(html.contains("No history yet."), "{html}");
    }

    #[test]
    fn a_source_without_a_successful_run_says_so_instead_of_tables() {
        let source = SourceView {
            name: "fresh".into(),
            status: Some(status("fresh")),
            organization: None,
            default_domain: None,
            last_success: None,
            snapshot: None,
            data: Data::NoSuccess,
        };
        let html = render(&[source], now()).into_string();
        assert!(html.contains("No successful run yet"), "{html}");
        assert!(html.contains("none yet"), "{html}");
        assert!(!html.contains("<table"), "{html}");
        assert!(!html.contains("<svg"), "{html}");
    }
}
