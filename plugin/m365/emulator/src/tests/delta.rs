//! Delta queries over real HTTP: first rounds, rounds after changes (with `$select` tracking
//! and `Prefer: return=minimal`), and `members@delta` spread over items and pages.

use super::http::{Client, exchange};
use super::tenant;
use crate::tenant::{group, sku};
use crate::{Change, Options, Tenant};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// The user properties the Microsoft 365 collector selects.
pub(super) const USER_SELECT: &str = "id,userPrincipalName,displayName,mail,accountEnabled,userType,department,jobTitle,usageLocation,createdDateTime,assignedLicenses,licenseAssignmentStates";

/// One delta round: each page's items and the final deltaLink.
pub(super) struct Round {
    pub(super) pages: Vec<Vec<Value>>,
    pub(super) delta_link: String,
}

impl Round {
    pub(super) fn items(&self) -> Vec<&Value> {
        self.pages.iter().flatten().collect()
    }

    /// Items by object ID (each object once).
    pub(super) fn by_id(&self) -> BTreeMap<String, &Value> {
        let mut map = BTreeMap::new();
        for item in self.items() {
            let id = item["id"].as_str().unwrap().to_string();
            assert!(map.insert(id, item).is_none(), "twice: {item}");
        }
        map
    }
}

/// The path and query of a link (absolute or not).
pub(super) fn path_of(link: &str) -> &str {
    match link.find("/v1.0/") {
        Some(at) => &link[at..],
        None => link,
    }
}

/// A GET with extra headers: status, headers and body.
pub(super) async fn get(
    client: &Client,
    link: &str,
    headers: &[(&str, &str)],
) -> (u16, BTreeMap<String, String>, Value) {
    exchange(
        &client.emulator,
        "GET",
        path_of(link),
        Some(&client.token),
        headers,
        None,
    )
    .await
}

/// Follows a round from `link` to its deltaLink, checking the links as Graph writes them.
pub(super) async fn round(client: &Client, link: &str, headers: &[(&str, &str)]) -> Round {
    let (mut pages, mut next) = (Vec::new(), link.to_string());
    loop {
        let (status, _, body) = get(client, &next, headers).await;
        assert_eq!(status, 200, "{next}: {body}");
        pages.push(body["value"].as_array().unwrap().clone());
        match (
            body["@odata.nextLink"].as_str(),
            body["@odata.deltaLink"].as_str(),
        ) {
            (Some(link), None) => {
                let query = link.split_once('?').unwrap().1;
                assert!(
                    query.starts_with("$skiptoken=") && !query.contains('&'),
                    "{link}"
                );
                next = link.to_string();
            }
            (None, Some(link)) => {
                let query = link.split_once('?').unwrap().1;
                assert!(
                    query.starts_with("$deltatoken=") && !query.contains('&'),
                    "{link}"
                );
                return Round {
                    pages,
                    delta_link: link.to_string(),
                };
            }
            _ => panic!("a page has exactly one of the two links: {body}"),
        }
    }
}

/// A group's members as merged from `members@delta` entries: (ID, type) → removed.
pub(super) fn merged_members(items: &[&Value], group: &str) -> BTreeMap<(String, String), bool> {
    let mut members = BTreeMap::new();
    for item in items.iter().filter(|i| i["id"] == json!(group)) {
        for m in item["members@delta"].as_array().into_iter().flatten() {
            let key = (
                m["id"].as_str().unwrap().to_string(),
                m["@odata.type"].as_str().unwrap().to_string(),
            );
            let removed = m.get("@removed").is_some();
            if removed {
                assert_eq!(m["@removed"], json!({"reason": "deleted"}));
            }
            assert!(members.insert(key, removed).is_none(), "twice: {m}");
        }
    }
    members
}

fn small_pages(size: usize) -> Options {
    Options {
        delta_page_size: size,
        ..Options::default()
    }
}

/// A group's direct members as (ID, `@odata.type`).
fn direct(t: &Tenant, g: usize) -> BTreeSet<(String, String)> {
    t.direct_members(g)
        .into_iter()
        .map(|(id, kind)| (id, kind.odata_type().to_string()))
        .collect()
}

#[tokio::test]
async fn a_first_round_lists_everything_then_ends_with_a_delta_link() {
    let client = Client::start(tenant(300, 1), small_pages(50)).await;
    let t = client.emulator.tenant();

    let first = format!("/v1.0/users/delta?$select={USER_SELECT}");
    let (_, _, page) = get(&client, &first, &[]).await;
    assert!(
        page["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/v1.0/$metadata#users({USER_SELECT})"))
    );
    let users = round(&client, &first, &[]).await;
    assert!(users.pages.len() >= 6, "{} pages", users.pages.len());
    let got = users.by_id();
    let want: BTreeSet<&String> = t.users.iter().map(|u| &u.id).collect();
    assert_eq!(got.keys().collect::<BTreeSet<_>>(), want);
    for u in &t.users {
        let mut full = t.user_json(u);
        full.as_object_mut()
            .unwrap()
            .retain(|k, _| USER_SELECT.split(',').any(|s| s == k));
        assert_eq!(*got[&u.id], full);
    }
    assert_eq!(
        client.emulator.requests()["users/delta"],
        1 + users.pages.len() as u64
    );

    // Nothing changed: an empty round and a new deltaLink.
    let again = round(&client, &users.delta_link, &[]).await;
    assert_eq!(again.pages, [Vec::<Value>::new()]);
    let empty = round(&client, &again.delta_link, &[]).await;
    assert!(empty.items().is_empty());

    // Groups, by default with their members: every member of every group.
    let groups = round(&client, "/v1.0/groups/delta", &[]).await;
    let items = groups.items();
    for (g, group) in t.groups.iter().enumerate() {
        let members = merged_members(&items, &group.id);
        let listed: BTreeSet<(String, String)> = members.keys().cloned().collect();
        assert_eq!(listed, direct(t, g), "{}", group.display_name);
        assert!(members.values().all(|removed| !removed));
    }
    let ids: BTreeSet<&str> = items.iter().map(|i| i["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), t.groups.len());
    let licensed = round(
        &client,
        "/v1.0/groups/delta?$select=id,displayName,assignedLicenses",
        &[],
    )
    .await;
    let e3 = licensed.by_id()[&t.groups[group::LICENSE_M365_E3].id].clone();
    assert_eq!(
        e3["assignedLicenses"][0]["skuId"],
        json!(t.skus[sku::M365_E3].sku_id)
    );
    assert!(e3.get("members@delta").is_none(), "members not selected");

    // Devices, without owners (devices delta has no registeredOwners).
    let devices = round(&client, "/v1.0/devices/microsoft.graph.delta()", &[]).await;
    let got = devices.by_id();
    assert_eq!(got.len(), t.devices.len());
    assert!(got.values().all(|d| d.get("registeredOwners").is_none()));
    assert_eq!(*got[&t.devices[0].id], t.device_json(&t.devices[0]));
    assert!(client.emulator.requests()["devices/delta"] >= 3);
}

/// Tenant changes for the round-after-changes test, with what each should give.
struct Script {
    changes: Vec<Change>,
    leaver: String,
    purged: String,
    restored: String,
    renamed: String,
    disabled: String,
    joined_e3: String,
    /// Holds Microsoft 365 E3 directly, then joins the E3 group: only its
    /// `licenseAssignmentStates` change.
    states_only: String,
    deleted_group: String,
    removed_device: String,
}

fn script(t: &Tenant) -> Script {
    let e3 = t.groups[group::LICENSE_M365_E3].id.clone();
    let mut taken = BTreeSet::new();
    let mut pick = |want: &dyn Fn(&crate::tenant::User) -> bool| {
        let u = t
            .users
            .iter()
            .find(|u| !taken.contains(&u.id) && want(u))
            .unwrap();
        taken.insert(u.id.clone());
        u.id.clone()
    };
    let owners: BTreeSet<&String> = t.devices.iter().flat_map(|d| &d.owners).collect();
    let bare = |u: &crate::tenant::User| u.states.is_empty() && u.member_of.is_empty();
    let leaver =
        pick(&|u| owners.contains(&u.id) && u.member_of.iter().any(|g| *g >= group::FIRST_TEAM));
    let renamed = pick(&|u| u.user_type == "Member");
    let disabled = pick(&|u| u.enabled);
    let joined_e3 = pick(&bare);
    let states_only = pick(&bare);
    let teamed = pick(&|u| u.member_of.iter().any(|g| *g >= group::FIRST_TEAM + 2));
    let teamed = t.users.iter().find(|u| u.id == teamed).unwrap();
    let deleted_group = *teamed
        .member_of
        .iter()
        .find(|g| **g >= group::FIRST_TEAM + 2)
        .unwrap();
    let s = Script {
        changes: Vec::new(),
        leaver,
        purged: t.deleted_users[0].id.clone(),
        restored: t.deleted_users[1].id.clone(),
        renamed,
        disabled,
        joined_e3,
        states_only,
        deleted_group: t.groups[deleted_group].id.clone(),
        removed_device: t.devices[1].id.clone(),
    };
    Script {
        changes: vec![
            Change::Leaver {
                user: s.leaver.clone(),
            },
            Change::Purge {
                user: s.purged.clone(),
            },
            Change::Restore {
                user: s.restored.clone(),
            },
            Change::RenameUpn {
                user: s.renamed.clone(),
                upn: "renamed@contoso.onmicrosoft.com".into(),
            },
            Change::Disable {
                user: s.disabled.clone(),
            },
            Change::JoinGroup {
                user: s.joined_e3.clone(),
                group: e3.clone(),
            },
            Change::JoinGroup {
                user: s.states_only.clone(),
                group: e3,
            },
            Change::DeleteGroup {
                group: s.deleted_group.clone(),
            },
            Change::DeviceRemoved {
                device: s.removed_device.clone(),
            },
            Change::DeviceAdded {
                seed: 77,
                owner: None,
            },
            Change::NestGroup {
                group: t.groups[group::FIRST_TEAM + 1].id.clone(),
                parent: t.groups[group::E3_PILOT].id.clone(),
            },
        ],
        ..s
    }
}

/// Direct members (live) and soft-deleted users keeping their membership, of group `id`.
fn membership(t: &Tenant, id: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    let Some(g) = t.groups.iter().position(|g| g.id == id) else {
        return Default::default();
    };
    let live = t.direct_members(g).into_iter().map(|m| m.0).collect();
    let kept = t
        .deleted_users
        .iter()
        .filter(|d| d.user.member_of.contains(&g))
        .map(|d| d.id.clone())
        .collect();
    (live, kept)
}

#[tokio::test]
async fn a_round_after_changes_returns_exactly_what_changed() {
    let mut t0 = tenant(300, 2);
    let s0 = script(&t0);
    // Give the "states only" user Microsoft 365 E3 directly before anything is read.
    t0 = t0.apply(&Change::AddLicence {
        user: s0.states_only.clone(),
        sku: sku::M365_E3,
    });
    let client = Client::start(t0.clone(), small_pages(30)).await;
    let users0 = round(
        &client,
        &format!("/v1.0/users/delta?$select={USER_SELECT}"),
        &[],
    )
    .await;
    let names0 = round(&client, "/v1.0/users/delta?$select=displayName", &[]).await;
    let groups0 = round(
        &client,
        "/v1.0/groups/delta?$select=displayName,members",
        &[],
    )
    .await;
    let devices0 = round(&client, "/v1.0/devices/delta", &[]).await;

    let mut t1 = t0.clone();
    for change in &s0.changes {
        t1 = t1.apply(change);
    }
    assert_eq!(client.emulator.set_tenant(t1.clone()), 1);

    let users = round(&client, &users0.delta_link, &[]).await;
    let got = users.by_id();
    let joiner = |id: &String| t1.users.iter().find(|u| u.id == *id).unwrap();
    let expected: BTreeSet<&String> = [
        &s0.leaver,
        &s0.purged,
        &s0.restored,
        &s0.renamed,
        &s0.disabled,
        &s0.joined_e3,
    ]
    .into();
    assert_eq!(got.keys().collect::<BTreeSet<_>>(), expected, "{got:#?}");
    assert_eq!(
        got[&s0.leaver],
        &json!({"id": s0.leaver, "@removed": {"reason": "changed"}})
    );
    assert_eq!(
        got[&s0.purged],
        &json!({"id": s0.purged, "@removed": {"reason": "deleted"}})
    );
    let restored = got[&s0.restored].as_object().unwrap();
    assert_eq!(
        restored.len(),
        USER_SELECT.split(',').count(),
        "all selected: {restored:?}"
    );
    assert_eq!(
        got[&s0.renamed]["userPrincipalName"],
        "renamed@contoso.onmicrosoft.com"
    );
    assert_eq!(got[&s0.disabled]["accountEnabled"], false);
    let held = &got[&s0.joined_e3]["assignedLicenses"];
    assert_eq!(held[0]["skuId"], json!(t1.skus[sku::M365_E3].sku_id));
    assert_eq!(
        got[&s0.joined_e3]["licenseAssignmentStates"],
        t1.user_json(joiner(&s0.joined_e3))["licenseAssignmentStates"]
    );
    // Graph does not track licenseAssignmentStates: a change there alone is not reported.
    assert!(!got.contains_key(&s0.states_only));

    // `$select` is what is tracked: only the (re)appearing and removed users have news.
    let names = round(&client, &names0.delta_link, &[]).await;
    let ids: BTreeSet<String> = names.by_id().into_keys().collect();
    assert_eq!(
        ids,
        [&s0.leaver, &s0.purged, &s0.restored]
            .into_iter()
            .cloned()
            .collect()
    );

    // Groups: the deleted one, and exactly the membership changes of the others.
    let groups = round(&client, &groups0.delta_link, &[]).await;
    let items = groups.items();
    let mut changed = BTreeSet::new();
    for g in t0.groups.iter().chain(&t1.groups) {
        let ((live0, kept0), (live1, kept1)) = (membership(&t0, &g.id), membership(&t1, &g.id));
        let added: BTreeSet<&String> = live1.difference(&live0).collect();
        let all1: BTreeSet<&String> = live1.iter().chain(&kept1).collect();
        let removed: BTreeSet<&String> = live0
            .iter()
            .chain(&kept0)
            .filter(|m| !all1.contains(m))
            .collect();
        let merged = merged_members(&items, &g.id);
        let got_added: BTreeSet<&String> = merged
            .iter()
            .filter(|(_, r)| !**r)
            .map(|(k, _)| &k.0)
            .collect();
        let got_removed: BTreeSet<&String> = merged
            .iter()
            .filter(|(_, r)| **r)
            .map(|(k, _)| &k.0)
            .collect();
        if g.id == s0.deleted_group {
            continue;
        }
        assert_eq!(got_added, added, "{}", g.display_name);
        assert_eq!(got_removed, removed, "{}", g.display_name);
        if !added.is_empty() || !removed.is_empty() {
            changed.insert(g.id.clone());
        }
    }
    let deleted: Vec<&&Value> = items
        .iter()
        .filter(|i| i["id"] == json!(s0.deleted_group))
        .collect();
    assert_eq!(
        deleted,
        [&&json!({"id": s0.deleted_group, "@removed": {"reason": "deleted"}})]
    );
    changed.insert(s0.deleted_group.clone());
    let listed: BTreeSet<String> = items
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(listed, changed);
    let e3 = merged_members(&items, &t0.groups[group::LICENSE_M365_E3].id);
    assert!(e3.contains_key(&(s0.joined_e3.clone(), "#microsoft.graph.user".into())));
    assert!(e3.contains_key(&(s0.states_only.clone(), "#microsoft.graph.user".into())));
    let pilot = merged_members(&items, &t0.groups[group::E3_PILOT].id);
    let nested = (
        t0.groups[group::FIRST_TEAM + 1].id.clone(),
        "#microsoft.graph.group".to_string(),
    );
    assert_eq!(pilot.get(&nested), Some(&false));
    // A soft-deleted user keeps its memberships until purged.
    assert!(items.iter().all(|i| {
        i["members@delta"]
            .as_array()
            .into_iter()
            .flatten()
            .all(|m| m["id"] != json!(s0.leaver))
    }));

    // Devices: one removed, one added.
    let devices = round(&client, &devices0.delta_link, &[]).await;
    let got = devices.by_id();
    assert_eq!(got.len(), 2, "{got:#?}");
    assert_eq!(
        got[&s0.removed_device],
        &json!({"id": s0.removed_device, "@removed": {"reason": "deleted"}})
    );
    let added = t1.devices.last().unwrap();
    assert_eq!(*got[&added.id], t1.device_json(added));

    // Tracking licence states when asked to.
    let tracking = Options {
        delta_tracks_licence_states: true,
        ..small_pages(30)
    };
    let client = Client::start(t0.clone(), tracking).await;
    let before = round(
        &client,
        &format!("/v1.0/users/delta?$select={USER_SELECT}"),
        &[],
    )
    .await;
    client.emulator.set_tenant(t1.clone());
    let after = round(&client, &before.delta_link, &[]).await;
    assert!(after.by_id().contains_key(&s0.states_only));
}

#[tokio::test]
async fn return_minimal_gives_the_id_and_the_changed_properties() {
    let t0 = tenant(200, 3);
    let client = Client::start(t0.clone(), small_pages(40)).await;
    let users0 = round(
        &client,
        &format!("/v1.0/users/delta?$select={USER_SELECT}"),
        &[],
    )
    .await;
    let groups0 = round(&client, "/v1.0/groups/delta", &[]).await;
    let named = t0
        .users
        .iter()
        .find(|u| u.department.is_none())
        .unwrap()
        .id
        .clone();
    let disabled = t0
        .users
        .iter()
        .find(|u| u.enabled && u.id != named)
        .unwrap()
        .id
        .clone();
    let bare = t0
        .users
        .iter()
        .find(|u| u.member_of.is_empty())
        .unwrap()
        .id
        .clone();
    let team = t0.groups[group::FIRST_TEAM].id.clone();
    let t1 = t0
        .apply(&Change::RenameDisplayName {
            user: named.clone(),
            display_name: "Zoë Zed".into(),
        })
        .apply(&Change::Disable {
            user: disabled.clone(),
        })
        .apply(&Change::JoinGroup {
            user: bare.clone(),
            group: team.clone(),
        });
    client.emulator.set_tenant(t1.clone());

    let minimal = [("Prefer", "return=minimal")];
    let (status, headers, _) = get(&client, &users0.delta_link, &minimal).await;
    assert_eq!(status, 200);
    assert_eq!(headers["preference-applied"], "return=minimal");
    let users = round(&client, &users0.delta_link, &minimal).await;
    let got = users.by_id();
    assert_eq!(got.len(), 2);
    assert_eq!(got[&named], &json!({"id": named, "displayName": "Zoë Zed"}));
    assert_eq!(
        got[&disabled],
        &json!({"id": disabled, "accountEnabled": false})
    );

    // Without the header: every selected property but those never set.
    let (_, headers, _) = get(&client, &users0.delta_link, &[]).await;
    assert!(!headers.contains_key("preference-applied"));
    let full = round(&client, &users0.delta_link, &[]).await;
    let item = full.by_id()[&named].as_object().unwrap().clone();
    assert_eq!(item["displayName"], "Zoë Zed");
    assert!(item.contains_key("userPrincipalName") && item.contains_key("assignedLicenses"));
    assert!(
        !item.contains_key("department"),
        "null before and after: never set"
    );

    // A membership change alone: the group's ID and the member.
    let groups = round(&client, &groups0.delta_link, &minimal).await;
    let got = groups.by_id();
    assert_eq!(
        got[&team],
        &json!({"id": team, "members@delta": [{"@odata.type": "#microsoft.graph.user", "id": bare}]})
    );
}

#[tokio::test]
async fn a_large_group_spreads_its_members_over_items_and_pages() {
    let options = Options {
        delta_page_size: 4,
        delta_members_per_item: 20,
        ragged_pages: false,
        ..Options::default()
    };
    let t0 = tenant(600, 3);
    let client = Client::start(t0.clone(), options).await;
    let e3 = t0.groups[group::LICENSE_M365_E3].id.clone();
    let want = direct(&t0, group::LICENSE_M365_E3);
    assert!(want.len() > 100);

    let first = round(
        &client,
        "/v1.0/groups/delta?$select=id,displayName,members",
        &[],
    )
    .await;
    let pages: Vec<usize> = (0..first.pages.len())
        .filter(|p| first.pages[*p].iter().any(|i| i["id"] == json!(e3)))
        .collect();
    assert!(pages.len() >= 2, "the group appears on pages {pages:?}");
    assert!(first.pages.iter().all(|p| p.len() <= 4));
    let items = first.items();
    let slices: Vec<&&Value> = items.iter().filter(|i| i["id"] == json!(e3)).collect();
    assert_eq!(slices.len(), want.len().div_ceil(20));
    for slice in &slices {
        assert_eq!(slice["displayName"], "License - Microsoft 365 E3");
        assert!(slice["members@delta"].as_array().unwrap().len() <= 20);
    }
    let merged = merged_members(&items, &e3);
    assert_eq!(merged.keys().cloned().collect::<BTreeSet<_>>(), want);

    // 90 members leave and 3 users join: 93 entries, in 5 items of the same group over 2 pages.
    let leaving: Vec<String> = t0
        .users
        .iter()
        .filter(|u| u.member_of.contains(&group::LICENSE_M365_E3))
        .take(90)
        .map(|u| u.id.clone())
        .collect();
    let joining: Vec<String> = t0
        .users
        .iter()
        .filter(|u| u.member_of.is_empty())
        .take(3)
        .map(|u| u.id.clone())
        .collect();
    let mut t1 = t0.clone();
    for user in &leaving {
        t1 = t1.apply(&Change::LeaveGroup {
            user: user.clone(),
            group: e3.clone(),
        });
    }
    for user in &joining {
        t1 = t1.apply(&Change::JoinGroup {
            user: user.clone(),
            group: e3.clone(),
        });
    }
    client.emulator.set_tenant(t1);
    let later = round(&client, &first.delta_link, &[]).await;
    assert_eq!(later.pages.iter().map(Vec::len).collect::<Vec<_>>(), [4, 1]);
    let items = later.items();
    assert!(items.iter().all(|i| i["id"] == json!(e3)));
    let merged = merged_members(&items, &e3);
    let (removed, added): (Vec<_>, Vec<_>) = merged.iter().partition(|(_, r)| **r);
    let ids = |list: Vec<(&(String, String), &bool)>| -> BTreeSet<String> {
        list.into_iter().map(|(k, _)| k.0.clone()).collect()
    };
    assert_eq!(ids(removed), leaving.into_iter().collect());
    assert_eq!(ids(added), joining.into_iter().collect());
}
