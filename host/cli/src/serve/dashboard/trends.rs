//! The overview's trend charts: consumed against purchased per product, from the history.

use super::balance::class_tag;
use super::balance::label;
use super::{chart, product_href, t};
use crate::serve::snapshot_reports::HISTORY_DAYS;
use itam_reports::balance::BalanceRow;
use itam_reports::history::HistoryRow;
use maud::{Markup, html};
use std::collections::BTreeMap;

pub(super) fn trends(source: &str, balance: &[BalanceRow], history: &[HistoryRow]) -> Markup {
    let mut by_product: BTreeMap<&str, Vec<&HistoryRow>> = BTreeMap::new();
    for row in history {
        by_product
            .entry(row.product_id.as_str())
            .or_default()
            .push(row);
    }
    html! {
        h3 { "Trends (last " (HISTORY_DAYS) " days)" }
        (chart::legend())
        div.charts {
            @for r in balance {
                @let points = chart::points(by_product.get(r.product_id.as_str()).into_iter().flatten().copied());
                figure data-sku=(t(&r.product_id)) {
                    figcaption {
                        a href=(product_href(source, &r.product_id)) { (t(label(r))) }
                        (class_tag(r.class))
                    }
                    (chart::trend(label(r), &points))
                }
            }
        }
    }
}
