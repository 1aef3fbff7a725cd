//! The `itam` command: configuration (TOML → runtime types), one module per subcommand,
//! rendering, the progress line, the built-in plugins and the demo, over the runtime, store
//! and reports libraries.

pub mod catalogs;
pub mod check;
pub mod command;
pub mod config;
#[cfg(feature = "demo")]
pub mod demo;
pub mod display;
pub mod error;
pub mod init;
pub mod plugins;
pub mod progress;
pub mod render;
pub mod run_mode;
pub mod serve;
pub mod sync;
