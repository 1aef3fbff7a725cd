//! Delta queries' edges: expired and unknown tokens (each documented answer), refused query
//! options, `$filter` by ID, `$deltatoken=latest`, faults and `$batch`.

use super::delta::{get, path_of, round};
use super::http::Client;
use super::tenant;
use crate::{Change, ExpiredDelta, Fault, FaultRule, Options, Trigger};
use serde_json::{Value, json};

#[tokio::test]
async fn expired_tokens_get_each_documented_answer() {
    for variant in [
        ExpiredDelta::SyncStateNotFound,
        ExpiredDelta::ResyncRequired,
        ExpiredDelta::Gone,
    ] {
        let options = Options {
            expired_delta: variant,
            delta_page_size: 40,
            ..Options::default()
        };
        let client = Client::start(tenant(100, 1), options).await;
        let first = round(&client, "/v1.0/users/delta?$select=id,displayName", &[]).await;
        let (_, _, page) = get(&client, "/v1.0/users/delta?$select=id,displayName", &[]).await;
        let next = page["@odata.nextLink"].as_str().unwrap().to_string();
        client.emulator.expire_delta_tokens();
        for link in [
            &first.delta_link,
            &next,
            &"/v1.0/users/delta?$deltatoken=bm90IGEgdG9rZW4".to_string(),
        ] {
            let (status, headers, body) = get(&client, link, &[]).await;
            match variant {
                ExpiredDelta::SyncStateNotFound => {
                    assert_eq!(status, 400, "{body}");
                    assert_eq!(body["error"]["code"], "syncStateNotFound");
                    assert_eq!(
                        body["error"]["message"],
                        "The sync state generation is not found. The delta token is expired and data must be synchronized again."
                    );
                    assert!(body["error"]["innerError"]["request-id"].is_string());
                }
                ExpiredDelta::ResyncRequired => {
                    assert_eq!(status, 400, "{body}");
                    assert_eq!(body["error"]["code"], "resyncRequired");
                }
                ExpiredDelta::Gone => {
                    assert_eq!(status, 410, "{body}");
                    assert_eq!(body, Value::Null, "no body");
                    let location = &headers["location"];
                    if link.contains("bm90IGEgdG9rZW4") {
                        assert!(
                            location.ends_with("/v1.0/users/delta?$deltatoken="),
                            "{location}"
                        );
                    } else {
                        assert!(
                            location
                                .ends_with("/v1.0/users/delta?$select=id,displayName&$deltatoken="),
                            "{location}"
                        );
                    }
                    // The Location starts a new full round.
                    let again = round(&client, location, &[]).await;
                    assert_eq!(again.items().len(), 100);
                }
            }
        }
        // New rounds work, and their tokens too.
        let fresh = round(&client, "/v1.0/users/delta", &[]).await;
        assert_eq!(fresh.items().len(), 100);
        assert!(
            round(&client, &fresh.delta_link, &[])
                .await
                .items()
                .is_empty()
        );
    }
}

#[tokio::test]
async fn tokens_outlive_only_the_generations_kept_and_their_emulator() {
    let options = Options {
        delta_generations: 2,
        ..Options::default()
    };
    let t = tenant(60, 2);
    let client = Client::start(t.clone(), options.clone()).await;
    let at0 = round(&client, "/v1.0/users/delta?$select=displayName", &[]).await;
    let rename = |t: &crate::Tenant, n: usize| {
        t.apply(&Change::RenameDisplayName {
            user: t.users[n].id.clone(),
            display_name: format!("Renamed {n}"),
        })
    };
    let t1 = rename(&t, 1);
    client.emulator.set_tenant(t1.clone());
    let (_, _, latest) = get(
        &client,
        "/v1.0/users/delta?$deltatoken=latest&$select=displayName",
        &[],
    )
    .await;
    assert_eq!(latest["value"], json!([]));
    let at1 = latest["@odata.deltaLink"].as_str().unwrap().to_string();
    let t2 = rename(&t1, 2);
    client.emulator.set_tenant(t2.clone());
    // Two generations later, both tokens still work.
    let from0 = round(&client, &at0.delta_link, &[]).await;
    assert_eq!(from0.items().len(), 2);
    let from1 = round(&client, &at1, &[]).await;
    assert_eq!(
        from1.by_id().into_keys().collect::<Vec<_>>(),
        [t.users[2].id.clone()]
    );
    client.emulator.set_tenant(rename(&t2, 3));
    let (status, _, body) = get(&client, &at0.delta_link, &[]).await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (400, &json!("syncStateNotFound"))
    );
    assert_eq!(round(&client, &at1, &[]).await.items().len(), 2);

    // Another emulator does not know these tokens.
    let other = Client::start(t, options).await;
    let (status, _, _) = get(&other, &from1.delta_link, &[]).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn unsupported_query_options_are_refused() {
    let client = Client::start(tenant(50, 3), Options::default()).await;
    let refused = [
        ("/v1.0/users/delta?$top=10", "Request_UnsupportedQuery"),
        ("/v1.0/groups/delta?$top=999", "Request_UnsupportedQuery"),
        (
            "/v1.0/users/delta?$orderby=displayName",
            "Request_UnsupportedQuery",
        ),
        (
            "/v1.0/groups/delta?$expand=members",
            "Request_UnsupportedQuery",
        ),
        (
            "/v1.0/devices/delta?$expand=registeredOwners",
            "Request_UnsupportedQuery",
        ),
        (
            "/v1.0/users/delta?$search=%22displayName:a%22",
            "Request_UnsupportedQuery",
        ),
        ("/v1.0/users/delta?$count=true", "Request_UnsupportedQuery"),
        (
            "/v1.0/users/delta?$filter=startswith(displayName,'a')",
            "Request_UnsupportedQuery",
        ),
        (
            "/v1.0/users/delta?$filter=accountEnabled%20eq%20true",
            "Request_UnsupportedQuery",
        ),
        ("/v1.0/users/delta?$select=id,signInActivity", "BadRequest"),
        (
            "/v1.0/devices/delta?$select=id,registeredOwners",
            "BadRequest",
        ),
    ];
    for (path, code) in refused {
        let (status, _, body) = get(&client, path, &[]).await;
        assert_eq!(status, 400, "{path}: {body}");
        assert_eq!(body["error"]["code"], code, "{path}");
    }
    let (_, _, body) = get(&client, "/v1.0/users/delta?$select=signInActivity", &[]).await;
    assert_eq!(
        body["error"]["message"],
        "Invalid request for delta query: for this entity set, $expand/$select is not supported for the following properties: signInActivity"
    );
    // A skiptoken takes nothing else.
    let small = Client::start(
        tenant(50, 3),
        Options {
            delta_page_size: 10,
            ..Options::default()
        },
    )
    .await;
    let (_, _, page) = get(&small, "/v1.0/users/delta", &[]).await;
    let next = page["@odata.nextLink"].as_str().unwrap();
    let (status, _, body) = get(&small, &format!("{}&$select=id", path_of(next)), &[]).await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (400, &json!("Request_UnsupportedQuery"))
    );
}

#[tokio::test]
async fn a_filter_by_id_tracks_only_those_objects() {
    let t = tenant(80, 4);
    let client = Client::start(t.clone(), Options::default()).await;
    let (a, b) = (&t.users[3].id, &t.users[40].id);
    let filter = format!("$filter=id%20eq%20'{a}'%20or%20id%20eq%20'{b}'");
    let first = round(
        &client,
        &format!("/v1.0/users/delta?$select=displayName&{filter}"),
        &[],
    )
    .await;
    let ids: Vec<String> = first.by_id().into_keys().collect();
    let mut want = vec![a.clone(), b.clone()];
    want.sort();
    assert_eq!(ids, want);
    let t1 = t
        .apply(&Change::RenameDisplayName {
            user: a.clone(),
            display_name: "Only Me".into(),
        })
        .apply(&Change::RenameDisplayName {
            user: t.users[5].id.clone(),
            display_name: "Not Me".into(),
        });
    client.emulator.set_tenant(t1);
    let later = round(&client, &first.delta_link, &[]).await;
    assert_eq!(later.by_id().into_keys().collect::<Vec<_>>(), [a.as_str()]);
}

#[tokio::test]
async fn latest_gives_a_delta_link_without_data() {
    let t = tenant(40, 5);
    let client = Client::start(t.clone(), Options::default()).await;
    let (status, _, body) = get(&client, "/v1.0/groups/delta?$deltatoken=latest", &[]).await;
    assert_eq!(status, 200);
    assert_eq!(body["value"], json!([]));
    assert!(body.get("@odata.nextLink").is_none());
    let link = body["@odata.deltaLink"].as_str().unwrap();
    let user = t.users[0].id.clone();
    let team = t.groups[crate::tenant::group::FIRST_TEAM].id.clone();
    let change = match t.users[0]
        .member_of
        .contains(&crate::tenant::group::FIRST_TEAM)
    {
        true => Change::LeaveGroup {
            user,
            group: team.clone(),
        },
        false => Change::JoinGroup {
            user,
            group: team.clone(),
        },
    };
    client.emulator.set_tenant(t.apply(&change));
    let later = round(&client, link, &[]).await;
    assert_eq!(later.by_id().into_keys().collect::<Vec<_>>(), [team]);
}

#[tokio::test]
async fn faults_batches_and_counts_reach_delta_endpoints() {
    let options = Options {
        delta_page_size: 20,
        faults: vec![FaultRule::new(
            "users/delta",
            Trigger::Nth(vec![2]),
            Fault::Throttle(None),
        )],
        ..Options::default()
    };
    let t = tenant(60, 6);
    let client = Client::start(t.clone(), options).await;
    let (_, _, page) = get(&client, "/v1.0/users/delta", &[]).await;
    let next = page["@odata.nextLink"].as_str().unwrap().to_string();
    let (status, _, _) = get(&client, &next, &[]).await;
    assert_eq!(status, 429);
    let (status, _, _) = get(&client, &next, &[]).await;
    assert_eq!(status, 200, "the same link works again");
    assert_eq!(client.emulator.faults_injected()["users/delta"], 1);

    // Inside $batch, with the inner request's own Prefer header.
    let first = round(
        &client,
        "/v1.0/users/delta?$select=displayName,jobTitle",
        &[],
    )
    .await;
    let id = t.users[1].id.clone();
    client
        .emulator
        .set_tenant(t.apply(&Change::RenameDisplayName {
            user: id.clone(),
            display_name: "Batch Ed".into(),
        }));
    let url = path_of(&first.delta_link).trim_start_matches("/v1.0");
    let answer = client
        .batch(json!([{"id": "1", "method": "GET", "url": url, "headers": {"Prefer": "return=minimal"}}]))
        .await;
    let inner = &answer["responses"][0];
    assert_eq!(inner["status"], 200, "{inner}");
    assert_eq!(
        inner["body"]["value"],
        json!([{"id": id, "displayName": "Batch Ed"}])
    );
    let counts = client.emulator.requests();
    assert_eq!(counts["batch"], 1);
    assert!(counts["users/delta"] >= 7, "{counts:?}");
    assert!(!counts.contains_key("users"), "{counts:?}");
}
