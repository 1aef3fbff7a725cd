//! Users' sign-in activity: most are active, some inactive, some never signed in (old
//! accounts, which are waste, and new ones, which are not). Times are relative to the tenant's
//! "now" and far from the 30, 60 and 90-day boundaries.

use crate::clock::{self, DAY};
use crate::tenant::{Tenant, User};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// A user's `signInActivity`, as RFC 3339 times; `None` where Graph has no time.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SignIn {
    /// `lastSignInDateTime`: the last interactive sign-in.
    pub last_sign_in: Option<String>,
    /// `lastNonInteractiveSignInDateTime`: the last sign-in a client made for the user.
    pub last_non_interactive: Option<String>,
    /// `lastSuccessfulSignInDateTime`.
    pub last_successful: Option<String>,
}

impl SignIn {
    /// The user's last activity: the later of the interactive and non-interactive sign-ins.
    pub fn last_activity(&self) -> Option<i64> {
        let parse = |t: &Option<String>| t.as_deref().and_then(clock::parse);
        parse(&self.last_sign_in).max(parse(&self.last_non_interactive))
    }
}

/// The kind of sign-in history a user gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Activity {
    /// Last activity within the last 27 days.
    Active,
    /// Last activity between 123 and 700 days ago.
    Inactive,
    /// Never signed in, created more than 130 days ago.
    NeverOld,
    /// Never signed in, created within the last 18 days (not waste yet).
    NeverNew,
}

/// Gives every user a sign-in history: about 8% inactive, 4% never signed in (old accounts),
/// 1% never signed in but new, the rest active. Each of the non-active kinds then includes, where
/// the tenant has them, an enabled member holding a paid SKU, a guest (holding a paid SKU if
/// one does) and a disabled user holding a paid SKU.
pub(crate) fn assign(users: &mut [User], now: i64, rng: &mut ChaCha8Rng) {
    let mut kinds: Vec<Activity> = users
        .iter()
        .map(|_| match rng.random::<f64>() {
            r if r < 0.04 => Activity::NeverOld,
            r if r < 0.05 => Activity::NeverNew,
            r if r < 0.13 => Activity::Inactive,
            _ => Activity::Active,
        })
        .collect();
    let paid_member = |u: &User| u.enabled && u.user_type == "Member" && holds_paid(u);
    let any_paid_guest = users
        .iter()
        .any(|u| u.user_type == "Guest" && holds_paid(u));
    let guest = |u: &User| u.user_type == "Guest" && (holds_paid(u) || !any_paid_guest);
    let disabled = |u: &User| !u.enabled && holds_paid(u);
    let wanted: [&dyn Fn(&User) -> bool; 3] = [&paid_member, &guest, &disabled];
    for kind in [Activity::Inactive, Activity::NeverOld, Activity::NeverNew] {
        for want in wanted {
            if (0..users.len()).any(|i| kinds[i] == kind && want(&users[i])) {
                continue;
            }
            let start = rng.random_range(0..users.len().max(1));
            let found = (0..users.len())
                .map(|k| (start + k) % users.len())
                .find(|&i| kinds[i] == Activity::Active && want(&users[i]));
            if let Some(i) = found {
                kinds[i] = kind;
            }
        }
    }
    for (user, kind) in users.iter_mut().zip(kinds) {
        user.sign_in = draw(kind, now, rng);
        if kind == Activity::NeverNew {
            user.created = clock::format(now - rng.random_range(DAY..18 * DAY));
        }
    }
}

/// A sign-in history for a user who joined recently: none yet, or a few days of activity.
pub(crate) fn for_joiner(now: i64, rng: &mut ChaCha8Rng) -> Option<SignIn> {
    let kind = if rng.random_bool(0.5) {
        Activity::Active
    } else {
        Activity::NeverNew
    };
    draw(kind, now, rng)
}

/// Whether the user holds (a state other than `Error`) a paid SKU.
fn holds_paid(u: &User) -> bool {
    u.states
        .iter()
        .any(|s| s.state != "Error" && Tenant::is_paid(s.sku))
}

/// Draws the times of one kind of history.
fn draw(kind: Activity, now: i64, rng: &mut ChaCha8Rng) -> Option<SignIn> {
    let recent = |rng: &mut ChaCha8Rng| now - rng.random_range(0..27 * DAY);
    let old = |rng: &mut ChaCha8Rng| now - rng.random_range(123 * DAY..700 * DAY);
    let (interactive, non_interactive) = match kind {
        Activity::NeverOld | Activity::NeverNew => {
            // Graph sends either no object or one without times.
            return rng.random_bool(0.3).then(SignIn::default);
        }
        Activity::Active => match rng.random::<f64>() {
            r if r < 0.4 => (Some(recent(rng)), Some(recent(rng))),
            r if r < 0.7 => (Some(recent(rng)), None),
            // Interactive long ago, a client still signs in for the user: active.
            r if r < 0.9 => (Some(old(rng)), Some(recent(rng))),
            _ => (None, Some(recent(rng))),
        },
        Activity::Inactive => match rng.random::<f64>() {
            r if r < 0.6 => (Some(old(rng)), Some(old(rng))),
            r if r < 0.85 => (Some(old(rng)), None),
            _ => (None, Some(old(rng))),
        },
    };
    let successful = interactive
        .max(non_interactive)
        .filter(|_| rng.random_bool(0.9));
    Some(SignIn {
        last_sign_in: interactive.map(clock::format),
        last_non_interactive: non_interactive.map(clock::format),
        last_successful: successful.map(clock::format),
    })
}
