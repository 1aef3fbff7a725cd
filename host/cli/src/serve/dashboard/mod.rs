//! The licence dashboard: pages rendered on the server with `maud`, everything embedded in
//! the binary (no external style, font or script; the pages work without JavaScript).
//!
//! - `/`: per source, its state and schedule, the balance, waste, renewals, recent changes
//!   and a trend chart per product ([`overview`]);
//! - `/sources/{source}/products/{product}`: one product and its holders, paged and
//!   searchable ([`product`]);
//! - `/sources/{source}/accounts/{account}`: one account and its licences ([`account`]);
//! - `/runs`: every source's runs, and a **Run now** button per source ([`runs`]);
//! - `/fleet`: the services sharing the store, what they run, what is overdue ([`fleet`]).
//!
//! Every text from the tenant or a plugin is untrusted: it passes through [`t`] (control and
//! bidi characters become visible escapes) and maud escapes it for HTML; nothing from the
//! tenant is ever written unescaped. Links built from tenant data percent-encode each path
//! segment ([`segment`]). Key numbers carry stable `data-*` attributes
//! (`data-metric`, `data-sku`, `data-value`) for tests and scripts.

pub mod account;
pub mod balance;
pub mod changes;
pub mod chart;
pub mod fleet;
pub mod overview;
pub mod product;
pub mod renewals;
pub mod runs;
pub mod trends;
pub mod waste;

use super::state::AppState;
use axum::Router;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use maud::{DOCTYPE, Markup, PreEscaped, html};
use std::borrow::Cow;
use std::fmt::Write as _;

/// The dashboard's routes (behind the service's access policy).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(overview::page))
        .route("/runs", get(runs::page))
        .route("/fleet", get(fleet::page))
        .route("/sources/{source}/run", post(runs::run_now))
        .route("/sources/{source}/products/{product}", get(product::page))
        .route("/sources/{source}/accounts/{account}", get(account::page))
}

/// Which navigation entry a page belongs to.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    /// The overview and the pages under it (products, accounts).
    Overview,
    /// The runs page.
    Runs,
    /// The fleet page.
    Fleet,
    /// A page outside the navigation (errors).
    Other,
}

/// The page's style: plain, readable, printable; colour always doubled by text.
const CSS: &str = r#"
:root { --fg: #1b1f24; --muted: #5b6370; --line: #d6dae0; --bg-alt: #f5f7f9;
  --accent: #1f5fbf; --alert: #b42318; --alert-bg: #fdecea; --warn: #8a5a00; --warn-bg: #fff4d6;
  --ok: #1d7a3a; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg);
  margin: 0; line-height: 1.4; font-size: 14px; }
header.top { display: flex; gap: 1.5rem; align-items: baseline; padding: .6rem 1.5rem;
  border-bottom: 1px solid var(--line); background: var(--bg-alt); }
header.top .brand { font-weight: 700; font-size: 1.1rem; color: var(--fg); text-decoration: none; }
nav ul { list-style: none; display: flex; gap: 1rem; margin: 0; padding: 0; }
nav a { color: var(--accent); text-decoration: none; }
nav a[aria-current="page"] { font-weight: 700; text-decoration: underline; }
main { padding: 1rem 1.5rem 3rem; max-width: 90rem; }
h1 { font-size: 1.5rem; margin: .5rem 0 1rem; }
h2 { font-size: 1.25rem; margin: 1.5rem 0 .5rem; }
h3 { font-size: 1.05rem; margin: 1.25rem 0 .4rem; }
a { color: var(--accent); }
section.source { border-top: 2px solid var(--line); margin-top: 1.5rem; }
table { border-collapse: collapse; margin: .25rem 0 1rem; }
th, td { border-bottom: 1px solid var(--line); padding: .3rem .5rem; text-align: left; vertical-align: top; }
table.balance tbody th { max-width: 16rem; }
td.part { max-width: 14rem; overflow-wrap: anywhere; }
thead th { background: var(--bg-alt); font-weight: 600; white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.short { color: var(--alert); font-weight: 700; }
tr.over > *, tr.lapsed > * { background: var(--alert-bg); }
tr.caution > * { background: var(--warn-bg); }
.flag { display: inline-block; font-size: .8rem; font-weight: 700; color: var(--alert);
  border: 1px solid var(--alert); border-radius: .25rem; padding: 0 .3rem; margin-left: .3rem;
  white-space: nowrap; }
.flag.caution { color: var(--warn); border-color: var(--warn); }
.tag { display: inline-block; font-size: .75rem; color: var(--muted); border: 1px solid var(--line);
  border-radius: .25rem; padding: 0 .3rem; margin-left: .3rem; text-transform: uppercase; }
td.util { white-space: nowrap; }
div.wide { overflow-x: auto; }
.bar { display: inline-block; width: 4rem; height: .7rem; background: var(--bg-alt);
  border: 1px solid var(--line); vertical-align: middle; margin-right: .4rem; }
.bar > span { display: block; height: 100%; background: var(--accent); }
.bar.over > span { background: var(--alert); }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; margin: .5rem 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; }
.muted { color: var(--muted); }
.state { font-weight: 600; }
.state.failed, .state.interrupted, .error-text { color: var(--alert); }
.state.succeeded { color: var(--ok); }
.state.running, .state.queued { color: var(--warn); }
pre.error { white-space: pre-wrap; overflow-wrap: anywhere; margin: 0; font-size: .85rem;
  color: var(--alert); max-width: 60rem; }
.notice { border: 1px solid var(--line); border-left: 4px solid var(--accent); padding: .5rem .8rem;
  background: var(--bg-alt); max-width: 60rem; }
.notice.alert { border-left-color: var(--alert); background: var(--alert-bg); }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(21rem, 1fr)); gap: 1rem; }
figure { margin: 0; }
figcaption { font-size: .9rem; }
svg.chart { width: 100%; max-width: 30rem; height: auto; display: block; }
svg.chart text { font-size: 10px; fill: var(--muted); }
.legend { font-size: .8rem; color: var(--muted); }
.legend .consumed { color: var(--accent); font-weight: 700; }
.legend .purchased { color: var(--fg); font-weight: 700; letter-spacing: .1em; }
figcaption { margin-bottom: .2rem; }
form.inline { display: inline; margin: 0; }
form.search { margin: .5rem 0; }
nav.pager { display: flex; gap: 1rem; align-items: baseline; }
.crumbs { color: var(--muted); margin: 0; }
button { font: inherit; padding: .2rem .7rem; cursor: pointer; white-space: nowrap; }
"#;

/// A whole page: head with the style, the navigation, and `body`. `title` may be untrusted.
pub fn layout(title: &str, nav: Nav, body: Markup) -> Markup {
    let link = |href: &'static str, label: &'static str, here: bool| {
        html! {
            li {
                @if here { a href=(href) aria-current="page" { (label) } } @else { a href=(href) { (label) } }
            }
        }
    };
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (t(title)) " · itam" }
                link rel="icon" href="/favicon.svg" type="image/svg+xml";
                style { (PreEscaped(CSS)) }
            }
            body {
                header.top {
                    a.brand href="/" { "itam" }
                    nav aria-label="Main" {
                        ul {
                            (link("/", "Overview", nav == Nav::Overview))
                            (link("/runs", "Runs", nav == Nav::Runs))
                            (link("/fleet", "Fleet", nav == Nav::Fleet))
                            (link("/api/v1/openapi.json", "API", false))
                            (link("/metrics", "Metrics", false))
                        }
                    }
                }
                main { (body) }
            }
        }
    }
}

/// Untrusted text (from the tenant or a plugin) for display on one line: control and bidi
/// characters become visible `\u{…}` escapes. maud then escapes it for HTML.
pub fn t(s: &str) -> Cow<'_, str> {
    crate::display::text(s)
}

/// Like [`t`] but keeping newlines, for multi-line messages the host composed (run errors).
pub fn t_lines(s: &str) -> Cow<'_, str> {
    crate::display::lines(s)
}

/// `s` percent-encoded as one URL path segment: everything but ASCII letters, digits and
/// `-._~` is encoded, so a `/`, `?`, `#` or `%` in a name cannot change where a link goes.
pub fn segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// A query string of `pairs`, form-encoded.
pub fn query(pairs: &[(&str, &str)]) -> String {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        q.append_pair(k, v);
    }
    q.finish()
}

/// The product page of `product` (its ID) in `source`.
pub fn product_href(source: &str, product: &str) -> String {
    format!("/sources/{}/products/{}", segment(source), segment(product))
}

/// The account page of `account` (its ID or user principal name) in `source`.
pub fn account_href(source: &str, account: &str) -> String {
    format!("/sources/{}/accounts/{}", segment(source), segment(account))
}

/// A stored time (RFC 3339) for people, as a `<time>` element; `-` when absent.
pub fn when(time: Option<&str>) -> Markup {
    match time {
        None => html! { span.muted { "-" } },
        Some(s) => match chrono::DateTime::parse_from_rfc3339(s) {
            Ok(parsed) => {
                let utc = parsed.with_timezone(&chrono::Utc);
                html! {
                    time datetime=(utc.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)) {
                        (utc.format("%Y-%m-%d %H:%M:%S UTC"))
                    }
                }
            }
            Err(_) => html! { (t(s)) },
        },
    }
}

/// A 200 answer with `markup`.
pub fn page_response(markup: Markup) -> Response {
    Html(markup.into_string()).into_response()
}

/// An error page with `status`, a heading and a message.
pub fn error_page(status: StatusCode, heading: &str, message: &str) -> Response {
    let body = html! {
        h1 { (heading) }
        p.notice.alert role="alert" data-status=(status.as_u16()) { (t(message)) }
        p { a href="/" { "Back to the overview" } }
    };
    (
        status,
        Html(layout(heading, Nav::Other, body).into_string()),
    )
        .into_response()
}

/// The 404 page.
pub fn not_found(message: &str) -> Response {
    error_page(StatusCode::NOT_FOUND, "Not found", message)
}

/// Whether `source` is configured.
pub fn configured(state: &AppState, source: &str) -> bool {
    state
        .scheduler
        .config()
        .sources
        .iter()
        .any(|s| s.name == source)
}

/// Runs `f` on a blocking thread (reports read SQLite). A configuration-type error (unknown
/// product or account) is a 404 page; any other is logged and a 500 page.
pub async fn blocking<T, F>(f: F) -> Result<T, Response>
where
    T: Send + 'static,
    F: FnOnce() -> anyhow::Result<T> + Send + 'static,
{
    match tokio::task::spawn_blocking(f).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) if itam_runtime::error::is_config_error(&e) => Err(not_found(&format!("{e:#}"))),
        Ok(Err(e)) => Err(internal(&e)),
        Err(e) => Err(internal(&anyhow::anyhow!("{e}"))),
    }
}

/// A 500 page; the cause goes to the log only.
pub fn internal(e: &anyhow::Error) -> Response {
    tracing::error!("dashboard: {}", crate::display::lines(&format!("{e:#}")));
    error_page(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Something went wrong",
        "The page could not be built; the service's log says why.",
    )
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Hostile names: markup, an attribute break-out, terminal escapes.
    pub const SCRIPT: &str = "<script>alert(1)</script>";
    pub const ATTRIBUTE: &str = "\"onmouseover=alert(1) x=\"";
    pub const TERMINAL: &str = "\u{1b}[31mred\u{7}";

    /// Asserts that `html` shows every hostile name escaped and contains none raw.
    pub fn assert_escaped(html: &str) {
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "script not shown escaped:\n{html}"
        );
        assert!(!html.contains("<script>alert(1)"), "raw script:\n{html}");
        assert!(
            html.contains("&quot;onmouseover=alert(1) x=&quot;"),
            "attribute text not shown escaped:\n{html}"
        );
        assert!(!html.contains("\"onmouseover="), "raw attribute:\n{html}");
        assert!(
            html.contains(r"\u{1b}[31mred\u{7}"),
            "escape not visible:\n{html}"
        );
        for c in ['\u{1b}', '\u{7}', '\0'] {
            assert!(!html.contains(c), "raw {c:?} in the page");
        }
        assert!(!html.contains("<script"), "no script elements at all");
        assert!(
            !html.contains(" onmouseover="),
            "no event-handler attributes"
        );
    }

    #[test]
    fn path_segments_encode_everything_that_could_change_the_link() {
        assert_eq!(segment("SPE_E3"), "SPE_E3");
        assert_eq!(segment("a/b?c#d%e f"), "a%2Fb%3Fc%23d%25e%20f");
        assert_eq!(segment("anna@contoso.com"), "anna%40contoso.com");
        assert_eq!(segment("<\"'>"), "%3C%22%27%3E");
        assert_eq!(segment("Zoë"), "Zo%C3%AB");
        assert_eq!(
            product_href("con toso", "x/y"),
            "/sources/con%20toso/products/x%2Fy"
        );
        assert_eq!(query(&[("q", "a b&c"), ("page", "2")]), "q=a+b%26c&page=2");
    }

    #[test]
    fn times_show_as_utc_and_garbage_stays_escaped() {
        let html = when(Some("2026-03-01T10:00:00+01:00")).into_string();
        assert!(
            html.contains(r#"datetime="2026-03-01T09:00:00Z""#),
            "{html}"
        );
        assert!(html.contains("2026-03-01 09:00:00 UTC"), "{html}");
        let html = when(Some(SCRIPT)).into_string();
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert_eq!(when(None).into_string(), r#"<span class="muted">-</span>"#);
    }

    #[test]
    fn error_pages_escape_their_message() {
        let html = layout(
            SCRIPT,
            Nav::Other,
            html! { p { (t(SCRIPT)) (t(ATTRIBUTE)) (t(TERMINAL)) } },
        )
        .into_string();
        assert_escaped(&html);
        assert!(html.contains(r#"href="/api/v1/openapi.json""#));
        assert!(html.contains(r#"href="/metrics""#));
    }
}
