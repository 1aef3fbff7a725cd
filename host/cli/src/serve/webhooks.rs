//! Webhook delivery: each successful run's changes, POSTed as JSON to every `[[webhook]]`
//! that wants them, signed with HMAC-SHA256 and retried with exponential backoff until the
//! receiver takes them.
//!
//! Deliveries come from the store's outbox, written in the same transaction as the run, so a
//! receiver that is down or a restart of the service loses nothing: what was not delivered is
//! sent later (at least once; the `Idempotency-Key` header lets the receiver drop a repeat).
//!
//! The signature covers the timestamp and the body: `X-Itam-Signature: sha256=HEX` where HEX
//! is HMAC-SHA256(secret, `{X-Itam-Timestamp}.{body}`), so a captured delivery cannot be
//! replayed later under a new timestamp.

use crate::config::webhooks::Webhook;
use itam_runtime::credentials::Secret;
use itam_store::{Delivery, Store};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

/// How often the outbox is looked at when no run has woken the deliverer.
const POLL: Duration = Duration::from_secs(5);
/// How long deliveries taken for sending are held from the other services of a fleet (a
/// service that dies meanwhile leaves them to the others after this; the idempotency key
/// lets the receiver drop a repeat).
const HOLD: Duration = Duration::from_secs(600);
/// The first retry's delay; each failure doubles it, up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_secs(30);
/// The longest delay between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(3600);
/// How long a delivery is retried before it is abandoned (it stays in the outbox).
const GIVE_UP_AFTER: chrono::Duration = chrono::Duration::days(3);
/// Most changes in one delivery's body; a run with more sends several.
const MAX_CHANGES: u64 = 10_000;

/// A configured webhook with its secret, read when the service starts.
pub struct Target {
    /// The webhook.
    pub webhook: Webhook,
    /// The signing key.
    pub secret: Secret,
}

/// Sends the outbox's deliveries.
pub struct Deliverer {
    store: Store,
    targets: Vec<Target>,
    http: itam_runtime::http::Sender,
    wake: tokio::sync::Notify,
}

/// What one attempt came to.
enum Attempt {
    Delivered,
    Failed(String),
}

impl Deliverer {
    /// A deliverer for `targets`, sending through the configured network (proxy, CAs).
    pub fn new(
        store: Store,
        targets: Vec<Target>,
        network: &itam_runtime::network::Network,
    ) -> Arc<Deliverer> {
        let timeouts = [
            Duration::from_secs(10),
            Duration::from_secs(30),
            Duration::from_secs(30),
        ];
        Arc::new(Deliverer {
            store,
            targets,
            http: itam_runtime::http::Sender::new(timeouts, 64 << 10, network),
            wake: tokio::sync::Notify::new(),
        })
    }

    /// The names of the webhooks that want changes of `source` (a run writes an outbox
    /// delivery for each).
    pub fn webhooks_for(webhooks: &[Webhook], source: &str) -> Vec<String> {
        webhooks
            .iter()
            .filter(|w| w.sources.is_empty() || w.sources.iter().any(|s| s == source))
            .map(|w| w.name.clone())
            .collect()
    }

    /// Looks at the outbox now (after a run committed).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Delivers until the task is aborted.
    pub async fn run(self: Arc<Self>) {
        if self.targets.is_empty() {
            return;
        }
        loop {
            if let Err(e) = self.deliver_due().await {
                tracing::warn!(error = %format!("{e:#}"), "webhook deliveries could not be read from the store");
            }
            tokio::select! {
                () = self.wake.notified() => {}
                () = tokio::time::sleep(POLL) => {}
            }
        }
    }

    /// Sends every delivery that is due, oldest first.
    async fn deliver_due(&self) -> anyhow::Result<()> {
        loop {
            let due = self
                .store
                .take_due_deliveries(chrono::Utc::now(), 50, HOLD)?;
            if due.is_empty() {
                return Ok(());
            }
            let mut progressed = false;
            for delivery in due {
                // A webhook removed from the configuration leaves its deliveries pending.
                let Some(target) = self
                    .targets
                    .iter()
                    .find(|t| t.webhook.name == delivery.webhook)
                else {
                    continue;
                };
                progressed = true;
                match self.attempt(target, &delivery).await {
                    Ok(Attempt::Delivered) => self.store.delivered(delivery.id)?,
                    Ok(Attempt::Failed(why)) | Err(why) => {
                        let retry_at = retry_at(&delivery);
                        tracing::warn!(
                            webhook = %delivery.webhook,
                            origin = %target.webhook.origin(),
                            run = delivery.run_id,
                            attempts = delivery.attempts + 1,
                            "delivery failed: {why}; {}",
                            match retry_at {
                                Some(at) => format!("retrying at {}", at.to_rfc3339()),
                                None => "given up after 3 days (it stays in the outbox as abandoned)".into(),
                            }
                        );
                        self.store.delivery_failed(delivery.id, &why, retry_at)?;
                    }
                }
            }
            if !progressed {
                return Ok(());
            }
        }
    }

    /// One attempt at `delivery`: its changes that `target` wants, signed and POSTed.
    async fn attempt(&self, target: &Target, delivery: &Delivery) -> Result<Attempt, String> {
        let mut changes = Vec::new();
        let wanted = |e: &itam_reports::feed::FeedEntry| target.webhook.wants(&e.source, e.kind);
        let count = delivery.last_cursor - delivery.first_cursor + 1;
        itam_reports::feed::feed(
            &self.store,
            Some(&delivery.source),
            delivery.first_cursor - 1,
            (count as u64).min(MAX_CHANGES),
            &mut |entry| {
                if entry.cursor <= delivery.last_cursor && wanted(&entry) {
                    changes.push(crate::render::keys::rename(serde_json::to_value(entry)?));
                }
                Ok(())
            },
        )
        .map_err(|e| format!("{e:#}"))?;
        if changes.is_empty() {
            // Nothing this webhook asked for: delivered by definition.
            return Ok(Attempt::Delivered);
        }
        let key = format!("itam-{}-{}", delivery.webhook, delivery.id);
        let body = json!({
            "delivery": key,
            "source": delivery.source,
            "run_id": delivery.run_id,
            "cursor": delivery.last_cursor,
            "changes": changes,
        })
        .to_string();
        let timestamp = chrono::Utc::now().timestamp().to_string();
        let signature = format!("sha256={}", sign(&target.secret, &timestamp, &body));
        let headers = [
            ("x-itam-signature", signature.as_str()),
            ("x-itam-timestamp", timestamp.as_str()),
            ("idempotency-key", key.as_str()),
            ("x-itam-delivery", key.as_str()),
        ];
        let sent = self
            .http
            .post(
                target.webhook.url.as_str(),
                "application/json",
                body.into(),
                &headers,
            )
            .await;
        Ok(match sent {
            Ok((200..=299, _)) => {
                tracing::info!(
                    webhook = %delivery.webhook,
                    origin = %target.webhook.origin(),
                    run = delivery.run_id,
                    changes = changes.len(),
                    "changes delivered"
                );
                Attempt::Delivered
            }
            Ok((status, _)) => Attempt::Failed(format!("the receiver answered HTTP {status}")),
            Err(e) => Attempt::Failed(match e {
                itam_runtime::http::PostError::Url => "the URL cannot be requested".into(),
                itam_runtime::http::PostError::Timeout => "no answer in time".into(),
                itam_runtime::http::PostError::Send(e) => {
                    format!("not sent: {}", itam_runtime::net_cause::NetCause::chain(&e))
                }
                itam_runtime::http::PostError::Body(why) => format!("the answer broke off: {why}"),
            }),
        })
    }
}

/// HEX of HMAC-SHA256(`secret`, `{timestamp}.{body}`).
pub fn sign(secret: &Secret, timestamp: &str, body: &str) -> String {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.expose().as_bytes());
    let mut context = ring::hmac::Context::with_key(&key);
    context.update(timestamp.as_bytes());
    context.update(b".");
    context.update(body.as_bytes());
    hex::encode(context.sign().as_ref())
}

/// When to try `delivery` again after its attempt failed, or `None` to give up.
fn retry_at(delivery: &Delivery) -> Option<chrono::DateTime<chrono::Utc>> {
    let now = chrono::Utc::now();
    if now - delivery.created_at > GIVE_UP_AFTER {
        return None;
    }
    let backoff = FIRST_BACKOFF
        .saturating_mul(1 << delivery.attempts.min(16))
        .min(MAX_BACKOFF);
    Some(now + chrono::Duration::from_std(backoff).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_hmac_sha256_over_timestamp_dot_body() {
        // As Python computes it: hmac.new(b"Jefe", b'1700000000.{"a":1}', hashlib.sha256).
        let secret = Secret::new("Jefe");
        assert_eq!(
            sign(&secret, "1700000000", "{\"a\":1}"),
            "fa5f6481efc59da48b19c9dc10196c9953e5651f8304b3a318b6b87d70272e0a"
        );
    }

    #[test]
    fn retries_back_off_exponentially_up_to_an_hour_and_give_up_after_three_days() {
        let delivery = |attempts, age_hours| Delivery {
            id: 1,
            webhook: "w".into(),
            source: "s".into(),
            run_id: 1,
            first_cursor: 1,
            last_cursor: 1,
            created_at: chrono::Utc::now() - chrono::Duration::hours(age_hours),
            attempts,
        };
        let wait = |attempts| {
            (retry_at(&delivery(attempts, 0)).unwrap() - chrono::Utc::now()).num_seconds()
        };
        assert!((29..=30).contains(&wait(0)));
        assert!((59..=60).contains(&wait(1)));
        assert!((3599..=3600).contains(&wait(10)));
        assert_eq!(retry_at(&delivery(3, 73)), None);
    }
}
