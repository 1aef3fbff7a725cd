//! Telling systemd (`Type=notify`) where the service is: ready, reloading, stopping, and alive
//! (the watchdog). Outside systemd (`NOTIFY_SOCKET` unset) every call does nothing.

use sd_notify::NotifyState;

fn notify(states: &[NotifyState]) {
    if let Err(e) = sd_notify::notify(states) {
        tracing::warn!(error = %e, "cannot notify the service manager");
    }
}

/// READY=1 with a status line.
pub fn ready(status: &str) {
    notify(&[NotifyState::Ready, NotifyState::Status(status)]);
}

/// RELOADING=1 (with the monotonic time systemd asks for).
pub fn reloading() {
    match NotifyState::monotonic_usec_now() {
        Ok(now) => notify(&[NotifyState::Reloading, now]),
        Err(_) => notify(&[NotifyState::Reloading]),
    }
}

/// STOPPING=1.
pub fn stopping() {
    notify(&[NotifyState::Stopping]);
}

/// When systemd asks for a watchdog (`WatchdogSec=`, passed as `WATCHDOG_USEC`): a task that
/// sends WATCHDOG=1 at half the interval, each time `alive` answers within that half on a
/// blocking thread — so a service whose scheduler is stuck stops petting the watchdog and
/// systemd restarts it.
pub fn watchdog(
    alive: impl Fn() + Clone + Send + Sync + 'static,
) -> Option<tokio::task::JoinHandle<()>> {
    let interval = sd_notify::watchdog_enabled()? / 2;
    Some(tokio::spawn(async move {
        let mut tick = tokio::time::interval(interval);
        loop {
            tick.tick().await;
            let probe = tokio::task::spawn_blocking(alive.clone());
            match tokio::time::timeout(interval, probe).await {
                // The notification is a blocking send on a socket.
                Ok(Ok(())) => {
                    drop(tokio::task::spawn_blocking(|| notify(&[NotifyState::Watchdog])).await)
                }
                _ => tracing::error!(
                    "the scheduler did not answer within {interval:?}; not telling the watchdog"
                ),
            }
        }
    }))
}
