//! OAuth scopes of the emulated methods, as each method's reference page lists them
//! ("Authorization scopes: requires one of the following OAuth scopes").

/// `users.list`: read-only access to users.
pub const USER_READONLY: &str = "https://www.googleapis.com/auth/admin.directory.user.readonly";
/// Read and write access to users.
pub const USER: &str = "https://www.googleapis.com/auth/admin.directory.user";
/// `groups.list`: read-only access to groups.
pub const GROUP_READONLY: &str = "https://www.googleapis.com/auth/admin.directory.group.readonly";
/// Read and write access to groups.
pub const GROUP: &str = "https://www.googleapis.com/auth/admin.directory.group";
/// `members.list`: read-only access to group memberships.
pub const GROUP_MEMBER_READONLY: &str =
    "https://www.googleapis.com/auth/admin.directory.group.member.readonly";
/// Read and write access to group memberships.
pub const GROUP_MEMBER: &str = "https://www.googleapis.com/auth/admin.directory.group.member";
/// `customers.get`: read-only access to the customer.
pub const CUSTOMER_READONLY: &str =
    "https://www.googleapis.com/auth/admin.directory.customer.readonly";
/// Read and write access to the customer.
pub const CUSTOMER: &str = "https://www.googleapis.com/auth/admin.directory.customer";
/// The License Manager API's only scope.
pub const LICENSING: &str = "https://www.googleapis.com/auth/apps.licensing";
/// `subscriptions.list`: read-only access to orders.
pub const ORDER_READONLY: &str = "https://www.googleapis.com/auth/apps.order.readonly";
/// Read and write access to orders.
pub const ORDER: &str = "https://www.googleapis.com/auth/apps.order";

/// Scopes any one of which lets a token call `users.list`.
pub const USERS_LIST: &[&str] = &[USER, USER_READONLY];
/// … `groups.list`.
pub const GROUPS_LIST: &[&str] = &[GROUP, GROUP_READONLY];
/// … `members.list`.
pub const MEMBERS_LIST: &[&str] = &[GROUP, GROUP_READONLY, GROUP_MEMBER, GROUP_MEMBER_READONLY];
/// … `customers.get`.
pub const CUSTOMERS_GET: &[&str] = &[CUSTOMER, CUSTOMER_READONLY];
/// … `licenseAssignments.listForProduct` and `listForProductAndSku`.
pub const LICENSES_LIST: &[&str] = &[LICENSING];
/// … `subscriptions.list`.
pub const SUBSCRIPTIONS_LIST: &[&str] = &[ORDER, ORDER_READONLY];
