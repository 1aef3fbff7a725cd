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
/// Keys are the printed ones ([`super::keys`]).
pub fn json<T: serde::Serialize + ?Sized>(out: &mut dyn Write, value: &T) -> Result<()> {
    let value = super::keys::rename(serde_json::to_value(value)?);
    serde_json::to_writer_pretty(&mut *out, &value)?;
    writeln!(out)?;
    Ok(())
}

/// How a table row is emphasised when colour is allowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Mark {
    /// Printed as it is.
    #[default]
    Plain,
    /// Needs action now (over-allocated, suspended, locked out): red.
    Alert,
    /// Needs attention soon (in warning, expiring): yellow.
    Caution,
}

/// Where a table is printed: how wide it may be and whether it may use colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    /// The width to fit, in display columns; `None` prints every cell in full.
    pub width: Option<u16>,
    /// Whether rows may be coloured by their [`Mark`].
    pub colour: bool,
}

impl Layout {
    /// The layout of standard output: the width is `COLUMNS` when it is set to a positive
    /// number, else the terminal's width when standard output is a terminal, else unlimited
    /// (piped output keeps every cell whole). Colour is off when `NO_COLOR` is set (not empty),
    /// on when `CLICOLOR_FORCE` is set (not empty or `0`), else on only on a terminal.
    pub fn stdout() -> Layout {
        use std::io::IsTerminal;
        let terminal = std::io::stdout().is_terminal();
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let width = var("COLUMNS")
            .and_then(|c| c.trim().parse::<u16>().ok())
            .filter(|w| *w > 0)
            .or_else(|| {
                terminal
                    .then(|| crossterm::terminal::size().ok().map(|(w, _)| w))
                    .flatten()
                    .filter(|w| *w > 0)
            });
        let colour = if var("NO_COLOR").is_some() {
            false
        } else if var("CLICOLOR_FORCE").is_some_and(|v| v != "0") {
            true
        } else {
            terminal && var("TERM").is_none_or(|t| t != "dumb")
        };
        Layout { width, colour }
    }

    /// Full width and no colour, as for a pipe.
    pub fn plain() -> Layout {
        Layout {
            width: None,
            colour: false,
        }
    }
}

/// Stands for the gap between columns while comfy-table lays the table out; it cannot occur in
/// a cell because cells are escaped for the terminal first (it is a C0 control character).
const GAP: char = '\u{1f}';
/// What the gap between two columns is printed as.
const GAP_TEXT: &str = "  ";

/// Prints rows as aligned columns (see [`table_marked`]).
pub fn table(
    out: &mut dyn Write,
    headers: &[&str],
    rows: &[Vec<String>],
    numeric: &[bool],
) -> Result<()> {
    table_marked(out, headers, rows, numeric, &[])
}

/// Prints rows as aligned columns for standard output ([`Layout::stdout`]); numeric columns
/// are right-aligned, and row `i` is coloured by `marks[i]` when colour is allowed. Every cell
/// is escaped for the terminal.
pub fn table_marked(
    out: &mut dyn Write,
    headers: &[&str],
    rows: &[Vec<String>],
    numeric: &[bool],
    marks: &[Mark],
) -> Result<()> {
    out.write_all(render_table(Layout::stdout(), headers, rows, numeric, marks).as_bytes())?;
    Ok(())
}

/// Renders a table in `layout`: a header, a line of dashes, then one line per row. Widths are
/// display widths (a CJK character takes two columns). When the layout has a width, columns are
/// narrowed so that no line is wider: headers wrap between words, and a cell that does not fit
/// is cut with `…` (the full text is in `--format json` or `csv`); without one every cell is
/// printed whole.
pub fn render_table(
    layout: Layout,
    headers: &[&str],
    rows: &[Vec<String>],
    numeric: &[bool],
    marks: &[Mark],
) -> String {
    use comfy_table::{Cell as TableCell, CellAlignment, Color, ContentArrangement, Table};
    let mut t = Table::new();
    // Only the header line and the column gaps are drawn (see GAP).
    let mut preset: Vec<char> = " ".repeat(19).chars().collect();
    preset[5] = '-'; // HeaderLines
    preset[6] = GAP; // MiddleHeaderIntersections
    preset[8] = GAP; // VerticalLines
    t.load_preset(&preset.into_iter().collect::<String>());
    t.force_no_tty();
    if layout.colour {
        t.enforce_styling();
    }
    let gaps = headers.len().saturating_sub(1) * (GAP_TEXT.chars().count() - 1);
    if let Some(width) = layout.width {
        t.set_content_arrangement(ContentArrangement::Dynamic);
        t.set_truncation_indicator("…");
        t.set_width(width.saturating_sub(gaps as u16).max(1));
    }
    t.set_header(headers.iter().map(TableCell::new));
    for (i, row) in rows.iter().enumerate() {
        let colour = match (layout.colour, marks.get(i).copied().unwrap_or_default()) {
            (false, _) | (_, Mark::Plain) => None,
            (true, Mark::Alert) => Some(Color::Red),
            (true, Mark::Caution) => Some(Color::Yellow),
        };
        let mut line = comfy_table::Row::from(row.iter().map(|c| {
            let cell = TableCell::new(crate::display::text(c));
            match colour {
                Some(colour) => cell.fg(colour),
                None => cell,
            }
        }));
        // A row stays one line: a cell too wide is cut with an ellipsis, so a fragment of
        // tenant text (such as a forged `error:`) never starts a line of its own.
        line.max_height(1);
        t.add_row(line);
    }
    let floors = layout
        .width
        .map(|w| floors(headers, rows, numeric, usize::from(w).saturating_sub(gaps)));
    for (i, column) in t.column_iter_mut().enumerate() {
        column.set_padding((0, 0));
        if numeric.get(i).copied().unwrap_or(false) {
            column.set_cell_alignment(CellAlignment::Right);
        }
        if let Some(floor) = floors.as_ref().and_then(|f| f[i]) {
            column.set_constraint(comfy_table::ColumnConstraint::LowerBoundary(
                comfy_table::Width::Fixed(floor as u16),
            ));
        }
    }
    let mut text = String::new();
    for line in t.lines() {
        text.push_str(line.replace(GAP, GAP_TEXT).trim_end());
        text.push('\n');
    }
    text
}

/// Display width of a cell as a table shows it (escaped).
fn cell_width(cell: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(crate::display::text(cell).as_ref())
}

/// The width a table needs to show every cell whole on one line.
pub fn full_width(headers: &[&str], rows: &[Vec<String>]) -> usize {
    let columns = (0..headers.len()).map(|i| {
        rows.iter()
            .map(|r| cell_width(&r[i]))
            .chain([cell_width(headers[i])])
            .max()
            .unwrap_or(0)
    });
    columns.sum::<usize>() + headers.len().saturating_sub(1) * GAP_TEXT.chars().count()
}

/// The narrowest each column may become in a table of `width` columns (gaps excluded), so
/// that numbers and short words are never broken: numeric columns and columns whose cells are
/// all short keep their content's width (their header may wrap between words); long text
/// columns get at least ten columns and share the rest. When that cannot fit, only numbers keep theirs; when even that
/// cannot, nothing does.
fn floors(
    headers: &[&str],
    rows: &[Vec<String>],
    numeric: &[bool],
    width: usize,
) -> Vec<Option<usize>> {
    const SHORT: usize = 10;
    const FLEX: usize = 10;
    let content: Vec<usize> = (0..headers.len())
        .map(|i| rows.iter().map(|r| cell_width(&r[i])).max().unwrap_or(0))
        .collect();
    let word: Vec<usize> = headers
        .iter()
        .map(|h| h.split(' ').map(cell_width).max().unwrap_or(0))
        .collect();
    let is_numeric = |i: usize| numeric.get(i).copied().unwrap_or(false);
    let plan = |keep: &dyn Fn(usize) -> bool| -> (Vec<Option<usize>>, usize) {
        let floors: Vec<Option<usize>> = (0..headers.len())
            .map(|i| {
                Some(if keep(i) {
                    content[i].max(word[i])
                } else {
                    content[i].min(FLEX)
                })
            })
            .collect();
        let need = floors.iter().flatten().sum();
        (floors, need)
    };
    let (short, need) = plan(&|i| is_numeric(i) || content[i] <= SHORT);
    if need <= width {
        return short;
    }
    let (numbers, need) = plan(&|i| is_numeric(i));
    if need <= width {
        return numbers;
    }
    vec![None; headers.len()]
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

    /// A count that may be unknown: empty when it is (as JSON writes `null`).
    pub fn optional(n: Option<i64>) -> Cell<'static> {
        Cell::Number(n.map(|n| n.to_string()).unwrap_or_default())
    }
}

/// A count as tables show it: the number, or `unknown` when the source does not tell (never a
/// made-up zero).
pub fn count(n: Option<i64>) -> String {
    n.map_or_else(|| "unknown".to_string(), |n| n.to_string())
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

    /// Writes the header row, names mapped to the printed keys ([`super::keys`]).
    pub fn header<S: AsRef<str>>(&mut self, names: impl IntoIterator<Item = S>) -> Result<()> {
        self.writer.write_record(
            names
                .into_iter()
                .map(|n| super::keys::key(n.as_ref()).to_string()),
        )?;
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

    fn wide_rows() -> (Vec<&'static str>, Vec<Vec<String>>) {
        let headers = vec![
            "Product",
            "Kind",
            "Part number",
            "Status",
            "Enabled",
            "Warning",
            "Suspended",
            "Locked out",
            "Consumed",
            "Available",
        ];
        let rows = vec![
            [
                "Microsoft 365 E5 (no Teams) with Enterprise Mobility + Security",
                "",
                "Microsoft_365_E5_(no_Teams)",
                "Enabled",
                "10000",
                "0",
                "0",
                "0",
                "10196",
                "-196 over",
            ],
            [
                "山田商事 ライセンス 管理 製品 エンタープライズ 版",
                "trial",
                "山田_ライセンス_製品",
                "Suspended",
                "0",
                "0",
                "25",
                "0",
                "25",
                "-25",
            ],
            [
                "Zoë\u{1b}[2J evil\nname",
                "free",
                "=HYPERLINK(\"x\")",
                "Warning",
                "1",
                "1",
                "0",
                "0",
                "0",
                "1",
            ],
        ]
        .into_iter()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
        (headers, rows)
    }

    fn display_width(line: &str) -> usize {
        unicode_width::UnicodeWidthStr::width(line)
    }

    #[test]
    fn tables_fit_eighty_columns_with_cjk_names() {
        let (headers, rows) = wide_rows();
        let numeric = [
            false, false, false, false, true, true, true, true, true, true,
        ];
        let layout = Layout {
            width: Some(80),
            colour: false,
        };
        let text = render_table(layout, &headers, &rows, &numeric, &[]);
        for line in text.lines() {
            assert!(
                display_width(line) <= 80,
                "{} columns: {line}\n{text}",
                display_width(line)
            );
        }
        assert!(text.contains("山田"), "{text}");
        assert!(!text.contains('\u{1b}'), "{text}");
        // Unlimited (piped) keeps every cell whole, one line per row, wider than 80.
        let full = render_table(Layout::plain(), &headers, &rows, &numeric, &[]);
        assert_eq!(full.lines().count(), 2 + rows.len(), "{full}");
        assert!(full.lines().any(|l| display_width(l) > 80), "{full}");
        assert!(
            full.contains("Microsoft 365 E5 (no Teams) with Enterprise Mobility + Security"),
            "{full}"
        );
    }

    #[test]
    fn columns_align_by_display_width() {
        let rows = vec![
            vec!["山田".to_string(), "1".to_string()],
            vec!["ab".to_string(), "22".to_string()],
        ];
        let text = render_table(Layout::plain(), &["Name", "N"], &rows, &[false, true], &[]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "Name   N");
        assert_eq!(lines[1], "----  --");
        assert_eq!(lines[2], "山田   1");
        assert_eq!(lines[3], "ab    22");
        // Every line of the table has the same display width.
        assert!(lines.iter().all(|l| display_width(l) == 8), "{text}");
    }

    #[test]
    fn marked_rows_are_coloured_only_when_colour_is_allowed() {
        let rows = vec![
            vec!["over".to_string(), "-3".to_string()],
            vec!["fine".to_string(), "2".to_string()],
        ];
        let marks = [Mark::Alert, Mark::Plain];
        let plain = render_table(Layout::plain(), &["P", "A"], &rows, &[false, true], &marks);
        assert!(!plain.contains('\u{1b}'), "{plain}");
        let coloured = render_table(
            Layout {
                width: None,
                colour: true,
            },
            &["P", "A"],
            &rows,
            &[false, true],
            &marks,
        );
        let over = coloured.lines().find(|l| l.contains("over")).unwrap();
        assert!(over.contains("\u{1b}["), "{coloured}");
        let fine = coloured.lines().find(|l| l.contains("fine")).unwrap();
        assert!(!fine.contains('\u{1b}'), "{coloured}");
    }
}
