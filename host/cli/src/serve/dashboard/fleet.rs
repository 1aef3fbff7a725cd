//! `/fleet`: the services sharing the store (a fleet on PostgreSQL, or this one service on
//! SQLite): which are alive, the sources each holds, the sources overdue, and the runs of
//! the last hour. The same as `itam fleet status` and `GET /api/v1/fleet`.

use super::{Nav, blocking, layout, page_response, t, when};
use crate::serve::state::AppState;
use axum::extract::State;
use axum::response::Response;
use itam_store::FleetStatus;
use maud::{Markup, html};

/// `GET /fleet`.
pub async fn page(State(state): State<AppState>) -> Response {
    let store = state.store.clone();
    let config = state.scheduler.config();
    match blocking(move || crate::serve::fleet_status(&store, &config)).await {
        Ok(status) => page_response(render(&status)),
        Err(answer) => answer,
    }
}

/// The page.
pub fn render(status: &FleetStatus) -> Markup {
    let alive = status.hosts.iter().filter(|h| h.alive).count();
    let body = html! {
        h1 { "Fleet" }
        p {
            span data-metric="services-alive" { (alive) } " of " (status.hosts.len())
            " services alive; "
            span data-metric="leases" { (status.leases.len()) } " sources running; "
            span data-metric="overdue" { (status.overdue.len()) } " overdue; "
            span data-metric="runs-last-hour" { (status.runs_last_hour) } " runs in the last hour ("
            (status.failed_last_hour) " failed)."
        }
        h2 { "Services" }
        table {
            thead { tr {
                th { "Service" } th { "Version" } th { "Started" } th { "Heartbeat" }
                th { "State" } th.num { "Running" } th.num { "Runs (1 h)" }
            } }
            tbody {
                @for h in &status.hosts {
                    tr data-host=(h.id) {
                        td { (t(&h.id)) }
                        td { (t(&h.version)) }
                        td { (when(Some(&h.started_at))) }
                        td { (when(Some(&h.heartbeat_at))) }
                        td {
                            @if h.alive { span.state.succeeded { "alive" } }
                            @else if h.stopped_at.is_some() { span.state { "stopped" } }
                            @else { span.state.failed { "silent" } }
                        }
                        td.num { (h.leases) }
                        td.num { (h.runs_last_hour) }
                    }
                }
            }
        }
        @if !status.leases.is_empty() {
            h2 { "Running" }
            table {
                thead { tr { th { "Source" } th { "Service" } th { "Lease until" } } }
                tbody {
                    @for l in &status.leases {
                        tr { td { (t(&l.source)) } td { (t(&l.holder)) } td { (when(Some(&l.expires_at))) } }
                    }
                }
            }
        }
        h2 { "Overdue" }
        @if status.overdue.is_empty() {
            p { "No source is overdue." }
        } @else {
            table {
                thead { tr { th { "Source" } th { "Due since" } } }
                tbody {
                    @for o in &status.overdue {
                        tr data-overdue=(o.source) { td { (t(&o.source)) } td { (when(Some(&o.next_run_at))) } }
                    }
                }
            }
        }
    };
    layout("Fleet", Nav::Fleet, body)
}
