//! The overview's recent changes: the last run's joiners, leavers and licence moves.

use super::{account_href, product_href, t, when};
use itam_reports::changes::{Change, ChangeLog};
use maud::{Markup, html};
use std::borrow::Cow;
use std::collections::BTreeMap;

/// A change kind for people.
/// Most changes listed per source; the rest are counted.
pub const MAX_CHANGES: usize = 25;

fn change_label(kind: &str) -> Cow<'_, str> {
    Cow::Borrowed(match kind {
        "joiner" => "Joiner",
        "leaver" => "Leaver",
        "renamed" => "Renamed",
        "disabled" => "Disabled",
        "enabled" => "Enabled",
        "licence_added" => "Licence added",
        "licence_removed" => "Licence removed",
        "product_added" => "Product added",
        "product_removed" => "Product removed",
        "units_changed" => "Units changed",
        other => return t(other),
    })
}

/// A change's detail, as the CLI words it.
fn change_detail(c: &Change) -> String {
    let licences = c
        .licences
        .iter()
        .map(|l| t(l).into_owned())
        .collect::<Vec<_>>()
        .join(", ");
    let detail = c.detail.as_deref().map(|d| t(d).into_owned());
    match (c.kind.as_str(), detail) {
        ("joiner", _) if !licences.is_empty() => format!("took {licences}"),
        ("leaver", Some(d)) if d == "soft-deleted" && !licences.is_empty() => {
            format!("soft-deleted, still holds {licences} until purged")
        }
        ("leaver", Some(d)) if !licences.is_empty() => format!("{d}, freed {licences}"),
        ("renamed", Some(d)) => format!("was {d}"),
        (_, Some(d)) => d,
        (_, None) => String::new(),
    }
}

pub(super) fn changes(source: &str, log: &ChangeLog) -> Markup {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for c in &log.changes {
        *counts.entry(c.kind.as_str()).or_default() += 1;
    }
    let more = log.changes.len().saturating_sub(MAX_CHANGES);
    html! {
        h3 { "Recent changes" }
        p.muted {
            "Run " (log.run_id) ", ended " (when(log.ended_at.as_deref()))
            @if !log.baseline { ", compared with the run before it." }
        }
        @if log.baseline {
            p data-empty="baseline" {
                "This is the source's first successful run: the baseline later runs are compared with."
            }
        } @else if log.changes.is_empty() {
            p data-empty="changes" { "No changes." }
        } @else {
            p {
                @for (i, (kind, n)) in counts.iter().enumerate() {
                    @if i > 0 { " · " }
                    span data-change-kind=(t(kind)) data-value=(n) { (change_label(kind)) ": " (n) }
                }
            }
            table.changes {
                thead {
                    tr {
                        th scope="col" { "Change" }
                        th scope="col" { "Account" }
                        th scope="col" { "Product" }
                        th scope="col" { "Detail" }
                    }
                }
                tbody {
                    @for c in log.changes.iter().take(MAX_CHANGES) {
                        tr data-change-kind=(t(&c.kind)) {
                            th scope="row" { (change_label(&c.kind)) }
                            td {
                                @match (&c.account_id, &c.user_principal_name) {
                                    (Some(id), upn) if c.detail.as_deref() != Some("purged") => {
                                        a href=(account_href(source, id)) { (t(upn.as_deref().unwrap_or(id))) }
                                    },
                                    (id, upn) => (t(upn.as_deref().or(id.as_deref()).unwrap_or("-"))),
                                }
                            }
                            td {
                                @match (&c.product_id, &c.product) {
                                    (Some(id), name) => a href=(product_href(source, id)) { (t(name.as_deref().unwrap_or(id))) },
                                    (None, _) => span.muted { "-" },
                                }
                            }
                            td { (change_detail(c)) }
                        }
                    }
                }
            }
            @if more > 0 {
                p data-metric="more_changes" data-value=(more) {
                    "… and " (more) " more; "
                    a href=(format!("/api/v1/sources/{}/changes", super::segment(source))) { "the API lists them all" }
                    "."
                }
            }
        }
    }
}
