//! Host bindings for contract version 0.3.0, generated from its frozen folder
//! `wit/since_v0.3.0/` (never edited: a plugin built against it must keep loading).
//!
//! Its types are the host's own (see [`super::types`]): what earlier versions exchange is
//! converted to and from them in [`super::convert`].
#![allow(missing_docs)]

wasmtime::component::bindgen!({
    path: "../../wit/since_v0.3.0",
    world: "collector",
    imports: { default: async },
    exports: { default: async },
});
