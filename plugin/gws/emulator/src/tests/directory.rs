//! The Directory API over HTTP: bearer, scope and administrator checks, paging, users' fields,
//! nested groups, outside members and the whole-customer member.

use super::http::{admin_token, all, get, send, token_for};
use super::{serve, tenant};
use crate::tenant::MemberRef;
use crate::{Options, scopes};
use std::collections::BTreeSet;

#[tokio::test]
async fn credentials_scopes_and_administrators_are_checked() {
    let emulator = serve(tenant(60), Options::default()).await;
    let path = "/admin/directory/v1/users?customer=my_customer";

    let answer = send(&emulator, "GET", path, None, None).await;
    assert_eq!(answer.status, 401);
    assert_eq!(answer.body["error"]["status"], "UNAUTHENTICATED");

    let answer = get(&emulator, path, "ya29.not-a-token").await;
    assert_eq!(answer.status, 401);
    assert_eq!(answer.body["error"]["code"], 401);
    assert_eq!(answer.body["error"]["errors"][0]["reason"], "authError");
    assert!(
        answer.body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("Request had invalid authentication credentials.")
    );
    assert!(answer.headers["www-authenticate"].contains("invalid_token"));

    let admin = emulator.tenant().admin_email().to_string();
    let licensing_only = token_for(&emulator, &admin, &[scopes::LICENSING]).await;
    let answer = get(&emulator, path, &licensing_only).await;
    assert_eq!(answer.status, 403);
    assert_eq!(answer.body["error"]["status"], "PERMISSION_DENIED");
    assert_eq!(
        answer.body["error"]["errors"][0]["reason"],
        "insufficientPermissions"
    );

    let t = emulator.tenant();
    for user in [
        t.users
            .iter()
            .find(|u| !u.is_admin && !u.is_delegated_admin),
        t.users.iter().find(|u| u.is_delegated_admin),
    ]
    .into_iter()
    .flatten()
    {
        let token = token_for(&emulator, &user.primary_email, &[scopes::USER_READONLY]).await;
        let answer = get(&emulator, path, &token).await;
        assert_eq!(answer.status, 403, "{}", user.primary_email);
        assert_eq!(
            answer.body["error"]["message"],
            "Not Authorized to access this resource/api"
        );
        assert_eq!(answer.body["error"]["errors"][0]["domain"], "global");
        assert_eq!(answer.body["error"]["errors"][0]["reason"], "forbidden");
    }

    let token = admin_token(&emulator).await;
    assert_eq!(
        get(&emulator, "/admin/directory/v1/users", &token)
            .await
            .status,
        400
    );
    let other = "/admin/directory/v1/users?customer=C0someone";
    assert_eq!(get(&emulator, other, &token).await.status, 403);
    let by_domain = "/admin/directory/v1/users?domain=acme.example";
    assert_eq!(get(&emulator, by_domain, &token).await.status, 200);
}

#[tokio::test]
async fn paging_returns_every_user_exactly_once() {
    let emulator = serve(tenant(1234), Options::default()).await;
    let token = admin_token(&emulator).await;
    let t = emulator.tenant();

    let first = get(
        &emulator,
        "/admin/directory/v1/users?customer=my_customer",
        &token,
    )
    .await;
    assert_eq!(first.body["kind"], "admin#directory#users");
    assert_eq!(first.body["users"].as_array().unwrap().len(), 100);
    let too_many = "/admin/directory/v1/users?customer=my_customer&maxResults=501";
    let answer = get(&emulator, too_many, &token).await;
    assert_eq!(answer.status, 400);
    assert_eq!(answer.body["error"]["errors"][0]["reason"], "invalid");

    let path = format!(
        "/admin/directory/v1/users?customer={}&maxResults=500&projection=full",
        t.customer_id
    );
    let (users, pages) = all(&emulator, &path, &token, "users").await;
    assert_eq!(pages, 3);
    let ids: BTreeSet<&str> = users.iter().map(|u| u["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 1234);
    assert_eq!(users.len(), 1234);
    let expected = emulator.expected().counts;
    let count = |f: &dyn Fn(&serde_json::Value) -> bool| users.iter().filter(|u| f(u)).count();
    assert_eq!(count(&|u| u["suspended"] == true), expected.suspended);
    assert_eq!(count(&|u| u["archived"] == true), expected.archived);
    assert_eq!(count(&|u| u["isAdmin"] == true), expected.admins);
    assert_eq!(
        count(&|u| u["lastLoginTime"] == "1970-01-01T00:00:00.000Z"),
        expected.never_logged_in
    );
    assert!(expected.never_logged_in > 0 && expected.suspended > 0 && expected.archived > 0);
    let u = &users[0];
    assert_eq!(u["kind"], "admin#directory#user");
    assert_eq!(u["primaryEmail"], t.admin_email());
    assert_eq!(u["customerId"], t.customer_id);
    assert_eq!(u["emails"][0]["primary"], true);
    assert!(u["name"]["fullName"].is_string());
    assert!(u["creationTime"].as_str().unwrap().ends_with(".000Z"));
    let suspended = users.iter().find(|u| u["suspended"] == true).unwrap();
    assert_eq!(suspended["suspensionReason"], "ADMIN");

    let bad = format!("{path}&pageToken=bm90LWEtdG9rZW4");
    assert_eq!(get(&emulator, &bad, &token).await.status, 400);
}

#[tokio::test]
async fn nested_groups_outside_members_and_the_customer_member_keep_their_types() {
    let emulator = serve(tenant(300), Options::default()).await;
    let token = admin_token(&emulator).await;
    let t = emulator.tenant();
    let expected = emulator.expected().counts;

    let (groups, pages) = all(
        &emulator,
        "/admin/directory/v1/groups?customer=my_customer&maxResults=5",
        &token,
        "groups",
    )
    .await;
    assert_eq!(groups.len(), expected.groups);
    assert!(pages > 1);
    assert_eq!(groups[0]["kind"], "admin#directory#group");
    assert!(groups.iter().any(|g| g["adminCreated"] == false));

    let (mut members, mut nested, mut external, mut customer) = (0, 0, 0, 0);
    for g in &groups {
        let id = g["id"].as_str().unwrap();
        let path = format!("/admin/directory/v1/groups/{id}/members?maxResults=50");
        let (listed, _) = all(&emulator, &path, &token, "members").await;
        assert_eq!(
            listed.len().to_string(),
            g["directMembersCount"].as_str().unwrap()
        );
        members += listed.len();
        for m in &listed {
            assert_eq!(m["kind"], "admin#directory#member");
            assert!(["OWNER", "MANAGER", "MEMBER"].contains(&m["role"].as_str().unwrap()));
            match m["type"].as_str().unwrap() {
                "GROUP" => nested += 1,
                "CUSTOMER" => {
                    customer += 1;
                    assert_eq!(m["id"], t.customer_id);
                    assert!(m.get("email").is_none());
                }
                "USER" => {
                    let email = m["email"].as_str().unwrap();
                    if !email.ends_with("@acme.example") {
                        external += 1;
                    }
                }
                other => panic!("unexpected member type {other}"),
            }
        }
    }
    assert_eq!(members, expected.memberships);
    assert_eq!(nested, expected.nested);
    assert_eq!(external, expected.external);
    assert_eq!(customer, expected.customer_members);
    assert!(nested >= 2 && external > 0 && customer == 1);

    // all-staff → engineering → eng-platform, looked up by address.
    let path = "/admin/directory/v1/groups/engineering@acme.example/members?roles=MEMBER";
    let (listed, _) = all(&emulator, path, &token, "members").await;
    let inner = listed.iter().find(|m| m["type"] == "GROUP").unwrap();
    assert_eq!(inner["email"], "eng-platform@acme.example");
    assert!(listed.iter().all(|m| m["role"] == "MEMBER"));
    let g = t.group_index("all-staff@acme.example").unwrap();
    assert!(
        t.groups[g]
            .members
            .iter()
            .any(|m| m.member == MemberRef::Group(1))
    );

    let missing = get(
        &emulator,
        "/admin/directory/v1/groups/nope@acme.example/members",
        &token,
    )
    .await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.body["error"]["errors"][0]["reason"], "notFound");

    let answer = get(
        &emulator,
        "/admin/directory/v1/customers/my_customer",
        &token,
    )
    .await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body["kind"], "admin#directory#customer");
    assert_eq!(answer.body["id"], t.customer_id);
    assert_eq!(answer.body["customerDomain"], "acme.example");
}
