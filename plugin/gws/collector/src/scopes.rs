//! The OAuth scopes the plugin requests, in Google's spelling, and what each is for.
//!
//! Domain-wide delegation grants a service account scopes for the whole customer; Google issues
//! a token only when *every* requested scope is delegated (otherwise the token request fails
//! with `unauthorized_client`). So the optional scope is requested only when the source reads
//! subscriptions (`read_subscriptions`, on by default).

use crate::types::Permission;

/// `customers.get`: the customer's ID (the License Manager API needs it) and domain.
pub const CUSTOMER_READONLY: &str =
    "https://www.googleapis.com/auth/admin.directory.customer.readonly";
/// `users.list`: users, their state and their last sign-in.
pub const USER_READONLY: &str = "https://www.googleapis.com/auth/admin.directory.user.readonly";
/// `groups.list` and `members.list` (Google accepts the groups scope for both).
pub const GROUP_READONLY: &str = "https://www.googleapis.com/auth/admin.directory.group.readonly";
/// `licenseAssignments.listForProduct`: the License Manager API has no read-only scope.
pub const LICENSING: &str = "https://www.googleapis.com/auth/apps.licensing";
/// `subscriptions.list` of the Reseller API: subscriptions and their seats.
pub const ORDER_READONLY: &str = "https://www.googleapis.com/auth/apps.order.readonly";

/// The scopes collection cannot do without, in the order they are requested.
pub const REQUIRED: [&str; 4] = [CUSTOMER_READONLY, USER_READONLY, GROUP_READONLY, LICENSING];

/// The scopes to request: the required ones, and the Reseller API's when subscriptions are
/// read.
pub fn requested(read_subscriptions: bool) -> Vec<String> {
    let mut scopes: Vec<String> = REQUIRED.iter().map(|s| s.to_string()).collect();
    if read_subscriptions {
        scopes.push(ORDER_READONLY.to_string());
    }
    scopes
}

/// The permissions `describe` declares: each scope, whether collection needs it, and what it
/// is for or what is lost without it.
pub fn permissions() -> Vec<Permission> {
    let permission = |name: &str, required, purpose: &str| Permission {
        name: name.into(),
        required,
        purpose: purpose.into(),
    };
    vec![
        permission(
            CUSTOMER_READONLY,
            true,
            "the customer's ID (which the License Manager API requires) and primary domain",
        ),
        permission(
            USER_READONLY,
            true,
            "users: state (suspended, archived), administrator roles, organisational unit and last sign-in",
        ),
        permission(GROUP_READONLY, true, "groups and their members"),
        permission(
            LICENSING,
            true,
            "licence assignments of every product and SKU (the License Manager API has no read-only scope)",
        ),
        permission(
            ORDER_READONLY,
            false,
            "subscriptions and their seats from the Reseller API, which answers only the customer's reseller: without it, or for a directly billed customer, the purchased units of every product are unknown (set read_subscriptions = false to leave it out of the token request)",
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_optional_scope_is_requested_only_with_subscriptions() {
        assert_eq!(requested(false).len(), 4);
        assert_eq!(
            requested(true).last().map(String::as_str),
            Some(ORDER_READONLY)
        );
        let declared = permissions();
        assert_eq!(declared.len(), 5);
        assert!(
            declared
                .iter()
                .all(|p| p.required != (p.name == ORDER_READONLY))
        );
    }
}
