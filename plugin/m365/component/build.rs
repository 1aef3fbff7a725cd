//! Builds the Microsoft 365 plugin for `wasm32-wasip2` so that programs can embed it (see
//! `itam-component-build` for how: a nested cargo with its own target directory).

fn main() {
    let root = itam_component_build::workspace_root(3);
    itam_component_build::watch(
        &root,
        &[
            "plugin/m365/collector/src",
            "plugin/m365/collector/Cargo.toml",
        ],
    );
    // A prebuilt component may be supplied (e.g. by packagers); otherwise build it.
    let wasm = itam_component_build::prebuilt_or_build(
        &root,
        "itam-m365",
        "wasm-plugin",
        "ITAM_PLUGIN_WASM",
    );
    println!("cargo:rustc-env=ITAM_M365_WASM={}", wasm.display());
}
