//! Reseller subscriptions (`reseller#subscription`), one per SKU the customer holds, across the
//! plans Google documents: `ANNUAL_MONTHLY_PAY` and `ANNUAL_YEARLY_PAY` commitments with a fixed
//! `numberOfSeats` (some left unassigned), `FLEXIBLE` plans capped by `maximumNumberOfSeats`, a
//! `TRIAL`, and a `SUSPENDED` subscription. Vault Former Employee licences come with Vault and
//! have no subscription of their own.

use crate::catalog::{self, Sku};
use crate::clock::{DAY, millis};
use crate::tenant::Tenant;
use rand::Rng;
use serde_json::{Value, json};

/// A payment plan's `planName`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Plan {
    /// Annual commitment, paid monthly.
    AnnualMonthlyPay,
    /// Annual commitment, paid yearly.
    AnnualYearlyPay,
    /// Monthly, pay as you go.
    Flexible,
    /// Free trial.
    Trial,
    /// Free.
    Free,
}

impl Plan {
    /// `planName` as the API writes it.
    pub fn name(self) -> &'static str {
        match self {
            Plan::AnnualMonthlyPay => "ANNUAL_MONTHLY_PAY",
            Plan::AnnualYearlyPay => "ANNUAL_YEARLY_PAY",
            Plan::Flexible => "FLEXIBLE",
            Plan::Trial => "TRIAL",
            Plan::Free => "FREE",
        }
    }

    /// `isCommitmentPlan`.
    pub fn is_commitment(self) -> bool {
        matches!(self, Plan::AnnualMonthlyPay | Plan::AnnualYearlyPay)
    }
}

/// One subscription.
#[derive(Clone, Debug, PartialEq)]
pub struct Subscription {
    /// `subscriptionId`.
    pub id: String,
    /// The SKU.
    pub sku: &'static Sku,
    /// The plan.
    pub plan: Plan,
    /// `seats.numberOfSeats`: set for annual plans only.
    pub number_of_seats: Option<u64>,
    /// `seats.maximumNumberOfSeats`: set for flexible and trial plans only.
    pub maximum_number_of_seats: Option<u64>,
    /// `seats.licensedNumberOfSeats`: the users holding the SKU.
    pub licensed_number_of_seats: u64,
    /// `status`: `ACTIVE` or `SUSPENDED`.
    pub status: &'static str,
    /// `suspensionReasons` of a suspended subscription.
    pub suspension_reasons: Vec<&'static str>,
    /// `creationTime`, unix seconds.
    pub creation_time: i64,
    /// `plan.commitmentInterval` of annual plans, unix seconds.
    pub commitment: Option<(i64, i64)>,
    /// `trialSettings.trialEndTime` of a trial, unix seconds.
    pub trial_end: Option<i64>,
    /// `renewalSettings.renewalType` of annual plans.
    pub renewal_type: Option<&'static str>,
}

/// The subscriptions of `tenant` (whatever its billing; only a reseller-managed customer's are
/// served).
pub(crate) fn generate(rng: &mut impl Rng, tenant: &Tenant) -> Vec<Subscription> {
    let now = tenant.now;
    let mut out = Vec::new();
    for sku in catalog::SKUS {
        if *sku == catalog::VAULT_FORMER_EMPLOYEE {
            continue;
        }
        let licensed = tenant
            .assignments_of(sku.product_id, Some(sku.sku_id))
            .count() as u64;
        if licensed == 0 {
            continue;
        }
        let (plan, status, reasons) = match sku.sku_id {
            id if id == catalog::BUSINESS_STANDARD.sku_id => {
                (Plan::AnnualMonthlyPay, "ACTIVE", vec![])
            }
            id if id == catalog::VAULT_SKU.sku_id => (Plan::AnnualYearlyPay, "ACTIVE", vec![]),
            id if id == catalog::CLOUD_IDENTITY_PREMIUM_SKU.sku_id => {
                (Plan::AnnualMonthlyPay, "ACTIVE", vec![])
            }
            id if id == catalog::VOICE_STARTER.sku_id => (Plan::Trial, "ACTIVE", vec![]),
            id if id == catalog::VOICE_PREMIER.sku_id => {
                (Plan::Flexible, "SUSPENDED", vec!["RESELLER_INITIATED"])
            }
            _ => (Plan::Flexible, "ACTIVE", vec![]),
        };
        let creation_time = now - rng.random_range(100..900) * DAY;
        let unassigned = match sku.sku_id {
            // Cloud Identity Premium is bought to the seat.
            id if id == catalog::CLOUD_IDENTITY_PREMIUM_SKU.sku_id => 0,
            _ => licensed / 10 + rng.random_range(1..6),
        };
        let (number_of_seats, maximum_number_of_seats) = match plan {
            Plan::AnnualMonthlyPay | Plan::AnnualYearlyPay => (Some(licensed + unassigned), None),
            Plan::Trial => (None, Some(10)),
            _ => (None, Some(licensed + unassigned + 20)),
        };
        let commitment = plan.is_commitment().then(|| {
            let start = now - rng.random_range(30..330) * DAY;
            (start, start + 365 * DAY)
        });
        let first_digit = 1 + rng.random_range(0..8u8);
        out.push(Subscription {
            id: crate::ids::numeric(rng, 10, first_digit),
            sku,
            plan,
            number_of_seats,
            maximum_number_of_seats,
            licensed_number_of_seats: licensed,
            status,
            suspension_reasons: reasons,
            creation_time,
            commitment,
            trial_end: (plan == Plan::Trial).then(|| now + 14 * DAY),
            renewal_type: match plan {
                Plan::AnnualMonthlyPay => Some("AUTO_RENEW_MONTHLY_PAY"),
                Plan::AnnualYearlyPay => Some("RENEW_CURRENT_USERS_YEARLY_PAY"),
                _ => None,
            },
        });
    }
    out
}

impl Subscription {
    /// The subscription as `subscriptions.list` answers it.
    pub fn to_json(&self, tenant: &Tenant) -> Value {
        let mut plan = json!({
            "planName": self.plan.name(),
            "isCommitmentPlan": self.plan.is_commitment(),
        });
        if let Some((start, end)) = self.commitment {
            plan["commitmentInterval"] =
                json!({"startTime": millis(start), "endTime": millis(end)});
        }
        let mut seats = json!({"kind": "subscriptions#seats"});
        if let Some(n) = self.number_of_seats {
            seats["numberOfSeats"] = json!(n);
        }
        if let Some(n) = self.maximum_number_of_seats {
            seats["maximumNumberOfSeats"] = json!(n);
        }
        seats["licensedNumberOfSeats"] = json!(self.licensed_number_of_seats);
        let mut trial = json!({"isInTrial": self.trial_end.is_some()});
        if let Some(end) = self.trial_end {
            trial["trialEndTime"] = json!(millis(end));
        }
        let mut out = json!({
            "kind": "reseller#subscription",
            "customerId": tenant.customer_id,
            "subscriptionId": self.id,
            "skuId": self.sku.sku_id,
            "skuName": self.sku.sku_name,
            "productId": self.sku.product_id,
            "productName": self.sku.product_name,
            "creationTime": millis(self.creation_time),
            "billingMethod": "ONLINE",
            "plan": plan,
            "seats": seats,
            "trialSettings": trial,
        });
        if let Some(renewal) = self.renewal_type {
            out["renewalSettings"] =
                json!({"kind": "subscriptions#renewalSettings", "renewalType": renewal});
        }
        out["status"] = json!(self.status);
        if !self.suspension_reasons.is_empty() {
            out["suspensionReasons"] = json!(self.suspension_reasons);
        }
        out["customerDomain"] = json!(tenant.domain);
        out["resourceUiUrl"] = json!(format!(
            "https://admin.google.com/ac/billing/subscriptions?hl=en&authuser={}",
            tenant.admin_email()
        ));
        out
    }
}
