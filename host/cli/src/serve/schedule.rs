//! The scheduler's decisions, as pure functions of the clock: when a source is first due after
//! the service starts (or reloads), and when it is due again after a run ends. The service
//! loop ([`super::scheduler`]) only carries them out, so every rule is tested here with a
//! controlled clock.
//!
//! The rules, after what goes wrong in other collectors' schedulers:
//! - a restart neither pushes a run back nor replays the runs it missed: the next-run time is
//!   kept in the store; one that passed while the service was down makes one catch-up run;
//! - the first run happens at start-up unless the last success is younger than the interval;
//! - every interval gets a random splay, so many sources (or many services) do not fire at once;
//! - a failed run is retried with exponential backoff from a minute, capped at the interval.

use chrono::{DateTime, Utc};
use itam_store::ScheduleState;
use std::time::Duration;

/// How often a source runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    /// The source's `schedule`.
    pub interval: Duration,
    /// The largest random delay added to each interval.
    pub splay: Duration,
}

/// How a run ended, for the schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// The snapshot was replaced.
    Succeeded,
    /// The run failed (its snapshot was kept).
    Failed,
    /// The run was cancelled (the service is stopping): the schedule is left as it was, so the
    /// next start runs the source again.
    Cancelled,
}

/// The first retry delay after a failure.
pub const FIRST_RETRY: Duration = Duration::from_secs(60);

/// When `source` is first due: after the service starts, or after a reload changed its
/// timing. `draw` is a random number in `[0, 1)` that picks the splay.
pub fn first_due(
    now: DateTime<Utc>,
    timing: Timing,
    stored: Option<ScheduleState>,
    last_success: Option<DateTime<Utc>>,
    draw: f64,
) -> ScheduleState {
    let latest = now + interval_with_splay(timing, draw);
    match stored {
        // A time that passed while the service was down: one catch-up run, now. A time
        // further away than the (possibly shortened) interval allows: the interval wins.
        Some(stored) => ScheduleState {
            next_run_at: stored.next_run_at.clamp(now, latest),
            consecutive_failures: stored.consecutive_failures,
        },
        None => {
            let next_run_at = match last_success {
                Some(at) if at > now - chrono_duration(timing.interval) => {
                    (at + interval_with_splay(timing, draw)).clamp(now, latest)
                }
                _ => now,
            };
            ScheduleState {
                next_run_at,
                consecutive_failures: 0,
            }
        }
    }
}

/// When the source is due again after a run that ended `now` with `ended`; `None` leaves the
/// schedule as it was.
pub fn after_run(
    now: DateTime<Utc>,
    timing: Timing,
    before: ScheduleState,
    ended: Ended,
    draw: f64,
) -> Option<ScheduleState> {
    match ended {
        Ended::Succeeded => Some(ScheduleState {
            next_run_at: now + interval_with_splay(timing, draw),
            consecutive_failures: 0,
        }),
        Ended::Failed => {
            let failures = before.consecutive_failures.saturating_add(1);
            Some(ScheduleState {
                next_run_at: now + chrono_duration(backoff(timing.interval, failures)),
                consecutive_failures: failures,
            })
        }
        Ended::Cancelled => None,
    }
}

/// When the source is due again after its due time `now` came while a run of it was still in
/// progress: that run is skipped (never two at once), and the next is an interval away.
pub fn skipped(
    now: DateTime<Utc>,
    timing: Timing,
    before: ScheduleState,
    draw: f64,
) -> ScheduleState {
    ScheduleState {
        next_run_at: now + interval_with_splay(timing, draw),
        consecutive_failures: before.consecutive_failures,
    }
}

/// The wait before retrying after `failures` failed runs in a row: one minute, doubling, at
/// most the interval.
pub fn backoff(interval: Duration, failures: u32) -> Duration {
    let doublings = failures.saturating_sub(1).min(30);
    FIRST_RETRY.saturating_mul(1u32 << doublings).min(interval)
}

/// The interval plus `draw` of the splay.
fn interval_with_splay(timing: Timing, draw: f64) -> chrono::Duration {
    let draw = if draw.is_finite() {
        draw.clamp(0.0, 1.0)
    } else {
        0.0
    };
    chrono_duration(timing.interval + timing.splay.mul_f64(draw))
}

fn chrono_duration(d: Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: Duration = Duration::from_secs(3600);
    const TIMING: Timing = Timing {
        interval: HOUR,
        splay: Duration::from_secs(360),
    };

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn state(next: &str, failures: u32) -> ScheduleState {
        ScheduleState {
            next_run_at: at(next),
            consecutive_failures: failures,
        }
    }

    #[test]
    fn a_new_source_runs_at_start_up() {
        let now = at("2026-12-06T10:00:00Z");
        assert_eq!(
            first_due(now, TIMING, None, None, 0.5),
            state("2026-12-06T10:00:00Z", 0)
        );
    }

    #[test]
    fn a_recent_success_defers_the_first_run_to_its_interval_plus_splay() {
        let now = at("2026-12-06T10:00:00Z");
        let success = Some(at("2026-12-06T09:30:00Z"));
        // 09:30 + 1 h + half of 6 min.
        assert_eq!(
            first_due(now, TIMING, None, success, 0.5),
            state("2026-12-06T10:33:00Z", 0)
        );
        // A success older than the interval: run now.
        let old = Some(at("2026-12-06T08:59:59Z"));
        assert_eq!(first_due(now, TIMING, None, old, 0.5).next_run_at, now);
    }

    #[test]
    fn a_restart_keeps_the_stored_time_and_makes_one_catch_up_run_for_missed_ones() {
        let now = at("2026-12-06T10:00:00Z");
        // Due later: the restart does not push it back (nor forward).
        let later = state("2026-12-06T10:40:00Z", 0);
        assert_eq!(first_due(now, TIMING, Some(later), None, 0.9), later);
        // Missed while down (three intervals ago): one run, now, not three.
        let missed = state("2026-12-06T07:00:00Z", 2);
        assert_eq!(
            first_due(now, TIMING, Some(missed), None, 0.9),
            state("2026-12-06T10:00:00Z", 2)
        );
    }

    #[test]
    fn a_reload_that_shortens_the_interval_brings_the_next_run_forward() {
        let now = at("2026-12-06T10:00:00Z");
        let stored = state("2026-12-07T10:00:00Z", 0);
        let shorter = Timing {
            interval: Duration::from_secs(600),
            splay: Duration::ZERO,
        };
        assert_eq!(
            first_due(now, shorter, Some(stored), None, 0.3),
            state("2026-12-06T10:10:00Z", 0)
        );
    }

    #[test]
    fn the_splay_stays_within_its_bounds() {
        let now = at("2026-12-06T10:00:00Z");
        let before = state("2026-12-06T10:00:00Z", 0);
        for (draw, expected) in [
            (0.0, "2026-12-06T11:00:00Z"),
            (0.999_999, "2026-12-06T11:05:59.999640Z"),
            (1.5, "2026-12-06T11:06:00Z"),
            (-1.0, "2026-12-06T11:00:00Z"),
            (f64::NAN, "2026-12-06T11:00:00Z"),
        ] {
            let next = after_run(now, TIMING, before, Ended::Succeeded, draw).unwrap();
            assert_eq!(next, state(expected, 0), "draw {draw}");
        }
    }

    #[test]
    fn failures_back_off_from_a_minute_doubling_up_to_the_interval() {
        let now = at("2026-12-06T10:00:00Z");
        let mut s = state("2026-12-06T10:00:00Z", 0);
        let mut waits = Vec::new();
        for _ in 0..9 {
            s = after_run(now, TIMING, s, Ended::Failed, 0.5).unwrap();
            waits.push((s.next_run_at - now).num_seconds());
        }
        assert_eq!(waits, [60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]);
        assert_eq!(s.consecutive_failures, 9);
        // A success resets the count.
        let s = after_run(now, TIMING, s, Ended::Succeeded, 0.0).unwrap();
        assert_eq!(s, state("2026-12-06T11:00:00Z", 0));
        // A very long run of failures does not overflow.
        assert_eq!(backoff(HOUR, u32::MAX), HOUR);
    }

    #[test]
    fn a_run_due_while_one_is_in_progress_is_skipped_to_the_next_interval() {
        let now = at("2026-12-06T10:00:00Z");
        let before = state("2026-12-06T10:00:00Z", 2);
        assert_eq!(
            skipped(now, TIMING, before, 0.5),
            state("2026-12-06T11:03:00Z", 2)
        );
    }

    #[test]
    fn a_cancelled_run_leaves_the_schedule_as_it_was() {
        let now = at("2026-12-06T10:00:00Z");
        let before = state("2026-12-06T09:59:00Z", 1);
        assert_eq!(after_run(now, TIMING, before, Ended::Cancelled, 0.5), None);
    }
}
