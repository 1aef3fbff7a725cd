//! Host bindings generated from the contract in `wit/`.

wasmtime::component::bindgen!({
    path: "../wit",
    world: "collector",
    imports: { default: async },
    exports: { default: async },
});
