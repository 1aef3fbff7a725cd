//! The JSON resources the Directory and License Manager APIs answer, with Google's `kind`s and
//! field names.

use crate::clock::{NEVER, rfc3339};
use crate::tenant::{Assignment, Group, Member, MemberRef, Tenant, User};
use serde_json::{Value, json};

/// The address Google gives every account in the customer's test domain.
fn test_domain_alias(t: &Tenant, address: &str) -> String {
    let local = address.split('@').next().unwrap_or(address);
    format!("{local}@{}.test-google-a.com", t.domain.replace('.', "-"))
}

/// An `admin#directory#user`.
pub(crate) fn user(t: &Tenant, u: &User) -> Value {
    let mut out = json!({
        "kind": "admin#directory#user",
        "id": u.id,
        "etag": u.etag,
        "primaryEmail": u.primary_email,
        "name": {
            "givenName": u.given_name,
            "familyName": u.family_name,
            "fullName": u.full_name(),
        },
        "isAdmin": u.is_admin,
        "isDelegatedAdmin": u.is_delegated_admin,
        "lastLoginTime": u.last_login_time.map(rfc3339).unwrap_or_else(|| NEVER.to_string()),
        "creationTime": rfc3339(u.creation_time),
        "agreedToTerms": u.agreed_to_terms,
        "suspended": u.suspended,
    });
    if let Some(reason) = &u.suspension_reason {
        out["suspensionReason"] = json!(reason);
    }
    for (k, v) in [
        ("archived", json!(u.archived)),
        (
            "changePasswordAtNextLogin",
            json!(u.change_password_at_next_login),
        ),
        ("ipWhitelisted", json!(false)),
        (
            "emails",
            json!([
                {"address": u.primary_email, "primary": true},
                {"address": test_domain_alias(t, &u.primary_email)},
            ]),
        ),
        (
            "nonEditableAliases",
            json!([test_domain_alias(t, &u.primary_email)]),
        ),
        ("customerId", json!(t.customer_id)),
        ("orgUnitPath", json!(u.org_unit_path)),
        ("isMailboxSetup", json!(true)),
        ("isEnrolledIn2Sv", json!(u.enrolled_in_2sv)),
        ("isEnforcedIn2Sv", json!(false)),
        ("includeInGlobalAddressList", json!(true)),
    ] {
        out[k] = v;
    }
    out
}

/// An `admin#directory#group`.
pub(crate) fn group(t: &Tenant, g: &Group) -> Value {
    json!({
        "kind": "admin#directory#group",
        "id": g.id,
        "etag": g.etag,
        "email": g.email,
        "name": g.name,
        // An int64, so a string, as Google encodes them.
        "directMembersCount": g.members.len().to_string(),
        "description": g.description,
        "adminCreated": g.admin_created,
        "nonEditableAliases": [test_domain_alias(t, &g.email)],
    })
}

/// An `admin#directory#member`.
pub(crate) fn member(t: &Tenant, m: &Member) -> Value {
    let (id, email, kind, status) = match &m.member {
        MemberRef::User(u) => {
            let u = &t.users[*u];
            let status = if u.archived {
                "ARCHIVED"
            } else if u.suspended {
                "SUSPENDED"
            } else {
                "ACTIVE"
            };
            (
                u.id.as_str(),
                Some(u.primary_email.as_str()),
                "USER",
                status,
            )
        }
        MemberRef::Group(g) => {
            let g = &t.groups[*g];
            (g.id.as_str(), Some(g.email.as_str()), "GROUP", "ACTIVE")
        }
        MemberRef::External { id, email } => (id.as_str(), Some(email.as_str()), "USER", "ACTIVE"),
        MemberRef::Customer => (t.customer_id.as_str(), None, "CUSTOMER", "ACTIVE"),
    };
    let mut out = json!({
        "kind": "admin#directory#member",
        "etag": m.etag,
        "id": id,
    });
    if let Some(email) = email {
        out["email"] = json!(email);
    }
    out["role"] = json!(m.role);
    out["type"] = json!(kind);
    out["status"] = json!(status);
    out
}

/// An `admin#directory#customer`.
pub(crate) fn customer(t: &Tenant) -> Value {
    json!({
        "kind": "admin#directory#customer",
        "id": t.customer_id,
        "etag": format!("\"{}/customer\"", t.customer_id),
        "customerDomain": t.domain,
        "alternateEmail": format!("it-billing@{}", t.domain.replace("acme", "acme-billing")),
        "customerCreationTime": rfc3339(t.creation_time),
        "language": "en",
        "postalAddress": {
            "contactName": t.users[0].full_name(),
            "organizationName": t.organization,
            "addressLine1": "1 Example Way",
            "locality": "Springfield",
            "postalCode": "00000",
            "countryCode": "US",
        },
        "phoneNumber": "+15555550100",
    })
}

/// A `licensing#licenseAssignment`; `origin` is the base of its `selfLink`.
pub(crate) fn assignment(t: &Tenant, a: &Assignment, origin: &str) -> Value {
    let user = &t.users[a.user].primary_email;
    json!({
        "kind": "licensing#licenseAssignment",
        "etags": a.etag,
        "selfLink": format!(
            "{origin}/apps/licensing/v1/product/{}/sku/{}/user/{user}",
            a.sku.product_id, a.sku.sku_id
        ),
        "userId": user,
        "productId": a.sku.product_id,
        "skuId": a.sku.sku_id,
        "skuName": a.sku.sku_name,
        "productName": a.sku.product_name,
    })
}
