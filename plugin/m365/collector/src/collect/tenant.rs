//! Tenant-level reads, all small, in one `$batch`: subscribed SKUs, the organization and the
//! commercial subscriptions.

use super::state::Units;
use super::{Tally, emit};
use crate::batch::batch_get_each;
use crate::graph::Graph;
use crate::hostapi::HostApi;
use crate::model::{CompanySubscription, ORGANIZATION_SELECT, Organization, SubscribedSku};
use crate::transport::Transport;
use crate::types::{Batch, CollectError};
use std::collections::BTreeMap;

/// Reads and emits the tenant's products, subscriptions and facts; returns each product's
/// purchased units.
pub(super) fn read<T: Transport, H: HostApi>(
    graph: &mut Graph<'_, T, H>,
    base: &str,
    tally: &mut Tally,
) -> Result<BTreeMap<String, Units>, CollectError> {
    let org_url = format!("/organization?$select={ORGANIZATION_SELECT}");
    let mut answers = batch_get_each(
        graph,
        base,
        &["/subscribedSkus", &org_url, "/directory/subscriptions"],
    )?
    .into_iter();
    let (skus, organization, subscriptions) = (
        answers.next().unwrap_or_else(|| Ok(Default::default()))?,
        answers.next().unwrap_or_else(|| Ok(Default::default()))?,
        answers.next().unwrap_or_else(|| Ok(Default::default())),
    );

    let mut units = BTreeMap::new();
    graph.for_each_page_from(skus, |host, skus: Vec<SubscribedSku>| {
        let len = skus.len();
        let products: Vec<_> = skus.into_iter().map(SubscribedSku::into_product).collect();
        for p in &products {
            let bought = p
                .units
                .as_ref()
                .map(|u| [u.enabled, u.warning, u.suspended, u.locked_out]);
            units.insert(p.id.clone(), bought.unwrap_or_default());
        }
        let batch = Batch::Products(products);
        let done = emit(host, tally, "products", batch, len)?;
        host.progress("products", done, None);
        Ok(())
    })?;

    tally.facts = organization["value"]
        .get(0)
        .and_then(|o| serde_json::from_value::<Organization>(o.clone()).ok())
        .map(|o| o.facts())
        .unwrap_or_default();

    match subscriptions {
        Ok(first) => graph.for_each_page_from(first, |host, subs: Vec<CompanySubscription>| {
            let subs: Vec<_> = subs
                .into_iter()
                .filter_map(CompanySubscription::into_subscription)
                .collect();
            let len = subs.len();
            emit(host, tally, "subscriptions", Batch::Subscriptions(subs), len)?;
            Ok(())
        })?,
        // Subscriptions add renewal dates; without them the licence picture is still right.
        Err(CollectError::Forbidden(f)) => tally.data_quality.push(format!(
            "subscriptions unavailable ({}): renewal and expiry dates are missing; grant Directory.Read.All and admin consent",
            f.message
        )),
        Err(e) => return Err(e),
    }
    Ok(units)
}
