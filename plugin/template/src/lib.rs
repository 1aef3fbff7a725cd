//! A complete, small collector plugin to start from: it reads a JSON inventory of products,
//! accounts and licence assignments from the HTTP(S) URL in its `url` setting and hands them to
//! the host in batches. No credential: the endpoint is read anonymously.
//!
//! The inventory format is in this crate's README.md. The parts to keep when writing another
//! plugin: [`Template`] implements [`Collector`] and is registered with
//! [`register_collector!`]; the work is in [`collect_with`], written against the SDK's
//! [`HttpClient`] and [`HostApi`] so the tests below run it natively with a scripted server
//! and a recording host.

pub mod inventory;

use inventory::Inventory;
use itam_plugin_sdk::host::{self, Host, HostApi};
use itam_plugin_sdk::http::{HttpClient, WasiHttp};
use itam_plugin_sdk::types::{
    Batch, CheckFinding, CheckStatus, CollectError, CollectMode, CredentialKind, Descriptor,
    EntityKind, Failure, LogLevel, RunPlan, SettingSpec, Settings, Summary,
};
use itam_plugin_sdk::{Collector, register_collector, settings};

/// The plugin's name, as `describe` reports it.
pub const NAME: &str = "inventory";
/// The batch size when `batch_size` is not set.
pub const DEFAULT_BATCH_SIZE: usize = 500;
/// The largest batch the host takes is 100,000 entities; this plugin stays well below.
pub const MAX_BATCH_SIZE: usize = 10_000;

/// The plugin. It holds nothing: every call starts from the settings.
pub struct Template;

register_collector!(Template);

impl Collector for Template {
    fn describe(&self) -> Descriptor {
        let mut d = Descriptor::new(
            NAME,
            env!("CARGO_PKG_VERSION"),
            "accounts, products and licence assignments from a JSON inventory served over HTTP",
        );
        d.settings = vec![
            SettingSpec::required(
                "url",
                "the inventory's http(s) URL, e.g. https://cmdb.example/licences.json; its origin is the only one contacted",
            ),
            SettingSpec::optional(
                "batch_size",
                "entities per batch handed to the host, 1 to 10000",
                Some("500"),
            ),
        ];
        d.credential = CredentialKind::None;
        d.produces = vec![
            EntityKind::Product,
            EntityKind::Account,
            EntityKind::Assignment,
        ];
        d
    }

    fn plan(&self, settings: &Settings) -> Result<RunPlan, CollectError> {
        Config::parse(settings)?;
        // The origin of `url`, and nothing else.
        settings::plan(&self.describe(), settings)
    }

    fn check(&self, settings: &Settings) -> Vec<CheckFinding> {
        let finding = |status, detail: String, fix: Option<String>| CheckFinding {
            step: "inventory".into(),
            status,
            detail,
            fix,
        };
        let outcome = Config::parse(settings).and_then(|config| read(&config, &mut WasiHttp));
        match outcome {
            Ok(e) => vec![finding(
                CheckStatus::Pass,
                format!(
                    "{} products, {} accounts, {} assignments",
                    e.products.len(),
                    e.accounts.len(),
                    e.assignments.len()
                ),
                None,
            )],
            Err(error) => {
                let f = error.failure();
                vec![finding(CheckStatus::Fail, f.message.clone(), f.fix.clone())]
            }
        }
    }

    fn collect(&self, settings: &Settings, _mode: CollectMode) -> Result<Summary, CollectError> {
        // An inventory has no changes feed: incremental runs read everything too.
        let config = Config::parse(settings)?;
        collect_with(&config, &mut WasiHttp, &mut Host)
    }
}

/// The validated settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// Where the inventory is.
    pub url: String,
    /// Entities per batch.
    pub batch_size: usize,
}

impl Config {
    /// Validates the settings: `url` must be an http(s) URL, `batch_size` a number from 1 to
    /// 10,000, and nothing else may be set.
    pub fn parse(settings: &Settings) -> Result<Config, CollectError> {
        settings::reject_unknown(settings, &Template.describe().settings)?;
        let url = settings::require(settings, "url")?;
        settings::origin("url", url)?;
        let batch_size = match settings::get(settings, "batch_size") {
            None => DEFAULT_BATCH_SIZE,
            Some(text) => text
                .parse()
                .ok()
                .filter(|n| (1..=MAX_BATCH_SIZE).contains(n))
                .ok_or_else(|| {
                    CollectError::invalid_config(
                        format!(
                            "`batch_size` = {text:?} is not a number from 1 to {MAX_BATCH_SIZE}"
                        ),
                        "set batch_size to a whole number such as 500, or leave it out",
                    )
                })?,
        };
        Ok(Config {
            url: url.to_string(),
            batch_size,
        })
    }
}

/// Reads the inventory and maps it, or says why not.
fn read(config: &Config, http: &mut impl HttpClient) -> Result<inventory::Entities, CollectError> {
    let url = &config.url;
    let reply = http
        .get(url, &[("accept", "application/json")])
        .map_err(|e| e.into_collect_error(url))?;
    if reply.status != 200 {
        return Err(CollectError::Upstream(
            Failure::new(format!("{url} answered HTTP {}", reply.status))
                .with_status(reply.status)
                .with_fix(
                    "check `url`, and that the server hands out the inventory without a credential",
                ),
        ));
    }
    let not_inventory = |why: String| {
        CollectError::Upstream(
            Failure::new(format!(
                "the answer from {url} is not a valid inventory: {why}"
            ))
            .with_fix("serve JSON in the format described in plugin/template/README.md"),
        )
    };
    Inventory::parse(&reply.body)
        .and_then(Inventory::into_entities)
        .map_err(not_inventory)
}

/// One run: reads the inventory at `config.url` through `http`, then hands its products,
/// accounts and assignments to `host` in that order (so every assignment refers to entities
/// already sent), `config.batch_size` at a time, and stops at the first `cancel`.
pub fn collect_with(
    config: &Config,
    http: &mut impl HttpClient,
    host: &mut impl HostApi,
) -> Result<Summary, CollectError> {
    host.progress("inventory", 0, None);
    let entities = read(config, http)?;
    host.log(
        LogLevel::Info,
        &format!(
            "{}: {} products, {} accounts, {} assignments",
            config.url,
            entities.products.len(),
            entities.accounts.len(),
            entities.assignments.len()
        ),
    );
    let entities_organization = entities.organization;
    let data_quality = entities.data_quality;
    let size = config.batch_size;
    let products =
        host::emit_in_batches(host, "products", entities.products, size, Batch::Products)?;
    let accounts =
        host::emit_in_batches(host, "accounts", entities.accounts, size, Batch::Accounts)?;
    let assignments = host::emit_in_batches(
        host,
        "assignments",
        entities.assignments,
        size,
        Batch::Assignments,
    )?;
    let mut summary = Summary::new()
        .count("products", products)
        .count("accounts", accounts)
        .count("assignments", assignments);
    if let Some(name) = entities_organization {
        summary = summary.fact("organization", name);
    }
    summary.data_quality = data_quality;
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;
    use itam_plugin_sdk::http::{HttpError, Response};
    use itam_plugin_sdk::types::{AuthError, Flow, Grant, TokenFacts};

    /// Answers every request with one scripted result and records the requests.
    struct Server {
        answer: Result<Response, HttpError>,
        requests: Vec<(String, Vec<(String, String)>)>,
    }

    impl Server {
        fn serving(status: u16, body: &str) -> Server {
            Server {
                answer: Ok(Response {
                    status,
                    headers: vec![("content-type".into(), "application/json".into())],
                    body: body.as_bytes().to_vec(),
                }),
                requests: Vec::new(),
            }
        }
    }

    impl HttpClient for Server {
        fn get(&mut self, url: &str, headers: &[(&str, &str)]) -> Result<Response, HttpError> {
            let headers = headers.iter().map(|(n, v)| (n.to_string(), v.to_string()));
            self.requests.push((url.to_string(), headers.collect()));
            self.answer.clone()
        }

        fn post_json(
            &mut self,
            _: &str,
            _: &[(&str, &str)],
            _: &[u8],
        ) -> Result<Response, HttpError> {
            panic!("the template only reads")
        }
    }

    /// Records batches and answers `cancel` from batch `cancel_at` on.
    #[derive(Default)]
    struct Recorder {
        batches: Vec<Batch>,
        cancel_at: Option<usize>,
    }

    impl HostApi for Recorder {
        fn log(&mut self, _: LogLevel, _: &str) {}
        fn progress(&mut self, _: &str, _: u64, _: Option<u64>) {}
        fn emit(&mut self, batch: Batch) -> Flow {
            self.batches.push(batch);
            match self.cancel_at {
                Some(n) if self.batches.len() >= n => Flow::Cancel,
                _ => Flow::Proceed,
            }
        }
        fn authorize(&mut self, _: &Grant) -> Result<TokenFacts, AuthError> {
            panic!("the template needs no credential")
        }
    }

    /// An inventory of `n` accounts, each holding the one product.
    fn inventory(n: usize) -> String {
        let accounts: Vec<String> = (0..n)
            .map(|i| format!(r#"{{"id": "u{i}", "principal_name": "u{i}@example.com"}}"#))
            .collect();
        let assignments: Vec<String> = (0..n)
            .map(|i| format!(r#"{{"account_id": "u{i}", "product_id": "p"}}"#))
            .collect();
        format!(
            r#"{{"organization": "Example", "products": [{{"id": "p", "part_number": "P", "enabled": 100}}],
                 "accounts": [{}], "assignments": [{}]}}"#,
            accounts.join(","),
            assignments.join(",")
        )
    }

    fn config(batch_size: usize) -> Config {
        Config {
            url: "http://127.0.0.1:8080/inventory.json".into(),
            batch_size,
        }
    }

    fn kinds(batches: &[Batch]) -> Vec<(&'static str, usize)> {
        batches
            .iter()
            .map(|b| match b {
                Batch::Products(v) => ("products", v.len()),
                Batch::Accounts(v) => ("accounts", v.len()),
                Batch::Assignments(v) => ("assignments", v.len()),
                _ => ("other", b.len()),
            })
            .collect()
    }

    fn settings(pairs: &[(&str, &str)]) -> Settings {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_run_reads_the_url_once_and_emits_products_accounts_then_assignments_in_batches() {
        let mut server = Server::serving(200, &inventory(5));
        let mut host = Recorder::default();
        let summary = collect_with(&config(2), &mut server, &mut host).unwrap();
        assert_eq!(server.requests.len(), 1);
        assert_eq!(server.requests[0].0, "http://127.0.0.1:8080/inventory.json");
        assert_eq!(
            server.requests[0].1,
            [("accept".to_string(), "application/json".to_string())]
        );
        assert_eq!(
            kinds(&host.batches),
            [
                ("products", 1),
                ("accounts", 2),
                ("accounts", 2),
                ("accounts", 1),
                ("assignments", 2),
                ("assignments", 2),
                ("assignments", 1)
            ]
        );
        assert_eq!(
            summary.counts,
            [
                ("products".to_string(), 1),
                ("accounts".into(), 5),
                ("assignments".into(), 5)
            ]
        );
        assert_eq!(
            summary.facts,
            [("organization".to_string(), "Example".to_string())]
        );
        let Batch::Products(products) = &host.batches[0] else {
            panic!()
        };
        assert_eq!(products[0].consumed, 5);
        assert!(summary.data_quality.is_empty());
    }

    #[test]
    fn products_of_unknown_units_are_named_in_the_data_quality_notes() {
        let body = r#"{"products": [{"id": "p", "part_number": "P", "display_name": "Pro"}]}"#;
        let mut host = Recorder::default();
        let summary =
            collect_with(&config(10), &mut Server::serving(200, body), &mut host).unwrap();
        let Batch::Products(products) = &host.batches[0] else {
            panic!()
        };
        assert!(products[0].units.is_none());
        assert_eq!(products[0].display_name.as_deref(), Some("Pro"));
        assert_eq!(
            summary.data_quality,
            ["purchased units unknown for P: the inventory does not say how many were bought"]
        );
    }

    #[test]
    fn a_cancel_stops_the_run_at_once() {
        let mut server = Server::serving(200, &inventory(5));
        let mut host = Recorder {
            cancel_at: Some(2),
            ..Recorder::default()
        };
        let error = collect_with(&config(2), &mut server, &mut host).unwrap_err();
        assert!(matches!(error, CollectError::Cancelled(_)), "{error:?}");
        assert_eq!(kinds(&host.batches), [("products", 1), ("accounts", 2)]);
    }

    #[test]
    fn failures_of_the_endpoint_are_typed_errors_and_emit_nothing() {
        let run = |mut server: Server| {
            let mut host = Recorder::default();
            let error = collect_with(&config(500), &mut server, &mut host).unwrap_err();
            assert!(host.batches.is_empty());
            error
        };
        let error = run(Server::serving(404, "not here"));
        assert!(
            matches!(&error, CollectError::Upstream(f) if f.status == Some(404)),
            "{error:?}"
        );
        assert_eq!(
            error.failure().message,
            "http://127.0.0.1:8080/inventory.json answered HTTP 404"
        );

        let error = run(Server::serving(200, r#"{"accounts": [{"id": "u1"}]}"#));
        assert!(matches!(error, CollectError::Upstream(_)), "{error:?}");
        assert!(
            error
                .failure()
                .message
                .contains("is not a valid inventory: missing field `principal_name`")
        );

        let mut denied = Server::serving(200, "");
        denied.answer = Err(HttpError::Denied(
            "http://127.0.0.1:8080/inventory.json".into(),
        ));
        let error = run(denied);
        assert!(
            matches!(&error, CollectError::Denied(f) if f.code.as_deref() == Some("HTTP-request-denied")),
            "{error:?}"
        );
    }

    #[test]
    fn settings_are_validated_and_the_plan_declares_only_the_url_origin() {
        let plan = Template
            .plan(&settings(&[(
                "url",
                "https://CMDB.example:8443/licences.json?all=1",
            )]))
            .unwrap();
        assert_eq!(plan.hosts, ["https://cmdb.example:8443"]);
        assert!(plan.grant.is_none());
        assert_eq!(
            Config::parse(&settings(&[("url", "http://h/i"), ("batch_size", "20")])).unwrap(),
            Config {
                url: "http://h/i".into(),
                batch_size: 20
            }
        );
        let refused = |pairs: &[(&str, &str)]| {
            let error = Template.plan(&settings(pairs)).unwrap_err();
            assert!(matches!(error, CollectError::InvalidConfig(_)), "{error:?}");
            error.failure().message.clone()
        };
        assert_eq!(refused(&[]), "the `url` setting is required");
        assert_eq!(
            refused(&[("url", "http://h/i"), ("token", "x")]),
            "unknown setting `token`"
        );
        assert!(refused(&[("url", "file:///etc/passwd")]).contains("is not an http(s) URL"));
        for size in ["0", "10001", "many"] {
            assert!(
                refused(&[("url", "http://h/i"), ("batch_size", size)]).starts_with("`batch_size`")
            );
        }
    }
}
