//! Host bindings for contract version 0.2.0, generated from its frozen folder
//! `wit/since_v0.2.0/` (never edited: a plugin built against it must keep loading).
//!
//! Its `types` interface is the same as 0.1.0's, so it is bound to the 0.1.0 types (`with`):
//! entities pass between the versions without conversion. What 0.2.0 adds is in its
//! `incremental` interface, `host.remove` and the new `plugin.collect`.
#![allow(missing_docs)]

wasmtime::component::bindgen!({
    path: "../../wit/since_v0.2.0",
    world: "collector",
    imports: { default: async },
    exports: { default: async },
    with: {
        "itam:collector/types@0.2.0": super::v0_1_0::itam::collector::types,
    },
});
