//! What the tenant bought: each SKU's prepaid units and the commerce subscriptions
//! (`/directory/subscriptions`) they come from, with renewals spread over the next months.

use crate::catalog::guid;
use crate::clock::{self, DAY};
use crate::tenant::{Sku, sku};
use rand_chacha::ChaCha8Rng;

/// A `companySubscription`.
#[derive(Clone, Debug, PartialEq)]
pub struct Subscription {
    /// `id`.
    pub id: String,
    /// `commerceSubscriptionId`.
    pub commerce_id: String,
    /// SKU index into [`crate::Tenant::skus`].
    pub sku: usize,
    /// `Enabled`, `Warning`, `Suspended` or `LockedOut`.
    pub status: &'static str,
    /// `totalLicenses`.
    pub total_licenses: u64,
    /// `isTrial`.
    pub is_trial: bool,
    /// `createdDateTime` (RFC 3339).
    pub created: String,
    /// `nextLifecycleDateTime` (RFC 3339): the next renewal, expiry or state change.
    pub next_lifecycle: Option<String>,
    /// `ownerId`.
    pub owner_id: String,
    /// `ownerTenantId`.
    pub owner_tenant_id: String,
    /// `ownerType`.
    pub owner_type: &'static str,
}

/// Sets each SKU's prepaid units from its consumption (with the anomalies the demo shows: an
/// over-allocated Microsoft 365 E5, EMS in warning, Visio suspended, locked-out units of the
/// custom SKU) and returns the subscriptions that add up to them.
///
/// Next lifecycle dates, in days from now: Office 365 E3 in 12 and 45, Microsoft 365 E3 in 75,
/// Microsoft 365 E5 in 200, EMS in 300 (its warning subscription in 20), Teams Exploratory (a
/// trial) in 25, Visio in 50, the custom SKU in 120; none for the free SKUs and the locked-out
/// subscription.
pub(crate) fn purchase(
    skus: &mut [Sku],
    consumed: &[u64],
    tenant_id: &str,
    now: i64,
    rng: &mut ChaCha8Rng,
) -> Vec<Subscription> {
    for (i, sku) in skus.iter_mut().enumerate() {
        let c = consumed[i];
        match i {
            sku::M365_E5 => sku.enabled = c.saturating_sub(3).max(1),
            sku::EMS => {
                sku.enabled = c + 5;
                sku.warning = 10;
            }
            sku::FLOW_FREE => sku.enabled = 10_000,
            sku::POWER_BI_STANDARD => sku.enabled = 1_000_000,
            sku::TEAMS_EXPLORATORY => sku.enabled = 100.max(c),
            sku::VISIO => {
                sku.enabled = 0;
                sku.suspended = c + 2;
            }
            sku::CUSTOM => {
                sku.enabled = c;
                sku.locked_out = 5;
            }
            _ => sku.enabled = c + c / 10 + 5,
        }
    }
    let units = |s: usize| skus[s].enabled;
    let o365_first = units(sku::O365_E3) / 2;
    let planned = |sku, status, total, renews_in, age| Planned {
        sku,
        status,
        total,
        renews_in,
        age,
    };
    let plan = [
        planned(sku::O365_E3, "Enabled", o365_first, Some(12), 700),
        planned(
            sku::O365_E3,
            "Enabled",
            units(sku::O365_E3) - o365_first,
            Some(45),
            400,
        ),
        planned(sku::M365_E3, "Enabled", units(sku::M365_E3), Some(75), 1000),
        planned(sku::M365_E5, "Enabled", units(sku::M365_E5), Some(200), 300),
        planned(sku::EMS, "Enabled", units(sku::EMS), Some(300), 800),
        planned(sku::EMS, "Warning", skus[sku::EMS].warning, Some(20), 380),
        planned(sku::FLOW_FREE, "Enabled", units(sku::FLOW_FREE), None, 1500),
        planned(
            sku::POWER_BI_STANDARD,
            "Enabled",
            units(sku::POWER_BI_STANDARD),
            None,
            1500,
        ),
        planned(
            sku::TEAMS_EXPLORATORY,
            "Enabled",
            units(sku::TEAMS_EXPLORATORY),
            Some(25),
            35,
        ),
        planned(
            sku::VISIO,
            "Suspended",
            skus[sku::VISIO].suspended,
            Some(50),
            420,
        ),
        planned(sku::CUSTOM, "Enabled", units(sku::CUSTOM), Some(120), 600),
        planned(
            sku::CUSTOM,
            "LockedOut",
            skus[sku::CUSTOM].locked_out,
            None,
            900,
        ),
    ];
    plan.into_iter()
        .map(|p| Subscription {
            id: guid(rng),
            commerce_id: guid(rng),
            sku: p.sku,
            status: p.status,
            total_licenses: p.total,
            is_trial: p.sku == sku::TEAMS_EXPLORATORY,
            created: clock::format(now - p.age * DAY),
            next_lifecycle: p.renews_in.map(|d| clock::format(now + d * DAY + 6 * 3600)),
            owner_id: tenant_id.to_string(),
            owner_tenant_id: tenant_id.to_string(),
            owner_type: "Company",
        })
        .collect()
}

/// A subscription to create.
struct Planned {
    /// SKU index.
    sku: usize,
    /// Status.
    status: &'static str,
    /// Licences.
    total: u64,
    /// Days from now to the next lifecycle date.
    renews_in: Option<i64>,
    /// Days since creation.
    age: i64,
}
