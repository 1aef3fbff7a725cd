//! The SQLite engine: the embedded default, one database file.

mod query;

/// The schema, created or completed on open.
pub(crate) const SCHEMA: &str = include_str!("schema.sql");
