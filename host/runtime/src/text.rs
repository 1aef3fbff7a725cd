//! Untrusted text made safe to show on a terminal: control and bidi characters become visible
//! escapes.
//!
//! Names, part numbers, departments, statuses, warnings, check findings, progress phases, log
//! messages and error messages come from the tenant (a guest's display name is chosen in
//! another organisation) or from a plugin, which is untrusted code. Printed as they are, the
//! control characters in them act on the operator's terminal: `ESC [ 2 J` clears the screen,
//! OSC 0 sets the window title, OSC 52 writes the clipboard, BEL, BS and CR rewrite what is
//! shown, a newline starts a forged `error:` line, and the bidi overrides and isolates make
//! text read differently from what it is. Every human-readable output (report tables and
//! lines, sync's counts, warnings and errors, `itam check`, the progress line, every log line)
//! passes such text through this module. JSON keeps the original strings (its encoder escapes
//! C0 controls itself), and CSV keeps them too, apart from formula neutralisation
//! (the CLI's CSV writer).
//!
//! **Convention.** Each such character is replaced by its code point in Rust's notation,
//! `\u{1b}` for ESC, `\u{0}` for NUL, `\u{202e}` for RIGHT-TO-LEFT OVERRIDE: visible, so a reader
//! sees that something was there and what it was, and nothing is silently dropped. Backslashes
//! are kept as they are (`DOMAIN\user` stays readable), so a name that literally contains the
//! six characters `\u{1b}` looks like an escaped ESC; that is ambiguous to the eye only, never
//! to the terminal.
//!
//! Escaped: C0 controls U+0000–U+001F (NUL, BEL, BS, TAB, LF, VT, FF, CR, ESC, …), DEL U+007F,
//! C1 controls U+0080–U+009F (CSI U+009B and OSC U+009D act like `ESC [` and `ESC ]` on some
//! terminals), the bidi embeddings, overrides and isolates U+202A–U+202E and U+2066–U+2069,
//! the bidi marks U+200E, U+200F and U+061C, and the line and paragraph separators U+2028 and
//! U+2029. Everything else, all ordinary non-ASCII text included, passes unchanged.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Whether `c` must not reach a terminal as it is.
fn unsafe_char(c: char) -> bool {
    // `is_control` is Unicode's Cc category: U+0000–U+001F, U+007F–U+009F.
    c.is_control()
        || matches!(
            c,
            '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{2028}' | '\u{2029}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
        )
}

fn escape(s: &str, keep_newlines: bool) -> Cow<'_, str> {
    let escaped = |c: char| unsafe_char(c) && !(keep_newlines && c == '\n');
    let Some(first) = s.find(escaped) else {
        return Cow::Borrowed(s);
    };
    let mut out = String::with_capacity(s.len() + 8);
    out.push_str(&s[..first]);
    for c in s[first..].chars() {
        if escaped(c) {
            // `\u{1b}`: Rust's notation, lower-case hex without leading zeros.
            let _ = write!(out, "{}", c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `s` with every control and bidi character (newlines included) replaced by a visible
/// `\u{…}` escape: for one value from the tenant or a plugin, shown on one line.
pub fn text(s: &str) -> Cow<'_, str> {
    escape(s, false)
}

/// Like [`text`] but keeping `\n`: for a message the host composed over several lines (an
/// error with its `fix:` line) whose untrusted parts were passed through [`text`] when they
/// were put in, so the newlines left are the host's own. Every other control character is
/// still escaped, whatever its origin.
pub fn lines(s: &str) -> Cow<'_, str> {
    escape(s, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c0_controls_are_escaped() {
        let cases = [
            ("\0", r"\u{0}"),
            ("\u{7}", r"\u{7}"),
            ("\u{8}", r"\u{8}"),
            ("\t", r"\u{9}"),
            ("\n", r"\u{a}"),
            ("\u{b}", r"\u{b}"),
            ("\u{c}", r"\u{c}"),
            ("\r", r"\u{d}"),
            ("\u{1b}", r"\u{1b}"),
            ("\u{1f}", r"\u{1f}"),
        ];
        for (raw, shown) in cases {
            assert_eq!(text(raw), shown, "{raw:?}");
            assert_eq!(text(&format!("a{raw}b")), format!("a{shown}b"), "{raw:?}");
        }
        for c in (0u32..0x20).map(|c| char::from_u32(c).unwrap()) {
            assert!(!text(&c.to_string()).contains(c), "{c:?}");
        }
    }

    #[test]
    fn terminal_sequences_lose_their_escape_character() {
        assert_eq!(text("\u{1b}[2Jx"), r"\u{1b}[2Jx");
        assert_eq!(
            text("\u{1b}]0;pwned\u{7}"),
            r"\u{1b}]0;pwned\u{7}",
            "OSC 0 window title"
        );
        assert_eq!(
            text("\u{1b}]52;c;Y3VybCBldmlsfHNo\u{1b}\\"),
            r"\u{1b}]52;c;Y3VybCBldmlsfHNo\u{1b}\",
            "OSC 52 clipboard write"
        );
        assert_eq!(text("\u{1b}[31mred"), r"\u{1b}[31mred");
    }

    #[test]
    fn del_and_c1_controls_are_escaped() {
        assert_eq!(text("\u{7f}"), r"\u{7f}");
        assert_eq!(text("\u{85}"), r"\u{85}");
        assert_eq!(text("\u{9b}2J"), r"\u{9b}2J");
        assert_eq!(text("\u{9d}0;t\u{9c}"), r"\u{9d}0;t\u{9c}");
        for c in (0x80u32..=0x9f).map(|c| char::from_u32(c).unwrap()) {
            assert_eq!(text(&c.to_string()), format!("\\u{{{:x}}}", c as u32));
        }
    }

    #[test]
    fn bidi_overrides_isolates_and_marks_are_escaped() {
        for c in ('\u{202a}'..='\u{202e}').chain('\u{2066}'..='\u{2069}') {
            assert_eq!(text(&c.to_string()), format!("\\u{{{:x}}}", c as u32));
        }
        assert_eq!(text("invoice\u{202e}fdp.exe"), r"invoice\u{202e}fdp.exe");
        assert_eq!(text("\u{200e}\u{200f}\u{61c}"), r"\u{200e}\u{200f}\u{61c}");
        assert_eq!(text("a\u{2028}b\u{2029}c"), r"a\u{2028}b\u{2029}c");
    }

    #[test]
    fn ordinary_text_passes_unchanged_and_unallocated() {
        for s in [
            "",
            "Zoë 山田",
            "Ærøskøbing Kommune",
            "محمد",
            "שלום",
            "Δ 😀 ü",
            r"DOMAIN\user",
            "O'Brien \"Bob\" <b>bold</b> & =SUM(1)",
            "\u{200b}zero width space",
        ] {
            assert!(matches!(text(s), Cow::Borrowed(b) if b == s), "{s:?}");
            assert!(matches!(lines(s), Cow::Borrowed(b) if b == s), "{s:?}");
        }
    }

    #[test]
    fn a_newline_cannot_start_a_forged_line_but_the_hosts_own_lines_stay() {
        let forged = text("bad name\nerror: forged");
        assert!(!forged.contains('\n'));
        assert_eq!(forged, r"bad name\u{a}error: forged");
        let composed = format!(
            "source `x`: sync failed\n  upstream error: {}\n  fix: {}",
            text("Server\nerror: forged\u{1b}[2J"),
            text("retry")
        );
        let shown = lines(&composed);
        assert_eq!(
            shown.lines().collect::<Vec<_>>(),
            [
                "source `x`: sync failed",
                r"  upstream error: Server\u{a}error: forged\u{1b}[2J",
                "  fix: retry",
            ]
        );
        assert_eq!(lines("a\r\nb\u{b}\0"), "a\\u{d}\nb\\u{b}\\u{0}");
    }
}
