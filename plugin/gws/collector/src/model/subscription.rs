//! Reseller subscriptions (`reseller#subscription`, `subscriptions.list`) and the units each
//! one provides.
//!
//! Which seat count is the purchased units depends on the plan, as Google documents the seats
//! (<https://developers.google.com/workspace/admin/reseller/v1/reference/rest/v1/subscriptions>):
//!
//! | plan | purchased units | why |
//! | --- | --- | --- |
//! | `ANNUAL_MONTHLY_PAY`, `ANNUAL_YEARLY_PAY` (commitment) | `numberOfSeats` | invoiced on it whether assigned or not |
//! | `FLEXIBLE` | `licensedNumberOfSeats` | invoiced on the users actually licensed; `maximumNumberOfSeats` is only a cap |
//! | `TRIAL`, `FREE` | `maximumNumberOfSeats` | the seats the trial or free plan allows, at no charge |
//! | anything else | `numberOfSeats`, else `maximumNumberOfSeats` | |

use super::{list_or_none, paged};
use crate::time::{int64, millis_time};
use crate::types::Subscription as NeutralSubscription;
use serde::{Deserialize, Deserializer};

/// A page of `subscriptions.list`.
#[derive(Deserialize, Debug, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct SubscriptionsPage {
    /// The subscriptions.
    #[serde(deserialize_with = "list_or_none")]
    pub subscriptions: Vec<Subscription>,
    /// The next page's token.
    pub next_page_token: Option<String>,
}
paged!(SubscriptionsPage);

/// A subscription, with the fields the plugin reads.
#[derive(Deserialize, Debug, Default, Clone)]
#[serde(rename_all = "camelCase", default)]
pub struct Subscription {
    /// The subscription's ID.
    pub subscription_id: String,
    /// The SKU it provides.
    pub sku_id: String,
    /// The SKU's name.
    pub sku_name: Option<String>,
    /// The product (Google sends it in newer answers).
    pub product_id: Option<String>,
    /// The product's name.
    pub product_name: Option<String>,
    /// The payment plan.
    pub plan: Option<Plan>,
    /// The seats.
    pub seats: Option<Seats>,
    /// The trial.
    pub trial_settings: Option<TrialSettings>,
    /// What happens at the end of the commitment.
    pub renewal_settings: Option<RenewalSettings>,
    /// `ACTIVE`, `PENDING`, `SUSPENDED`, …
    pub status: Option<String>,
    /// Why a subscription is suspended.
    #[serde(deserialize_with = "list_or_none")]
    pub suspension_reasons: Vec<String>,
    /// Creation time (milliseconds since the epoch), as RFC 3339.
    #[serde(deserialize_with = "millis_time")]
    pub creation_time: Option<String>,
    /// `ONLINE` or `OFFLINE`.
    pub billing_method: Option<String>,
    /// The reseller's purchase order ID.
    pub purchase_order_id: Option<String>,
}

/// `plan`.
#[derive(Deserialize, Debug, Default, Clone)]
#[serde(rename_all = "camelCase", default)]
pub struct Plan {
    /// `ANNUAL_MONTHLY_PAY`, `ANNUAL_YEARLY_PAY`, `FLEXIBLE`, `TRIAL`, `FREE`.
    pub plan_name: Option<String>,
    /// Whether the plan is an annual commitment.
    pub is_commitment_plan: Option<bool>,
    /// The commitment's start and end.
    pub commitment_interval: Option<Interval>,
}

/// `plan.commitmentInterval`.
#[derive(Deserialize, Debug, Default, Clone)]
#[serde(rename_all = "camelCase", default)]
pub struct Interval {
    /// Start (milliseconds since the epoch), as RFC 3339.
    #[serde(deserialize_with = "millis_time")]
    pub start_time: Option<String>,
    /// End (milliseconds since the epoch), as RFC 3339.
    #[serde(deserialize_with = "millis_time")]
    pub end_time: Option<String>,
}

/// `seats`.
#[derive(Deserialize, Debug, Default, Clone)]
#[serde(rename_all = "camelCase", default)]
pub struct Seats {
    /// Seats bought on an annual commitment.
    #[serde(deserialize_with = "count")]
    pub number_of_seats: Option<u64>,
    /// The cap of a flexible or trial plan.
    #[serde(deserialize_with = "count")]
    pub maximum_number_of_seats: Option<u64>,
    /// Users holding a licence of the SKU.
    #[serde(deserialize_with = "count")]
    pub licensed_number_of_seats: Option<u64>,
}

/// `trialSettings`.
#[derive(Deserialize, Debug, Default, Clone)]
#[serde(rename_all = "camelCase", default)]
pub struct TrialSettings {
    /// Whether the subscription is in a trial.
    pub is_in_trial: Option<bool>,
    /// When the trial ends (milliseconds since the epoch), as RFC 3339.
    #[serde(deserialize_with = "millis_time")]
    pub trial_end_time: Option<String>,
}

/// `renewalSettings`.
#[derive(Deserialize, Debug, Default, Clone)]
#[serde(rename_all = "camelCase", default)]
pub struct RenewalSettings {
    /// E.g. `AUTO_RENEW_MONTHLY_PAY`, `RENEW_CURRENT_USERS_YEARLY_PAY`, `CANCEL`.
    pub renewal_type: Option<String>,
}

/// A seat count: a non-negative integer (as a number or an int64 string).
fn count<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    Ok(int64(d)?.and_then(|n| u64::try_from(n).ok()))
}

/// The units a subscription provides and the seat field they come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Purchased {
    /// How many.
    pub units: u64,
    /// Google's field: `numberOfSeats`, `licensedNumberOfSeats` or `maximumNumberOfSeats`.
    pub field: &'static str,
}

impl Subscription {
    /// `plan.planName`, or empty.
    pub fn plan_name(&self) -> &str {
        self.plan
            .as_ref()
            .and_then(|p| p.plan_name.as_deref())
            .unwrap_or("")
    }

    /// Whether the plan is an annual commitment.
    pub fn is_commitment(&self) -> bool {
        self.plan
            .as_ref()
            .and_then(|p| p.is_commitment_plan)
            .unwrap_or(false)
            || self.plan_name().starts_with("ANNUAL")
    }

    /// Whether the subscription is in a trial.
    pub fn in_trial(&self) -> bool {
        self.trial_settings
            .as_ref()
            .and_then(|t| t.is_in_trial)
            .unwrap_or(false)
            || self.plan_name() == "TRIAL"
    }

    /// The units the subscription provides, by plan (see the module's table); none when the
    /// seat count the plan calls for is missing.
    pub fn purchased(&self) -> Option<Purchased> {
        let seats = self.seats.as_ref()?;
        let of = |units: Option<u64>, field| units.map(|units| Purchased { units, field });
        let number = of(seats.number_of_seats, "numberOfSeats");
        let maximum = of(seats.maximum_number_of_seats, "maximumNumberOfSeats");
        let licensed = of(seats.licensed_number_of_seats, "licensedNumberOfSeats");
        match self.plan_name() {
            "FLEXIBLE" => licensed,
            "TRIAL" | "FREE" => maximum,
            _ if self.is_commitment() => number,
            _ => number.or(maximum),
        }
    }

    /// Whether the subscription is suspended (its units are not usable).
    pub fn is_suspended(&self) -> bool {
        self.status.as_deref() == Some("SUSPENDED")
    }

    /// The status in the contract's words: `ACTIVE` is `Enabled`, `SUSPENDED` `Suspended`,
    /// `PENDING` `Pending`; anything else as Google says it.
    pub fn neutral_status(&self) -> String {
        match self.status.as_deref() {
            Some("ACTIVE") => "Enabled".into(),
            Some("SUSPENDED") => "Suspended".into(),
            Some("PENDING") => "Pending".into(),
            Some(other) => other.to_string(),
            None => "Unknown".into(),
        }
    }

    /// The next lifecycle event: the trial's end during a trial, else the end of the
    /// commitment; none for a plan without a term (flexible).
    pub fn next_lifecycle(&self) -> Option<String> {
        let trial_end = self
            .trial_settings
            .as_ref()
            .and_then(|t| t.trial_end_time.clone());
        let commitment_end = self
            .plan
            .as_ref()
            .and_then(|p| p.commitment_interval.as_ref())
            .and_then(|i| i.end_time.clone());
        if self.in_trial() {
            trial_end.or(commitment_end)
        } else {
            commitment_end
        }
    }

    /// The neutral subscription: its product is the SKU, its units as [`Self::purchased`];
    /// the plan, renewal, billing, seats and Google's own status go into the attributes. `None`
    /// when the seats do not say how many units the plan provides (a subscription's units
    /// cannot be unknown, and a made-up zero would read as none bought).
    pub fn to_subscription(&self) -> Option<NeutralSubscription> {
        let purchased = self.purchased()?;
        let mut attributes: Vec<(String, String)> = Vec::new();
        let mut put = |key: &str, value: Option<String>| {
            if let Some(v) = value.filter(|v| !v.is_empty()) {
                attributes.push((key.to_string(), v));
            }
        };
        put("plan", Some(self.plan_name().to_string()));
        put("is_commitment_plan", Some(self.is_commitment().to_string()));
        put(
            "renewal_type",
            self.renewal_settings
                .as_ref()
                .and_then(|r| r.renewal_type.clone()),
        );
        put("billing_method", self.billing_method.clone());
        let interval = self
            .plan
            .as_ref()
            .and_then(|p| p.commitment_interval.as_ref());
        put(
            "commitment_start",
            interval.and_then(|i| i.start_time.clone()),
        );
        put("commitment_end", interval.and_then(|i| i.end_time.clone()));
        put(
            "trial_end",
            self.trial_settings
                .as_ref()
                .and_then(|t| t.trial_end_time.clone()),
        );
        let seats = self.seats.clone().unwrap_or_default();
        put(
            "number_of_seats",
            seats.number_of_seats.map(|n| n.to_string()),
        );
        put(
            "maximum_number_of_seats",
            seats.maximum_number_of_seats.map(|n| n.to_string()),
        );
        put(
            "licensed_number_of_seats",
            seats.licensed_number_of_seats.map(|n| n.to_string()),
        );
        put("units_from", Some(purchased.field.to_string()));
        put("google_status", self.status.clone());
        put(
            "suspension_reasons",
            Some(self.suspension_reasons.join(",")),
        );
        put("product_id", self.product_id.clone());
        put("purchase_order_id", self.purchase_order_id.clone());
        Some(NeutralSubscription {
            id: self.subscription_id.clone(),
            product_id: self.sku_id.clone(),
            part_number: self.sku_id.clone(),
            status: self.neutral_status(),
            total_units: purchased.units,
            trial: self.in_trial(),
            created: self.creation_time.clone(),
            next_lifecycle: self.next_lifecycle(),
            attributes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subscription(json: serde_json::Value) -> Subscription {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn the_purchased_units_follow_the_plan() {
        let annual = subscription(serde_json::json!({
            "subscriptionId": "1", "skuId": "1010020028",
            "plan": {"planName": "ANNUAL_MONTHLY_PAY", "isCommitmentPlan": true,
                     "commitmentInterval": {"startTime": "1740787200000", "endTime": "1772323200000"}},
            "seats": {"numberOfSeats": 40, "licensedNumberOfSeats": 37},
            "status": "ACTIVE", "creationTime": "1740787200000"
        }));
        assert_eq!(
            annual.purchased(),
            Some(Purchased {
                units: 40,
                field: "numberOfSeats"
            })
        );
        let s = annual.to_subscription().unwrap();
        assert_eq!(
            (s.total_units, s.trial, s.status.as_str()),
            (40, false, "Enabled")
        );
        assert_eq!(s.next_lifecycle.as_deref(), Some("2026-03-01T00:00:00Z"));
        assert_eq!(s.created.as_deref(), Some("2025-03-01T00:00:00Z"));

        let flexible = subscription(serde_json::json!({
            "subscriptionId": "2", "skuId": "1010330004",
            "plan": {"planName": "FLEXIBLE", "isCommitmentPlan": false},
            "seats": {"maximumNumberOfSeats": 60, "licensedNumberOfSeats": 31},
            "status": "SUSPENDED", "suspensionReasons": ["RESELLER_INITIATED"]
        }));
        assert_eq!(flexible.purchased().map(|p| p.units), Some(31));
        let s = flexible.to_subscription().unwrap();
        assert_eq!(
            (s.status.as_str(), s.next_lifecycle.as_deref()),
            ("Suspended", None)
        );
        assert!(
            s.attributes
                .contains(&("maximum_number_of_seats".into(), "60".into()))
        );
        assert!(
            s.attributes
                .contains(&("suspension_reasons".into(), "RESELLER_INITIATED".into()))
        );

        let trial = subscription(serde_json::json!({
            "subscriptionId": "3", "skuId": "1010330003",
            "plan": {"planName": "TRIAL"},
            "seats": {"maximumNumberOfSeats": 10, "licensedNumberOfSeats": 4},
            "trialSettings": {"isInTrial": true, "trialEndTime": "1772323200000"}
        }));
        assert_eq!(trial.purchased().map(|p| p.units), Some(10));
        let s = trial.to_subscription().unwrap();
        assert!(s.trial);
        assert_eq!(s.next_lifecycle.as_deref(), Some("2026-03-01T00:00:00Z"));

        let without = subscription(
            serde_json::json!({"subscriptionId": "4", "skuId": "x", "plan": {"planName": "ANNUAL_YEARLY_PAY"}}),
        );
        assert_eq!(without.purchased(), None);
        // No seat count, no subscription: its units would read as none bought.
        assert!(without.to_subscription().is_none());
    }
}
