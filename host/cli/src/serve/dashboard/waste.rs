//! The overview's waste section: each kind of finding with its products, licences and monthly
//! cost when prices are configured.

use super::t;
use itam_reports::cost::WasteReport;
use itam_reports::waste::{Finding, FindingKind};
use maud::{Markup, html};
use std::collections::BTreeMap;

/// The waste finding kind's key (as in the JSON) and title.
pub fn kind_names(kind: FindingKind) -> (&'static str, &'static str) {
    match kind {
        FindingKind::UnassignedSeats => ("unassigned_seats", "Unassigned seats"),
        FindingKind::DisabledAccounts => ("disabled_accounts", "Disabled accounts"),
        FindingKind::InactiveAccounts => ("inactive_accounts", "Inactive accounts"),
        FindingKind::NeverSignedIn => ("never_signed_in", "Never signed in"),
        FindingKind::SoftDeletedAccounts => ("soft_deleted_accounts", "Soft-deleted accounts"),
        FindingKind::GuestsWithPaidLicences => {
            ("guests_with_paid_licences", "Guests with paid licences")
        }
        FindingKind::DuplicateAssignments => ("duplicate_assignments", "Direct + group duplicates"),
        FindingKind::RedundantProducts => ("redundant_products", "Redundant products"),
        FindingKind::AssignmentErrors => ("assignment_errors", "Assignment errors"),
    }
}

/// Amounts per currency, for people: `12.50 EUR, 3.00 USD`.
fn money(amounts: &BTreeMap<String, f64>) -> String {
    amounts
        .iter()
        .map(|(currency, amount)| format!("{amount:.2} {}", t(currency)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One kind of waste, summed over its findings.
struct WasteLine {
    key: &'static str,
    title: &'static str,
    explanation: &'static str,
    /// Evaluated findings (one per product).
    products: usize,
    licences: i64,
    /// Monthly cost per currency.
    cost: BTreeMap<String, f64>,
    /// Why findings could not be evaluated.
    not_evaluated: Vec<String>,
}

fn waste_lines(report: &WasteReport) -> Vec<WasteLine> {
    let mut kinds: BTreeMap<FindingKind, Vec<&Finding>> = BTreeMap::new();
    for f in &report.findings {
        kinds.entry(f.kind).or_default().push(f);
    }
    kinds
        .into_iter()
        .map(|(kind, findings)| {
            let (key, title) = kind_names(kind);
            let mut line = WasteLine {
                key,
                title,
                explanation: kind.explanation(),
                products: 0,
                licences: 0,
                cost: BTreeMap::new(),
                not_evaluated: Vec::new(),
            };
            for f in findings {
                if !f.evaluated {
                    line.not_evaluated
                        .push(f.reason.clone().unwrap_or_else(|| "data missing".into()));
                    continue;
                }
                line.products += 1;
                line.licences += f.licences;
                if let (Some(amount), Some(currency)) = (f.monthly_cost, &f.currency) {
                    *line.cost.entry(currency.clone()).or_default() += amount;
                }
            }
            line
        })
        .collect()
}

pub(super) fn waste(report: &WasteReport) -> Markup {
    let lines = waste_lines(report);
    html! {
        h3 { "Waste" }
        p.muted {
            "Inactive means no sign-in for " (report.inactive_days) " days. Free, viral and trial products are left out (except from assignment errors)."
        }
        @if lines.is_empty() {
            p data-empty="waste" { "No waste found." }
        } @else {
            table.waste {
                thead {
                    tr {
                        th scope="col" { "Finding" }
                        th.num scope="col" { "Products" }
                        th.num scope="col" { "Licences" }
                        th.num scope="col" { "Monthly cost" }
                        th scope="col" { "What to do" }
                    }
                }
                tbody {
                    @for line in &lines {
                        tr data-kind=(line.key) {
                            th scope="row" { (line.title) }
                            td.num data-metric="products" data-kind=(line.key) data-value=(line.products) { (line.products) }
                            td.num data-metric="licences" data-kind=(line.key) data-value=(line.licences) { (line.licences) }
                            td.num data-metric="monthly_cost" data-kind=(line.key) {
                                @if line.cost.is_empty() { span.muted { "-" } } @else { (money(&line.cost)) }
                            }
                            td {
                                (line.explanation)
                                @for reason in &line.not_evaluated {
                                    br;
                                    span.muted { "Not evaluated: " (t(reason)) }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if !report.potential_monthly_saving.is_empty() {
            p data-metric="potential_monthly_saving" {
                "Potential monthly saving: " strong { (money(&report.potential_monthly_saving)) }
            }
        }
    }
}
