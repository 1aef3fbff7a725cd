//! The dashboard in a real headless browser (Debian's Chromium over the DevTools protocol):
//! the numbers a user reads, the trend chart, drill-down pages, *Run now*, and no console
//! errors (a script or style the content security policy blocks shows up as one).
//!
//! Without Chromium the test says so and passes, unless `ITAM_BROWSER_TESTS=required` (set by
//! `.ci/run`, which installs it). `ITAM_SCREENSHOT=path` saves the overview as a PNG there
//! (README's screenshot comes from it).

use crate::common::Env;
use crate::serve::{Service, serve_config};
use graph_emulator::Options;
use headless_chrome::protocol::cdp::types::Event;
use headless_chrome::protocol::cdp::{Log, Page, Runtime};
use headless_chrome::{Browser, LaunchOptions, Tab};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Chromium's executable, if installed.
fn chromium() -> Option<PathBuf> {
    [
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        "/usr/bin/google-chrome",
    ]
    .into_iter()
    .map(PathBuf::from)
    .find(|p| p.exists())
}

/// Evaluates `expression` in the page and returns its value as a string.
fn text(tab: &Tab, expression: &str) -> String {
    let value = tab
        .evaluate(expression, false)
        .unwrap_or_else(|e| panic!("{expression}: {e}"))
        .value
        .unwrap_or_default();
    match value {
        serde_json::Value::String(s) => s,
        other => other.to_string(),
    }
}

/// Loads `url` and waits until it has loaded.
fn open(tab: &Tab, url: &str) {
    tab.navigate_to(url).unwrap();
    tab.wait_until_navigated().unwrap();
}

#[test]
fn the_dashboard_in_a_real_browser() {
    let Some(chromium) = chromium() else {
        assert_ne!(
            std::env::var("ITAM_BROWSER_TESTS").as_deref(),
            Ok("required"),
            "ITAM_BROWSER_TESTS=required but Chromium is not installed (apt-get install chromium)"
        );
        eprintln!("skipped: Chromium is not installed (apt-get install chromium)");
        return;
    };
    let env = Env::new(120, Options::default());
    let config = serve_config(&env, "1h", "splay = \"0\"");
    let service = Service::start(&config, &[], &[]);
    service.until(Duration::from_secs(90), "the first successful run", |s| {
        s.runs("contoso").iter().any(|r| r["status"] == "succeeded")
    });
    let balance = service.json("/api/v1/sources/contoso/balance");
    let rows = balance.as_array().unwrap();

    let browser = Browser::new(LaunchOptions {
        path: Some(chromium),
        headless: true,
        // The tests may run as root in a container, where Chromium's sandbox cannot start.
        sandbox: false,
        window_size: Some((1366, 1000)),
        idle_browser_timeout: Duration::from_secs(120),
        ..LaunchOptions::default()
    })
    .expect("Chromium starts");
    let tab = browser.new_tab().unwrap();
    tab.set_default_timeout(Duration::from_secs(30));
    let problems = Arc::new(Mutex::new(Vec::<String>::new()));
    let seen = problems.clone();
    tab.add_event_listener(Arc::new(move |event: &Event| {
        let problem = match event {
            Event::RuntimeExceptionThrown(e) => {
                Some(format!("exception: {:?}", e.params.exception_details.text))
            }
            Event::RuntimeConsoleAPICalled(e)
                if matches!(
                    e.params.Type,
                    Runtime::ConsoleAPICalledEventTypeOption::Error
                ) =>
            {
                Some(format!(
                    "console.error: {:?}",
                    e.params.args.first().and_then(|a| a.value.clone())
                ))
            }
            Event::LogEntryAdded(e)
                if matches!(e.params.entry.level, Log::LogEntryLevel::Error) =>
            {
                Some(format!(
                    "log: {} ({:?})",
                    e.params.entry.text, e.params.entry.url
                ))
            }
            _ => None,
        };
        if let Some(problem) = problem {
            seen.lock().unwrap().push(problem);
        }
    }))
    .unwrap();
    tab.enable_runtime().unwrap();
    tab.enable_log().unwrap();

    // The overview shows every product's numbers as the API gives them, and a trend chart.
    open(&tab, &format!("{}/", service.base));
    for row in rows {
        let sku = row["sku_id"].as_str().unwrap();
        for metric in ["consumed", "available"] {
            let shown = text(
                &tab,
                &format!(
                    "document.querySelector('[data-metric=\"{metric}\"][data-sku=\"{sku}\"]')?.textContent.trim()"
                ),
            );
            assert_eq!(shown, row[metric].to_string(), "{metric} of {sku}");
        }
    }
    let charts = text(&tab, "String(document.querySelectorAll('svg').length)");
    assert!(charts.parse::<usize>().unwrap() >= 1, "no trend chart");
    if let Ok(path) = std::env::var("ITAM_SCREENSHOT") {
        let png = tab
            .capture_screenshot(Page::CaptureScreenshotFormatOption::Png, None, None, true)
            .unwrap();
        std::fs::write(path, png).unwrap();
    }

    // A product's page lists its holders; an account's page its licences.
    let busiest = rows
        .iter()
        .max_by_key(|r| r["consumed"].as_i64().unwrap())
        .unwrap();
    let sku = busiest["sku_id"].as_str().unwrap();
    let holders = service.json(&format!(
        "/api/v1/sources/contoso/products/{sku}/holders?per_page=1"
    ));
    let holder = &holders["holders"][0];
    open(
        &tab,
        &format!("{}/sources/contoso/products/{sku}", service.base),
    );
    let page = text(&tab, "document.body.innerText");
    assert!(
        page.contains(holder["user_principal_name"].as_str().unwrap()),
        "{page}"
    );
    assert!(text(&tab, "String(document.querySelectorAll('svg').length)") != "0");
    open(
        &tab,
        &format!(
            "{}/sources/contoso/accounts/{}",
            service.base,
            holder["id"].as_str().unwrap()
        ),
    );
    let page = text(&tab, "document.body.innerText");
    assert!(
        page.contains(holder["user_principal_name"].as_str().unwrap()),
        "{page}"
    );
    assert!(
        page.contains(busiest["sku_part_number"].as_str().unwrap()),
        "{page}"
    );

    // Run now, clicked like a user: a new run appears.
    let before = service.runs("contoso").len();
    open(&tab, &format!("{}/runs", service.base));
    tab.wait_for_element("form[action=\"/sources/contoso/run\"] button")
        .unwrap()
        .click()
        .unwrap();
    tab.wait_until_navigated().unwrap();
    service.until(
        Duration::from_secs(60),
        "the run asked for in the browser",
        |s| s.runs("contoso").len() > before,
    );

    let problems = problems.lock().unwrap();
    assert!(problems.is_empty(), "the browser reported: {problems:#?}");
}
