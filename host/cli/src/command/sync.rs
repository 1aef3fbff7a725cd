//! `itam sync`: one run of each configured source (or one), each into its own snapshot.

use super::*;

pub(super) async fn sync(
    config_path: &Path,
    source: Option<&str>,
    full: bool,
    out: &mut dyn Write,
) -> Result<i32> {
    let config = load_config(config_path)?;
    let sources = config.select(source)?;
    let runtime = runtime()?.with_network(config.network.clone());
    // Validate every selected source before any of them touches the network. A source that
    // cannot be prepared (a credential that cannot be read, bad settings, a plugin that does
    // not load) is reported and skipped; the others still run.
    let mut prepared = Vec::new();
    let mut worst = 0;
    for s in &sources {
        let ready = match s.with_credential() {
            Ok(resolved) => crate::sync::prepare(&runtime, &resolved, &resolved.limits)
                .await
                .map(|p| (resolved, p)),
            Err(e) => Err(e),
        };
        match ready {
            Ok(pair) => prepared.push(pair),
            Err(e) => {
                print_error(&e);
                worst = worst.max(exit_code(&e));
            }
        }
    }
    if prepared.is_empty() {
        return Ok(worst);
    }
    // Like a service, a one-shot sync runs a source only while it holds the source's lease:
    // never beside a service's run of it, and a run it outlives is not published.
    let holder = itam_store::new_host_id();
    let store = open_store(&config)?.as_member(&holder);
    let lease = config.serve.lease;
    let mut failed = 0;
    for (s, p) in &prepared {
        if store.claim(&holder, &s.name, lease)?.is_none() {
            failed += 1;
            print_error(&anyhow::anyhow!(
                "source `{}` is being run by a service now (`itam fleet status` shows which); it was not synced again",
                s.name
            ));
            continue;
        }
        let _renewing = Renewal::start(&store, &holder, lease);
        // Ctrl-C ends the run: its transaction is rolled back and it is recorded as
        // interrupted, the previous snapshot kept; the sources after it are not run.
        let outcome = tokio::select! {
            outcome = p.run(
                &store,
                s,
                &s.limits,
                full,
                crate::serve::webhooks::Deliverer::webhooks_for(&config.webhooks, &s.name),
            ) => outcome,
            _ = tokio::signal::ctrl_c() => {
                store.cancel_running(
                    "interrupted by the operator (Ctrl-C); the previous snapshot was kept",
                )?;
                store.release(&holder, &s.name, None)?;
                eprintln!(
                    "\ninterrupted: the run of source `{}` was cancelled and recorded as interrupted; the previous snapshot was kept",
                    s.name
                );
                return Ok(Exit::Interrupted.code());
            }
        };
        store.release(&holder, &s.name, None)?;
        match outcome {
            Ok(report) => {
                // The counts' names and the warnings are the plugin's text.
                writeln!(
                    out,
                    "{}: run {} succeeded: {}",
                    report.source,
                    report.run_id,
                    text(&report.counts_text())
                )?;
                // The reason for a full read may be the plugin's text.
                writeln!(out, "  read: {}", text(&report.mode_text()))?;
                for w in &report.warnings {
                    writeln!(out, "  warning: {}", text(w))?;
                }
            }
            Err(e) => {
                failed += 1;
                print_error(&e);
            }
        }
    }
    // A configuration problem (2) outranks a failed run (1).
    Ok(worst.max(if failed > 0 { 1 } else { 0 }))
}

/// Renews a one-shot sync's lease while its run lasts (three times per lease), until dropped.
struct Renewal {
    stop: Option<std::sync::mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Renewal {
    fn start(store: &Store, holder: &str, lease: std::time::Duration) -> Renewal {
        let (stop, stopped) = std::sync::mpsc::channel::<()>();
        let (store, holder) = (store.clone(), holder.to_string());
        let thread = std::thread::spawn(move || {
            while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) =
                stopped.recv_timeout(lease / 3)
            {
                if let Err(e) = store.heartbeat(&holder, lease) {
                    tracing::warn!(error = %format!("{e:#}"), "cannot renew the run's lease");
                }
            }
        });
        Renewal {
            stop: Some(stop),
            thread: Some(thread),
        }
    }
}

impl Drop for Renewal {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
