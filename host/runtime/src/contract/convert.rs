//! Conversions between the types of earlier contract versions and the newest one's, at the
//! boundary of an older plugin: what it returns or hands the host is raised to the newest
//! types (a 0.1.0 product's units become known units, a 0.1.0 grant a client-credentials
//! grant), and what the host hands it is lowered to its version's types.
//!
//! Records and enums that did not change between versions are converted field by field and
//! case by case by the macros below; the few that changed are written out.

use super::v0_1_0::itam::collector::types as v1;
use super::v0_2_0::itam::collector::incremental as v2;
use super::v0_3_0::itam::collector::{incremental as v3i, types as v3};

/// A conversion between the same item of two contract versions (`From` cannot be used: the
/// generated types belong to this crate, but `Vec` and `Option` of them do not).
pub(crate) trait Convert<T> {
    /// The value as the other version's type.
    fn convert(self) -> T;
}

macro_rules! identity {
    ($($t:ty),*) => {$(
        impl Convert<$t> for $t {
            fn convert(self) -> $t {
                self
            }
        }
    )*};
}
identity!(String, bool, u8, u16, u32, u64);

impl<A: Convert<B>, B> Convert<Vec<B>> for Vec<A> {
    fn convert(self) -> Vec<B> {
        self.into_iter().map(Convert::convert).collect()
    }
}

impl<A: Convert<B>, B> Convert<Option<B>> for Option<A> {
    fn convert(self) -> Option<B> {
        self.map(Convert::convert)
    }
}

impl<A: Convert<C>, B: Convert<D>, C, D> Convert<(C, D)> for (A, B) {
    fn convert(self) -> (C, D) {
        (self.0.convert(), self.1.convert())
    }
}

/// Records with the same fields in `$from` and `$to`.
macro_rules! records {
    ($from:ident => $to:ident: $($name:ident { $($field:ident),* $(,)? })*) => {$(
        impl Convert<$to::$name> for $from::$name {
            fn convert(self) -> $to::$name {
                $to::$name { $($field: self.$field.convert()),* }
            }
        }
    )*};
}

/// Enums with the same cases in `$from` and `$to`.
macro_rules! enums {
    ($from:ident => $to:ident: $($name:ident { $($case:ident),* $(,)? })*) => {$(
        impl Convert<$to::$name> for $from::$name {
            fn convert(self) -> $to::$name {
                match self {
                    $($from::$name::$case => $to::$name::$case),*
                }
            }
        }
    )*};
}

/// Variants whose cases carry one value each, with the same cases in `$from` and `$to`.
macro_rules! variants {
    ($from:ident => $to:ident: $($name:ident { $($case:ident),* $(,)? })*) => {$(
        impl Convert<$to::$name> for $from::$name {
            fn convert(self) -> $to::$name {
                match self {
                    $($from::$name::$case(value) => $to::$name::$case(value.convert())),*
                }
            }
        }
    )*};
}

// What a 0.1.0 or 0.2.0 plugin returns or hands the host.
records!(v1 => v3:
    SettingSpec { name, description, required, default_value }
    Permission { name, required, purpose }
    Descriptor { name, version, description, settings, credential, permissions, produces }
    RunPlan { hosts, grant }
    Account {
        id, principal_name, display_name, mail, enabled, kind, department, job_title,
        usage_location, created, deleted, attributes,
    }
    SignInActivity { account_id, last_interactive, last_non_interactive, last_successful }
    Group { id, display_name, security_enabled, mail_enabled, group_types, attributes }
    Membership { group_id, member_id, member_kind }
    ServicePlan { id, name, provisioning_status, applies_to }
    Assignment { account_id, product_id, source, group_id, state, error, disabled_plans }
    Subscription {
        id, product_id, part_number, status, total_units, trial, created, next_lifecycle,
        attributes,
    }
    Device {
        id, display_name, device_id, operating_system, operating_system_version, enabled,
        trust_type, last_sign_in, registered, owner_ids, attributes,
    }
    GroupLicense { group_id, product_id, disabled_plans }
    Summary { counts, warnings, data_quality, facts }
    CheckFinding { step, status, detail, fix }
    Failure { message, fix, status, code, request_id }
);
enums!(v1 => v3:
    CredentialKind { None, Oauth2ClientCredentials }
    EntityKind {
        Account, Group, Membership, Product, Assignment, GroupLicense, Subscription, Device,
        SignInActivity,
    }
    LogLevel { Trace, Debug, Info, Warn, Error }
    AccountKind { Member, Guest, Other }
    MemberKind { Account, Group, Device, ServicePrincipal, Contact, Other }
    AssignmentSource { Direct, Group }
    CheckStatus { Pass, Fail, Warn, Skipped }
);
variants!(v1 => v3:
    Batch {
        Accounts, Groups, Memberships, Products, Assignments, GroupLicenses, Subscriptions,
        Devices, SignIns,
    }
    CollectError {
        InvalidConfig, Unauthorized, Forbidden, Throttled, Upstream, Network, Denied, Cancelled,
        Internal,
    }
);

/// A 0.1.0 grant is a client-credentials grant.
impl Convert<v3::Grant> for v1::Grant {
    fn convert(self) -> v3::Grant {
        v3::Grant::ClientCredentials(v3::ClientCredentialsGrant {
            token_url: self.token_url,
            scope: self.scope,
            resource_hosts: self.resource_hosts,
        })
    }
}

/// A 0.1.0 product always says how many units were bought, and carries no display name.
impl Convert<v3::Product> for v1::Product {
    fn convert(self) -> v3::Product {
        v3::Product {
            id: self.id,
            part_number: self.part_number,
            display_name: None,
            status: self.status,
            units: Some(v3::Units {
                enabled: self.enabled,
                warning: self.warning,
                suspended: self.suspended,
                locked_out: self.locked_out,
            }),
            consumed: self.consumed,
            plans: self.plans.convert(),
            attributes: self.attributes,
        }
    }
}

records!(v2 => v3i:
    MemberLink { group_id, member_id }
    Outcome { summary, coverage, state, full_reason }
);
enums!(v2 => v3i: Coverage { Full, Changes, Kept });
variants!(v2 => v3i: Removal { Account, Group, Membership, Device });

// What the host hands a 0.1.0 or 0.2.0 plugin.
records!(v3 => v1:
    TokenFacts { expires_at, roles, tenant_id }
    AuthError { status, error, codes, description }
);
enums!(v3 => v1:
    Flow { Proceed, Cancel }
    CollectMode { Full, Incremental }
    EntityKind {
        Account, Group, Membership, Product, Assignment, GroupLicense, Subscription, Device,
        SignInActivity,
    }
);
records!(v3i => v2: CollectRequest { mode, state, refresh });
