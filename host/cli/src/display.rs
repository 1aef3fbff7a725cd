//! Untrusted text on a terminal: the escaping itself is [`itam_runtime::text`]; this adds the
//! log output's field formatter.

pub use itam_runtime::text::{lines, text};

/// The field formatter of the log output (`-v` … `-vvv`, `RUST_LOG`): every field and the
/// message are escaped with [`text`], so what a plugin logs (forwarded into `tracing` as it
/// is) or any value from the tenant cannot put NUL, VT, CR, LF, ESC or a bidi override into a
/// log line, and one event always stays one line.
pub fn log_fields() -> impl for<'w> tracing_subscriber::fmt::FormatFields<'w> + Send + Sync + 'static
{
    use tracing_subscriber::field::MakeExt;
    tracing_subscriber::fmt::format::debug_fn(
        |w: &mut tracing_subscriber::fmt::format::Writer<'_>,
         field: &tracing::field::Field,
         value: &dyn std::fmt::Debug| {
            let value = format!("{value:?}");
            if field.name() == "message" {
                write!(w, "{}", text(&value))
            } else {
                write!(w, "{field}={}", text(&value))
            }
        },
    )
    .delimited(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_lines_escape_messages_and_fields() {
        use std::sync::{Arc, Mutex};
        #[derive(Clone, Default)]
        struct Buffer(Arc<Mutex<Vec<u8>>>);
        impl std::io::Write for Buffer {
            fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(b);
                Ok(b.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let buffer = Buffer::default();
        let writer = buffer.clone();
        let subscriber = tracing_subscriber::fmt()
            .fmt_fields(log_fields())
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        let message = "a\u{1b}[2Jb\0c\u{b}d\re\nerror: forged\u{7}\u{202e}\u{9b}";
        tracing::subscriber::with_default(subscriber, || {
            tracing::warn!(source = "s", "{message}");
            tracing::warn!(phase = %message, quoted = message, "progress");
        });
        let log = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<&str> = log.lines().collect();
        assert_eq!(lines.len(), 2, "{log}");
        assert!(
            lines[0]
                .contains(r"a\u{1b}[2Jb\u{0}c\u{b}d\u{d}e\u{a}error: forged\u{7}\u{202e}\u{9b}"),
            "{log}"
        );
        assert!(
            lines[1].contains(r"progress phase=a\u{1b}[2Jb\u{0}"),
            "{log}"
        );
        for bad in ['\u{1b}', '\0', '\u{b}', '\r', '\u{7}', '\u{202e}', '\u{9b}'] {
            assert!(!log.contains(bad), "{bad:?} in {log:?}");
        }
        assert_eq!(log.matches('\n').count(), 2, "{log:?}");
    }
}
