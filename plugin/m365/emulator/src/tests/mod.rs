//! Unit tests of the emulator: the generated tenant and its ground truth (`model`), scripted
//! changes (`script`), the endpoints over real HTTP (`http`, `memo`), delta queries (`delta`,
//! `delta_errors`) and generations of a changing tenant (`generations`).

mod delta;
mod delta_errors;
mod generations;
mod http;
mod memo;
mod model;
mod script;

use crate::{Tenant, TenantSpec};

/// A fixed "now" (2026-03-01T00:00:00Z), so tests don't depend on the clock.
pub(crate) const NOW: i64 = 1_772_323_200;

/// The tenant of `users` users from `seed`, at [`NOW`].
pub(crate) fn tenant(users: usize, seed: u64) -> Tenant {
    Tenant::generate(&TenantSpec {
        users,
        seed,
        now: NOW,
        ..TenantSpec::default()
    })
}
