//! `itam serve`: the collector as a long-running service. It runs every scheduled source on
//! its interval ([`scheduler`], deciding by [`schedule`]), serves the licence dashboard
//! ([`dashboard`]), the JSON API ([`api`]) and Prometheus metrics ([`metrics`]) over HTTP
//! ([`http`], optionally HTTPS through [`tls`]), and answers the signals and the service
//! manager ([`signals`], [`systemd`]).
//!
//! Start-up order matters: the configuration is validated, the store opened and its service
//! lock taken, the signal handlers installed and the listener bound, and only then is
//! readiness reported — so a signal that arrives early is handled, and a unit that waits for
//! readiness finds the dashboard answering.

pub mod api;
pub mod dashboard;
pub mod holders;
pub mod http;
pub mod login;
pub mod metrics;
pub mod pace;
pub mod schedule;
pub mod scheduler;
mod signals;
pub mod snapshot_reports;
pub mod state;
mod systemd;
mod tls;
pub mod webhooks;

use crate::config::Config;
use crate::config::serve::TokenRef;
use crate::error::config_error;
use anyhow::Result;
use itam_runtime::Runtime;
use itam_runtime::credentials::Secret;
use itam_store::ServiceLock;
use signals::Signal;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// How long shutdown waits for runs in progress to stop and record themselves as cancelled,
/// within the 10 s a service manager commonly allows.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(8);

/// Runs the service on the configuration file `config_path` until SIGTERM or SIGINT. `listen`
/// overrides `[serve] listen`.
pub async fn serve(
    config_path: &Path,
    listen: Option<SocketAddr>,
    runtime: Runtime,
) -> Result<i32> {
    let config = Config::load(config_path)?;
    run(config, Some(config_path), listen, runtime).await
}

/// Runs the service on `config` until SIGTERM or SIGINT; SIGHUP reloads `reload_from`, if the
/// configuration came from a file.
pub async fn run(
    config: Config,
    reload_from: Option<&Path>,
    listen: Option<SocketAddr>,
    runtime: Runtime,
) -> Result<i32> {
    let config = Arc::new(config);
    let listen = listen.unwrap_or(config.serve.listen);
    let token = read_token(config.serve.token.as_ref())?;
    if !listen.ip().is_loopback() && token.is_none() {
        return Err(config_error(format!(
            "itam serve would listen on {listen}, which is not loopback, without an access token; set [serve] token = {{ env = \"ITAM_SERVE_TOKEN\" }} (or {{ file = … }}), or listen on 127.0.0.1"
        )));
    }
    let store = config.store.open()?;
    let lock = ServiceLock::acquire_for(&store)?;
    let mut signals = signals::Signals::install()?;
    let tcp = tokio::net::TcpListener::bind(listen).await.map_err(|e| {
        config_error(format!(
            "cannot listen on {listen}: {e}; choose another address with --listen or [serve] listen"
        ))
    })?;
    let local = tcp.local_addr()?;
    let reports = Arc::new(snapshot_reports::ReportCache::default());
    let metrics = Arc::new(metrics::Metrics::new(store.clone(), reports.clone()));
    let scheduler =
        scheduler::Scheduler::new(config.clone(), store.clone(), runtime, metrics.clone())?;
    let state = state::AppState {
        scheduler: scheduler.clone(),
        store: store.clone(),
        reports,
        metrics,
        access: Arc::new(state::Access::new(
            token,
            config.serve.metrics_public,
            config.serve.tls.is_some(),
        )),
    };
    let app = http::router(state);
    let (stop_http, http_stopped) = tokio::sync::watch::channel(false);
    let shutdown = async move {
        let mut stopped = http_stopped;
        let _ = stopped.wait_for(|s| *s).await;
    };
    let scheme = if config.serve.tls.is_some() {
        "https"
    } else {
        "http"
    };
    let server = match &config.serve.tls {
        Some((certificate, key)) => {
            let listener = tls::TlsListener::new(tcp, certificate, key)?;
            tokio::spawn(async move {
                axum::serve(listener, app)
                    .with_graceful_shutdown(shutdown)
                    .await
            })
        }
        None => {
            tokio::spawn(
                async move { axum::serve(tcp, app).with_graceful_shutdown(shutdown).await },
            )
        }
    };
    let runner = tokio::spawn({
        let scheduler = scheduler.clone();
        async move { scheduler.run().await }
    });
    let deliverer =
        webhooks::Deliverer::new(store.clone(), webhook_targets(&config)?, &config.network);
    let delivering = tokio::spawn(deliverer.run());
    systemd::ready(&format!("serving {scheme}://{local}"));
    let watchdog = systemd::watchdog({
        let scheduler = scheduler.clone();
        move || drop(scheduler.status())
    });
    let reloads = match reload_from {
        Some(path) => format!("SIGHUP reloads {}, ", path.display()),
        None => String::new(),
    };
    eprintln!(
        "itam serve: dashboard, API and metrics on {scheme}://{local}/ ({}, {} source(s), {} scheduled); {reloads}SIGUSR1 runs every source now, SIGTERM or Ctrl-C stops",
        config.store.describe(),
        config.sources.len(),
        config
            .sources
            .iter()
            .filter(|s| s.schedule.is_some())
            .count(),
    );

    loop {
        match signals.next().await {
            Signal::Stop(name) => {
                tracing::info!("{name}: stopping");
                break;
            }
            Signal::Reload => match reload_from {
                Some(path) => reload(path, &scheduler),
                None => tracing::info!(
                    "SIGHUP: this configuration was not read from a file; nothing to reload"
                ),
            },
            Signal::RunAll => {
                tracing::info!("SIGUSR1: running every source now");
                scheduler.run_all();
            }
        }
    }

    systemd::stopping();
    if !scheduler.shutdown(SHUTDOWN_GRACE).await {
        tracing::warn!(
            "runs still in progress after {} s; exiting (they are recorded as interrupted at the next start)",
            SHUTDOWN_GRACE.as_secs()
        );
    }
    scheduler.leave();
    runner.abort();
    delivering.abort();
    if let Some(w) = watchdog {
        w.abort();
    }
    let _ = stop_http.send(true);
    // Open connections (a browser's keep-alive) get a moment to finish, not the whole grace.
    let _ = tokio::time::timeout(Duration::from_secs(1), server).await;
    drop(lock);
    Ok(0)
}

/// The fleet's status as `[serve]` judges it: a service is alive if its heartbeat is younger
/// than three heartbeats; a source is overdue once due for two heartbeats with no service
/// running it (among `config`'s sources).
pub fn fleet_status(store: &itam_store::Store, config: &Config) -> Result<itam_store::FleetStatus> {
    let sources: Vec<String> = config.sources.iter().map(|s| s.name.clone()).collect();
    let serve = &config.serve;
    store.fleet_status(serve.heartbeat * 3, serve.heartbeat * 2, &sources)
}

/// SIGHUP: loads and validates the configuration again; a broken one keeps the old one.
fn reload(config_path: &Path, scheduler: &scheduler::Scheduler) {
    systemd::reloading();
    let outcome = Config::load(config_path).and_then(|new| {
        let old = scheduler.config();
        if new.store != old.store {
            anyhow::bail!(
                "[store] changed; restart itam serve to use another database (the configuration was not reloaded)"
            );
        }
        if new.serve != old.serve {
            tracing::warn!("[serve] changes take effect at the next restart");
        }
        scheduler.reload(Arc::new(new))
    });
    match outcome {
        Ok(()) => tracing::info!(
            "SIGHUP: configuration reloaded from {}",
            config_path.display()
        ),
        Err(e) => tracing::error!(
            "SIGHUP: the new configuration was refused, the previous one stays in force: {}",
            crate::display::lines(&format!("{e:#}"))
        ),
    }
    systemd::ready("configuration reloaded");
}

/// The webhooks with their secrets, read from where each `secret` points.
fn webhook_targets(config: &Config) -> Result<Vec<webhooks::Target>> {
    config
        .webhooks
        .iter()
        .map(|w| {
            let what = format!("[[webhook]] `{}` secret", w.name);
            Ok(webhooks::Target {
                webhook: w.clone(),
                secret: read_secret(&what, &w.secret)?,
            })
        })
        .collect()
}

/// Reads the access token from where `[serve] token` points.
fn read_token(token: Option<&TokenRef>) -> Result<Option<Secret>> {
    token
        .map(|token| read_secret("[serve] token", token))
        .transpose()
}

/// Reads `what` (a token or a signing key) from where it points; it must be at least 16
/// characters long.
fn read_secret(what: &str, at: &TokenRef) -> Result<Secret> {
    let value = match at {
        TokenRef::Env(var) => std::env::var(var).map_err(|_| {
            config_error(format!(
                "{what} refers to environment variable {var}, which is not set; export it in the environment that runs itam serve"
            ))
        })?,
        TokenRef::File(path) => {
            itam_runtime::files::warn_if_readable_by_others(path, "secret file");
            itam_runtime::files::read_text_capped(path, 4096).map_err(|e| {
                config_error(format!(
                    "{what} refers to file {}, which cannot be read: {e}",
                    path.display()
                ))
            })?
        }
    };
    let value = value.trim();
    if value.len() < 16 {
        return Err(config_error(format!(
            "{what} is shorter than 16 characters; use a long random value (e.g. `openssl rand -hex 32`)"
        )));
    }
    Ok(Secret::new(value))
}
