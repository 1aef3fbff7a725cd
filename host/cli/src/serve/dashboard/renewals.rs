//! The overview's renewals: subscriptions that renew or expire within 90 days.

use super::{product_href, t, when};
use itam_reports::subscriptions::SubscriptionRow;
use maud::{Markup, html};

pub(super) fn renewals(source: &str, subscriptions: &[SubscriptionRow]) -> Markup {
    let rows: Vec<&SubscriptionRow> = subscriptions
        .iter()
        .filter(|r| r.within_days.is_some())
        .collect();
    html! {
        h3 { "Renewals and expiries in the next 90 days" }
        @if rows.is_empty() {
            p data-empty="renewals" { "None in the next 90 days." }
        } @else {
            table.renewals {
                thead {
                    tr {
                        th scope="col" { "Product" }
                        th scope="col" { "Part number" }
                        th scope="col" { "Status" }
                        th.num scope="col" { "Licences" }
                        th scope="col" { "Date" }
                        th.num scope="col" { "In" }
                        th scope="col" { "What happens" }
                        th.num scope="col" { "Holders" }
                    }
                }
                tbody {
                    @for r in rows {
                        tr.caution[r.is_trial || r.within_days == Some(30)] data-sku=(t(&r.product_id)) {
                            th scope="row" {
                                a href=(product_href(source, &r.product_id)) {
                                    (t(r.product_name.as_deref().unwrap_or(&r.part_number)))
                                }
                            }
                            td { (t(&r.part_number)) }
                            td { (t(&r.status)) }
                            td.num { (r.total_licenses) }
                            td { (when(r.next_lifecycle_date_time.as_deref())) }
                            td.num data-metric="days" data-value=[r.days_until_next_lifecycle] {
                                @if let Some(days) = r.days_until_next_lifecycle { (days) " days" }
                            }
                            td {
                                @if r.is_trial {
                                    strong { "expires" } " (trial, does not renew)"
                                } @else {
                                    "renews"
                                }
                            }
                            td.num { (r.holders) }
                        }
                    }
                }
            }
        }
    }
}
