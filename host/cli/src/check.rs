//! `itam check`: diagnoses each source step by step — configuration, credential, then the
//! plugin's own `check` (token, roles, endpoints, optional capabilities) — with a fix for every
//! failure.

use crate::config::{ClientAuth, Source};
use crate::render::format::Format;
use crate::sync::prepare;
use anyhow::Result;
use itam_runtime::Runtime;
use itam_runtime::contract::types::{CheckFinding, CheckStatus};
use serde::Serialize;
use std::io::Write;
use std::time::Duration;

/// One step's outcome, as printed.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    /// What was checked.
    pub step: String,
    /// `pass`, `fail`, `warn` or `skipped`.
    pub status: &'static str,
    /// What was found.
    pub detail: String,
    /// How to fix it, or what is lost.
    pub fix: Option<String>,
}

/// The diagnosis of one source.
#[derive(Debug, Clone, Serialize)]
pub struct SourceCheck {
    /// Source name.
    pub source: String,
    /// Whether collection will work (no step failed).
    pub ok: bool,
    /// The steps in order.
    pub steps: Vec<Step>,
}

fn step(step: &str, status: &'static str, detail: impl Into<String>, fix: Option<String>) -> Step {
    Step {
        step: step.into(),
        status,
        detail: detail.into(),
        fix,
    }
}

impl From<CheckFinding> for Step {
    fn from(f: CheckFinding) -> Step {
        let status = match f.status {
            CheckStatus::Pass => "pass",
            CheckStatus::Fail => "fail",
            CheckStatus::Warn => "warn",
            CheckStatus::Skipped => "skipped",
        };
        Step {
            step: f.step,
            status,
            detail: f.detail,
            fix: f.fix,
        }
    }
}

/// Diagnoses one source.
pub async fn check_source(runtime: &Runtime, source: &Source) -> SourceCheck {
    let limits = &source.limits;
    let mut steps = Vec::new();
    let mut prepared = match prepare(runtime, source, limits).await {
        Ok(p) => p,
        Err(e) => {
            // A plugin's refusal of its settings carries its own fix: show that one only.
            let text = format!("{e:#}");
            let (detail, fix) = match text.split_once("\n  fix: ") {
                Some((detail, fix)) => (detail.to_string(), fix.to_string()),
                None => (text, "correct the source in the configuration file".into()),
            };
            steps.push(step("config", "fail", detail, Some(fix)));
            return SourceCheck {
                source: source.name.clone(),
                ok: false,
                steps,
            };
        }
    };
    steps.push(step(
        "config",
        "pass",
        format!("valid; allowed hosts: {}", prepared.allow_list().join(", ")),
        None,
    ));
    // The secret or certificate is read here, so a missing one is this step's failure.
    let resolved = match source.with_credential_from(&|name| std::env::var(name).ok()) {
        Ok(s) => s,
        Err(e) => {
            steps.push(step("credential", "fail", e.problem, Some(e.fix)));
            return SourceCheck {
                source: source.name.clone(),
                ok: false,
                steps,
            };
        }
    };
    let source = &resolved;
    prepared.set_credential(source.credential.clone());
    match &source.credential {
        Some(c) => steps.push(match &c.auth {
            ClientAuth::Secret(_) => step("credential", "pass", format!("client secret from {}", c.origin), None),
            ClientAuth::Certificate(cert) if cert.days_left() < 30 => step(
                "credential",
                "warn",
                format!("certificate {} from {}, expires in {} days", cert.subject, c.origin, cert.days_left()),
                Some("create a new certificate, upload it to the app registration and update the file before it expires".into()),
            ),
            ClientAuth::Certificate(cert) => step(
                "credential",
                "pass",
                format!("certificate {} from {}, expires in {} days", cert.subject, c.origin, cert.days_left()),
                None,
            ),
            ClientAuth::ServiceAccount(key) => step(
                "credential",
                "pass",
                format!(
                    "service account {} (client ID {}, key {}) from {}",
                    key.client_email, key.client_id, key.private_key_id, c.origin
                ),
                None,
            ),
        }),
        None => steps.push(step("credential", "pass", "none needed", None)),
    }
    let deadline = limits.run_timeout.min(Duration::from_secs(120));
    match prepared.runtime().check(deadline).await {
        Ok(findings) => steps.extend(findings.into_iter().map(Step::from)),
        Err(e) => steps.push(step("plugin", "fail", format!("{e:#}"), None)),
    }
    let ok = steps.iter().all(|s| s.status != "fail");
    SourceCheck {
        source: source.name.clone(),
        ok,
        steps,
    }
}

/// `text` escaped for the terminal line by line, its lines after the first indented by
/// `indent` spaces: a step's text comes from the plugin (or quotes it), and a newline in it must
/// not start a line at the margin, where it could pass for a step, an `error:` or a `fix:`.
fn continued(text: &str, indent: usize) -> String {
    crate::display::lines(text)
        .split('\n')
        .collect::<Vec<_>>()
        .join(&format!("\n{}", " ".repeat(indent)))
}

/// How `itam check` prints: a table for people or JSON for tools (there is no CSV of steps).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum CheckFormat {
    /// Steps with marks and fixes.
    Table,
    /// One array of sources with their steps.
    Json,
}

impl From<Format> for CheckFormat {
    fn from(f: Format) -> CheckFormat {
        if f == Format::Table {
            CheckFormat::Table
        } else {
            CheckFormat::Json
        }
    }
}

/// Prints the diagnoses. In a table, every text is escaped for the terminal (JSON keeps it as
/// the plugin sent it).
pub fn render(
    out: &mut dyn Write,
    checks: &[SourceCheck],
    format: impl Into<CheckFormat>,
) -> Result<()> {
    if format.into() != CheckFormat::Table {
        serde_json::to_writer_pretty(&mut *out, checks)?;
        writeln!(out)?;
        return Ok(());
    }
    for c in checks {
        writeln!(out, "{}", c.source)?;
        let names: Vec<String> = c
            .steps
            .iter()
            .map(|s| crate::display::text(&s.step).into_owned())
            .collect();
        let width = names.iter().map(|s| s.chars().count()).max().unwrap_or(0);
        for (s, name) in c.steps.iter().zip(&names) {
            let mark = match s.status {
                "pass" => "✓",
                "fail" => "✗",
                "warn" => "!",
                _ => "-",
            };
            let detail = continued(&s.detail, width + 6);
            writeln!(out, "  {mark} {name:width$}  {detail}")?;
            if let Some(fix) = &s.fix {
                let label = if s.status == "warn" {
                    "without it"
                } else {
                    "fix"
                };
                // A plugin may already begin its text with the label.
                let fix = fix
                    .strip_prefix(label)
                    .map(|rest| rest.trim_start_matches([':', ',', ' ']))
                    .unwrap_or(fix);
                let fix = continued(fix, 8 + label.len());
                writeln!(out, "      {label}: {fix}")?;
            }
        }
        let failed = c.steps.iter().filter(|s| s.status == "fail").count();
        if c.ok {
            writeln!(out, "  collection will work\n")?;
        } else {
            writeln!(
                out,
                "  collection will not work: {failed} blocking problem(s)\n"
            )?;
        }
    }
    Ok(())
}
