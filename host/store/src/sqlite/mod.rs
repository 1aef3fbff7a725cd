//! The SQLite engine: the embedded default, one database file.

pub(crate) mod apply;
pub(crate) mod changes;
pub(crate) mod derived;
mod query;
pub(crate) mod references;
pub(crate) mod rows;
pub(crate) mod staging;
mod watch;

/// The schema, created or completed on open.
pub(crate) const SCHEMA: &str = include_str!("schema.sql");
