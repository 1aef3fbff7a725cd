//! One collection run, every kind read in full (Google's admin APIs have no change feed the
//! plugin could use for licences, so no state is kept between runs), streaming each page to
//! the host as it arrives:
//!
//! 1. the customer (`customers.get`): its real ID, which the License Manager API requires;
//! 2. users (`users.list`, 500 a page): accounts and sign-in activity;
//! 3. groups (`groups.list`, 200 a page), then each group's members (`members.list`);
//! 4. licence assignments of every product (`licenseAssignments.listForProduct`, 1000 a page);
//! 5. subscriptions (`subscriptions.list` of the Reseller API), where Google answers;
//! 6. products (one per SKU held or subscribed), then the assignments and subscriptions.

pub mod customer;
pub mod groups;
pub mod licences;
pub mod products;
pub mod subscriptions;
pub mod tally;
pub mod users;

use crate::client::Google;
use crate::hostapi::HostApi;
use crate::model::MemberClass;
use crate::settings::GwsSettings;
use crate::transport::Transport;
use crate::types::{Batch, CollectError, LogLevel, Summary};
use subscriptions::Seats;
use tally::{Tally, emit};

/// Collects everything for `settings`, streaming page by page to the host.
pub fn collect(
    settings: &GwsSettings,
    transport: &mut impl Transport,
    host: &mut impl HostApi,
) -> Result<Summary, CollectError> {
    let mut google = Google::connect(transport, host, settings.grant())?;
    collect_with(&mut google, settings)
}

/// The collection itself, over a connected client.
pub fn collect_with<T: Transport, H: HostApi>(
    google: &mut Google<'_, T, H>,
    settings: &GwsSettings,
) -> Result<Summary, CollectError> {
    let mut tally = Tally::default();
    let customer = customer::read(google, settings, &mut tally)?;
    let directory = users::read(google, settings, &customer.id, &mut tally)?;
    let group_ids = groups::read(google, settings, &customer.id, &mut tally)?;
    let class = MemberClass {
        users: directory.ids.clone(),
        groups: group_ids.iter().cloned().collect(),
    };
    groups::read_members(google, settings, &group_ids, &class, &mut tally)?;
    let held = licences::read(google, settings, &customer.id, &directory, &mut tally)?;
    let seats = subscriptions::read(google, settings, &customer.id)?;
    tally.fact("billing", seats.billing());

    let (products, notes) = products::build(&held.skus, &seats);
    tally.data_quality.extend(notes);
    let host = google.host();
    emit(host, &mut tally, "products", products, Batch::Products)?;
    emit(
        host,
        &mut tally,
        "assignments",
        held.assignments,
        Batch::Assignments,
    )?;
    let subscriptions: Vec<_> = match &seats {
        Seats::Read(all) => {
            let without: Vec<&str> = all
                .iter()
                .filter(|s| s.purchased().is_none())
                .map(|s| s.subscription_id.as_str())
                .collect();
            if !without.is_empty() {
                tally.data_quality.push(format!(
                    "{} subscription(s) left out because Google gave no seat count for their plan: {}",
                    without.len(),
                    without.join(", ")
                ));
            }
            all.iter().filter_map(|s| s.to_subscription()).collect()
        }
        _ => Vec::new(),
    };
    emit(
        host,
        &mut tally,
        "subscriptions",
        subscriptions,
        Batch::Subscriptions,
    )?;

    if google.retries() > 0 {
        tally.warnings.push(format!(
            "{} requests were retried after throttling or transient errors",
            google.retries()
        ));
    }
    let line = format!(
        "collected {} users, {} groups, {} memberships, {} products, {} assignments, {} subscriptions",
        tally.get("accounts"),
        tally.get("groups"),
        tally.get("memberships"),
        tally.get("products"),
        tally.get("assignments"),
        tally.get("subscriptions"),
    );
    google.host().log(LogLevel::Info, &line);
    Ok(tally.into_summary())
}
