//! Reports and exports: pure reads of the store, rendered as table, JSON or CSV.

pub mod account;
pub mod balance;
pub mod changes;
pub mod cost;
pub mod cost_render;
pub mod export;
pub mod format;
pub mod history;
pub mod product;
pub mod products;
pub mod settings;
pub mod snapshot;
pub mod subscriptions;
pub mod waste;
pub mod waste_render;
