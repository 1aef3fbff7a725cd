//! Licence assignments, at most one SKU per product and user as Google enforces: most people
//! hold Business Standard, Legal and Finance Business Plus; some add Vault or Voice (Voice Starter for at most 10 users); contractors
//! hold Cloud Identity Premium; archived users the Archived User SKU of their edition; most
//! suspended users keep their licences (waste a collector should report), some hold only Vault
//! Former Employee; a few active users hold none.

use crate::catalog::{self, Sku};
use crate::tenant::{Assignment, User};
use rand::Rng;

/// The licences of `users`, user by user.
pub(crate) fn assign(rng: &mut impl Rng, users: &[User]) -> Vec<Assignment> {
    let mut out = Vec::new();
    // Voice Starter is sold for up to 10 users.
    let mut voice_starters = 0;
    for (i, user) in users.iter().enumerate() {
        let mut give = |rng: &mut _, sku: &'static Sku| {
            out.push(Assignment {
                user: i,
                sku,
                etag: crate::ids::etag(rng),
            })
        };
        let plus = matches!(user.org_unit_path.as_str(), "/Legal" | "/Finance")
            || (i > 0 && rng.random_bool(0.05));
        let edition = if plus {
            &catalog::BUSINESS_PLUS
        } else {
            &catalog::BUSINESS_STANDARD
        };
        if user.archived {
            let archived = if plus {
                &catalog::BUSINESS_PLUS_ARCHIVED
            } else {
                &catalog::BUSINESS_STANDARD_ARCHIVED
            };
            give(rng, archived);
            continue;
        }
        if user.org_unit_path == "/Contractors" && i > 0 {
            give(rng, &catalog::CLOUD_IDENTITY_PREMIUM_SKU);
            continue;
        }
        if user.suspended {
            match rng.random_range(0..100) {
                0..70 => {
                    give(rng, edition);
                    if rng.random_bool(0.2) {
                        give(rng, &catalog::VOICE_STANDARD);
                    }
                }
                70..85 => give(rng, &catalog::VAULT_FORMER_EMPLOYEE),
                _ => {}
            }
            continue;
        }
        if i > 0 && rng.random_bool(0.02) {
            continue;
        }
        give(rng, edition);
        // Business Standard has no Vault; Legal and People buy the add-on, a few others too.
        if !plus && (matches!(user.org_unit_path.as_str(), "/People") || rng.random_bool(0.04)) {
            give(rng, &catalog::VAULT_SKU);
        }
        match rng.random_range(0..100) {
            0..10 => give(rng, &catalog::VOICE_STANDARD),
            10..13 if voice_starters < 10 => {
                voice_starters += 1;
                give(rng, &catalog::VOICE_STARTER)
            }
            13..14 => give(rng, &catalog::VOICE_PREMIER),
            _ => {}
        }
    }
    out
}
