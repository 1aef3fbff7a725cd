//! A fleet: three `itam serve` processes share one real PostgreSQL server and 50 emulated
//! tenants on schedules of seconds. Each tenant is synced once per period by one service at a
//! time (checked from the run log); when one service is killed with SIGKILL in the middle of a
//! run, another takes its tenants over within the lease time (here at once: the services share
//! one machine, where a dead process's leases end without waiting for them to expire; the
//! store's tests take expired leases over), the killed run is recorded as interrupted and
//! leaves the previous snapshot, and no row of one tenant ever lands in another's snapshot.

use crate::common::{Env, assert_success, write_private};
use crate::serve::Service;
use graph_emulator::{Emulator, Fault, FaultRule, Options, Tenant, TenantSpec, Trigger};
use itam_test_support::postgres::{PASSWORD, Postgres};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

const TENANTS: usize = 50;
/// Tenants kept in the configuration file; the others are added with `itam source add`.
const IN_FILE: usize = 25;
/// Tenants whose second sync stalls (a run to kill in the middle).
const SLOW: [usize; 3] = [3, 30, 47];
const INTERVAL: i64 = 10;
const LEASE: i64 = 4;

fn name(i: usize) -> String {
    format!("t{i:02}")
}

/// Starts the 50 tenants' emulators; the slow ones stall their second `users/delta` answer.
fn tenants(env: &Env) -> Vec<Emulator> {
    (0..TENANTS)
        .map(|i| {
            let tenant = Tenant::generate(&TenantSpec {
                users: 20,
                seed: 1000 + i as u64,
                ..Default::default()
            });
            let faults = match SLOW.contains(&i) {
                true => vec![FaultRule::new(
                    "users/delta",
                    Trigger::Nth(vec![2]),
                    Fault::Stall(Duration::from_secs(40)),
                )],
                false => Vec::new(),
            };
            env.start_emulator(
                tenant,
                Options {
                    faults,
                    ..Options::default()
                },
            )
        })
        .collect()
}

/// The `[[source]]` table of tenant `i` (as in the file, and as `itam source add` stores it).
fn source_toml(env: &Env, i: usize, emulator: &Emulator) -> String {
    let tenant = emulator.tenant();
    let secret = env.dir.path().join(format!("{}.secret", name(i)));
    write_private(&secret, &tenant.client_secret);
    format!(
        "[[source]]\nname = \"{name}\"\nplugin = \"m365\"\nschedule = \"{INTERVAL}s\"\n\
         [source.credential]\nclient_id = \"{client}\"\nclient_secret = {{ file = \"{secret}\" }}\n\
         [source.settings]\ntenant_id = \"{tenant_id}\"\nlogin_url = \"{url}\"\ngraph_url = \"{url}\"\n",
        name = name(i),
        client = tenant.client_id,
        secret = secret.display(),
        tenant_id = tenant.tenant_id,
        url = emulator.url(),
    )
}

/// One row of the run log.
#[derive(Debug)]
struct Run {
    id: i64,
    source: String,
    host_id: Option<String>,
    started: i64,
    ended: Option<i64>,
    status: String,
}

fn run_log(server: &Postgres) -> Vec<Run> {
    let text = server.psql(
        "fleet",
        "SELECT id, source, COALESCE(host_id, ''), extract(epoch FROM started_at::timestamptz)::bigint,
                COALESCE(extract(epoch FROM ended_at::timestamptz)::bigint, -1), status
         FROM runs ORDER BY id",
    );
    text.lines()
        .filter(|l| !l.is_empty())
        .map(|line| {
            let f: Vec<&str> = line.split('|').collect();
            Run {
                id: f[0].parse().unwrap(),
                source: f[1].to_string(),
                host_id: Some(f[2].to_string()).filter(|h| !h.is_empty()),
                started: f[3].parse().unwrap(),
                ended: Some(f[4].parse().unwrap()).filter(|e| *e >= 0),
                status: f[5].to_string(),
            }
        })
        .collect()
}

fn fleet_status(config: &std::path::Path) -> Value {
    let out = crate::common::itam(config, &["fleet", "status", "--format", "json"]);
    assert_success(&out);
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn three_services_share_fifty_tenants_and_take_over_from_one_killed_mid_run() {
    let Some(server) = Postgres::start() else {
        return;
    };
    let env = Env::new(1, Options::default());
    let emulators = tenants(&env);
    let url = server.create_database("fleet");
    write_private(&env.dir.path().join("db-password"), PASSWORD);
    let mut text = format!(
        "[store]\nurl = \"{url}\"\npassword = {{ file = \"db-password\" }}\n\n\
         [serve]\nlisten = \"127.0.0.1:0\"\nheartbeat = \"1s\"\nlease = \"{LEASE}s\"\n\
         splay = \"0%\"\nmax_concurrent_runs = 4\n\n"
    );
    for (i, emulator) in emulators.iter().enumerate().take(IN_FILE) {
        text.push_str(&source_toml(&env, i, emulator));
    }
    let config = env.dir.path().join("itam.toml");
    write_private(&config, &text);
    // The other half lives in the database, added as an operator would.
    for (i, emulator) in emulators.iter().enumerate().skip(IN_FILE) {
        let tenant = emulator.tenant();
        let secret = env.dir.path().join(format!("{}.secret", name(i)));
        write_private(&secret, &tenant.client_secret);
        let out = crate::common::itam(
            &config,
            &[
                "source",
                "add",
                &name(i),
                "--schedule",
                &format!("{INTERVAL}s"),
                "--client-id",
                &tenant.client_id,
                "--secret-file",
                secret.to_str().unwrap(),
                "--setting",
                &format!("tenant_id={}", tenant.tenant_id),
                "--setting",
                &format!("login_url={}", emulator.url()),
                "--setting",
                &format!("graph_url={}", emulator.url()),
            ],
        );
        assert_success(&out);
    }
    let listed = crate::common::itam(&config, &["source", "list", "--format", "json"]);
    assert_success(&listed);
    let listed: Value = serde_json::from_slice(&listed.stdout).unwrap();
    assert_eq!(listed.as_array().unwrap().len(), TENANTS, "{listed}");
    assert_eq!(listed[IN_FILE]["origin"], "database");

    let started = Instant::now();
    let mut services: Vec<Service> = (0..3).map(|_| Service::start(&config, &[], &[])).collect();

    // Wait until a service holds a slow tenant whose second run is stalled, then kill it.
    let deadline = Instant::now() + Duration::from_secs(90);
    let (victim, stalled) = loop {
        assert!(
            Instant::now() < deadline,
            "no slow tenant's second run began"
        );
        let runs = run_log(&server);
        let stalled = SLOW.iter().map(|&i| name(i)).find(|source| {
            let of: Vec<&Run> = runs.iter().filter(|r| &r.source == source).collect();
            of.len() >= 2 && of.last().unwrap().status == "running"
        });
        if let Some(source) = stalled {
            let holder = runs
                .iter()
                .rfind(|r| r.source == source)
                .and_then(|r| r.host_id.clone())
                .unwrap();
            let victim = services
                .iter()
                .position(|s| holder.contains(&format!("-{}-", s.pid())))
                .unwrap_or_else(|| panic!("no service is {holder}"));
            break (victim, source);
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let status = fleet_status(&config);
    let alive = status["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["alive"] == true)
        .count();
    assert_eq!(alive, 3, "{status}");
    // The dashboard, the API and the metrics of any service show the same fleet.
    let (code, page) = services[0].get("/fleet");
    assert_eq!(code, 200);
    assert!(page.contains("data-metric=\"services-alive\">3<"), "{page}");
    let api = services[1].json("/api/v1/fleet");
    assert_eq!(api["hosts"].as_array().unwrap().len(), 3, "{api}");
    let (_, metrics) = services[2].get("/metrics");
    assert!(metrics.contains("itam_fleet_services_alive 3"), "{metrics}");
    // A tenant's balance from any service is the CLI's, read from the shared database.
    let balance = services[0].json("/api/v1/sources/t00/balance");
    let out = crate::common::itam(
        &config,
        &["report", "balance", "--source", "t00", "--format", "json"],
    );
    assert_success(&out);
    assert_eq!(
        balance,
        serde_json::from_slice::<Value>(&out.stdout).unwrap()
    );
    assert_eq!(services[1].get("/").0, 200);
    let killed_pid = services[victim].pid();
    let killed_at = Instant::now();
    services[victim].signal(libc::SIGKILL);
    services[victim].wait(Duration::from_secs(5));
    let killed_host = status["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["pid"] == killed_pid)
        .map(|h| h["id"].as_str().unwrap().to_string())
        .unwrap();

    // Another service takes the stalled tenant over once the lease expires: the killed run is
    // interrupted and a run by another service follows.
    let taken_over = loop {
        let runs = run_log(&server);
        let killed_run = runs
            .iter()
            .rfind(|r| r.source == stalled && r.host_id.as_deref() == Some(&killed_host));
        let after: Vec<&Run> = runs
            .iter()
            .filter(|r| r.source == stalled && r.host_id.as_deref() != Some(&killed_host))
            .filter(|r| killed_run.is_some_and(|k| r.id > k.id))
            .collect();
        if killed_run.is_some_and(|k| k.status == "interrupted") && !after.is_empty() {
            break killed_at.elapsed();
        }
        assert!(
            killed_at.elapsed() < Duration::from_secs(30),
            "the killed service's tenant was not taken over: {runs:?}"
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    eprintln!("{stalled} was taken over {taken_over:?} after its service was killed");
    assert!(
        taken_over <= Duration::from_secs((LEASE + 4) as u64),
        "taken over after {taken_over:?}, the lease is {LEASE}s"
    );

    // Let the two survivors run a few more periods.
    let observe_until = Instant::now() + Duration::from_secs(3 * INTERVAL as u64);
    while Instant::now() < observe_until {
        std::thread::sleep(Duration::from_millis(500));
    }
    for (i, service) in services.iter().enumerate() {
        if i != victim {
            service.signal(libc::SIGTERM);
        }
    }
    for (i, service) in services.iter_mut().enumerate() {
        if i != victim {
            assert!(
                service.wait(Duration::from_secs(15)).success(),
                "{}",
                service.log()
            );
        }
    }
    let elapsed = started.elapsed().as_secs() as i64;

    let runs = run_log(&server);
    let mut by_source: BTreeMap<&str, Vec<&Run>> = BTreeMap::new();
    for run in &runs {
        by_source.entry(&run.source).or_default().push(run);
    }
    assert_eq!(by_source.len(), TENANTS, "every tenant ran");
    let hosts: BTreeSet<&str> = runs.iter().filter_map(|r| r.host_id.as_deref()).collect();
    assert_eq!(hosts.len(), 3, "all three services ran tenants: {hosts:?}");
    for (source, runs) in &by_source {
        // Never two runs of one tenant at once: each starts after the one before ended.
        for pair in runs.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            let ended = a
                .ended
                .unwrap_or_else(|| panic!("{source}: run {} never ended: {runs:?}", a.id));
            assert!(b.started >= ended, "{source}: runs overlap: {a:?} {b:?}");
            // Once per period: a succeeded run is followed an interval later (times are in
            // whole seconds), never sooner, and within the next period (a busy machine runs
            // tests beside this one).
            if a.status == "succeeded" {
                let gap = b.started - ended;
                assert!(
                    (INTERVAL - 1..=2 * INTERVAL).contains(&gap),
                    "{source}: {gap}s between runs {} and {}, the interval is {INTERVAL}s",
                    a.id,
                    b.id
                );
            }
        }
        let succeeded = runs.iter().filter(|r| r.status == "succeeded").count() as i64;
        // (A slow tenant's stalled run holds it for longer than the test watches.)
        let slow = SLOW.iter().any(|&i| name(i) == *source);
        assert!(
            slow || succeeded >= elapsed / (2 * INTERVAL) - 1,
            "{source}: {succeeded} succeeded runs in {elapsed}s"
        );
        assert!(runs.iter().all(|r| r.status != "running"), "{runs:?}");
    }
    let interrupted: Vec<&Run> = runs.iter().filter(|r| r.status == "interrupted").collect();
    assert!(
        interrupted
            .iter()
            .all(|r| r.host_id.as_deref() == Some(&killed_host)),
        "only the killed service's runs are interrupted: {interrupted:?}"
    );

    // No row of one tenant in another's snapshot.
    let owner: BTreeMap<String, String> = emulators
        .iter()
        .enumerate()
        .flat_map(|(i, e)| {
            let t = e.tenant();
            t.users
                .iter()
                .map(|u| u.id.clone())
                .chain(t.deleted_users.iter().map(|u| u.id.clone()))
                .map(move |id| (id, name(i)))
                .collect::<Vec<_>>()
        })
        .collect();
    let rows = server.psql("fleet", "SELECT source, id FROM accounts");
    let mut per_source: BTreeMap<&str, usize> = BTreeMap::new();
    for line in rows.lines().filter(|l| !l.is_empty()) {
        let (source, id) = line.split_once('|').unwrap();
        assert_eq!(owner.get(id).map(String::as_str), Some(source), "{line}");
        *per_source.entry(source).or_default() += 1;
    }
    assert_eq!(per_source.len(), TENANTS);

    let status = fleet_status(&config);
    let stopped = status["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["stopped_at"].is_string())
        .count();
    assert_eq!(stopped, 2, "the survivors left cleanly: {status}");
    assert!(status["leases"].as_array().unwrap().is_empty(), "{status}");
}
