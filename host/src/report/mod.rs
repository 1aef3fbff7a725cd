//! Reports and exports: pure reads of the store, rendered as table, JSON or CSV.

pub mod balance;
pub mod export;
pub mod format;
