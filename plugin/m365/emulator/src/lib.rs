//! A Microsoft Graph and identity-platform emulator for tests and `itam demo`.
//!
//! It serves a seeded synthetic tenant ([`tenant`]) over real HTTP on loopback: the
//! client-credentials token endpoint with the identity platform's error bodies, and the Graph
//! v1.0 endpoints the Microsoft 365 plugin reads, with `$select`, `$top` and opaque
//! `$skiptoken` paging. The tenant holds every licence-waste case (inactive and never-signed-in
//! users, disabled users and guests with paid licences, soft-deleted users, duplicate and
//! redundant assignments, assignment errors, unassigned units, renewals). It knows its ground
//! truth ([`expected`]), so tests compare exact values, and counts the requests it serves.
//!
//! The tenant can change while the server runs ([`Emulator::set_tenant`], scripted with
//! [`Change`]s or at random): each replacement is a generation, and the delta endpoints
//! (`/users/delta`, `/groups/delta`, `/devices/delta`) report what changed between
//! generations with Graph's documented semantics.

pub mod activity;
mod admin;
mod cases;
mod catalog;
pub use itam_test_support::certs;
pub mod client_config;
pub mod clock;
pub mod deleted;
mod delta;
mod delta_items;
mod delta_token;
pub mod directory;
mod endpoints;
mod evolve;
pub mod expected;
pub mod faults;
mod generation;
mod memo;
mod objects;
pub mod proxy;
mod render;
pub mod script;
pub mod server;
pub mod subscriptions;
pub mod tenant;
#[cfg(test)]
mod tests;
mod tls;
mod token;

pub use activity::SignIn;
pub use deleted::DeletedUser;
pub use delta::ExpiredDelta;
pub use directory::{Device, DirectoryObject, MemberKind, MemberRef};
pub use expected::{
    ExpectedChanges, ExpectedSubscription, ExpectedWaste, expected_changes, held_skus,
};
pub use faults::{Fault, FaultRule, RetryAfter, Trigger};
pub use script::Change;
pub use server::{Emulator, Options};
pub use subscriptions::Subscription;
pub use tenant::{Tenant, TenantSpec};
