//! The ITAM collector host: runs sandboxed collector plugins (WASI components implementing the
//! `itam:collector` world), holds their credentials, stores what they collect in SQLite with
//! history, and reports licence balance.
//!
//! Embedding: build a [`runtime::Runtime`] once, open a [`store::Store`], load a
//! [`config::Config`], and call [`sync::sync_source`] per source; read results with
//! [`report::balance::balance`] or [`report::export::export`].

pub mod catalog;
pub mod certificate;
pub mod check;
pub mod cli;
pub mod cli_report;
pub mod config;
pub mod credentials;
#[cfg(feature = "demo")]
pub mod demo;
pub mod display;
pub mod error;
pub mod files;
pub mod init;
pub mod plugins;
pub mod policy;
pub mod report;
pub mod runs;
pub mod runtime;
pub mod secret;
pub mod store;
pub mod sync;
