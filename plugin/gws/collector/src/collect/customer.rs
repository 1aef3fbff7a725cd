//! The customer: `customers.get` resolves `customer_id` (`my_customer`, say) to the customer's
//! real ID, which the License Manager and Reseller APIs require.

use super::tally::Tally;
use crate::client::Google;
use crate::errors::internal;
use crate::hostapi::HostApi;
use crate::model::Customer;
use crate::settings::GwsSettings;
use crate::transport::{Transport, encode};
use crate::types::CollectError;

/// The URL of `customers.get` for the settings' customer.
pub fn url(settings: &GwsSettings) -> String {
    format!(
        "{}/customers/{}",
        settings.directory_base(),
        encode(&settings.customer_id)
    )
}

/// Reads the customer and records its ID, domain and organisation as facts.
pub fn read<T: Transport, H: HostApi>(
    google: &mut Google<'_, T, H>,
    settings: &GwsSettings,
    tally: &mut Tally,
) -> Result<Customer, CollectError> {
    let customer: Customer = google.get_json(&url(settings))?;
    if customer.id.is_empty() {
        return Err(internal(format!(
            "Google answered customers.get for `{}` without the customer's ID",
            settings.customer_id
        )));
    }
    tally.fact("customer_id", customer.id.clone());
    if let Some(domain) = &customer.customer_domain {
        tally.fact("domain", domain.clone());
    }
    if let Some(name) = customer.organization() {
        tally.fact("organization", name);
    }
    Ok(customer)
}
