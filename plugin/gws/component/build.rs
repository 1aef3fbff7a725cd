//! Builds the Google Workspace plugin for `wasm32-wasip2` so that programs can embed it (see
//! `itam-component-build` for how: a nested cargo with its own target directory, shared with
//! the other embedded plugins so their dependencies are built once).

fn main() {
    let root = itam_component_build::workspace_root(3);
    itam_component_build::watch(
        &root,
        &[
            "plugin/gws/collector/src",
            "plugin/gws/collector/Cargo.toml",
        ],
    );
    // A prebuilt component may be supplied (e.g. by packagers); otherwise build it.
    let wasm = itam_component_build::prebuilt_or_build(
        &root,
        "itam-gws",
        "wasm-plugin",
        "ITAM_GWS_PLUGIN_WASM",
    );
    println!("cargo:rustc-env=ITAM_GWS_WASM={}", wasm.display());
}
