//! `/sources/{source}/accounts/{account}`: one account (by object ID or user principal name):
//! its state, last sign-in, and its licences with product names and where each comes from.

use super::{Nav, blocking, layout, not_found, page_response, product_href, segment, t, when};
use crate::serve::state::AppState;
use axum::extract::{Path, State};
use axum::response::Response;
use itam_reports::account::AccountReport;
use itam_store::Store;
use maud::{Markup, html};

/// What the account page shows.
pub struct AccountView {
    /// The source.
    pub source: String,
    /// The account and its licences.
    pub report: AccountReport,
}

/// `GET /sources/{source}/accounts/{account}`.
pub async fn page(
    State(state): State<AppState>,
    Path((source, account)): Path<(String, String)>,
) -> Response {
    if !super::configured(&state, &source) {
        return not_found(&format!("No source `{source}` is configured."));
    }
    let store = state.store.clone();
    match blocking(move || load(&store, &source, &account)).await {
        Ok(Some(view)) => page_response(render(&view)),
        Ok(None) => not_found("This source has no successful run yet."),
        Err(answer) => answer,
    }
}

/// Reads the account page's data; `None` when the source has no successful run yet. An
/// unknown account is a configuration-type error (a 404).
pub fn load(store: &Store, source: &str, account: &str) -> anyhow::Result<Option<AccountView>> {
    if store.last_success(source)?.is_none() {
        return Ok(None);
    }
    let catalog = crate::catalogs::for_source(store, source)?;
    let report = itam_reports::account::account(store, source, account, &*catalog)?;
    Ok(Some(AccountView {
        source: source.to_string(),
        report,
    }))
}

/// The account page.
pub fn render(view: &AccountView) -> Markup {
    let r = &view.report;
    let name = r.display_name.as_deref().unwrap_or(&r.user_principal_name);
    let dash = |s: &Option<String>| -> Markup {
        match s {
            Some(s) => html! { (t(s)) },
            None => html! { span.muted { "-" } },
        }
    };
    let body = html! {
        p.crumbs {
            a href="/" { "Overview" } " › " (t(&view.source)) " › account"
        }
        h1 data-field="display_name" { (t(name)) }
        dl.facts {
            dt { "Principal name" }
            dd data-field="user_principal_name" { (t(&r.user_principal_name)) }
            dt { "Object ID" }
            dd data-field="id" { code { (t(&r.id)) } }
            dt { "State" }
            dd data-field="state" data-value=(r.state) {
                @match r.state {
                    "enabled" => "enabled (sign-in allowed)",
                    "disabled" => strong { "disabled (sign-in blocked)" },
                    other => strong { (other) },
                }
                @if let Some(deleted) = &r.deleted_date_time {
                    ", deleted " (when(Some(deleted)))
                }
            }
            dt { "Type" }
            dd { (t(&r.user_type)) }
            dt { "Department" }
            dd { (dash(&r.department)) }
            dt { "Job title" }
            dd { (dash(&r.job_title)) }
            dt { "Created" }
            dd { (when(r.created_date_time.as_deref())) }
            dt { "Last sign-in" }
            dd data-field="last_sign_in" { (when(r.last_sign_in_date_time.as_deref())) }
            dt { "Last non-interactive sign-in" }
            dd { (when(r.last_non_interactive_sign_in_date_time.as_deref())) }
        }
        h2 { "Licences (" span data-metric="licences" data-value=(r.licences.len()) { (r.licences.len()) } ")" }
        @if r.licences.is_empty() {
            p data-empty="licences" { "No licences." }
        } @else {
            table.licences {
                thead {
                    tr {
                        th scope="col" { "Product" }
                        th scope="col" { "Part number" }
                        th scope="col" { "Comes from" }
                        th scope="col" { "State" }
                        th scope="col" { "Error" }
                    }
                }
                tbody {
                    @for l in &r.licences {
                        tr data-sku=(t(&l.product_id)) {
                            th scope="row" {
                                a href=(product_href(&view.source, &l.product_id)) { (t(l.label())) }
                            }
                            td { (dash(&l.part_number)) }
                            td data-field="provenance" { (t(&l.provenance())) }
                            td { (t(&l.state)) }
                            td { @if let Some(e) = &l.error { span.error-text { (t(e)) } } @else { span.muted { "-" } } }
                        }
                    }
                }
            }
        }
        p.muted {
            "As JSON: "
            a href=(format!("/api/v1/sources/{}/accounts/{}", segment(&view.source), segment(&r.id))) {
                "the account API"
            }
        }
    };
    layout(name, Nav::Overview, body)
}

#[cfg(test)]
mod tests {
    use super::super::tests::{ATTRIBUTE, SCRIPT, TERMINAL, assert_escaped};
    use super::*;
    use itam_reports::account::AccountLicence;

    fn hostile() -> String {
        format!("{SCRIPT}{ATTRIBUTE}{TERMINAL}")
    }

    fn view() -> AccountView {
        AccountView {
            source: "contoso".into(),
            report: AccountReport {
                id: "0000-1".into(),
                user_principal_name: hostile(),
                display_name: Some(hostile()),
                state: "disabled",
                account_enabled: false,
                user_type: "Guest".into(),
                department: Some(hostile()),
                job_title: None,
                created_date_time: Some("2025-01-01T00:00:00Z".into()),
                deleted_date_time: None,
                last_sign_in_date_time: Some("2026-02-01T08:00:00Z".into()),
                last_non_interactive_sign_in_date_time: None,
                licences: vec![
                    AccountLicence {
                        product_id: "p/1".into(),
                        part_number: Some(hostile()),
                        product_name: Some(hostile()),
                        assigned_by_group: None,
                        group_name: None,
                        state: "Active".into(),
                        error: None,
                    },
                    AccountLicence {
                        product_id: "p2".into(),
                        part_number: None,
                        product_name: None,
                        assigned_by_group: Some("g1".into()),
                        group_name: Some(hostile()),
                        state: "Error".into(),
                        error: Some(hostile()),
                    },
                ],
            },
        }
    }

    #[test]
    fn the_account_page_escapes_every_hostile_name() {
        assert_escaped(&render(&view()).into_string());
    }

    #[test]
    fn the_account_page_shows_state_sign_in_and_where_each_licence_comes_from() {
        let html = render(&view()).into_string();
        assert!(html.contains("disabled (sign-in blocked)"), "{html}");
        assert!(
            html.contains(r#"datetime="2026-02-01T08:00:00Z""#),
            "{html}"
        );
        assert!(
            html.contains(r#"data-metric="licences" data-value="2""#),
            "{html}"
        );
        assert!(
            html.contains(r#"data-field="provenance">direct</td>"#),
            "{html}"
        );
        assert!(
            html.contains(r#"data-field="provenance">group &lt;script&gt;"#),
            "{html}"
        );
        assert!(
            html.contains(r#"href="/sources/contoso/products/p%2F1""#),
            "{html}"
        );
        // Without a name or part number, the product shows by its ID.
        assert!(
            html.contains(r#"href="/sources/contoso/products/p2">p2</a>"#),
            "{html}"
        );
    }
}
