//! The balance table: per product, purchased by state, consumed, available and a utilisation
//! bar; over-allocation highlighted, free, viral and trial products marked. The overview and
//! the product page show it.

use super::{product_href, t};
use itam_reports::balance::BalanceRow;
use itam_reports::catalog::ProductClass;
use maud::{Markup, html};

/// The product's display label: its name, else its part number.
pub(super) fn label(r: &BalanceRow) -> &str {
    r.product_name.as_deref().unwrap_or(&r.part_number)
}

/// A visible mark for free, trial and viral products.
pub fn class_tag(class: ProductClass) -> Markup {
    let why = match class {
        ProductClass::Paid => return html! {},
        ProductClass::Free => "no charge",
        ProductClass::Viral => "self-service sign-up, no charge to the tenant",
        ProductClass::Trial => "time-limited trial",
    };
    html! { span.tag title=(why) data-class=(class.as_str()) { (class.as_str()) } }
}

/// consumed / enabled as a bar and a percentage; over 100 % is marked. Unknown purchased
/// units (`None`) say so.
fn utilisation(consumed: i64, enabled: Option<i64>) -> Markup {
    let Some(enabled) = enabled else {
        return html! { span.muted title="the source does not tell how many were bought" { "unknown" } };
    };
    if enabled <= 0 {
        return if consumed > 0 {
            html! { span.flag { "none purchased" } }
        } else {
            html! { span.muted { "-" } }
        };
    }
    let percent = (i128::from(consumed) * 100 + i128::from(enabled) / 2) / i128::from(enabled);
    let width = percent.clamp(0, 100);
    html! {
        span.bar.over[percent > 100] aria-hidden="true" {
            span style=(format!("width: {width}%")) {}
        }
        span data-metric="utilisation" data-value=(percent) { (percent) " %" }
    }
}

/// A count cell; an unknown count reads `unknown` and has no `data-value`.
fn count_cell(metric: &str, sku: &str, n: Option<i64>, short: bool) -> Markup {
    html! {
        td.num.short[short] data-metric=(metric) data-sku=(sku) data-value=[n] {
            @match n {
                Some(n) => (n),
                None => span.muted title="the source does not tell how many were bought" { "unknown" },
            }
        }
    }
}

/// The balance table of `rows` in `source`; `link` makes each product a link to its page.
pub fn balance_table(source: &str, rows: &[BalanceRow], link: bool) -> Markup {
    let lapsed = |r: &BalanceRow| matches!(r.status.as_str(), "Suspended" | "LockedOut");
    let over: Vec<&BalanceRow> = rows
        .iter()
        .filter(|r| r.available.is_some_and(|n| n < 0) && !lapsed(r))
        .collect();
    html! {
        @if rows.is_empty() {
            p.muted { "The source reports no products." }
        } @else {
            @if !over.is_empty() {
                p.notice.alert role="status" data-metric="over_allocated" data-value=(over.len()) {
                    (over.len()) " product(s) over-allocated (more assigned than purchased): "
                    @for (i, r) in over.iter().enumerate() {
                        @if i > 0 { ", " }
                        (t(label(r))) " (" (-r.available.unwrap_or_default()) " over)"
                    }
                }
            }
            div.wide {
            table.balance data-source=(t(source)) {
                thead {
                    tr {
                        th scope="col" rowspan="2" { "Product" }
                        th scope="col" rowspan="2" { "Part number" }
                        th scope="col" rowspan="2" { "Status" }
                        th scope="colgroup" colspan="4" { "Purchased" }
                        th.num scope="col" rowspan="2" { "Consumed" }
                        th.num scope="col" rowspan="2" { "Available" }
                        th scope="col" rowspan="2" { "Utilisation" }
                    }
                    tr {
                        th.num scope="col" { "Enabled" }
                        th.num scope="col" { "Warning" }
                        th.num scope="col" { "Suspended" }
                        th.num scope="col" { "Locked out" }
                    }
                }
                tbody {
                    @for r in rows {
                        @let sku = t(&r.product_id);
                        @let row_class = if lapsed(r) {
                            Some("lapsed")
                        } else if r.available.is_some_and(|n| n < 0) {
                            Some("over")
                        } else if r.status == "Warning" {
                            Some("caution")
                        } else {
                            None
                        };
                        tr class=[row_class] data-sku=(sku) data-part-number=(t(&r.part_number)) {
                            th scope="row" {
                                @if link {
                                    a href=(product_href(source, &r.product_id)) { (t(label(r))) }
                                } @else {
                                    (t(label(r)))
                                }
                                (class_tag(r.class))
                            }
                            td.part { (t(&r.part_number)) }
                            td {
                                (t(&r.status))
                                @if lapsed(r) {
                                    span.flag { "lapsed" }
                                } @else if r.status == "Warning" {
                                    span.flag.caution { "grace period" }
                                }
                                @if r.available.is_some_and(|n| n < 0) && !lapsed(r) {
                                    span.flag { "over-allocated" }
                                }
                            }
                            (count_cell("enabled", &sku, r.enabled, false))
                            (count_cell("warning", &sku, r.warning, false))
                            (count_cell("suspended", &sku, r.suspended, false))
                            (count_cell("locked_out", &sku, r.locked_out, false))
                            td.num data-metric="consumed" data-sku=(sku) data-value=(r.consumed) { (r.consumed) }
                            (count_cell("available", &sku, r.available, r.available.is_some_and(|n| n < 0)))
                            td.util { (utilisation(r.consumed, r.enabled)) }
                        }
                    }
                }
            }
            }
        }
    }
}
