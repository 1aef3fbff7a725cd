//! A tenant that changes while the server runs: rounds under way are not torn, the admin
//! endpoint, what `tenant()` hands out, and Graph's page cap with `$expand`.

use super::delta::{get, round};
use super::http::{Client, request};
use super::tenant;
use crate::generation::Resource;
use crate::{Options, Tenant};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// What a users round from `old` to `new` must hold, selecting `displayName`: user ID → the
/// item.
fn user_changes(old: &Tenant, new: &Tenant) -> BTreeMap<String, Value> {
    let live = |t: &Tenant| -> BTreeMap<String, String> {
        t.users
            .iter()
            .map(|u| (u.id.clone(), u.display_name.clone()))
            .collect()
    };
    let deleted =
        |t: &Tenant| -> BTreeSet<String> { t.deleted_users.iter().map(|d| d.id.clone()).collect() };
    let (before, after) = (live(old), live(new));
    let (was_deleted, is_deleted) = (deleted(old), deleted(new));
    let removed = |id: &String, reason: &str| json!({"id": id, "@removed": {"reason": reason}});
    let mut changes = BTreeMap::new();
    for (id, name) in &after {
        if before.get(id) != Some(name) {
            changes.insert(id.clone(), json!({"id": id, "displayName": name}));
        }
    }
    for id in before.keys().filter(|id| !after.contains_key(*id)) {
        let reason = if is_deleted.contains(id) {
            "changed"
        } else {
            "deleted"
        };
        changes.insert(id.clone(), removed(id, reason));
    }
    for id in was_deleted
        .iter()
        .filter(|id| !after.contains_key(*id) && !is_deleted.contains(*id))
    {
        changes.insert(id.clone(), removed(id, "deleted"));
    }
    changes
}

#[tokio::test]
async fn replacing_the_tenant_mid_round_tears_no_page() {
    let t0 = tenant(300, 4);
    let options = Options {
        delta_page_size: 10,
        ..Options::default()
    };
    let client = Client::start(t0.clone(), options).await;
    let first = "/v1.0/users/delta?$select=displayName";
    let (_, _, page) = get(&client, first, &[]).await;
    let mut items: Vec<Value> = page["value"].as_array().unwrap().clone();
    let t1 = t0.apply_random(1, 80);
    assert_eq!(client.emulator.set_tenant(t1.clone()), 1);
    let rest = round(&client, page["@odata.nextLink"].as_str().unwrap(), &[]).await;
    items.extend(rest.items().into_iter().cloned());
    // Exactly generation 0, each user once.
    let want: Vec<Value> = {
        let mut users: Vec<&crate::tenant::User> = t0.users.iter().collect();
        users.sort_by(|a, b| a.id.cmp(&b.id));
        users
            .iter()
            .map(|u| json!({"id": u.id, "displayName": u.display_name}))
            .collect()
    };
    assert_eq!(items, want);

    // The next round: what changed from generation 0 to 1, even if the tenant changes again
    // while it is read.
    let (_, _, page) = get(&client, &rest.delta_link, &[]).await;
    let mut items: Vec<Value> = page["value"].as_array().unwrap().clone();
    let t2 = t1.apply_random(2, 80);
    client.emulator.set_tenant(t2.clone());
    let rest = match page["@odata.nextLink"].as_str() {
        Some(next) => round(&client, next, &[]).await,
        None => panic!("the changes take more than a page"),
    };
    items.extend(rest.items().into_iter().cloned());
    let got: BTreeMap<String, Value> = items
        .into_iter()
        .map(|i| (i["id"].as_str().unwrap().to_string(), i))
        .collect();
    assert_eq!(got, user_changes(&t0, &t1));
    let last = round(&client, &rest.delta_link, &[]).await;
    let got: BTreeMap<String, Value> = last
        .items()
        .into_iter()
        .map(|i| (i["id"].as_str().unwrap().to_string(), i.clone()))
        .collect();
    assert_eq!(got, user_changes(&t1, &t2));

    // Other endpoints serve the current generation.
    let (status, body) = client.get("/v1.0/users?$select=id&$top=999").await;
    assert_eq!(status, 200);
    assert_eq!(body["value"].as_array().unwrap().len(), t2.users.len());
}

#[tokio::test]
async fn earlier_generations_are_listed_as_they_were() {
    let t0 = tenant(200, 8);
    let client = Client::start(t0.clone(), Options::default()).await;
    let t1 = t0.apply_random(3, 60);
    client.emulator.set_tenant(t1.clone());
    let generation = client.emulator.current_generation();
    for (resource, ids) in [
        (
            Resource::Users,
            t0.users.iter().map(|u| &u.id).collect::<Vec<_>>(),
        ),
        (Resource::Groups, t0.groups.iter().map(|g| &g.id).collect()),
        (
            Resource::Devices,
            t0.devices.iter().map(|d| &d.id).collect(),
        ),
    ] {
        let mut want: Vec<String> = ids.into_iter().cloned().collect();
        want.sort();
        assert_eq!(*generation.listing(resource, 0), want, "{resource:?}");
    }
    for u in &t0.users {
        let crate::generation::UserImage::Live(json) = generation.user_at(0, &u.id) else {
            panic!("{} was live", u.id);
        };
        assert_eq!(json, t0.user_json(u));
    }
}

#[tokio::test]
async fn the_admin_endpoint_applies_random_changes_uncounted() {
    let t0 = tenant(200, 6);
    let client = Client::start(t0.clone(), Options::default()).await;
    let before = client.emulator.requests();
    let (status, body) = request(
        &client.emulator,
        "POST",
        "/_emulator/changes?seed=5&count=20",
        None,
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, json!({"generation": 1, "changes": 20}));
    assert_eq!(client.emulator.generation(), 1);
    assert_eq!(*client.emulator.tenant(), t0.apply_random(5, 20));
    // The same seed again changes the changed tenant further.
    let (status, body) = request(
        &client.emulator,
        "POST",
        "/_emulator/changes?seed=5&count=20",
        None,
        None,
    )
    .await;
    assert_eq!(
        (status, body),
        (200, json!({"generation": 2, "changes": 20}))
    );
    let t2 = t0.apply_random(5, 20).apply_random(5, 20);
    assert_eq!(*client.emulator.tenant(), t2);
    let (status, _) = request(
        &client.emulator,
        "POST",
        "/_emulator/changes?seed=x",
        None,
        None,
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(client.emulator.requests(), before, "not counted");
    assert_eq!(client.emulator.generation(), 2);
    assert!(
        client.emulator.request_log().len() == 1,
        "only the token request"
    );
}

#[tokio::test]
async fn tenant_hands_out_the_current_tenant_and_keeps_earlier_ones_valid() {
    let t0 = tenant(50, 9);
    let client = Client::start(t0.clone(), Options::default()).await;
    let emulator = &client.emulator;
    let before: &Tenant = emulator.tenant();
    let t1 = t0.apply_random(4, 10);
    assert_eq!(emulator.set_tenant(t1.clone()), 1);
    assert_eq!(*emulator.tenant(), t1);
    assert_eq!(*before, t0);
    assert_eq!(*emulator.current_tenant(), t1);
    assert!(std::ptr::eq(emulator.tenant(), emulator.tenant()));
    assert_eq!(emulator.set_tenant(t0.clone()), 2);
    assert_eq!(*emulator.tenant(), t0);
}

#[tokio::test]
async fn expand_caps_device_pages_at_100() {
    let t = tenant(500, 4);
    assert_eq!(t.devices.len(), 250);
    let client = Client::start(t, Options::default()).await;
    let expanded = "/v1.0/devices?$select=id&$expand=registeredOwners($select=id)&$top=999";
    let (items, pages) = client.all(expanded).await;
    assert_eq!(items.len(), 250);
    assert_eq!(pages, 3);
    let (_, first) = client.get(expanded).await;
    assert_eq!(first["value"].as_array().unwrap().len(), 100);
    let (items, pages) = client.all("/v1.0/devices?$select=id&$top=999").await;
    assert_eq!((items.len(), pages), (250, 1));
    let (items, _) = client
        .all("/v1.0/devices?$select=id&$expand=registeredOwners($select=id)&$top=30")
        .await;
    assert_eq!(items.len(), 250, "a smaller $top is honoured");
}
