//! `/runs`: the runs of every source, newest first, with their errors; and per configured
//! source its state and a **Run now** button. The button posts a form that carries the
//! service's form key (a page of another site cannot read it, so cannot forge the post; the
//! service also refuses posts whose `Sec-Fetch-Site` or `Origin` names another site). The
//! answer is a redirect back to this page, which then says what happened.

use super::{Nav, blocking, error_page, layout, page_response, query, segment, t, t_lines, when};
use crate::serve::scheduler::{RunNow, SourceStatus};
use crate::serve::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use itam_store::RunRecord;
use maud::{Markup, html};
use serde::Deserialize;

/// Runs listed.
pub const LIMIT: u32 = 100;

/// Longest source name a notice repeats from the query string.
const MAX_NOTICE_NAME: usize = 200;

/// The outcome of a Run now, as the redirect after it reports it (`?started=SOURCE`, …).
#[derive(Deserialize, Default)]
pub struct Outcome {
    /// A run of this source was started (or waits for a free slot).
    pub started: Option<String>,
    /// A run of this source was already in progress.
    pub busy: Option<String>,
    /// No source of this name is configured.
    pub unknown: Option<String>,
    /// The service is stopping.
    pub stopping: Option<String>,
}

/// What the runs page shows.
pub struct RunsView {
    /// The configured sources' state.
    pub sources: Vec<SourceStatus>,
    /// The runs, newest first.
    pub runs: Vec<RunRecord>,
    /// The form key the Run now forms carry.
    pub form_key: String,
    /// What a Run now just did, if the page follows one.
    pub outcome: Outcome,
}

/// `GET /runs`.
pub async fn page(State(state): State<AppState>, Query(outcome): Query<Outcome>) -> Response {
    let sources = state.scheduler.status();
    let store = state.store.clone();
    match blocking(move || store.runs_of(None, LIMIT)).await {
        Ok(runs) => page_response(render(&RunsView {
            sources,
            runs,
            form_key: state.access.form_key().to_string(),
            outcome,
        })),
        Err(answer) => answer,
    }
}

/// `POST /sources/{source}/run`: the Run now button. Refused (403) without the form key;
/// otherwise asks the scheduler for a run and redirects (303) to `/runs?started=SOURCE` (or
/// `busy=`, `unknown=`, `stopping=`).
pub async fn run_now(
    State(state): State<AppState>,
    Path(source): Path<String>,
    body: Bytes,
) -> Response {
    let key = url::form_urlencoded::parse(&body)
        .find(|(k, _)| k == "form_key")
        .map(|(_, v)| v.into_owned());
    if !key.is_some_and(|k| state.access.form_key_matches(&k)) {
        tracing::warn!("a Run now without the dashboard's form key was refused");
        return error_page(
            StatusCode::FORBIDDEN,
            "Refused",
            "This form did not come from the dashboard (or the service has restarted since the page was loaded): open the runs page again and use its button.",
        );
    }
    let outcome = match state.scheduler.run_now(&source) {
        RunNow::Started => {
            tracing::info!(source = %crate::display::text(&source), "run asked for from the dashboard");
            "started"
        }
        RunNow::AlreadyRunning => "busy",
        RunNow::UnknownSource => "unknown",
        RunNow::Stopping => "stopping",
    };
    let location = format!("/runs?{}", query(&[(outcome, &source)]));
    match HeaderValue::from_str(&location) {
        Ok(location) => (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// A source name from the query string, bounded and made safe to show.
fn shown(name: &str) -> String {
    let mut end = name.len().min(MAX_NOTICE_NAME);
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    t(&name[..end]).into_owned()
}

fn notice(outcome: &Outcome) -> Markup {
    html! {
        @if let Some(source) = &outcome.started {
            p.notice role="status" data-outcome="started" {
                "A run of " strong { (shown(source)) } " was started; it is listed below once it has a slot. Reload the page to follow it."
            }
        }
        @if let Some(source) = &outcome.busy {
            p.notice role="status" data-outcome="busy" {
                "A run of " strong { (shown(source)) } " is already in progress; no other was started."
            }
        }
        @if let Some(source) = &outcome.unknown {
            p.notice.alert role="alert" data-outcome="unknown" {
                "No source " strong { (shown(source)) } " is configured; nothing was started."
            }
        }
        @if outcome.stopping.is_some() {
            p.notice.alert role="alert" data-outcome="stopping" {
                "The service is stopping; no run was started."
            }
        }
    }
}

/// How long a run took, for people.
fn duration(run: &RunRecord) -> Option<String> {
    let start = chrono::DateTime::parse_from_rfc3339(&run.started_at).ok()?;
    let end = chrono::DateTime::parse_from_rfc3339(run.ended_at.as_deref()?).ok()?;
    Some(itam_reports::snapshot::age((end - start).num_seconds()))
}

/// The runs page.
pub fn render(view: &RunsView) -> Markup {
    let body = html! {
        h1 { "Runs" }
        (notice(&view.outcome))
        h2 { "Sources" }
        @if view.sources.is_empty() {
            p { "No source is configured." }
        } @else {
            table.sources {
                thead {
                    tr {
                        th scope="col" { "Source" }
                        th scope="col" { "State" }
                        th scope="col" { "Schedule" }
                        th scope="col" { "Next run" }
                        th.num scope="col" { "Failures" }
                        th scope="col" { "Last error" }
                        th scope="col" { span.muted { "Action" } }
                    }
                }
                tbody {
                    @for s in &view.sources {
                        tr data-source=(t(&s.name)) {
                            th scope="row" { (t(&s.name)) }
                            td { span.state.(s.state) data-field="state" { (s.state) } }
                            td {
                                @match s.interval_seconds {
                                    Some(seconds) => { "every " (itam_reports::snapshot::age(seconds as i64)) },
                                    None => "on request only",
                                }
                            }
                            td { (when(s.next_run_at.map(|n| n.to_rfc3339()).as_deref())) }
                            td.num data-metric="consecutive_failures" data-value=(s.consecutive_failures) { (s.consecutive_failures) }
                            td {
                                @if let Some(error) = &s.last_error {
                                    pre.error { (t_lines(error)) }
                                } @else {
                                    span.muted { "-" }
                                }
                            }
                            td {
                                form.inline method="post" action=(format!("/sources/{}/run", segment(&s.name))) {
                                    input type="hidden" name="form_key" value=(view.form_key);
                                    button type="submit" data-run-now=(t(&s.name)) { "Run now" }
                                }
                            }
                        }
                    }
                }
            }
        }
        h2 { "Recent runs" }
        p.muted { "The newest " (LIMIT) " runs of every source." }
        @if view.runs.is_empty() {
            p data-empty="runs" { "No runs yet." }
        } @else {
            table.runs {
                thead {
                    tr {
                        th.num scope="col" { "Run" }
                        th scope="col" { "Source" }
                        th scope="col" { "Status" }
                        th scope="col" { "Started" }
                        th scope="col" { "Ended" }
                        th scope="col" { "Took" }
                        th scope="col" { "Read" }
                        th scope="col" { "Error" }
                    }
                }
                tbody {
                    @for run in &view.runs {
                        tr id=(format!("run-{}", run.id)) data-run-id=(run.id) data-source=(t(&run.source)) data-status=(t(&run.status)) {
                            th.num scope="row" { (run.id) }
                            td { (t(&run.source)) }
                            td { span.state.(t(&run.status)) { (t(&run.status)) } }
                            td { (when(Some(&run.started_at))) }
                            td { (when(run.ended_at.as_deref())) }
                            td { (duration(run).unwrap_or_else(|| "-".into())) }
                            td data-mode=[run.mode.as_deref().map(t)] {
                                @if let Some(mode) = &run.mode { (t(mode)) }
                                @if let Some(why) = &run.full_reason { ": " (t(why)) }
                            }
                            td {
                                @if let Some(error) = &run.error {
                                    pre.error { (t_lines(error)) }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    layout("Runs", Nav::Runs, body)
}

#[cfg(test)]
mod tests {
    use super::super::tests::{ATTRIBUTE, SCRIPT, TERMINAL, assert_escaped};
    use super::*;

    fn hostile() -> String {
        format!("{SCRIPT}{ATTRIBUTE}{TERMINAL}")
    }

    fn run(id: i64, status: &str, error: Option<String>) -> RunRecord {
        RunRecord {
            id,
            source: "contoso".into(),
            started_at: "2026-03-01T09:00:00Z".into(),
            ended_at: Some("2026-03-01T09:02:05Z".into()),
            status: status.into(),
            error,
            summary: None,
            mode: None,
            full_reason: None,
        }
    }

    fn view(outcome: Outcome) -> RunsView {
        RunsView {
            sources: vec![SourceStatus {
                name: "con/toso".into(),
                plugin: "m365".into(),
                interval_seconds: Some(3600),
                next_run_at: None,
                consecutive_failures: 1,
                state: "running",
                running_on: None,
                since: None,
                last_error: Some(format!("refused:\n{}", hostile())),
                ran_since_start: true,
            }],
            runs: vec![
                run(
                    2,
                    "failed",
                    Some(format!(
                        "Graph answered 403:\n{}\n  fix: grant the permission",
                        hostile()
                    )),
                ),
                run(1, "succeeded", None),
            ],
            form_key: "k3y".into(),
            outcome,
        }
    }

    #[test]
    fn the_runs_page_escapes_errors_and_names() {
        let html = render(&view(Outcome {
            unknown: Some(hostile()),
            ..Outcome::default()
        }))
        .into_string();
        assert_escaped(&html);
        // A multi-line error keeps its lines (shown with white-space: pre-wrap).
        assert!(
            html.contains("<pre class=\"error\">Graph answered 403:\n&lt;script&gt;"),
            "{html}"
        );
        assert!(
            html.contains("\n  fix: grant the permission</pre>"),
            "{html}"
        );
        assert!(html.contains(r#"data-outcome="unknown""#), "{html}");
    }

    #[test]
    fn each_source_has_a_run_now_form_with_the_form_key() {
        let html = render(&view(Outcome {
            started: Some("con/toso".into()),
            ..Outcome::default()
        }))
        .into_string();
        assert!(html.contains(r#"<form class="inline" method="post" action="/sources/con%2Ftoso/run"><input type="hidden" name="form_key" value="k3y">"#), "{html}");
        assert!(html.contains(r#"data-outcome="started""#), "{html}");
        assert!(
            html.contains(
                r#"<tr id="run-2" data-run-id="2" data-source="contoso" data-status="failed">"#
            ),
            "{html}"
        );
        assert!(
            html.contains(r#"data-field="state">running</span>"#),
            "{html}"
        );
        assert!(html.contains("2 min 5 s"), "{html}");
        assert!(html.contains("every 1 h"), "{html}");
    }

    #[test]
    fn a_notice_repeats_at_most_a_bounded_name() {
        let long = "é".repeat(500);
        let html = render(&view(Outcome {
            busy: Some(long),
            ..Outcome::default()
        }))
        .into_string();
        assert!(html.contains(&"é".repeat(100)));
        assert!(!html.contains(&"é".repeat(101)));
    }
}
