//! The signals the service answers. The handlers are installed before readiness is reported,
//! so a signal sent as soon as the service manager starts the process is not fatal.

use anyhow::{Context, Result};
use tokio::signal::unix::{Signal as Stream, SignalKind, signal};

/// What a signal asks for.
pub enum Signal {
    /// SIGTERM or SIGINT (named): stop.
    Stop(&'static str),
    /// SIGHUP: reload the configuration.
    Reload,
    /// SIGUSR1: run every source now.
    RunAll,
}

/// The installed handlers.
pub struct Signals {
    term: Stream,
    int: Stream,
    hup: Stream,
    usr1: Stream,
}

impl Signals {
    /// Installs the handlers.
    pub fn install() -> Result<Signals> {
        let install = |kind: SignalKind, name: &str| {
            signal(kind).with_context(|| format!("installing the {name} handler"))
        };
        Ok(Signals {
            term: install(SignalKind::terminate(), "SIGTERM")?,
            int: install(SignalKind::interrupt(), "SIGINT")?,
            hup: install(SignalKind::hangup(), "SIGHUP")?,
            usr1: install(SignalKind::user_defined1(), "SIGUSR1")?,
        })
    }

    /// The next signal.
    pub async fn next(&mut self) -> Signal {
        tokio::select! {
            _ = self.term.recv() => Signal::Stop("SIGTERM"),
            _ = self.int.recv() => Signal::Stop("SIGINT"),
            _ = self.hup.recv() => Signal::Reload,
            _ = self.usr1.recv() => Signal::RunAll,
        }
    }
}
