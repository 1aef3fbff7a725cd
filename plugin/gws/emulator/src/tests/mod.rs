//! Tests of the emulator: the generated customer and its ground truth (`model`), and the
//! endpoints over real HTTP on loopback: the token endpoint (`token`), the Directory API
//! (`directory`), the License Manager API (`licensing`), the Reseller API (`reseller`), and
//! disabled APIs, faults and the request log (`faults`).

mod directory;
mod faults;
mod http;
mod licensing;
mod model;
mod reseller;
mod token;

use crate::{Emulator, Options, Tenant, TenantSpec};

/// The seed of every test tenant, so the service account's key is generated once.
pub(crate) const SEED: u64 = 7;

/// The test tenant of `users` users.
pub(crate) fn tenant(users: usize) -> Tenant {
    Tenant::generate(&TenantSpec {
        users,
        seed: SEED,
        ..TenantSpec::default()
    })
}

/// Serves `tenant` with `options`.
pub(crate) async fn serve(tenant: Tenant, options: Options) -> Emulator {
    Emulator::start(tenant, options, 0).await.unwrap()
}
