//! The request rate per app (client ID), shared by the services of a fleet. Microsoft Graph
//! limits each app across all tenants (130,000 requests per 10 seconds): the fleet's budget,
//! `[serve] app_requests_per_second`, is split evenly between the services alive, and each
//! service spreads its share over its runs of that app with a token bucket. When one service
//! sees sustained throttling (429 or 503) for an app, it pauses the app for the whole fleet
//! through the store; every service picks the pause up at its next heartbeat.

use itam_store::Store;
use std::collections::{BTreeMap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use std::time::Instant;

/// Throttled answers within [`WINDOW`] that count as sustained throttling.
const SUSTAINED: usize = 10;
const WINDOW: Duration = Duration::from_secs(10);
/// The shortest and the longest fleet-wide pause.
const MIN_PAUSE: Duration = Duration::from_secs(10);
const MAX_PAUSE: Duration = Duration::from_secs(300);

/// The pacing of one service: one [`AppPace`] per app.
pub struct Pacing {
    /// The fleet's budget per app, in requests per second.
    budget: f64,
    apps: Mutex<BTreeMap<String, Arc<AppPace>>>,
    /// Services alive (this one included), which share the budget.
    services: Mutex<u64>,
}

/// The pacing of one app on this service.
pub struct AppPace {
    app: String,
    inner: Mutex<AppState>,
}

struct AppState {
    /// Requests per second this service may send for the app.
    rate: f64,
    tokens: f64,
    refilled: Instant,
    /// Until when the fleet pauses the app.
    paused_until: Option<Instant>,
    /// Recent throttled answers, and the longest `Retry-After` among them.
    throttled: VecDeque<Instant>,
    retry_after: Duration,
    /// A pause this service decided and has not yet recorded in the store.
    unrecorded: Option<(Duration, String)>,
}

impl Pacing {
    /// Pacing with `budget` requests per second per app, for the fleet.
    pub fn new(budget: f64) -> Pacing {
        Pacing {
            budget,
            apps: Mutex::default(),
            services: Mutex::new(1),
        }
    }

    /// The pacer of `app` (shared by this service's runs of it).
    pub fn app(&self, app: &str) -> Arc<AppPace> {
        let services = *lock(&self.services);
        lock(&self.apps)
            .entry(app.to_string())
            .or_insert_with(|| {
                Arc::new(AppPace {
                    app: app.to_string(),
                    inner: Mutex::new(AppState {
                        rate: share(self.budget, services),
                        tokens: 1.0,
                        refilled: Instant::now(),
                        paused_until: None,
                        throttled: VecDeque::new(),
                        retry_after: Duration::ZERO,
                        unrecorded: None,
                    }),
                })
            })
            .clone()
    }

    /// With the heartbeat: records the pauses this service decided, takes up the fleet's, and
    /// re-splits the budget between the `services` alive.
    pub fn sync(&self, store: &Store, host: &str, services: u64) -> anyhow::Result<()> {
        *lock(&self.services) = services.max(1);
        let apps: Vec<Arc<AppPace>> = lock(&self.apps).values().cloned().collect();
        for app in &apps {
            let decided = {
                let mut state = lock(&app.inner);
                state.rate = share(self.budget, services);
                state.unrecorded.take()
            };
            if let Some((pause, reason)) = decided {
                let until = chrono::Utc::now() + chrono::Duration::from_std(pause)?;
                store.pause_app(&app.app, until, &reason, host)?;
            }
        }
        for (app, until) in store.app_pauses()? {
            let wait = (until - chrono::Utc::now()).to_std().unwrap_or_default();
            let pace = self.app(&app);
            let mut state = lock(&pace.inner);
            let until = Instant::now() + wait;
            if state.paused_until.is_none_or(|p| p < until) {
                tracing::warn!(app = %app, seconds = wait.as_secs(), "the fleet pauses this app's requests: sustained throttling");
                state.paused_until = Some(until);
            }
        }
        Ok(())
    }
}

impl itam_runtime::Pacer for AppPace {
    fn ready(&self) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        Box::pin(async move {
            loop {
                let wait = lock(&self.inner).take(Instant::now());
                match wait {
                    None => return,
                    Some(wait) => tokio::time::sleep(wait).await,
                }
            }
        })
    }

    fn throttled(&self, retry_after: Option<Duration>) {
        let paused = lock(&self.inner).throttled(Instant::now(), retry_after);
        if let Some((pause, reason)) = paused {
            tracing::warn!(app = %self.app, seconds = pause.as_secs(), "{reason}; pausing the app's requests across the fleet");
        }
    }
}

impl AppState {
    /// Takes a request's token at `now`; or how long to wait before asking again.
    fn take(&mut self, now: Instant) -> Option<Duration> {
        if let Some(until) = self.paused_until.filter(|until| *until > now) {
            return Some(until - now);
        }
        let elapsed = now.saturating_duration_since(self.refilled);
        // A bucket of one second's share: a burst never exceeds it.
        self.tokens = (self.tokens + elapsed.as_secs_f64() * self.rate).min(self.rate.max(1.0));
        self.refilled = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            return None;
        }
        Some(Duration::from_secs_f64((1.0 - self.tokens) / self.rate))
    }

    /// Counts a throttled answer at `now`; when throttling is sustained, pauses the app (and
    /// returns the pause and why, to record for the fleet).
    fn throttled(
        &mut self,
        now: Instant,
        retry_after: Option<Duration>,
    ) -> Option<(Duration, String)> {
        self.throttled.push_back(now);
        while self
            .throttled
            .front()
            .is_some_and(|at| now.saturating_duration_since(*at) > WINDOW)
        {
            self.throttled.pop_front();
        }
        self.retry_after = self.retry_after.max(retry_after.unwrap_or_default());
        if self.throttled.len() < SUSTAINED {
            return None;
        }
        let pause = self.retry_after.clamp(MIN_PAUSE, MAX_PAUSE);
        let reason = format!(
            "{} throttled answers within {} s",
            self.throttled.len(),
            WINDOW.as_secs()
        );
        self.paused_until = Some(now + pause);
        self.unrecorded = Some((pause, reason.clone()));
        self.throttled.clear();
        self.retry_after = Duration::ZERO;
        Some((pause, reason))
    }
}

/// This service's share of `budget`.
fn share(budget: f64, services: u64) -> f64 {
    budget / services.max(1) as f64
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Requests taken at `now` until one must wait; how many.
    fn burst(state: &mut AppState, now: Instant) -> usize {
        let mut n = 0;
        while state.take(now).is_none() {
            n += 1;
        }
        n
    }

    #[test]
    fn requests_keep_to_the_services_share_of_the_budget() {
        let pacing = Pacing::new(20.0);
        let app = pacing.app("app");
        let mut state = lock(&app.inner);
        let t0 = Instant::now();
        // One to start with, then 20 a second: a second later, 20 more and no more.
        assert_eq!(burst(&mut state, t0), 1);
        let wait = state.take(t0).unwrap();
        assert!((49..=51).contains(&wait.as_millis()), "{wait:?}");
        assert_eq!(burst(&mut state, t0 + Duration::from_secs(1)), 20);
        // Idle for a minute: the bucket holds one second's worth, not a minute's.
        assert_eq!(burst(&mut state, t0 + Duration::from_secs(61)), 20);
        drop(state);

        // Two services alive: each gets half.
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("itam.db")).unwrap();
        pacing.sync(&store, "host-a", 2).unwrap();
        let mut state = lock(&app.inner);
        assert_eq!(burst(&mut state, t0 + Duration::from_secs(62)), 10);
    }

    #[test]
    fn sustained_throttling_pauses_the_app_for_every_service() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("itam.db")).unwrap();
        let (a, b) = (Pacing::new(1000.0), Pacing::new(1000.0));
        let seen = a.app("app");
        let t0 = Instant::now();
        {
            let mut state = lock(&seen.inner);
            // Throttled answers spread over more than the window are not sustained.
            for i in 0..SUSTAINED as u64 {
                let at = t0 + Duration::from_secs(2 * i);
                assert_eq!(state.throttled(at, Some(Duration::from_secs(30))), None);
            }
            assert_eq!(state.take(t0 + Duration::from_secs(20)), None);
            // Within it, they are: the app pauses for the longest Retry-After.
            let at = t0 + Duration::from_secs(30);
            let mut paused = None;
            for _ in 0..SUSTAINED {
                paused = paused.or(state.throttled(at, Some(Duration::from_secs(30))));
            }
            assert_eq!(paused.unwrap().0, Duration::from_secs(30));
            assert_eq!(state.take(at), Some(Duration::from_secs(30)));
            assert_eq!(state.take(at + Duration::from_secs(31)), None);
        }

        // Another service learns of the pause at its heartbeat; another app is not paused.
        let other = b.app("app");
        a.sync(&store, "host-a", 2).unwrap();
        assert_eq!(store.app_pauses().unwrap().len(), 1);
        b.sync(&store, "host-b", 2).unwrap();
        let wait = lock(&other.inner).take(Instant::now()).unwrap();
        assert!(wait > Duration::from_secs(25), "{wait:?}");
        assert_eq!(lock(&b.app("another").inner).take(Instant::now()), None);
    }
}
