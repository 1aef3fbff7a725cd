//! The tenant's entities as Graph serializes them (all properties the emulator knows; the server
//! applies `$select`).

use crate::catalog::derived_guid;
use crate::deleted::DeletedUser;
use crate::directory::{Device, MemberRef};
use crate::subscriptions::Subscription;
use crate::tenant::{AssignmentState, Group, Tenant, User};
use serde_json::{Value, json};

impl Tenant {
    /// A subscribedSku as Graph serializes it.
    pub fn sku_json(&self, i: usize) -> Value {
        let s = &self.skus[i];
        json!({
            "capabilityStatus": s.status,
            "consumedUnits": self.consumed(i),
            "id": format!("{}_{}", self.tenant_id, s.sku_id),
            "prepaidUnits": {"enabled": s.enabled, "suspended": s.suspended, "warning": s.warning, "lockedOut": s.locked_out},
            "servicePlans": self.service_plans_json(i, "User"),
            "skuId": s.sku_id,
            "skuPartNumber": s.part_number,
            "appliesTo": "User",
            "accountId": self.tenant_id,
            "accountName": "Contoso",
            "subscriptionIds": self.subscriptions.iter().filter(|x| x.sku == i).map(|x| x.id.as_str()).collect::<Vec<_>>(),
        })
    }

    /// SKU `i`'s service plans as a list of `servicePlanInfo`.
    fn service_plans_json(&self, i: usize, applies_to: &str) -> Vec<Value> {
        self.skus[i].plans.iter().map(|(id, name)| json!({
            "servicePlanId": id, "servicePlanName": name, "provisioningStatus": "Success", "appliesTo": applies_to
        })).collect()
    }

    /// A `companySubscription` as `/directory/subscriptions` serializes it.
    pub fn subscription_json(&self, s: &Subscription) -> Value {
        let sku = &self.skus[s.sku];
        json!({
            "createdDateTime": s.created,
            "commerceSubscriptionId": s.commerce_id,
            "id": s.id,
            "isTrial": s.is_trial,
            "nextLifecycleDateTime": s.next_lifecycle,
            "serviceStatus": self.service_plans_json(s.sku, "User"),
            "skuId": sku.sku_id,
            "skuPartNumber": sku.part_number,
            "status": s.status,
            "totalLicenses": s.total_licenses,
            "ownerId": s.owner_id,
            "ownerTenantId": s.owner_tenant_id,
            "ownerType": s.owner_type,
        })
    }

    /// A user with every property the emulator knows, as Graph serializes them
    /// (`signInActivity` apart: see [`Tenant::sign_in_json`]).
    pub fn user_json(&self, u: &User) -> Value {
        let working = |s: &&AssignmentState| s.state != "Error";
        let mut assigned: Vec<Value> = Vec::new();
        for s in u.states.iter().filter(working) {
            let id = &self.skus[s.sku].sku_id;
            if !assigned.iter().any(|a| a["skuId"] == *id) {
                assigned.push(json!({"skuId": id, "disabledPlans": s.disabled_plans}));
            }
        }
        json!({
            "id": u.id,
            "businessPhones": [],
            "displayName": u.display_name,
            "givenName": u.display_name.split(' ').next(),
            "surname": null,
            "userPrincipalName": u.upn,
            "mail": u.mail,
            "mobilePhone": null,
            "officeLocation": null,
            "preferredLanguage": null,
            "accountEnabled": u.enabled,
            "userType": u.user_type,
            "department": u.department,
            "jobTitle": u.job_title,
            "usageLocation": u.usage_location,
            "createdDateTime": u.created,
            "assignedLicenses": assigned,
            "licenseAssignmentStates": u.states.iter().map(|s| json!({
                "assignedByGroup": s.group.map(|g| self.groups[g].id.clone()),
                "disabledPlans": s.disabled_plans,
                "error": s.error,
                "lastUpdatedDateTime": "2025-06-01T08:00:00Z",
                "skuId": self.skus[s.sku].sku_id,
                "state": s.state,
            })).collect::<Vec<_>>(),
        })
    }

    /// Whether user `u` of this tenant and user `v` of tenant `other` serialize the same in
    /// [`Tenant::user_json`]: compares exactly what it reads (keep the two in step), with
    /// SKUs and groups by ID, so it holds across tenants whose groups were renumbered.
    pub(crate) fn user_renders_same(&self, u: &User, other: &Tenant, v: &User) -> bool {
        let same_state = |a: &AssignmentState, b: &AssignmentState| {
            self.skus[a.sku].sku_id == other.skus[b.sku].sku_id
                && a.group.map(|g| &self.groups[g].id) == b.group.map(|g| &other.groups[g].id)
                && (a.state, a.error, &a.disabled_plans) == (b.state, b.error, &b.disabled_plans)
        };
        (
            &u.id,
            &u.display_name,
            &u.upn,
            &u.mail,
            u.enabled,
            u.user_type,
        ) == (
            &v.id,
            &v.display_name,
            &v.upn,
            &v.mail,
            v.enabled,
            v.user_type,
        ) && (&u.department, &u.job_title, &u.usage_location, &u.created)
            == (&v.department, &v.job_title, &v.usage_location, &v.created)
            && u.states.len() == v.states.len()
            && u.states
                .iter()
                .zip(&v.states)
                .all(|(a, b)| same_state(a, b))
    }

    /// A user's `signInActivity`: `null` when it never signed in. Times it lacks are `null`
    /// for about half the users and, for the others, the placeholders Graph really sends
    /// (`0001-01-01T00:00:00Z` for the interactive and non-interactive times, `""` for the
    /// last successful time and for request IDs), chosen by the user's ID.
    pub fn sign_in_json(&self, u: &User) -> Value {
        let Some(s) = &u.sign_in else {
            return Value::Null;
        };
        let placeholders = u.id.bytes().last().is_some_and(|b| b % 2 == 1);
        let time = |t: &Option<String>, placeholder: &str| match t {
            Some(t) => json!(t),
            None if placeholders => json!(placeholder),
            None => Value::Null,
        };
        let request = |t: &Option<String>, salt: u64| match t {
            Some(t) => json!(derived_guid(&format!("{}{t}", u.id), salt)),
            None if placeholders => json!(""),
            None => Value::Null,
        };
        const NEVER: &str = "0001-01-01T00:00:00Z";
        json!({
            "lastSignInDateTime": time(&s.last_sign_in, NEVER),
            "lastSignInRequestId": request(&s.last_sign_in, 1),
            "lastNonInteractiveSignInDateTime": time(&s.last_non_interactive, NEVER),
            "lastNonInteractiveSignInRequestId": request(&s.last_non_interactive, 2),
            "lastSuccessfulSignInDateTime": time(&s.last_successful, ""),
            "lastSuccessfulSignInRequestId": request(&s.last_successful, 3),
        })
    }

    /// A group as Graph serializes it.
    pub fn group_json(&self, g: &Group) -> Value {
        json!({
            "id": g.id,
            "displayName": g.display_name,
            "description": null,
            "groupTypes": g.group_types,
            "securityEnabled": g.security_enabled,
            "mailEnabled": g.mail_enabled,
            "mail": null,
            "assignedLicenses": g.licenses.iter().map(|(s, off)| json!({"skuId": self.skus[*s].sku_id, "disabledPlans": off})).collect::<Vec<_>>(),
        })
    }

    /// A device as Graph serializes it (without `registeredOwners`: see
    /// [`Tenant::registered_owners_json`]).
    pub fn device_json(&self, d: &Device) -> Value {
        json!({
            "id": d.id,
            "deviceId": d.device_id,
            "displayName": d.display_name,
            "operatingSystem": d.operating_system,
            "operatingSystemVersion": d.operating_system_version,
            "accountEnabled": d.enabled,
            "trustType": d.trust_type,
            "approximateLastSignInDateTime": d.last_sign_in,
            "registrationDateTime": d.registered,
        })
    }

    /// A device's owners as `$expand=registeredOwners($select=id)` gives them.
    pub fn registered_owners_json(&self, d: &Device) -> Value {
        d.owners
            .iter()
            .map(|id| json!({"@odata.type": "#microsoft.graph.user", "id": id}))
            .collect()
    }

    /// A soft-deleted user as `/directory/deletedItems/microsoft.graph.user` serializes it.
    pub fn deleted_user_json(&self, d: &DeletedUser) -> Value {
        json!({
            "id": d.id,
            "businessPhones": [],
            "displayName": d.display_name,
            "userPrincipalName": d.upn,
            "mail": d.mail,
            "accountEnabled": d.enabled,
            "userType": d.user_type,
            "department": null,
            "jobTitle": null,
            "usageLocation": null,
            "createdDateTime": d.created,
            "deletedDateTime": d.deleted,
            "assignedLicenses": d.licenses.iter().map(|s| json!({"skuId": self.skus[*s].sku_id, "disabledPlans": []})).collect::<Vec<_>>(),
            "licenseAssignmentStates": d.licenses.iter().map(|s| json!({
                "assignedByGroup": null,
                "disabledPlans": [],
                "error": "None",
                "lastUpdatedDateTime": "2025-06-01T08:00:00Z",
                "skuId": self.skus[*s].sku_id,
                "state": "Active",
            })).collect::<Vec<_>>(),
        })
    }

    /// A group member with all its properties and its `@odata.type`.
    pub fn member_json(&self, m: MemberRef) -> Value {
        let mut value = match m {
            MemberRef::User(i) => self.user_json(&self.users[i]),
            MemberRef::Group(i) => self.group_json(&self.groups[i]),
            MemberRef::Device(i) => self.device_json(&self.devices[i]),
            MemberRef::ServicePrincipal(i) => {
                let o = &self.service_principals[i];
                json!({"id": o.id, "displayName": o.display_name})
            }
            MemberRef::OrgContact(i) => {
                let o = &self.contacts[i];
                json!({"id": o.id, "displayName": o.display_name})
            }
        };
        value["@odata.type"] = json!(m.kind().odata_type());
        value
    }
}
