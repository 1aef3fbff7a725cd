//! Reading the store with one SQL text on either engine: what reports, exports and the
//! catalogue use instead of a driver's own types.
//!
//! Statements name their parameters `?1`, `?2`, … (SQLite's spelling; PostgreSQL's `$1` is
//! substituted). Values cross as [`Value`]s: SQLite's storage classes, to which PostgreSQL's
//! integers, booleans, floats, text and bytes map. SQL that differs between the engines
//! (aggregating text, comparing timestamps) comes from the [`Dialect`].

use anyhow::{Context, Result, anyhow, bail};

/// A parameter of, or a column read by, a query.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// SQL NULL.
    Null,
    /// A whole number (PostgreSQL's `smallint`, `integer`, `bigint`, and `boolean` as 0 or 1).
    Integer(i64),
    /// A floating-point number.
    Real(f64),
    /// Text.
    Text(String),
    /// Bytes.
    Blob(Vec<u8>),
}

/// The engine a query runs on, for the SQL that differs between them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// The embedded default.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

impl Dialect {
    /// The aggregate joining the text values of `expr` with `separator` (an SQL literal).
    pub fn group_concat(self, expr: &str, separator: &str) -> String {
        match self {
            Dialect::Sqlite => format!("group_concat({expr}, {separator})"),
            Dialect::Postgres => format!("string_agg({expr}, {separator})"),
        }
    }

    /// The aggregate joining the distinct text values of `expr` with `, `.
    pub fn group_concat_distinct(self, expr: &str) -> String {
        match self {
            // SQLite's DISTINCT aggregate takes one argument; its separator is ','.
            Dialect::Sqlite => format!("replace(group_concat(DISTINCT {expr}), ',', ', ')"),
            Dialect::Postgres => format!("string_agg(DISTINCT {expr}, ', ')"),
        }
    }

    /// The aggregate of `expr`'s values as a JSON array (text).
    pub fn json_array_agg(self, expr: &str) -> String {
        match self {
            Dialect::Sqlite => format!("json_group_array({expr})"),
            Dialect::Postgres => format!("COALESCE(json_agg({expr})::text, '[]')"),
        }
    }

    /// The condition that the RFC 3339 time `a` is earlier than the time `b` (both text).
    pub fn earlier(self, a: &str, b: &str) -> String {
        match self {
            Dialect::Sqlite => format!("julianday({a}) < julianday({b})"),
            Dialect::Postgres => format!("CAST({a} AS timestamptz) < CAST({b} AS timestamptz)"),
        }
    }
}

/// What the fleet's SQL (leases, heartbeats) spells differently: the database's clock, so
/// that the hosts sharing it agree on when a lease expires whatever their own clocks say.
impl Dialect {
    /// The database's current time, `seconds` from now, as RFC 3339 UTC text in whole
    /// seconds (the store's time format).
    pub(crate) fn clock(self, seconds: i64) -> String {
        match self {
            Dialect::Sqlite => {
                format!("strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '{seconds} seconds')")
            }
            Dialect::Postgres => format!(
                "to_char((clock_timestamp() + interval '{seconds} seconds') AT TIME ZONE 'UTC', \
                 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
            ),
        }
    }

    /// The rows of the JSON array of strings in `param` (e.g. `?2`), as a one-column query.
    pub(crate) fn json_strings(self, param: &str) -> String {
        match self {
            Dialect::Sqlite => format!("SELECT value FROM json_each({param})"),
            Dialect::Postgres => {
                format!("SELECT json_array_elements_text(CAST(CAST({param} AS text) AS json))")
            }
        }
    }

    /// What makes a SELECT lock the rows it picks, passing over those another transaction
    /// holds (PostgreSQL's work-queue idiom; SQLite has one writer at a time anyway).
    pub(crate) fn skip_locked(self) -> &'static str {
        match self {
            Dialect::Sqlite => "",
            Dialect::Postgres => " FOR UPDATE SKIP LOCKED",
        }
    }
}

/// What the store's own SQL (staging and publishing a run) spells differently.
impl Dialect {
    /// The column that orders a staging table's rows as they were appended.
    pub(crate) fn order_column(self) -> &'static str {
        match self {
            Dialect::Sqlite => "rowid",
            Dialect::Postgres => "seq",
        }
    }

    /// A hint to read `index` (SQLite plans without statistics; PostgreSQL needs none).
    pub(crate) fn indexed_by(self, index: &str) -> String {
        match self {
            Dialect::Sqlite => format!(" INDEXED BY {index}"),
            Dialect::Postgres => String::new(),
        }
    }

    /// An inner join whose order SQLite's planner must keep (`CROSS JOIN` in SQLite).
    pub(crate) fn join_in_order(self) -> &'static str {
        match self {
            Dialect::Sqlite => "CROSS JOIN",
            Dialect::Postgres => "JOIN",
        }
    }

    /// The column type of a flag.
    pub(crate) fn flag(self) -> &'static str {
        match self {
            Dialect::Sqlite => "INTEGER",
            Dialect::Postgres => "BOOLEAN",
        }
    }

    /// What ends a keyed TEMP table's definition.
    pub(crate) fn keyed_table(self) -> &'static str {
        match self {
            Dialect::Sqlite => " WITHOUT ROWID",
            Dialect::Postgres => "",
        }
    }

    /// The name of TEMP index `name` in `CREATE INDEX`.
    pub(crate) fn temp_index(self, name: &str) -> String {
        match self {
            Dialect::Sqlite => format!("temp.{name}"),
            Dialect::Postgres => name.to_string(),
        }
    }

    /// The name of TEMP index `name` in `DROP INDEX`.
    pub(crate) fn drop_temp_index(self, name: &str) -> String {
        match self {
            Dialect::Sqlite => format!("temp.{name}"),
            Dialect::Postgres => format!("pg_temp.{name}"),
        }
    }

    /// Creates `stage_<table>`, a TEMP table with `table`'s columns and no key, whose rows keep
    /// the order they were appended in ([`Dialect::order_column`]).
    pub(crate) fn create_stage(self, table: &str) -> String {
        match self {
            Dialect::Sqlite => format!(
                "CREATE TEMP TABLE IF NOT EXISTS stage_{table} AS SELECT * FROM main.{table} WHERE 0"
            ),
            Dialect::Postgres => format!(
                "CREATE TEMP TABLE IF NOT EXISTS stage_{table} (LIKE {table}, seq BIGSERIAL)"
            ),
        }
    }
}

/// A row a query read.
#[derive(Debug, Clone, Default)]
pub struct Row {
    values: Vec<Value>,
}

impl Row {
    /// A row of `values`.
    pub fn new(values: Vec<Value>) -> Row {
        Row { values }
    }

    /// Column `index` (from 0) as a `T`; an error names the column and what it held.
    pub fn get<T: FromValue>(&self, index: usize) -> Result<T> {
        let value = self
            .values
            .get(index)
            .ok_or_else(|| anyhow!("the query has no column {index}"))?;
        T::from_value(value).with_context(|| format!("reading column {index}"))
    }

    /// The number of columns.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether the row has no columns.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The row's values.
    pub fn values(&self) -> &[Value] {
        &self.values
    }
}

/// A Rust type a column converts to.
pub trait FromValue: Sized {
    /// `value` as `Self`, or why it is not one.
    fn from_value(value: &Value) -> Result<Self>;
}

impl FromValue for i64 {
    fn from_value(value: &Value) -> Result<Self> {
        match value {
            Value::Integer(n) => Ok(*n),
            other => bail!("expected a whole number, found {other:?}"),
        }
    }
}

impl FromValue for u64 {
    fn from_value(value: &Value) -> Result<Self> {
        let n = i64::from_value(value)?;
        u64::try_from(n).map_err(|_| anyhow!("expected a count, found {n}"))
    }
}

impl FromValue for u32 {
    fn from_value(value: &Value) -> Result<Self> {
        let n = i64::from_value(value)?;
        u32::try_from(n).map_err(|_| anyhow!("expected a small count, found {n}"))
    }
}

impl FromValue for f64 {
    fn from_value(value: &Value) -> Result<Self> {
        match value {
            Value::Real(x) => Ok(*x),
            Value::Integer(n) => Ok(*n as f64),
            other => bail!("expected a number, found {other:?}"),
        }
    }
}

impl FromValue for bool {
    fn from_value(value: &Value) -> Result<Self> {
        Ok(i64::from_value(value)? != 0)
    }
}

impl FromValue for String {
    fn from_value(value: &Value) -> Result<Self> {
        match value {
            Value::Text(s) => Ok(s.clone()),
            other => bail!("expected text, found {other:?}"),
        }
    }
}

impl FromValue for Vec<u8> {
    fn from_value(value: &Value) -> Result<Self> {
        match value {
            Value::Blob(b) => Ok(b.clone()),
            Value::Text(s) => Ok(s.as_bytes().to_vec()),
            other => bail!("expected bytes, found {other:?}"),
        }
    }
}

impl<T: FromValue> FromValue for Option<T> {
    fn from_value(value: &Value) -> Result<Self> {
        match value {
            Value::Null => Ok(None),
            other => T::from_value(other).map(Some),
        }
    }
}

impl FromValue for Value {
    fn from_value(value: &Value) -> Result<Self> {
        Ok(value.clone())
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Self {
        Value::Integer(n)
    }
}

impl From<u32> for Value {
    fn from(n: u32) -> Self {
        Value::Integer(n.into())
    }
}

impl From<i32> for Value {
    fn from(n: i32) -> Self {
        Value::Integer(n.into())
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Integer(b.into())
    }
}

impl From<f64> for Value {
    fn from(x: f64) -> Self {
        Value::Real(x)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Text(s.to_string())
    }
}

impl From<&String> for Value {
    fn from(s: &String) -> Self {
        Value::Text(s.clone())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Text(s)
    }
}

impl From<&i64> for Value {
    fn from(n: &i64) -> Self {
        Value::Integer(*n)
    }
}

impl From<&bool> for Value {
    fn from(b: &bool) -> Self {
        Value::Integer((*b).into())
    }
}

impl From<&Option<String>> for Value {
    fn from(v: &Option<String>) -> Self {
        v.as_deref().map_or(Value::Null, Into::into)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

/// The parameters of a query, each converted to a [`Value`]: `values![source, limit]`.
#[macro_export]
macro_rules! values {
    () => { [] as [$crate::query::Value; 0] };
    ($($value:expr),+ $(,)?) => { [$($crate::query::Value::from($value)),+] };
}

/// Read and write access to the store's tables with engine-neutral SQL (see the module
/// documentation). Implemented by each engine's connection.
pub trait Query {
    /// The engine, for the SQL that differs.
    fn dialect(&self) -> Dialect;

    /// Runs `sql` with `params`, handing each row to `each` in order (rows are streamed, not
    /// collected).
    fn for_each(
        &mut self,
        sql: &str,
        params: &[Value],
        each: &mut dyn FnMut(&Row) -> Result<()>,
    ) -> Result<()>;

    /// Runs a statement that returns no rows; how many rows it changed.
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64>;

    /// Runs `sql`: one or more statements without parameters.
    fn batch(&mut self, sql: &str) -> Result<()>;
}

impl dyn Query + '_ {
    /// Every row of `sql`, each mapped by `map`.
    pub fn rows<T>(
        &mut self,
        sql: &str,
        params: &[Value],
        mut map: impl FnMut(&Row) -> Result<T>,
    ) -> Result<Vec<T>> {
        let mut out = Vec::new();
        self.for_each(sql, params, &mut |row| {
            out.push(map(row)?);
            Ok(())
        })?;
        Ok(out)
    }

    /// The first row of `sql` mapped by `map`, if there is one.
    pub fn row_opt<T>(
        &mut self,
        sql: &str,
        params: &[Value],
        map: impl FnOnce(&Row) -> Result<T>,
    ) -> Result<Option<T>> {
        let mut first = None;
        self.for_each(sql, params, &mut |row| {
            if first.is_none() {
                first = Some(row.clone());
            }
            Ok(())
        })?;
        first.as_ref().map(map).transpose()
    }

    /// The first column of the first row of `sql`; an error when there is no row.
    pub fn value<T: FromValue>(&mut self, sql: &str, params: &[Value]) -> Result<T> {
        self.row_opt(sql, params, |r| r.get(0))?
            .ok_or_else(|| anyhow!("the query returned no row"))
    }
}

/// `sql` with SQLite's `?N` parameters spelt `$N` for PostgreSQL (string literals, quoted
/// names and comments are left alone).
pub(crate) fn numbered_parameters(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' => {
                out.push(c);
                for d in chars.by_ref() {
                    out.push(d);
                    if d == c {
                        break;
                    }
                }
            }
            '-' if chars.peek() == Some(&'-') => {
                out.push(c);
                for d in chars.by_ref() {
                    out.push(d);
                    if d == '\n' {
                        break;
                    }
                }
            }
            '?' if chars.peek().is_some_and(char::is_ascii_digit) => out.push('$'),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_renumbered_outside_literals_and_comments() {
        assert_eq!(
            numbered_parameters("SELECT '?1', \"a?2\", x FROM t WHERE a = ?1 -- ?3\nAND b = ?12"),
            "SELECT '?1', \"a?2\", x FROM t WHERE a = $1 -- ?3\nAND b = $12"
        );
        // A doubled quote inside a literal ends and restarts it: still inside.
        assert_eq!(numbered_parameters("'it''s ?1' ?2"), "'it''s ?1' $2");
    }

    #[test]
    fn columns_convert_or_say_why_not() {
        let row = Row::new(vec![
            Value::Integer(1),
            Value::Null,
            Value::Text("a".into()),
        ]);
        assert!(row.get::<bool>(0).unwrap());
        assert_eq!(row.get::<Option<i64>>(1).unwrap(), None);
        assert_eq!(row.get::<String>(2).unwrap(), "a");
        let error = format!("{:#}", row.get::<i64>(2).unwrap_err());
        assert!(
            error.contains("column 2") && error.contains("whole number"),
            "{error}"
        );
        assert!(row.get::<i64>(3).is_err());
        assert!(row.get::<u32>(0).is_ok());
    }
}
