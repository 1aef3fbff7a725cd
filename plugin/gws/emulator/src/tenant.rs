//! The synthetic Google Workspace customer: users, groups, licence assignments, subscriptions,
//! the service account and its domain-wide delegation, generated deterministically from a seed.
//! People are made in [`crate::people`], groups in [`crate::groups`], licences in
//! [`crate::licences`] and subscriptions in [`crate::subscriptions`]; the ground truth tests
//! compare against is in [`crate::expected`].

use crate::catalog::Sku;
use crate::service_account::ServiceAccount;
use crate::subscriptions::Subscription;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;

/// Who the customer buys from, which decides what the Reseller API answers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Billing {
    /// A reseller manages the customer: `subscriptions.list` lists its subscriptions with seats.
    #[default]
    Reseller,
    /// The customer pays Google directly: the Reseller API refuses (403 `forbidden`), so seat
    /// counts are unknown to a collector.
    Direct,
}

impl std::str::FromStr for Billing {
    type Err = String;

    fn from_str(s: &str) -> Result<Billing, String> {
        match s {
            "reseller" => Ok(Billing::Reseller),
            "direct" => Ok(Billing::Direct),
            other => Err(format!("unknown billing {other:?} (reseller or direct)")),
        }
    }
}

/// How to generate a tenant: `TenantSpec { users, seed, ..Default::default() }`.
#[derive(Clone, Debug)]
pub struct TenantSpec {
    /// Number of users (at least 1; the first is the super administrator).
    pub users: usize,
    /// Seed: the same spec always gives the same tenant, service-account key included.
    pub seed: u64,
    /// Reseller-managed or directly billed.
    pub billing: Billing,
    /// The tenant's "now" in unix seconds; every date is relative to it. Default: the clock.
    pub now: i64,
}

impl Default for TenantSpec {
    fn default() -> Self {
        TenantSpec {
            users: 300,
            seed: 42,
            billing: Billing::Reseller,
            now: crate::clock::system_now(),
        }
    }
}

/// A user account (`admin#directory#user`).
#[derive(Clone, Debug, PartialEq)]
pub struct User {
    /// Numeric ID (21 digits).
    pub id: String,
    /// `primaryEmail`.
    pub primary_email: String,
    /// `name.givenName`.
    pub given_name: String,
    /// `name.familyName`.
    pub family_name: String,
    /// `isAdmin` (super administrator).
    pub is_admin: bool,
    /// `isDelegatedAdmin`.
    pub is_delegated_admin: bool,
    /// `suspended`.
    pub suspended: bool,
    /// `suspensionReason` of a suspended user (`ADMIN`, …).
    pub suspension_reason: Option<String>,
    /// `archived`.
    pub archived: bool,
    /// `creationTime`, unix seconds.
    pub creation_time: i64,
    /// `lastLoginTime`, unix seconds; `None` for a user who never signed in (answered as
    /// `1970-01-01T00:00:00.000Z`).
    pub last_login_time: Option<i64>,
    /// `orgUnitPath`.
    pub org_unit_path: String,
    /// `isEnrolledIn2Sv`.
    pub enrolled_in_2sv: bool,
    /// `agreedToTerms`.
    pub agreed_to_terms: bool,
    /// `changePasswordAtNextLogin`.
    pub change_password_at_next_login: bool,
    /// `etag`.
    pub etag: String,
}

impl User {
    /// `name.fullName`.
    pub fn full_name(&self) -> String {
        format!("{} {}", self.given_name, self.family_name)
    }
}

/// What a group member is.
#[derive(Clone, Debug, PartialEq)]
pub enum MemberRef {
    /// A user of the customer (index into [`Tenant::users`]); `type` `USER`.
    User(usize),
    /// Another group of the customer (index into [`Tenant::groups`]); `type` `GROUP`.
    Group(usize),
    /// An address outside the customer's domains. Google documents the `EXTERNAL` type as
    /// "currently not used": such members come as `type` `USER` with an outside address.
    External {
        /// The member's ID.
        id: String,
        /// The outside address.
        email: String,
    },
    /// Every user of the customer: `type` `CUSTOMER`, the customer's ID and no address.
    Customer,
}

/// One direct member of a group (`admin#directory#member`).
#[derive(Clone, Debug, PartialEq)]
pub struct Member {
    /// Who.
    pub member: MemberRef,
    /// `OWNER`, `MANAGER` or `MEMBER`.
    pub role: &'static str,
    /// `etag`.
    pub etag: String,
}

/// A group (`admin#directory#group`).
#[derive(Clone, Debug, PartialEq)]
pub struct Group {
    /// `id`.
    pub id: String,
    /// `email`.
    pub email: String,
    /// `name`.
    pub name: String,
    /// `description` (may be empty).
    pub description: String,
    /// `adminCreated`: false for groups users made themselves.
    pub admin_created: bool,
    /// Direct members, in the order they are listed.
    pub members: Vec<Member>,
    /// `etag`.
    pub etag: String,
}

/// A licence held by a user (`licensing#licenseAssignment`).
#[derive(Clone, Debug, PartialEq)]
pub struct Assignment {
    /// Index into [`Tenant::users`].
    pub user: usize,
    /// The SKU.
    pub sku: &'static Sku,
    /// `etag`.
    pub etag: String,
}

/// The generated customer.
#[derive(Clone, Debug)]
pub struct Tenant {
    /// The seed it was generated from.
    pub seed: u64,
    /// Its "now", unix seconds.
    pub now: i64,
    /// Customer ID, e.g. `C03az79cb` (what `my_customer` stands for).
    pub customer_id: String,
    /// Primary domain.
    pub domain: String,
    /// Organisation name.
    pub organization: String,
    /// `customerCreationTime`, unix seconds.
    pub creation_time: i64,
    /// Reseller-managed or directly billed.
    pub billing: Billing,
    /// The service account a collector authenticates as.
    pub service_account: ServiceAccount,
    /// Domain-wide delegation: OAuth client ID → scopes granted in the Admin console.
    pub delegation: BTreeMap<String, Vec<String>>,
    /// Users; the first is a super administrator.
    pub users: Vec<User>,
    /// Groups.
    pub groups: Vec<Group>,
    /// Licence assignments (at most one SKU per product and user).
    pub assignments: Vec<Assignment>,
    /// Subscriptions the reseller manages (listed only when [`Billing::Reseller`]).
    pub subscriptions: Vec<Subscription>,
}

/// Scopes a collector needs, in Google's spelling, read-only wherever Google has a read-only
/// scope (the License Manager API has none). The service account is delegated exactly these.
pub const DEFAULT_SCOPES: [&str; 6] = [
    crate::scopes::USER_READONLY,
    crate::scopes::GROUP_READONLY,
    crate::scopes::GROUP_MEMBER_READONLY,
    crate::scopes::CUSTOMER_READONLY,
    crate::scopes::LICENSING,
    crate::scopes::ORDER_READONLY,
];

impl Tenant {
    /// Generates the tenant `spec` describes.
    pub fn generate(spec: &TenantSpec) -> Tenant {
        let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
        let domain = "acme.example".to_string();
        let customer_id = crate::ids::customer(&mut rng);
        let project_number = crate::ids::numeric(&mut rng, 12, 4);
        let project_id = format!("acme-itam-{}", crate::ids::numeric(&mut rng, 6, 3));
        let client_id = crate::ids::numeric(&mut rng, 21, 1);
        let service_account = ServiceAccount::new(
            "itam-collector",
            &project_id,
            &project_number,
            &client_id,
            spec.seed,
        );
        let delegation = BTreeMap::from([(
            client_id,
            DEFAULT_SCOPES.iter().map(|s| s.to_string()).collect(),
        )]);
        let users = crate::people::generate(&mut rng, spec.users.max(1), &domain, spec.now);
        let groups = crate::groups::generate(&mut rng, &users, &domain);
        let assignments = crate::licences::assign(&mut rng, &users);
        let mut tenant = Tenant {
            seed: spec.seed,
            now: spec.now,
            customer_id,
            domain,
            organization: "Acme Corporation".into(),
            creation_time: spec.now - 2400 * crate::clock::DAY,
            billing: spec.billing,
            service_account,
            delegation,
            users,
            groups,
            assignments,
            subscriptions: Vec::new(),
        };
        tenant.subscriptions = crate::subscriptions::generate(&mut rng, &tenant);
        tenant
    }

    /// The super administrator a collector impersonates.
    pub fn admin_email(&self) -> &str {
        &self.users[0].primary_email
    }

    /// The user whose primary address is `email` (case-insensitive).
    pub fn user_by_email(&self, email: &str) -> Option<&User> {
        self.users
            .iter()
            .find(|u| u.primary_email.eq_ignore_ascii_case(email))
    }

    /// The group whose ID or address is `key` (addresses case-insensitive).
    pub fn group_index(&self, key: &str) -> Option<usize> {
        self.groups
            .iter()
            .position(|g| g.id == key || g.email.eq_ignore_ascii_case(key))
    }

    /// Whether `key` names this customer as the Directory API's `customer` or the License
    /// Manager and Reseller APIs' `customerId` accept it: `my_customer` (when `my_customer` is
    /// allowed), the customer ID or the primary domain.
    pub fn is_customer(&self, key: &str, my_customer: bool) -> bool {
        (my_customer && key == "my_customer")
            || key == self.customer_id
            || key.eq_ignore_ascii_case(&self.domain)
    }

    /// Assignments of `product_id` (and `sku_id` if given), in user order.
    pub fn assignments_of<'a>(
        &'a self,
        product_id: &'a str,
        sku_id: Option<&'a str>,
    ) -> impl Iterator<Item = &'a Assignment> + 'a {
        self.assignments.iter().filter(move |a| {
            a.sku.product_id == product_id && sku_id.is_none_or(|s| a.sku.sku_id == s)
        })
    }
}
