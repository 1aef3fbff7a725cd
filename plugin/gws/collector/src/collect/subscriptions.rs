//! Subscriptions and their seats from the Reseller API, which answers only the customer's
//! reseller: for a directly billed customer (or one whose reseller `admin_email` does not act
//! for) Google refuses, and the purchased units stay unknown.

use crate::client::Google;
use crate::hostapi::HostApi;
use crate::model::{Subscription, SubscriptionsPage};
use crate::settings::GwsSettings;
use crate::transport::{Transport, encode};
use crate::types::{CollectError, LogLevel};

/// The page size of `subscriptions.list` (Google's maximum).
pub const PAGE_SIZE: u32 = 100;

/// What the run knows about subscriptions.
#[derive(Debug)]
pub enum Seats {
    /// The Reseller API listed them.
    Read(Vec<Subscription>),
    /// The Reseller API could not be read: why, in words for the operator, and what that says
    /// about billing (`direct` for Google's 403 `forbidden`, else `unknown`).
    Unavailable {
        /// Why.
        why: String,
        /// `direct` or `unknown`.
        billing: &'static str,
    },
    /// `read_subscriptions` is false: the Reseller API was not asked.
    NotAsked,
}

impl Seats {
    /// `reseller`, `direct` or `unknown`, as the summary's `billing` fact.
    pub fn billing(&self) -> &'static str {
        match self {
            Seats::Read(_) => "reseller",
            Seats::Unavailable { billing, .. } => billing,
            Seats::NotAsked => "unknown",
        }
    }
}

/// The URL of the first page of `subscriptions.list` for `customer_id`, `size` a page.
pub fn url(settings: &GwsSettings, customer_id: &str, size: u32) -> String {
    format!(
        "{}/subscriptions?customerId={}&maxResults={size}",
        settings.reseller_base(),
        encode(customer_id)
    )
}

/// Why the Reseller API's `error` leaves seats unknown, in words for the operator, and the
/// billing it implies; `None` when the error is no refusal (throttling that outlasted the
/// retries, the network, a server error): then the run fails rather than lose the seats and
/// subscriptions the last snapshot has.
pub fn unavailable(error: &CollectError) -> Option<(String, &'static str)> {
    let f = error.failure();
    Some(match (f.status, f.code.as_deref()) {
        (Some(403), Some("forbidden") | None) => (
            format!(
                "the Reseller API refused ({}): it answers only the customer's reseller, so the customer is billed directly by Google (or by a reseller admin_email does not act for)",
                f.message
            ),
            "direct",
        ),
        (Some(403), Some("accessNotConfigured")) => (
            format!(
                "the Google Workspace Reseller API is not enabled in the service account's project ({})",
                f.fix.as_deref().unwrap_or(&f.message)
            ),
            "unknown",
        ),
        (Some(403), Some("insufficientPermissions" | "ACCESS_TOKEN_SCOPE_INSUFFICIENT")) => (
            format!(
                "the token lacks the scope {} ({})",
                crate::scopes::ORDER_READONLY,
                f.message
            ),
            "unknown",
        ),
        _ => return None,
    })
}

/// Reads every subscription of `customer_id`, or says why Google refused them (seats are
/// optional: a refusal leaves them unknown). Any other failure ends the run.
pub fn read<T: Transport, H: HostApi>(
    google: &mut Google<'_, T, H>,
    settings: &GwsSettings,
    customer_id: &str,
) -> Result<Seats, CollectError> {
    if !settings.read_subscriptions {
        return Ok(Seats::NotAsked);
    }
    let mut all = Vec::new();
    let read = google.for_each_page(
        &url(settings, customer_id, PAGE_SIZE),
        |host, page: SubscriptionsPage| {
            all.extend(
                page.subscriptions
                    .into_iter()
                    .filter(|s| !s.sku_id.is_empty() && !s.subscription_id.is_empty()),
            );
            host.progress("subscriptions", all.len() as u64, None);
            Ok(())
        },
    );
    match read {
        Ok(()) => Ok(Seats::Read(all)),
        Err(e) => match unavailable(&e) {
            Some((why, billing)) => {
                google.host().log(LogLevel::Info, &why);
                Ok(Seats::Unavailable { why, billing })
            }
            None => Err(e),
        },
    }
}
