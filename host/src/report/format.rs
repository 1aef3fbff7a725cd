//! Output formats and the small renderers shared by reports and exports.
//!
//! Tables escape every cell for the terminal ([`crate::display::text`]). CSV neutralises
//! formulas: a text cell that starts with `=`, `+`, `-`, `@`, TAB or CR is what a spreadsheet
//! evaluates (`=HYPERLINK(…)`, `@SUM(…)`, DDE payloads), and names in a tenant are chosen by its
//! users and by other organisations' guests; such a cell gets a leading `'`, as OWASP
//! recommends, which spreadsheets show as text and do not store. Numbers the tool itself
//! produces (counts, `available`, which is negative when over-allocated, amounts) are written as
//! numbers. `--raw` writes every cell exactly as stored, for programs that read the CSV.

use anyhow::Result;
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::io::Write;

/// How a report or export is printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned columns for people.
    Table,
    /// One JSON array.
    Json,
    /// CSV with a header row.
    Csv,
}

/// Prints `value` as pretty JSON followed by a newline.
pub fn json<T: serde::Serialize + ?Sized>(out: &mut dyn Write, value: &T) -> Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    writeln!(out)?;
    Ok(())
}

/// Prints rows as aligned columns; numeric columns (by header) are right-aligned. Every cell is
/// escaped for the terminal.
pub fn table(
    out: &mut dyn Write,
    headers: &[&str],
    rows: &[Vec<String>],
    numeric: &[bool],
) -> Result<()> {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            r.iter()
                .map(|c| crate::display::text(c).into_owned())
                .collect()
        })
        .collect();
    let widths: Vec<usize> = headers
        .iter()
        .enumerate()
        .map(|(i, h)| {
            rows.iter()
                .map(|r| r[i].chars().count())
                .chain([h.chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: Vec<&str>| {
        let parts: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let pad = widths[i].saturating_sub(c.chars().count());
                if numeric[i] {
                    format!("{}{c}", " ".repeat(pad))
                } else {
                    format!("{c}{}", " ".repeat(pad))
                }
            })
            .collect();
        parts.join("  ").trim_end().to_string()
    };
    writeln!(out, "{}", line(headers.to_vec()))?;
    writeln!(
        out,
        "{}",
        line(
            widths
                .iter()
                .map(|w| "-".repeat(*w))
                .collect::<Vec<_>>()
                .iter()
                .map(String::as_str)
                .collect()
        )
    )?;
    for row in rows {
        writeln!(out, "{}", line(row.iter().map(String::as_str).collect()))?;
    }
    Ok(())
}

/// A CSV text cell as written: with a leading `'` when it starts with a character that makes a
/// spreadsheet evaluate it (`=`, `+`, `-`, `@`, TAB, CR), unless `raw`.
pub fn csv_text(s: &str, raw: bool) -> Cow<'_, str> {
    if !raw && s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{s}"))
    } else {
        Cow::Borrowed(s)
    }
}

/// One CSV cell.
pub enum Cell<'a> {
    /// Text that may come from the tenant or a plugin: neutralised unless raw.
    Text(Cow<'a, str>),
    /// A number (or another value) the tool itself formatted: written as it is.
    Number(String),
}

impl<'a> Cell<'a> {
    /// A text cell.
    pub fn text(s: impl Into<Cow<'a, str>>) -> Cell<'a> {
        Cell::Text(s.into())
    }

    /// A number cell.
    pub fn number(n: impl std::fmt::Display) -> Cell<'static> {
        Cell::Number(n.to_string())
    }
}

/// CSV output of reports and exports: a header row written as it is, then records whose text
/// cells are neutralised against formula injection (see the module documentation).
pub struct Csv<'w> {
    writer: csv::Writer<&'w mut dyn Write>,
    raw: bool,
}

impl<'w> Csv<'w> {
    /// CSV to `out`; `raw` keeps every cell exactly as stored.
    pub fn new(out: &'w mut dyn Write, raw: bool) -> Csv<'w> {
        Csv {
            writer: csv::Writer::from_writer(out),
            raw,
        }
    }

    /// Writes the header row.
    pub fn header<S: AsRef<str>>(&mut self, names: impl IntoIterator<Item = S>) -> Result<()> {
        self.writer
            .write_record(names.into_iter().map(|n| n.as_ref().to_string()))?;
        Ok(())
    }

    /// Writes one record.
    pub fn row<'c>(&mut self, cells: impl IntoIterator<Item = Cell<'c>>) -> Result<()> {
        let raw = self.raw;
        self.writer
            .write_record(cells.into_iter().map(|c| match c {
                Cell::Text(t) => csv_text(&t, raw).into_owned(),
                Cell::Number(n) => n,
            }))?;
        Ok(())
    }

    /// Writes one record from JSON values: strings (and lists of them, joined by `;`, and JSON
    /// text) are text cells; numbers and booleans are the tool's own; null is empty.
    pub fn values<'v>(&mut self, values: impl IntoIterator<Item = &'v Value>) -> Result<()> {
        self.row(values.into_iter().map(|v| match v {
            Value::Null => Cell::Number(String::new()),
            Value::Bool(_) | Value::Number(_) => Cell::Number(v.to_string()),
            other => Cell::text(plain(other)),
        }))
    }

    /// Writes `rows` as serde serializes them (the field names as header, before the first
    /// row; nothing for no rows), with the typing of [`Csv::values`].
    pub fn serialize<T: serde::Serialize>(&mut self, rows: &[T]) -> Result<()> {
        for (i, row) in rows.iter().enumerate() {
            let Value::Object(object) = serde_json::to_value(row)? else {
                anyhow::bail!("a CSV row must be a struct");
            };
            if i == 0 {
                self.header(object.keys())?;
            }
            self.object(&object)?;
        }
        Ok(())
    }

    fn object(&mut self, object: &Map<String, Value>) -> Result<()> {
        self.values(object.values())
    }

    /// Flushes the output.
    pub fn finish(mut self) -> Result<()> {
        self.writer.flush()?;
        Ok(())
    }
}

/// A JSON value as one CSV cell's text: strings as they are, lists joined by `;`, anything else
/// as JSON.
fn plain(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(plain).collect::<Vec<_>>().join(";"),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv(raw: bool, write: impl FnOnce(&mut Csv<'_>) -> Result<()>) -> String {
        let mut out = Vec::new();
        let mut w = Csv::new(&mut out, raw);
        write(&mut w).unwrap();
        w.finish().unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn each_formula_character_is_neutralised() {
        for (cell, written) in [
            (
                "=HYPERLINK(\"http://x\",\"y\")",
                "'=HYPERLINK(\"http://x\",\"y\")",
            ),
            ("+1", "'+1"),
            ("-2", "'-2"),
            ("@SUM(1)", "'@SUM(1)"),
            ("\tcmd", "'\tcmd"),
            ("\rcmd", "'\rcmd"),
        ] {
            assert_eq!(csv_text(cell, false), written, "{cell:?}");
            assert_eq!(csv_text(cell, true), cell, "{cell:?} raw");
        }
        for cell in ["", "Zoë", "a=b", "1+1", "'quoted", " =x", "\n=x", "SPE_E3"] {
            assert_eq!(csv_text(cell, false), cell, "{cell:?}");
        }
    }

    #[test]
    fn text_cells_are_neutralised_and_numbers_are_not() {
        let text_out = csv(false, |w| {
            w.header(["name", "available", "monthly"])?;
            w.row([
                Cell::text("-2"),
                Cell::number(-3),
                Cell::number(format!("{:.2}", -1.5)),
            ])?;
            w.row([Cell::text("=1+1"), Cell::number(0), Cell::number("12.00")])
        });
        assert_eq!(
            text_out,
            "name,available,monthly\n'-2,-3,-1.50\n'=1+1,0,12.00\n"
        );
        let raw = csv(true, |w| {
            w.header(["name", "available"])?;
            w.row([Cell::text("-2"), Cell::number(-3)])?;
            w.row([Cell::text("=1+1"), Cell::number(0)])
        });
        assert_eq!(raw, "name,available\n-2,-3\n=1+1,0\n");
    }

    #[test]
    fn json_values_are_typed_by_kind() {
        let row = serde_json::json!([
            "@SUM(1)",
            -7,
            true,
            null,
            ["=a", "b"],
            {"k": "v"},
            2.5
        ]);
        let out = csv(false, |w| w.values(row.as_array().unwrap()));
        assert_eq!(
            out,
            "'@SUM(1),-7,true,,'=a;b,\"{\"\"k\"\":\"\"v\"\"}\",2.5\n"
        );
        let out = csv(true, |w| w.values(row.as_array().unwrap()));
        assert!(out.starts_with("@SUM(1),-7,true,,=a;b,"), "{out}");
    }

    #[test]
    fn serialized_rows_keep_their_header_and_numbers() {
        #[derive(serde::Serialize)]
        struct Row {
            part: String,
            name: Option<String>,
            available: i64,
        }
        let rows = [
            Row {
                part: "+PART".into(),
                name: None,
                available: -3,
            },
            Row {
                part: "E3".into(),
                name: Some("-x".into()),
                available: 4,
            },
        ];
        assert_eq!(
            csv(false, |w| w.serialize(&rows)),
            "part,name,available\n'+PART,,-3\nE3,'-x,4\n"
        );
        assert_eq!(
            csv(true, |w| w.serialize(&rows)),
            "part,name,available\n+PART,,-3\nE3,-x,4\n"
        );
        assert_eq!(csv(false, |w| w.serialize::<Row>(&[])), "");
    }

    #[test]
    fn table_cells_are_escaped_for_the_terminal() {
        let mut out = Vec::new();
        table(
            &mut out,
            &["Name", "N"],
            &[vec!["a\u{1b}[2J\nerror: x".into(), "1".into()]],
            &[false, true],
        )
        .unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(!text.contains('\u{1b}'), "{text}");
        assert_eq!(text.lines().count(), 3, "{text}");
        assert!(text.contains(r"a\u{1b}[2J\u{a}error: x  1"), "{text}");
        assert!(!text.lines().any(|l| l.starts_with("error:")), "{text}");
    }
}
