//! `/sources/{source}/products/{product}`: one product's balance, its trend, and the accounts
//! holding it — paged (`?page=`, 50 a page) and searchable (`?q=`, in name, principal name
//! and department), each with where its licence comes from.

use super::balance::{balance_table, class_tag};
use super::{
    Nav, account_href, blocking, chart, error_page, layout, not_found, page_response, product_href,
    query, segment, t, when,
};
use crate::serve::holders::{HoldersPage, MAX_QUERY, holders_page};
use crate::serve::snapshot_reports::HISTORY_DAYS;
use crate::serve::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use itam_reports::balance::BalanceRow;
use itam_reports::history::HistoryRow;
use itam_store::Store;
use maud::{Markup, html};
use serde::Deserialize;

/// Holders per page.
pub const PER_PAGE: usize = 50;

/// `?page=&q=`. The page is read leniently: anything but a positive number is page 1.
#[derive(Deserialize)]
pub struct PageQuery {
    /// 1-based page.
    pub page: Option<String>,
    /// Search text.
    pub q: Option<String>,
}

/// What the product page shows.
pub struct ProductView {
    /// The source.
    pub source: String,
    /// The product's balance.
    pub balance: BalanceRow,
    /// Live accounts holding it.
    pub holders_total: usize,
    /// This page of the holders that match the search.
    pub holders: HoldersPage,
    /// The search text.
    pub search: String,
    /// The product's history over [`HISTORY_DAYS`], oldest first.
    pub history: Vec<HistoryRow>,
}

/// `GET /sources/{source}/products/{product}`.
pub async fn page(
    State(state): State<AppState>,
    Path((source, product)): Path<(String, String)>,
    Query(params): Query<PageQuery>,
) -> Response {
    if !super::configured(&state, &source) {
        return not_found(&format!("No source `{source}` is configured."));
    }
    let search = params.q.unwrap_or_default();
    if search.len() > MAX_QUERY {
        return error_page(
            StatusCode::BAD_REQUEST,
            "Search too long",
            &format!("Search for at most {MAX_QUERY} characters."),
        );
    }
    let page = params
        .page
        .and_then(|p| p.trim().parse::<usize>().ok())
        .filter(|p| *p >= 1)
        .unwrap_or(1);
    let store = state.store.clone();
    match blocking(move || load(&store, &source, &product, search, page)).await {
        Ok(Some(view)) => page_response(render(&view)),
        Ok(None) => not_found("This source has no successful run yet."),
        Err(answer) => answer,
    }
}

/// Reads the product page's data; `None` when the source has no successful run yet. An
/// unknown product is a configuration-type error (a 404).
pub fn load(
    store: &Store,
    source: &str,
    product: &str,
    search: String,
    page: usize,
) -> anyhow::Result<Option<ProductView>> {
    if store.last_success(source)?.is_none() {
        return Ok(None);
    }
    let catalog = crate::catalogs::for_source(store, source)?;
    let holders = holders_page(store, source, product, &search, page, PER_PAGE, &*catalog)?;
    let product_id = holders.product["product_id"]
        .as_str()
        .unwrap_or(product)
        .to_string();
    let holders_total = holders.product["holders_total"].as_u64().unwrap_or(0) as usize;
    let balance = itam_reports::balance::balance(store, source, &*catalog)?
        .into_iter()
        .find(|r| r.product_id == product_id)
        .ok_or_else(|| {
            itam_runtime::error::config_error(format!(
                "no product `{}` in source `{source}`",
                crate::display::text(product)
            ))
        })?;
    let since = (chrono::Utc::now() - chrono::Duration::days(HISTORY_DAYS))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let history =
        itam_reports::history::history(store, source, Some(&product_id), Some(&since), &*catalog)?;
    Ok(Some(ProductView {
        source: source.to_string(),
        balance,
        holders_total,
        holders,
        search,
        history,
    }))
}

/// The link to page `page` of the holders, keeping the search.
fn page_href(view: &ProductView, page: usize) -> String {
    let base = product_href(&view.source, &view.balance.product_id);
    let page = page.to_string();
    if view.search.is_empty() {
        format!("{base}?{}", query(&[("page", &page)]))
    } else {
        format!("{base}?{}", query(&[("q", &view.search), ("page", &page)]))
    }
}

/// The product page.
pub fn render(view: &ProductView) -> Markup {
    let b = &view.balance;
    let label = b.product_name.as_deref().unwrap_or(&b.part_number);
    let h = &view.holders;
    let pages = h.matching.div_ceil(h.per_page.max(1)).max(1);
    let first_shown = (h.page - 1) * h.per_page + 1;
    let last_shown = (h.page - 1) * h.per_page + h.holders.len();
    let body = html! {
        p.crumbs {
            a href="/" { "Overview" } " › " (t(&view.source)) " › product"
        }
        h1 { (t(label)) (class_tag(b.class)) }
        (balance_table(&view.source, std::slice::from_ref(b), false))
        h2 { "Trend (last " (HISTORY_DAYS) " days)" }
        (chart::trend(label, &chart::points(&view.history)))
        (chart::legend())
        h2 id="holders" { "Holders" }
        p {
            span data-metric="holders_total" data-value=(view.holders_total) { (view.holders_total) }
            " live account(s) hold this product"
            @if !view.search.is_empty() {
                "; " span data-metric="matching" data-value=(h.matching) { (h.matching) }
                " match “" (t(&view.search)) "”"
            }
            "."
        }
        form.search method="get" action=(product_href(&view.source, &b.product_id)) role="search" {
            label for="q" { "Search holders " }
            input id="q" name="q" type="search" value=(t(&view.search)) maxlength=(MAX_QUERY)
                placeholder="name, principal name or department";
            " "
            button type="submit" { "Search" }
            @if !view.search.is_empty() {
                " " a href=(product_href(&view.source, &b.product_id)) { "Clear" }
            }
        }
        @if h.holders.is_empty() {
            p data-empty="holders" {
                @if h.matching == 0 { "No holders match." } @else { "No holders on this page." }
            }
        } @else {
            table.holders data-page=(h.page) data-matching=(h.matching) {
                thead {
                    tr {
                        th scope="col" { "Name" }
                        th scope="col" { "Principal name" }
                        th scope="col" { "Department" }
                        th scope="col" { "Sign-in" }
                        th scope="col" { "Type" }
                        th scope="col" { "Last activity" }
                        th scope="col" { "Assigned via" }
                    }
                }
                tbody {
                    @for holder in &h.holders {
                        tr data-account=(t(&holder.id)) {
                            th scope="row" {
                                a href=(account_href(&view.source, &holder.id)) {
                                    (t(holder.display_name.as_deref().unwrap_or(&holder.user_principal_name)))
                                }
                            }
                            td data-field="user_principal_name" { (t(&holder.user_principal_name)) }
                            td { (t(holder.department.as_deref().unwrap_or("-"))) }
                            td {
                                @if holder.account_enabled { "allowed" } @else { strong { "blocked" } }
                            }
                            td { (t(&holder.user_type)) }
                            td { (when(holder.last_activity.as_deref())) }
                            td data-field="assigned_via" {
                                @for (i, via) in holder.assigned_via.iter().enumerate() {
                                    @if i > 0 { ", " }
                                    @if via == "direct" { "direct" } @else { "group " (t(via)) }
                                }
                            }
                        }
                    }
                }
            }
        }
        nav.pager aria-label="Holder pages" {
            @if h.page > 1 {
                a rel="prev" href=(page_href(view, (h.page - 1).min(pages))) { "← Previous" }
            }
            span data-metric="page" data-value=(h.page) {
                "Page " (h.page) " of " (pages)
                @if !h.holders.is_empty() {
                    " (holders " (first_shown) "–" (last_shown) " of " (h.matching) ")"
                }
            }
            @if h.page < pages {
                a rel="next" href=(page_href(view, h.page + 1)) { "Next →" }
            }
        }
        p.muted {
            "As JSON: "
            a href=(format!("/api/v1/sources/{}/products/{}/holders", segment(&view.source), segment(&b.product_id))) {
                "the holders API"
            }
        }
    };
    layout(label, Nav::Overview, body)
}

#[cfg(test)]
mod tests {
    use super::super::tests::{ATTRIBUTE, SCRIPT, TERMINAL, assert_escaped};
    use super::*;
    use itam_reports::catalog::ProductClass;
    use itam_reports::product::Holder;

    fn hostile() -> String {
        format!("{SCRIPT}{ATTRIBUTE}{TERMINAL}")
    }

    fn holder(i: usize) -> Holder {
        Holder {
            id: format!("id/{i}"),
            user_principal_name: format!("user{i}@contoso.example"),
            display_name: Some(hostile()),
            department: Some(hostile()),
            account_enabled: i.is_multiple_of(2),
            user_type: "Member".into(),
            created_date_time: None,
            last_activity: Some("2026-02-01T00:00:00Z".into()),
            assigned_via: vec!["direct".into(), hostile()],
        }
    }

    fn view(page: usize, matching: usize, on_page: usize, search: &str) -> ProductView {
        ProductView {
            source: "contoso".into(),
            balance: BalanceRow {
                product_id: "sku 1/2".into(),
                part_number: hostile(),
                product_name: Some(hostile()),
                status: "Enabled".into(),
                enabled: Some(100),
                warning: Some(0),
                suspended: Some(0),
                locked_out: Some(0),
                consumed: 120,
                available: Some(-20),
                class: ProductClass::Paid,
            },
            holders_total: 120,
            holders: HoldersPage {
                product: serde_json::json!({}),
                matching,
                page,
                per_page: PER_PAGE,
                holders: (0..on_page).map(holder).collect(),
            },
            search: search.into(),
            history: vec![],
        }
    }

    #[test]
    fn the_product_page_escapes_every_hostile_name() {
        let html = render(&view(1, 120, 50, &hostile())).into_string();
        assert_escaped(&html);
        // The search box shows the search escaped.
        assert!(
            html.contains(r#"type="search" value="&lt;script&gt;"#),
            "{html}"
        );
    }

    #[test]
    fn holders_are_paged_with_links_that_keep_the_search() {
        let html = render(&view(2, 120, 50, "a b&c")).into_string();
        assert!(
            html.contains("Page 2 of 3 (holders 51–100 of 120)"),
            "{html}"
        );
        assert!(
            html.contains(
                r#"rel="prev" href="/sources/contoso/products/sku%201%2F2?q=a+b%26c&amp;page=1""#
            ),
            "{html}"
        );
        assert!(
            html.contains(
                r#"rel="next" href="/sources/contoso/products/sku%201%2F2?q=a+b%26c&amp;page=3""#
            ),
            "{html}"
        );
        assert_eq!(html.matches("<tr data-account=").count(), 50);
        assert!(
            html.contains(r#"href="/sources/contoso/accounts/id%2F3""#),
            "{html}"
        );
        assert!(
            html.contains(r#"data-metric="matching" data-value="120""#),
            "{html}"
        );
        // Provenance: direct and the group's name.
        assert!(
            html.contains(r#"data-field="assigned_via">direct, group &lt;script&gt;"#),
            "{html}"
        );
        // The balance is there, with its numbers, over-allocation in words.
        assert!(
            html.contains(r#"data-metric="consumed" data-sku="sku 1/2" data-value="120""#),
            "{html}"
        );
        assert!(html.contains("over-allocated"), "{html}");

        let first = render(&view(1, 10, 10, "")).into_string();
        assert!(first.contains("Page 1 of 1"), "{first}");
        assert!(!first.contains(r#"rel="prev""#) && !first.contains(r#"rel="next""#));
        let none = render(&view(1, 0, 0, "nobody")).into_string();
        assert!(none.contains("No holders match."), "{none}");
        assert!(none.contains("No history yet."), "{none}");
    }
}
