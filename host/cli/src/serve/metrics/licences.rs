//! The metrics read from the store at each scrape: when each source last succeeded, and its
//! licences as the reports compute them (`itam report balance`, `waste`, `subscriptions`).
//!
//! They are gathered into a registry made for the scrape, so that a product or subscription
//! that left the snapshot leaves the metrics too.

use super::SourceLabels;
use crate::serve::snapshot_reports::ReportCache;
use anyhow::{Context, Result};
use chrono::DateTime;
use itam_reports::settings::ReportSettings;
use itam_reports::waste::FindingKind;
use itam_store::Store;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::{Registry, Unit};

/// One product of a source.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ProductLabels {
    source: String,
    sku_id: String,
    sku_part_number: String,
}

impl ProductLabels {
    fn of(source: &str, product_id: &str, part_number: &str) -> ProductLabels {
        ProductLabels {
            source: source.to_string(),
            sku_id: product_id.to_string(),
            sku_part_number: part_number.to_string(),
        }
    }
}

/// A product's prepaid units in one state.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabels {
    #[prometheus(flatten)]
    product: ProductLabels,
    state: &'static str,
}

/// A product's waste of one kind.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabels {
    #[prometheus(flatten)]
    product: ProductLabels,
    reason: String,
}

/// One subscription of a product.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct SubscriptionLabels {
    #[prometheus(flatten)]
    product: ProductLabels,
    subscription_id: String,
}

/// The metrics of one scrape.
pub(super) struct Scrape {
    registry: Registry,
    last_success: Family<SourceLabels, Gauge>,
    prepaid: Family<StateLabels, Gauge>,
    consumed: Family<ProductLabels, Gauge>,
    available: Family<ProductLabels, Gauge>,
    waste: Family<ReasonLabels, Gauge>,
    next_lifecycle: Family<SubscriptionLabels, Gauge>,
}

impl Scrape {
    /// No source yet.
    pub(super) fn new() -> Scrape {
        let mut registry = Registry::default();
        let last_success = Family::default();
        let prepaid = Family::default();
        let consumed = Family::default();
        let available = Family::default();
        let waste = Family::default();
        let next_lifecycle = Family::default();
        registry.register_with_unit(
            "itam_collector_last_success_timestamp",
            "When the source's last successful run ended, in seconds since the Unix epoch",
            Unit::Seconds,
            Family::clone(&last_success),
        );
        registry.register(
            "itam_license_prepaid_units",
            "Purchased licence units of the product in the last snapshot, by state (enabled, warning: in the grace period, suspended, locked_out)",
            Family::clone(&prepaid),
        );
        registry.register(
            "itam_license_consumed_units",
            "Licence units of the product assigned to accounts in the last snapshot",
            Family::clone(&consumed),
        );
        registry.register(
            "itam_license_available_units",
            "Enabled licence units of the product minus consumed ones in the last snapshot; negative when over-allocated",
            Family::clone(&available),
        );
        registry.register(
            "itam_license_waste_units",
            "Licences of the product wasted in the last snapshot, by reason (the kind of waste finding, as in itam report waste): the accounts behind the finding, or the unassigned seats",
            Family::clone(&waste),
        );
        registry.register_with_unit(
            "itam_subscription_next_lifecycle_timestamp",
            "When the subscription next renews or expires, in seconds since the Unix epoch (subscriptions with a known date only)",
            Unit::Seconds,
            Family::clone(&next_lifecycle),
        );
        Scrape {
            registry,
            last_success,
            prepaid,
            consumed,
            available,
            waste,
            next_lifecycle,
        }
    }

    /// The registry to encode.
    pub(super) fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Adds `source`'s metrics from its last successful run; none when it has none yet.
    pub(super) fn add_source(
        &self,
        store: &Store,
        cache: &ReportCache,
        source: &str,
        settings: &ReportSettings,
    ) -> Result<()> {
        let Some(run) = store.last_success(source)? else {
            return Ok(());
        };
        if let Some(ended) = run.ended_at.as_deref().and_then(timestamp) {
            self.last_success
                .get_or_create(&SourceLabels::of(source))
                .set(ended);
        }
        let Some(reports) = cache.get(store, source, settings)? else {
            return Ok(());
        };

        for row in &reports.balance {
            let product = ProductLabels::of(source, &row.product_id, &row.part_number);
            let states = [
                ("enabled", row.enabled),
                ("warning", row.warning),
                ("suspended", row.suspended),
                ("locked_out", row.locked_out),
            ];
            // Unknown purchased units are left out, never reported as zero.
            for (state, units) in states {
                let Some(units) = units else { continue };
                let labels = StateLabels {
                    product: product.clone(),
                    state,
                };
                self.prepaid.get_or_create(&labels).set(units);
            }
            self.consumed.get_or_create(&product).set(row.consumed);
            if let Some(available) = row.available {
                self.available.get_or_create(&product).set(available);
            }
        }

        for finding in &reports.waste.findings {
            // A finding that could not be evaluated (no sign-in data) names no product.
            let (true, Some(product_id)) = (finding.evaluated, &finding.product_id) else {
                continue;
            };
            let part_number = finding.part_number.as_deref().unwrap_or_default();
            let labels = ReasonLabels {
                product: ProductLabels::of(source, product_id, part_number),
                reason: reason(finding.kind)?,
            };
            // `licences` is the number of accounts behind the finding, or of unassigned seats.
            self.waste.get_or_create(&labels).inc_by(finding.licences);
        }

        for row in &reports.subscriptions {
            let Some(next) = row.next_lifecycle_date_time.as_deref().and_then(timestamp) else {
                continue;
            };
            let labels = SubscriptionLabels {
                product: ProductLabels::of(source, &row.product_id, &row.part_number),
                subscription_id: row.id.clone(),
            };
            self.next_lifecycle.get_or_create(&labels).set(next);
        }
        Ok(())
    }
}

/// Seconds since the Unix epoch of an RFC 3339 time, if it is one.
fn timestamp(text: &str) -> Option<i64> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.timestamp())
}

/// The kind of a waste finding as its JSON names it (`unassigned_seats`, ...).
fn reason(kind: FindingKind) -> Result<String> {
    let value = serde_json::to_value(kind)?;
    value
        .as_str()
        .map(str::to_string)
        .with_context(|| format!("the waste finding kind {kind:?} has no name"))
}
