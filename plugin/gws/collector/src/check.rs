//! `check`: a cheap diagnosis of a source, step by step (token, customer and administrator,
//! each API with its smallest request, the optional Reseller API), each failure with its fix.

use crate::catalog;
use crate::client::Google;
use crate::collect::subscriptions::unavailable;
use crate::collect::{customer, groups, licences, subscriptions, users};
use crate::hostapi::HostApi;
use crate::model::{Customer, GroupsPage};
use crate::retry::RetryPolicy;
use crate::settings::GwsSettings;
use crate::transport::Transport;
use crate::types::{CheckFinding, CheckStatus, CollectError};
use serde_json::Value;

/// The steps after the token, in order.
const STEPS: [&str; 6] = [
    "customer",
    "GET users",
    "GET groups",
    "GET members",
    "GET licences",
    "optional: GET subscriptions",
];

fn finding(
    step: &str,
    status: CheckStatus,
    detail: impl Into<String>,
    fix: Option<String>,
) -> CheckFinding {
    CheckFinding {
        step: step.into(),
        status,
        detail: detail.into(),
        fix,
    }
}

fn failed(step: &str, error: &CollectError) -> CheckFinding {
    let f = error.failure();
    finding(step, CheckStatus::Fail, f.message.clone(), f.fix.clone())
}

fn skipped(out: &mut Vec<CheckFinding>, steps: &[&str], why: &str) {
    for step in steps {
        out.push(finding(step, CheckStatus::Skipped, why, None));
    }
}

/// Runs every step; a failed token or customer skips the steps that need it.
pub fn check(
    settings: &GwsSettings,
    transport: &mut impl Transport,
    host: &mut impl HostApi,
) -> Vec<CheckFinding> {
    let mut out = Vec::new();
    let grant = settings.grant();
    let mut google = match Google::connect(transport, host, grant) {
        Ok(google) => google.with_policy(RetryPolicy {
            max_attempts: 3,
            ..RetryPolicy::default()
        }),
        Err(e) => {
            out.push(failed("token", &e));
            skipped(&mut out, &STEPS, "needs a token");
            return out;
        }
    };
    out.push(finding(
        "token",
        CheckStatus::Pass,
        format!(
            "token acquired from {} for {} (domain-wide delegation of {} scopes)",
            settings.token_url,
            settings.admin_email,
            settings.scopes().len()
        ),
        None,
    ));

    let customer = match google.get_json::<Customer>(&customer::url(settings)) {
        Ok(c) if !c.id.is_empty() => c,
        Ok(_) => {
            out.push(finding(
                "customer",
                CheckStatus::Fail,
                "Google answered customers.get without the customer's ID",
                Some("set customer_id to my_customer or to the customer ID".into()),
            ));
            skipped(&mut out, &STEPS[1..], "needs the customer's ID");
            return out;
        }
        Err(e) => {
            out.push(failed("customer", &e));
            skipped(&mut out, &STEPS[1..], "needs the customer's ID");
            return out;
        }
    };
    out.push(finding(
        "customer",
        CheckStatus::Pass,
        format!(
            "customer {} ({}); the Directory answered {} (its users and groups are tried below)",
            customer.id,
            customer
                .customer_domain
                .as_deref()
                .unwrap_or("no primary domain"),
            settings.admin_email
        ),
        None,
    ));
    let id = customer.id.as_str();

    let probe = |google: &mut Google<'_, _, _>, step: &str, url: String| match google
        .get_json::<Value>(&url)
    {
        Ok(_) => finding(step, CheckStatus::Pass, "answers", None),
        Err(e) => failed(step, &e),
    };
    out.push(probe(&mut google, "GET users", users::url(settings, id, 1)));
    match google.get_json::<GroupsPage>(&groups::url(settings, id, 1)) {
        Ok(page) => {
            out.push(finding("GET groups", CheckStatus::Pass, "answers", None));
            match page.groups.first() {
                Some(group) => out.push(probe(
                    &mut google,
                    "GET members",
                    groups::members_url(settings, &group.id, 1),
                )),
                None => out.push(finding(
                    "GET members",
                    CheckStatus::Skipped,
                    "the customer has no group to list the members of",
                    None,
                )),
            }
        }
        Err(e) => {
            out.push(failed("GET groups", &e));
            out.push(finding(
                "GET members",
                CheckStatus::Skipped,
                "needs a group",
                None,
            ));
        }
    }
    out.push(probe(
        &mut google,
        "GET licences",
        licences::url(settings, catalog::SKUS[0].product_id, id, 1),
    ));

    let step = STEPS[5];
    if !settings.read_subscriptions {
        out.push(finding(
            step,
            CheckStatus::Warn,
            "not read: read_subscriptions = false",
            Some("purchased units will be unknown for every product; set read_subscriptions = true and delegate https://www.googleapis.com/auth/apps.order.readonly if a reseller manages the customer".into()),
        ));
        return out;
    }
    out.push(
        match google.get_json::<Value>(&subscriptions::url(settings, id, 1)) {
            Ok(_) => finding(
                step,
                CheckStatus::Pass,
                "the Reseller API answers: seats will be read",
                None,
            ),
            Err(e) => {
                let why = unavailable(&e).map_or_else(
                    || {
                        format!(
                            "the Reseller API could not be read: {}",
                            e.failure().message
                        )
                    },
                    |(why, _)| why,
                );
                finding(
                    step,
                    CheckStatus::Warn,
                    why,
                    Some(format!(
                        "purchased units will be unknown for every product{}",
                        e.failure()
                            .fix
                            .as_deref()
                            .map(|f| format!("; {f}"))
                            .unwrap_or_default()
                    )),
                )
            }
        },
    );
    out
}
