//! Reports and exports: pure reads of the store that return typed rows (rendering them as
//! tables, JSON or CSV is the caller's job).

#![deny(missing_docs)]

pub mod account;
pub mod balance;
pub mod catalog;
pub mod changes;
pub mod cost;
pub mod export;
pub mod feed;
pub mod history;
pub mod product;
pub mod products;
pub mod settings;
pub mod snapshot;
pub mod subscriptions;
pub mod waste;
