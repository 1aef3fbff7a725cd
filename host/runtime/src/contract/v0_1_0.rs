//! Host bindings for contract version 0.1.0, generated from its frozen folder
//! `wit/since_v0.1.0/` (never edited: a plugin built against it must keep loading).
//!
//! The WIT items' own doc comments are the documentation; bindgen does not carry them onto
//! every generated item.
#![allow(missing_docs)]

wasmtime::component::bindgen!({
    path: "../../wit/since_v0.1.0",
    world: "collector",
    imports: { default: async },
    exports: { default: async },
});
