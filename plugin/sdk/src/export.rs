//! The component's exports: the generated `plugin` interface, forwarded to the plugin that
//! [`register_collector!`](crate::register_collector) registered.

use crate::Collector;
use crate::bindings::exports::itam::collector::plugin::Guest;
use crate::types::{
    CheckFinding, CollectError, CollectRequest, Descriptor, Outcome, RunPlan, Settings,
};
use std::cell::OnceCell;

unsafe extern "Rust" {
    /// Defined by `register_collector!` in the plugin's crate.
    #[link_name = "itam-plugin-sdk-0.1-new-collector"]
    safe fn new_collector() -> Box<dyn Collector>;
}

thread_local! {
    /// The plugin, made on the first call into this instance.
    static PLUGIN: OnceCell<Box<dyn Collector>> = const { OnceCell::new() };
}

/// Runs `call` on the registered plugin.
fn with_plugin<T>(call: impl FnOnce(&dyn Collector) -> T) -> T {
    PLUGIN.with(|cell| call(cell.get_or_init(new_collector).as_ref()))
}

struct Exports;

impl Guest for Exports {
    fn describe() -> Descriptor {
        with_plugin(|p| p.describe())
    }

    fn plan(settings: Settings) -> Result<RunPlan, CollectError> {
        with_plugin(|p| p.plan(&settings))
    }

    fn check(settings: Settings) -> Vec<CheckFinding> {
        with_plugin(|p| p.check(&settings))
    }

    fn collect(settings: Settings, request: CollectRequest) -> Result<Outcome, CollectError> {
        with_plugin(|p| p.collect_incremental(&settings, request))
    }
}

crate::bindings::export!(Exports with_types_in crate::bindings);
