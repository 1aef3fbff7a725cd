//! Sends output the host must bound or reject, chosen by the `mode` setting:
//! `huge-string` (one account whose display name is 64 MiB), `huge-product-name` (a product
//! whose display name is 1 MiB), `many-entities` (5 million accounts
//! in batches of 10,000), `missing-fields` (an account with an empty id and an assignment with an
//! empty product id), `unknown-refs` (assignments to accounts and a product never emitted),
//! `huge-log` (one 10 MiB warn line, then 19 more), `many-logs` (a million short warn lines),
//! `huge-warnings` (100,000 summary warnings of 512 bytes) and `huge-error` (fails with a
//! 100 MiB message and fix).
//! It returns success with honest counts, so only the host's own checks can stop it.

use hostile_common::*;

struct Flood;

const MANY: u64 = 5_000_000;
const BATCH: u64 = 10_000;

impl Collector for Flood {
    fn describe(&self) -> Descriptor {
        let mut d = descriptor("flood", "emits oversized or inconsistent output");
        d.settings.push(mode(
            "huge-string, huge-product-name, many-entities, missing-fields, unknown-refs, huge-log, many-logs, huge-warnings or huge-error",
        ));
        d.produces.push(EntityKind::Assignment);
        d
    }

    fn plan(&self, settings: &Settings) -> Result<RunPlan, CollectError> {
        match setting(settings, "mode") {
            Some(
                "huge-string" | "huge-product-name" | "many-entities" | "missing-fields"
                | "unknown-refs" | "huge-log" | "many-logs" | "huge-warnings" | "huge-error",
            ) => settings::plan(&self.describe(), settings),
            other => Err(CollectError::InvalidConfig(Failure::new(format!(
                "unknown mode {other:?}; use huge-string, huge-product-name, many-entities, missing-fields, unknown-refs, huge-log, many-logs, huge-warnings or huge-error"
            )))),
        }
    }

    fn collect(&self, settings: &Settings, _mode: CollectMode) -> Result<Summary, CollectError> {
        let counts: Vec<(&str, u64)> = match setting(settings, "mode").unwrap_or_default() {
            "huge-string" => {
                let name = "x".repeat(64 << 20);
                host::emit(&Batch::Accounts(vec![account("huge-1", &name)]));
                vec![("accounts", 1)]
            }
            "huge-product-name" => {
                let product = Product::new("huge-p", "HUGE", 1).display_name("x".repeat(1 << 20));
                host::emit(&Batch::Products(vec![product]));
                vec![("products", 1)]
            }
            "many-entities" => {
                let mut sent = 0;
                while sent < MANY {
                    let batch = (sent..sent + BATCH)
                        .map(|i| account(&format!("flood-{i:07}"), "Flood"))
                        .collect();
                    sent += BATCH;
                    if host::emit(&Batch::Accounts(batch)) == Flow::Cancel {
                        return Err(CollectError::Cancelled(Failure::new(format!(
                            "flood: the host cancelled after {sent} accounts"
                        ))));
                    }
                }
                vec![("accounts", MANY)]
            }
            "huge-log" => {
                let line = "L".repeat(10 << 20);
                for _ in 0..20 {
                    host::log(LogLevel::Warn, &line);
                }
                host::emit(&Batch::Accounts(vec![account("log-1", "Logger")]));
                vec![("accounts", 1)]
            }
            "many-logs" => {
                for i in 0..1_000_000u32 {
                    host::log(LogLevel::Warn, &format!("flood line {i}"));
                }
                host::emit(&Batch::Accounts(vec![account("log-1", "Logger")]));
                vec![("accounts", 1)]
            }
            "huge-warnings" => {
                host::emit(&Batch::Accounts(vec![account("warn-1", "Warner")]));
                let mut s = summary(&[("accounts", 1)]);
                s.warnings = (0..100_000)
                    .map(|i| format!("{i:06}{}", "w".repeat(506)))
                    .collect();
                return Ok(s);
            }
            "huge-error" => {
                let mut f = Failure::new("E".repeat(100 << 20));
                f.fix = Some("F".repeat(1 << 20));
                return Err(CollectError::Upstream(f));
            }
            "missing-fields" => {
                let p = "00000000-0000-0000-0000-0000000f1001";
                host::emit(&Batch::Products(vec![Product::new(p, "FLOOD_PACK", 5)]));
                host::emit(&Batch::Accounts(vec![
                    account("", "No Id"),
                    account("fl-1", "Ok"),
                ]));
                host::emit(&Batch::Assignments(vec![Assignment::direct("fl-1", "")]));
                vec![("products", 1), ("accounts", 2), ("assignments", 1)]
            }
            _ => {
                let p = "00000000-0000-0000-0000-0000000f1002";
                host::emit(&Batch::Products(vec![Product::new(p, "FLOOD_PACK", 5)]));
                host::emit(&Batch::Accounts(vec![account("fl-1", "Known")]));
                host::emit(&Batch::Assignments(vec![
                    Assignment::direct("never-emitted-1", p),
                    Assignment::direct("fl-1", "00000000-0000-0000-0000-00000000dead"),
                ]));
                vec![("products", 1), ("accounts", 1), ("assignments", 2)]
            }
        };
        Ok(summary(&counts))
    }
}

register_collector!(Flood);
