//! Rendering: reports as tables for people (escaped, fitted to the terminal), JSON and CSV
//! (formula-neutralised) for tools.

pub mod account;
pub mod balance;
pub mod changes;
pub mod cost;
pub mod export;
pub mod format;
pub mod history;
pub mod keys;
pub mod product;
pub mod snapshot;
pub mod subscriptions;
pub mod waste;
