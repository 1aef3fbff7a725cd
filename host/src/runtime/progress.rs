//! A one-line progress display for long collections on a terminal: the plugin's current
//! phase, entities stored and their rate, and HTTP requests sent. Quiet when stderr is not a
//! terminal (logs, CI, daemons).

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The bar on screen, if any, so that log lines can be written around it.
static SHOWN: Mutex<Option<ProgressBar>> = Mutex::new(None);

/// Writes log lines to stderr, first clearing the progress line and redrawing it after, so a
/// warning during a collection is not left under a stranded progress line.
pub struct LogWriter;

impl Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let bar = SHOWN.lock().ok().and_then(|b| b.clone());
        match bar {
            Some(bar) => bar
                .suspend(|| std::io::stderr().write_all(buf))
                .map(|()| buf.len()),
            None => std::io::stderr().write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}

/// The progress of one run.
pub struct Progress {
    bar: Option<ProgressBar>,
    source: String,
    started: Instant,
    entities: u64,
    /// Requests sent, counted by the outbound policy.
    pub requests: Arc<AtomicU64>,
}

impl Progress {
    /// A display for `source`, drawn only when `show` and stderr is a terminal.
    pub fn new(source: &str, show: bool) -> Progress {
        let bar = (show && std::io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template("{spinner} {msg} [{elapsed}]")
                    .expect("a valid template"),
            );
            bar.enable_steady_tick(Duration::from_millis(200));
            if let Ok(mut shown) = SHOWN.lock() {
                *shown = Some(bar.clone());
            }
            bar
        });
        Progress {
            bar,
            source: source.to_string(),
            started: Instant::now(),
            entities: 0,
            requests: Arc::default(),
        }
    }

    /// Counts `n` stored entities.
    pub fn stored(&mut self, n: usize) {
        self.entities += n as u64;
    }

    /// Shows the plugin's latest report.
    pub fn phase(&self, phase: &str, done: u64, total: Option<u64>) {
        let Some(bar) = &self.bar else { return };
        bar.set_message(self.message(phase, done, total));
    }

    /// The line shown for a report. The phase is the plugin's text, escaped for the terminal.
    fn message(&self, phase: &str, done: u64, total: Option<u64>) -> String {
        let secs = self.started.elapsed().as_secs_f64().max(0.001);
        let of = total.map(|t| format!("/{t}")).unwrap_or_default();
        format!(
            "{}: {} {done}{of} · {} entities ({:.0}/s) · {} requests",
            crate::display::text(&self.source),
            crate::display::text(phase),
            self.entities,
            self.entities as f64 / secs,
            self.requests.load(Ordering::Relaxed)
        )
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
            if let Ok(mut shown) = SHOWN.lock() {
                *shown = None;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plugins_phase_is_escaped_in_the_progress_line() {
        let progress = Progress::new("s", false);
        let line = progress.message(
            "users\u{1b}[2J\u{1b}]0;t\u{7}\r\nerror: forged\u{202e}",
            3,
            Some(9),
        );
        assert!(
            line.starts_with(
                r"s: users\u{1b}[2J\u{1b}]0;t\u{7}\u{d}\u{a}error: forged\u{202e} 3/9 · 0 entities"
            ),
            "{line}"
        );
        assert!(
            !line.chars().any(|c| c.is_control() || c == '\u{202e}'),
            "{line:?}"
        );
    }
}
