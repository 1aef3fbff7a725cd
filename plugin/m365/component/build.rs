//! Builds the Microsoft 365 plugin for `wasm32-wasip2` so that programs can embed it.
//!
//! Cargo cannot depend on a crate built for another target, so this runs a nested
//! `cargo build` with its own target directory (sharing the outer one would deadlock on its
//! lock) and without the outer build's compiler flags and wrappers.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let root = manifest_dir.join("../../..");
    for watched in [
        "plugin/m365/collector/src",
        "plugin/m365/collector/Cargo.toml",
        "plugin/sdk/src",
        "plugin/sdk/Cargo.toml",
        "wit",
        "Cargo.lock",
        "Cargo.toml",
    ] {
        println!("cargo:rerun-if-changed={}", root.join(watched).display());
    }
    println!("cargo:rerun-if-env-changed=ITAM_PLUGIN_WASM");

    // A prebuilt component may be supplied (e.g. by packagers); otherwise build it.
    let wasm = match env::var_os("ITAM_PLUGIN_WASM") {
        Some(path) => PathBuf::from(path),
        None => build_plugin(&root),
    };
    println!("cargo:rustc-env=ITAM_M365_WASM={}", wasm.display());
}

fn build_plugin(root: &Path) -> PathBuf {
    let outer_target = env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let target_dir = outer_target.join("wasm-plugin");
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(root)
        .args([
            "build",
            "--locked",
            "-p",
            "itam-m365",
            "--target",
            "wasm32-wasip2",
            "--profile",
            "wasm",
            "--target-dir",
        ])
        .arg(&target_dir);
    for var in [
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_TARGET",
        "RUSTC_WRAPPER",
        "RUSTC_WORKSPACE_WRAPPER",
        "CARGO_MAKEFLAGS",
        "CARGO_BUILD_RUSTFLAGS",
    ] {
        cmd.env_remove(var);
    }
    let status = cmd
        .status()
        .expect("could not run cargo to build the m365 plugin");
    if !status.success() {
        panic!(
            "building the m365 plugin for wasm32-wasip2 failed; if the target is missing, run `rustup target add wasm32-wasip2`"
        );
    }
    target_dir.join("wasm32-wasip2/wasm/itam_m365.wasm")
}
