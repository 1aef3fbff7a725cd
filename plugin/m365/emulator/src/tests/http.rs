//! The endpoints over real HTTP: sign-in checks, member paging, devices, deleted users,
//! subscriptions, and the same requests inside `$batch`.

use super::tenant;
use crate::tenant::group;
use crate::{Emulator, Fault, FaultRule, Options, Tenant, Trigger};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A started emulator and a token for it.
pub(super) struct Client {
    pub(super) emulator: Emulator,
    pub(super) token: String,
}

impl Client {
    pub(super) async fn start(tenant: Tenant, options: Options) -> Client {
        let emulator = Emulator::start(tenant, options, 0).await.unwrap();
        let t = emulator.tenant();
        let form = format!(
            "grant_type=client_credentials&client_id={}&client_secret={}&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default",
            t.client_id, t.client_secret
        );
        let path = format!("/{}/oauth2/v2.0/token", t.tenant_id);
        let (status, body) = request(&emulator, "POST", &path, None, Some(&form)).await;
        assert_eq!(status, 200, "{body}");
        let token = body["access_token"].as_str().unwrap().to_string();
        Client { emulator, token }
    }

    /// `GET` of a path (with its query) or of an absolute `@odata.nextLink`.
    pub(super) async fn get(&self, path_or_url: &str) -> (u16, Value) {
        let path = match path_or_url.find("/v1.0/") {
            Some(at) if path_or_url.starts_with("http") => &path_or_url[at..],
            _ => path_or_url,
        };
        request(&self.emulator, "GET", path, Some(&self.token), None).await
    }

    /// Every item of a collection, following `@odata.nextLink`; also the number of pages.
    pub(super) async fn all(&self, path: &str) -> (Vec<Value>, usize) {
        let (mut items, mut pages, mut next) = (Vec::new(), 0, Some(path.to_string()));
        while let Some(url) = next {
            let (status, body) = self.get(&url).await;
            assert_eq!(status, 200, "{url}: {body}");
            items.extend(body["value"].as_array().unwrap().iter().cloned());
            next = body["@odata.nextLink"].as_str().map(String::from);
            pages += 1;
        }
        (items, pages)
    }

    pub(super) async fn batch(&self, requests: Value) -> Value {
        let body = json!({ "requests": requests }).to_string();
        let (status, answer) = request(
            &self.emulator,
            "POST",
            "/v1.0/$batch",
            Some(&self.token),
            Some(&body),
        )
        .await;
        assert_eq!(status, 200, "{answer}");
        answer
    }
}

/// One HTTP/1.1 request on a fresh connection; the status and the JSON body.
pub(super) async fn request(
    emulator: &Emulator,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> (u16, Value) {
    let (status, _, body) = exchange(emulator, method, path, token, &[], body).await;
    (status, body)
}

/// One HTTP/1.1 request with extra headers on a fresh connection; the status, the response
/// headers (names lowercased) and the JSON body (`null` if none).
pub(super) async fn exchange(
    emulator: &Emulator,
    method: &str,
    path: &str,
    token: Option<&str>,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> (u16, BTreeMap<String, String>, Value) {
    let mut stream = tokio::net::TcpStream::connect(emulator.addr())
        .await
        .unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n",
        emulator.addr()
    );
    if let Some(token) = token {
        head.push_str(&format!("Authorization: Bearer {token}\r\n"));
    }
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if let Some(body) = body {
        let kind = if body.starts_with('{') {
            "application/json"
        } else {
            "application/x-www-form-urlencoded"
        };
        head.push_str(&format!(
            "Content-Type: {kind}\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    head.push_str("\r\n");
    head.push_str(body.unwrap_or_default());
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    let text = String::from_utf8(raw).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    assert!(!head.to_lowercase().contains("transfer-encoding: chunked"));
    let headers = head
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_lowercase(), v.trim().to_string()))
        .collect();
    (
        status,
        headers,
        serde_json::from_str(body).unwrap_or(Value::Null),
    )
}

fn with_audit_log() -> Options {
    let mut options = Options::default();
    options.roles.push("AuditLog.Read.All".into());
    options
}

const SIGN_INS: &str = "/v1.0/users?$select=id,signInActivity&$top=500";

#[tokio::test]
async fn sign_ins_need_the_audit_log_role() {
    let client = Client::start(tenant(50, 1), Options::default()).await;
    let (status, body) = client.get(SIGN_INS).await;
    assert_eq!(status, 403);
    assert_eq!(body["error"]["code"], "Authorization_RequestDenied");
    assert_eq!(
        body["error"]["message"],
        "Insufficient privileges to complete the operation."
    );
    assert!(body["error"]["innerError"]["request-id"].is_string());
    // Users without signInActivity are still served.
    assert_eq!(client.get("/v1.0/users?$select=id").await.0, 200);
    let counts = client.emulator.requests();
    assert_eq!(counts["signInActivity"], 1);
    assert_eq!(counts["users"], 1);
}

#[tokio::test]
async fn sign_ins_need_a_premium_tenant() {
    let mut t = tenant(50, 1);
    t.premium = false;
    let client = Client::start(t, with_audit_log()).await;
    let (status, body) = client.get(SIGN_INS).await;
    assert_eq!(status, 403);
    assert_eq!(
        body["error"]["code"],
        "Authentication_RequestFromNonPremiumTenantOrB2CTenant"
    );
    assert_eq!(
        body["error"]["message"],
        "Neither tenant is B2C or tenant doesn't have premium license"
    );
}

#[tokio::test]
async fn sign_ins_are_paged_up_to_500() {
    let client = Client::start(tenant(1200, 2), with_audit_log()).await;
    let (status, body) = client
        .get("/v1.0/users?$select=id,signInActivity&$top=999")
        .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["code"], "Request_UnsupportedQuery");

    let (users, pages) = client.all(SIGN_INS).await;
    assert_eq!(users.len(), 1200);
    assert!(pages >= 3);
    let t = client.emulator.tenant();
    let mut seen = (false, false, false);
    for (item, user) in users.iter().zip(&t.users) {
        assert_eq!(item["id"], json!(user.id));
        let activity = &item["signInActivity"];
        let keys: Vec<&String> = item.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["id", "signInActivity"]);
        match &user.sign_in {
            None => {
                assert!(activity.is_null());
                seen.0 = true;
            }
            Some(s) => {
                assert_eq!(activity.as_object().unwrap().len(), 6);
                if let Some(time) = &s.last_sign_in {
                    assert_eq!(activity["lastSignInDateTime"], json!(time));
                    assert_eq!(activity["lastSignInRequestId"].as_str().unwrap().len(), 36);
                }
                match activity["lastNonInteractiveSignInDateTime"].as_str() {
                    Some("0001-01-01T00:00:00Z") => seen.1 = true,
                    None => seen.2 = true,
                    Some(t) => assert_eq!(s.last_non_interactive.as_deref(), Some(t)),
                }
            }
        }
    }
    assert_eq!(
        seen,
        (true, true, true),
        "null, placeholder and absent times all appear"
    );
}

#[tokio::test]
async fn members_of_a_large_group_come_once_each() {
    let client = Client::start(tenant(2000, 7), Options::default()).await;
    let t = client.emulator.tenant();
    let g = &t.groups[group::LICENSE_M365_E3];
    let path = format!("/v1.0/groups/{}/members?$select=id&$top=50", g.id);
    let (items, pages) = client.all(&path).await;
    let expected = t.direct_members(group::LICENSE_M365_E3);
    assert!(expected.len() > 400);
    assert!(pages > expected.len() / 50);
    let got: Vec<(String, String)> = items
        .iter()
        .map(|i| {
            assert_eq!(i.as_object().unwrap().len(), 2, "{i}");
            (
                i["id"].as_str().unwrap().into(),
                i["@odata.type"].as_str().unwrap().into(),
            )
        })
        .collect();
    let want: Vec<(String, String)> = expected
        .iter()
        .map(|(id, kind)| (id.clone(), kind.odata_type().to_string()))
        .collect();
    assert_eq!(got, want);
    assert_eq!(client.emulator.requests()["members"], pages as u64);

    // Every kind of member, all of them, over all groups.
    let mut count = 0;
    let mut kinds = BTreeSet::new();
    for (i, group) in t.groups.iter().enumerate() {
        let path = format!("/v1.0/groups/{}/members?$select=id&$top=999", group.id);
        let (items, _) = client.all(&path).await;
        assert_eq!(items.len(), t.direct_members(i).len());
        count += items.len();
        kinds.extend(
            items
                .iter()
                .map(|i| i["@odata.type"].as_str().unwrap().to_string()),
        );
    }
    assert_eq!(count, t.membership_count());
    assert_eq!(kinds.len(), 5);

    let (status, body) = client
        .get("/v1.0/groups/00000000-0000-4000-8000-000000000000/members")
        .await;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["code"], "Request_ResourceNotFound");
}

#[tokio::test]
async fn transitive_members_include_nested_users_and_the_nested_group() {
    let client = Client::start(tenant(600, 3), Options::default()).await;
    let t = client.emulator.tenant();
    let g = &t.groups[group::LICENSE_M365_E3];
    let (items, _) = client
        .all(&format!(
            "/v1.0/groups/{}/transitiveMembers?$select=id,displayName&$top=100",
            g.id
        ))
        .await;
    let ids: Vec<&str> = items.iter().map(|i| i["id"].as_str().unwrap()).collect();
    let unique: BTreeSet<&str> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "each member once");
    let users: BTreeSet<String> = items
        .iter()
        .filter(|i| i["@odata.type"] == "#microsoft.graph.user")
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(users, t.transitive_user_members(group::LICENSE_M365_E3));
    let pilot = &t.groups[group::E3_PILOT];
    let nested = items.iter().find(|i| i["id"] == json!(pilot.id)).unwrap();
    assert_eq!(nested["@odata.type"], "#microsoft.graph.group");
    assert_eq!(nested["displayName"], "E3 pilot");
    assert_eq!(
        client.emulator.requests()["transitiveMembers"],
        1 + items.len() as u64 / 100
    );
}

#[tokio::test]
async fn devices_expand_their_owners_only_when_asked() {
    let client = Client::start(tenant(300, 4), Options::default()).await;
    let t = client.emulator.tenant();
    let (plain, _) = client
        .all("/v1.0/devices?$select=id,deviceId,trustType&$top=40")
        .await;
    assert_eq!(plain.len(), t.devices.len());
    assert!(plain.iter().all(|d| d.get("registeredOwners").is_none()));
    assert_eq!(plain[0].as_object().unwrap().len(), 3);

    let (expanded, _) = client
        .all("/v1.0/devices?$select=id,displayName&$expand=registeredOwners($select=id)&$top=40")
        .await;
    let mut owners = 0;
    for (item, device) in expanded.iter().zip(&t.devices) {
        assert_eq!(item["id"], json!(device.id));
        let listed: Vec<&str> = item["registeredOwners"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| {
                assert_eq!(o["@odata.type"], "#microsoft.graph.user");
                o["id"].as_str().unwrap()
            })
            .collect();
        assert_eq!(listed, device.owners);
        owners += listed.len();
    }
    assert_eq!(owners, t.device_owner_count());
}

#[tokio::test]
async fn deleted_users_and_subscriptions_are_served() {
    let client = Client::start(tenant(1000, 5), Options::default()).await;
    let t = client.emulator.tenant();
    let (status, body) = client
        .get("/v1.0/directory/deletedItems/microsoft.graph.user?$select=id,userPrincipalName,deletedDateTime,assignedLicenses&$top=2")
        .await;
    assert_eq!(status, 200);
    assert!(
        body["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with("$metadata#directory/deletedItems/microsoft.graph.user")
    );
    let (deleted, _) = client
        .all("/v1.0/directory/deletedItems/microsoft.graph.user?$select=id,deletedDateTime,assignedLicenses&$top=2")
        .await;
    assert_eq!(deleted.len(), t.deleted_users.len());
    for (item, d) in deleted.iter().zip(&t.deleted_users) {
        assert_eq!(item["deletedDateTime"], json!(d.deleted));
        assert_eq!(
            item["assignedLicenses"].as_array().unwrap().len(),
            d.licenses.len()
        );
    }

    let (status, body) = client.get("/v1.0/directory/subscriptions").await;
    assert_eq!(status, 200);
    let subs = body["value"].as_array().unwrap();
    assert_eq!(subs.len(), t.subscriptions.len());
    let keys: BTreeSet<&str> = subs[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        BTreeSet::from([
            "id",
            "commerceSubscriptionId",
            "createdDateTime",
            "isTrial",
            "nextLifecycleDateTime",
            "ownerId",
            "ownerTenantId",
            "ownerType",
            "serviceStatus",
            "skuId",
            "skuPartNumber",
            "status",
            "totalLicenses",
        ])
    );
    for (item, s) in subs.iter().zip(t.expected_subscriptions()) {
        assert_eq!(item["id"], json!(s.id));
        assert_eq!(item["skuId"], json!(s.sku_id));
        assert_eq!(item["status"], json!(s.status));
        assert_eq!(item["totalLicenses"], json!(s.total_licenses));
        assert_eq!(item["nextLifecycleDateTime"], json!(s.next_lifecycle));
    }
    let (_, skus) = client.get("/v1.0/subscribedSkus").await;
    let listed: usize = skus["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["subscriptionIds"].as_array().unwrap().len())
        .sum();
    assert_eq!(listed, t.subscriptions.len());
    let counts = client.emulator.requests();
    assert_eq!(counts["deletedUsers"], 1 + deleted.len().div_ceil(2) as u64);
    assert_eq!(counts["subscriptions"], 1);
}

#[tokio::test]
async fn batch_routes_the_new_endpoints() {
    let client = Client::start(tenant(400, 6), with_audit_log()).await;
    let t = client.emulator.tenant();
    let g = &t.groups[group::LICENSE_M365_E3];
    let answer = client
        .batch(json!([
            {"id": "1", "method": "GET", "url": format!("/groups/{}/members?$select=id&$top=999", g.id)},
            {"id": "2", "method": "GET", "url": "/directory/subscriptions"},
            {"id": "3", "method": "GET", "url": format!("/groups/{}/transitiveMembers?$select=id&$top=999", g.id)},
            {"id": "4", "method": "GET", "url": "/users?$select=id,signInActivity&$top=100"},
            {"id": "5", "method": "GET", "url": "/devices?$select=id&$expand=registeredOwners($select=id)&$top=5"},
            {"id": "6", "method": "GET", "url": "/directory/deletedItems/microsoft.graph.user?$select=id"},
        ]))
        .await;
    let by_id: BTreeMap<&str, &Value> = answer["responses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["id"].as_str().unwrap(), r))
        .collect();
    for (id, r) in &by_id {
        assert_eq!(r["status"], 200, "request {id}: {r}");
    }
    let members = by_id["1"]["body"]["value"].as_array().unwrap();
    assert_eq!(
        members.len(),
        t.direct_members(group::LICENSE_M365_E3).len()
    );
    assert!(by_id["1"]["body"].get("@odata.nextLink").is_none());
    assert_eq!(
        by_id["2"]["body"]["value"].as_array().unwrap().len(),
        t.subscriptions.len()
    );
    assert!(
        by_id["4"]["body"]["value"][0]
            .get("signInActivity")
            .is_some()
    );
    assert!(
        by_id["4"]["body"]["@odata.nextLink"]
            .as_str()
            .unwrap()
            .contains("$skiptoken=")
    );
    assert!(by_id["5"]["body"]["value"][0]["registeredOwners"].is_array());
    let counts = client.emulator.requests();
    for endpoint in [
        "batch",
        "members",
        "subscriptions",
        "transitiveMembers",
        "signInActivity",
        "devices",
        "deletedUsers",
    ] {
        assert_eq!(counts[endpoint], 1, "{endpoint}: {counts:?}");
    }
}

#[tokio::test]
async fn faults_reach_the_new_endpoints_inside_a_batch() {
    let options = Options {
        faults: vec![
            FaultRule::new("members", Trigger::Nth(vec![2]), Fault::Throttle(None)),
            FaultRule::new("subscriptions", Trigger::Always, Fault::Status(503)),
        ],
        ..Options::default()
    };
    let client = Client::start(tenant(100, 1), options).await;
    let t = client.emulator.tenant();
    let url = |g: usize| format!("/groups/{}/members?$select=id", t.groups[g].id);
    let answer = client
        .batch(json!([
            {"id": "a", "method": "GET", "url": url(0)},
            {"id": "b", "method": "GET", "url": url(1)},
            {"id": "c", "method": "GET", "url": "/directory/subscriptions"},
        ]))
        .await;
    let statuses: Vec<&Value> = answer["responses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["status"])
        .collect();
    assert_eq!(statuses, [&json!(200), &json!(429), &json!(503)]);
    let injected = client.emulator.faults_injected();
    assert_eq!(injected["members"], 1);
    assert_eq!(injected["subscriptions"], 1);
}
