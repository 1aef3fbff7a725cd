//! A one-line progress display for long collections on a terminal: the plugin's current
//! phase, entities stored and their rate, and HTTP requests sent. Quiet when stderr is not a
//! terminal (logs, CI, daemons).

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use itam_runtime::observer::{Observer, RunProgress};
use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use std::time::Duration;

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

/// The progress line of one run: an [`Observer`] that draws on stderr when it is a terminal.
pub struct Progress {
    bar: Option<ProgressBar>,
}

impl Progress {
    /// A display, drawn only when `show` and stderr is a terminal.
    pub fn new(show: bool) -> Progress {
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
        Progress { bar }
    }
}

impl Observer for Progress {
    fn progress(&self, p: &RunProgress<'_>) {
        if let Some(bar) = &self.bar {
            bar.set_message(message(p));
        }
    }

    fn finished(&self, _source: &str) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
            if let Ok(mut shown) = SHOWN.lock() {
                *shown = None;
            }
        }
    }
}

/// The line shown for a report. The source and phase are escaped for the terminal.
fn message(p: &RunProgress<'_>) -> String {
    let secs = p.elapsed.as_secs_f64().max(0.001);
    let of = p.total.map(|t| format!("/{t}")).unwrap_or_default();
    format!(
        "{}: {} {}{of} · {} entities ({:.0}/s) · {} requests",
        crate::display::text(p.source),
        crate::display::text(p.phase),
        p.done,
        p.entities,
        p.entities as f64 / secs,
        p.requests
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plugins_phase_is_escaped_in_the_progress_line() {
        let line = message(&RunProgress {
            source: "s",
            phase: "users\u{1b}[2J\u{1b}]0;t\u{7}\r\nerror: forged\u{202e}",
            done: 3,
            total: Some(9),
            entities: 0,
            requests: 0,
            elapsed: Duration::from_secs(1),
        });
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
