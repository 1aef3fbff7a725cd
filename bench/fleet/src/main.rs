//! The fleet benchmark (see BENCHMARKS.md, "A fleet on PostgreSQL"), run by `bench/fleet.sh`.
//!
//! - `fleet ITAM TENANTS HOSTS USERS SLOTS`: TENANTS small emulated tenants (USERS users each)
//!   kept in the database as sources, synced once each by HOSTS `itam serve` processes (SLOTS
//!   runs at a time each) sharing one PostgreSQL server that writes durably: tenants per
//!   minute, database size per tenant, and what a lease costs.
//! - `large ITAM USERS RUNS`: one tenant of USERS users synced RUNS times into a new database
//!   and RUNS times over its last snapshot, on SQLite and on PostgreSQL.
//!
//! Each measurement is printed as one JSON object on stdout; progress goes to stderr.

use anyhow::{Context, Result, bail};
use graph_emulator::{Emulator, Options, Tenant, TenantSpec};
use itam_store::{PostgresOptions, Store};
use itam_test_support::postgres::{PASSWORD, Postgres};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let number = |i: usize, default: usize| -> Result<usize> {
        args.get(i)
            .map(|a| a.parse().with_context(|| format!("`{a}` is not a number")))
            .unwrap_or(Ok(default))
    };
    let itam = PathBuf::from(
        args.get(1)
            .context("usage: itam-bench-fleet fleet|large ITAM …")?,
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let server = Postgres::start_durable().context("PostgreSQL is not installed")?;
    match args[0].as_str() {
        "fleet" => fleet(
            &runtime,
            &server,
            &itam,
            number(2, 1000)?,
            number(3, 2)?,
            number(4, 20)?,
            number(5, 4)?,
        ),
        "large" => large(&runtime, &server, &itam, number(2, 100_000)?, number(3, 3)?),
        other => bail!("unknown benchmark `{other}`: fleet or large"),
    }
}

/// Writes `text` to `path`, readable by its owner only.
fn private(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text)?;
    std::fs::set_permissions(path, std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
    Ok(())
}

/// The emulator's options: the app holds the permissions that read sign-in activity too, as
/// in bench/compare.sh.
fn emulated(memoize: bool) -> Options {
    Options {
        roles: ["Directory.Read.All", "User.Read.All", "AuditLog.Read.All"]
            .map(String::from)
            .to_vec(),
        memoize,
        ..Options::default()
    }
}

fn options(server: &Postgres, db: &str) -> PostgresOptions {
    PostgresOptions {
        url: server.create_database(db),
        password: Some(PASSWORD.into()),
        ca_file: None,
    }
}

fn database_bytes(server: &Postgres, db: &str) -> Result<u64> {
    Ok(server
        .psql(db, "SELECT pg_database_size(current_database())")
        .parse()?)
}

/// A source's `[[source]]` body for `emulator`, its secret in a file under `dir`.
fn source(dir: &Path, name: &str, schedule: &str, emulator: &Emulator) -> Result<String> {
    let tenant = emulator.tenant();
    let secret = dir.join(format!("{name}.secret"));
    private(&secret, &tenant.client_secret)?;
    Ok(format!(
        "name = \"{name}\"\nplugin = \"m365\"\nschedule = \"{schedule}\"\n\
         [credential]\nclient_id = \"{}\"\nclient_secret = {{ file = \"{}\" }}\n\
         [settings]\ntenant_id = \"{}\"\nlogin_url = \"{url}\"\ngraph_url = \"{url}\"\n",
        tenant.client_id,
        secret.display(),
        tenant.tenant_id,
        url = emulator.url(),
    ))
}

fn fleet(
    runtime: &tokio::runtime::Runtime,
    server: &Postgres,
    itam: &Path,
    tenants: usize,
    hosts: usize,
    users: usize,
    slots: usize,
) -> Result<()> {
    let dir = tempfile::tempdir()?;
    let options = options(server, "fleet");
    eprintln!("starting {tenants} emulated tenants of {users} users");
    let emulators: Vec<Emulator> = (0..tenants)
        .map(|i| {
            let tenant = Tenant::generate(&TenantSpec {
                users,
                seed: i as u64,
                ..Default::default()
            });
            runtime.block_on(Emulator::start(tenant, emulated(false), 0))
        })
        .collect::<Result<_>>()?;
    let store = Store::open_postgres(&options)?;
    for (i, emulator) in emulators.iter().enumerate() {
        let name = format!("tenant-{i:04}");
        store.add_source(&name, &source(dir.path(), &name, "1d", emulator)?)?;
    }
    let empty = database_bytes(server, "fleet")?;
    private(&dir.path().join("db-password"), PASSWORD)?;
    let config = dir.path().join("itam.toml");
    private(
        &config,
        &format!(
            "[store]\nurl = \"{}\"\npassword = {{ file = \"db-password\" }}\n\n\
             [serve]\nlisten = \"127.0.0.1:0\"\nsplay = \"0%\"\nmax_concurrent_runs = {slots}\n",
            options.url
        ),
    )?;

    eprintln!("{hosts} services, {slots} runs at a time each");
    let started = Instant::now();
    let mut services: Vec<Child> = (0..hosts)
        .map(|i| {
            Command::new(itam)
                .args(["--config", config.to_str().unwrap(), "serve"])
                .env("ITAM_CACHE_DIR", dir.path().join("cache"))
                .stdout(Stdio::null())
                .stderr(std::fs::File::create(
                    dir.path().join(format!("serve-{i}.log")),
                )?)
                .spawn()
                .context("starting itam serve")
        })
        .collect::<Result<_>>()?;
    let count = |sql: &str| -> Result<u64> { store.read(|q| q.value(sql, &[])) };
    let done = loop {
        let synced = count("SELECT COUNT(DISTINCT source) FROM runs WHERE status = 'succeeded'")?;
        if synced as usize >= tenants {
            break started.elapsed();
        }
        if started.elapsed() > Duration::from_secs(3600) {
            bail!("{synced} of {tenants} tenants synced in an hour");
        }
        std::thread::sleep(Duration::from_millis(250));
    };
    for service in &services {
        unsafe { libc::kill(service.id() as i32, libc::SIGTERM) };
    }
    for service in &mut services {
        service.wait()?;
    }
    let failed = count("SELECT COUNT(*) FROM runs WHERE status = 'failed'")?;
    let per_host: Vec<u64> = store.read(|q| {
        q.rows(
            "SELECT COUNT(*) FROM runs WHERE status = 'succeeded' GROUP BY host_id ORDER BY 1",
            &[],
            |r| r.get(0),
        )
    })?;
    let bytes = database_bytes(server, "fleet")?;
    let largest = server.psql(
        "fleet",
        "SELECT string_agg(name || ' ' || bytes, ', ') FROM (
             SELECT relname AS name, pg_total_relation_size(oid) AS bytes FROM pg_class
             WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace
             ORDER BY 2 DESC LIMIT 6) t",
    );
    // The system catalogues grow with each run's temporary staging tables.
    let catalog: u64 = server
        .psql(
            "fleet",
            "SELECT sum(pg_total_relation_size(oid)) FROM pg_class
             WHERE relkind = 'r' AND relnamespace = 'pg_catalog'::regnamespace",
        )
        .parse()?;
    println!(
        "{}",
        json!({
            "bench": "fleet",
            "catalog_bytes": catalog,
            "tenants": tenants,
            "users_per_tenant": users,
            "hosts": hosts,
            "slots_per_host": slots,
            "seconds": done.as_secs_f64(),
            "tenants_per_minute": tenants as f64 / done.as_secs_f64() * 60.0,
            "failed_runs": failed,
            "runs_per_host": per_host,
            "database_bytes_empty": empty,
            "bytes_per_tenant": (bytes - empty) / tenants as u64,
            "largest_tables": largest,
        })
    );

    // What a lease costs: every source due again, taken and given back by one host in
    // batches of `slots`, as the scheduler does; and a heartbeat renewing `slots` leases.
    store.read(|q| {
        q.execute(
            "UPDATE schedule SET next_run_at = '2000-01-01T00:00:00Z'",
            &[],
        )
    })?;
    let names: Vec<String> = store
        .stored_sources()?
        .into_iter()
        .map(|s| s.name)
        .collect();
    let lease = Duration::from_secs(60);
    let clock = Instant::now();
    let mut cycles = 0;
    loop {
        let taken = store.claim_due("bench", &names, slots, lease)?;
        if taken.is_empty() {
            break;
        }
        for l in &taken {
            let next = itam_store::ScheduleState {
                next_run_at: chrono::Utc::now() + chrono::Duration::days(1),
                consecutive_failures: 0,
            };
            store.release("bench", &l.source, Some(next))?;
            cycles += 1;
        }
    }
    let per_cycle = clock.elapsed() / cycles.max(1);
    store.read(|q| {
        q.execute(
            "UPDATE schedule SET next_run_at = '2000-01-01T00:00:00Z'",
            &[],
        )
    })?;
    store.claim_due("bench", &names, slots, lease)?;
    let clock = Instant::now();
    for _ in 0..100 {
        store.heartbeat("bench", lease)?;
    }
    let per_heartbeat = clock.elapsed() / 100;
    let run_slot_seconds = done.as_secs_f64() * (hosts * slots) as f64;
    println!(
        "{}",
        json!({
            "bench": "lease",
            "sources": names.len(),
            "lease_cycle_ms": per_cycle.as_secs_f64() * 1000.0,
            "heartbeat_ms": per_heartbeat.as_secs_f64() * 1000.0,
            "lease_share_of_run_time": per_cycle.as_secs_f64() * tenants as f64 / run_slot_seconds,
        })
    );
    drop(emulators);
    Ok(())
}

fn large(
    runtime: &tokio::runtime::Runtime,
    server: &Postgres,
    itam: &Path,
    users: usize,
    runs: usize,
) -> Result<()> {
    let dir = tempfile::tempdir()?;
    eprintln!("starting an emulated tenant of {users} users");
    let tenant = Tenant::generate(&TenantSpec {
        users,
        seed: 42,
        ..Default::default()
    });
    let emulator = runtime.block_on(Emulator::start(tenant, emulated(true), 0))?;
    let body = source(dir.path(), "large", "1d", &emulator)?;
    let source_table = format!(
        "[[source]]\n{}",
        body.replace("[credential]", "[source.credential]")
            .replace("[settings]", "[source.settings]")
    );
    private(&dir.path().join("db-password"), PASSWORD)?;
    let sqlite = dir.path().join("sqlite.toml");
    private(
        &sqlite,
        &format!("[store]\npath = \"itam.db\"\n\n{source_table}"),
    )?;
    let sync = |config: &Path| -> Result<(f64, u64)> {
        let timing = dir.path().join("time");
        let status = Command::new("/usr/bin/time")
            .args(["-f", "%M %e", "-o"])
            .arg(&timing)
            .arg(itam)
            .args(["--config", config.to_str().unwrap(), "sync", "--full"])
            .env("ITAM_CACHE_DIR", dir.path().join("cache"))
            .stdout(Stdio::null())
            .status()
            .context("/usr/bin/time (apt-get install time)")?;
        if !status.success() {
            bail!("itam sync failed");
        }
        let text = std::fs::read_to_string(&timing)?;
        let mut fields = text.split_whitespace();
        let kib: u64 = fields.next().context("time")?.parse()?;
        let secs: f64 = fields.next().context("time")?.parse()?;
        Ok((secs, kib))
    };
    eprintln!("warm-up sync (renders every answer once, compiles the plugin once)");
    sync(&sqlite)?;
    let record = |engine: &str, side: &str, (secs, kib): (f64, u64), bytes: u64| {
        println!(
            "{}",
            json!({
                "bench": "large", "users": users, "engine": engine, "side": side,
                "seconds": secs, "rss_kib": kib, "database_bytes": bytes,
            })
        );
    };
    for run in 0..runs {
        for file in ["itam.db", "itam.db-wal", "itam.db-shm"] {
            let _ = std::fs::remove_file(dir.path().join(file));
        }
        let timed = sync(&sqlite)?;
        let bytes = std::fs::metadata(dir.path().join("itam.db"))?.len();
        record("sqlite", "new database", timed, bytes);
        let db = format!("large_{run}");
        let pg = options(server, &db);
        let config = dir.path().join(format!("{db}.toml"));
        private(
            &config,
            &format!(
                "[store]\nurl = \"{}\"\npassword = {{ file = \"db-password\" }}\n\n{source_table}",
                pg.url
            ),
        )?;
        let timed = sync(&config)?;
        record(
            "postgres",
            "new database",
            timed,
            database_bytes(server, &db)?,
        );
    }
    for _ in 0..runs {
        let timed = sync(&sqlite)?;
        let bytes = std::fs::metadata(dir.path().join("itam.db"))?.len();
        record("sqlite", "over the last snapshot", timed, bytes);
        let config = dir.path().join(format!("large_{}.toml", runs - 1));
        let timed = sync(&config)?;
        let db = format!("large_{}", runs - 1);
        record(
            "postgres",
            "over the last snapshot",
            timed,
            database_bytes(server, &db)?,
        );
    }
    drop(emulator);
    Ok(())
}
