//! Builds the hostile fixture plugins (`tests/hostile`, their own workspace) for
//! `wasm32-wasip2` and tells the library where each component is.
//!
//! Like the host's build script for the m365 plugin, this runs a nested `cargo build` with its
//! own target directory (sharing the outer one would deadlock on its lock) and without the
//! outer build's compiler flags and wrappers.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The components: (const name, file name under `wasm32-wasip2/release`).
const COMPONENTS: &[(&str, &str)] = &[
    ("WELL_BEHAVED", "well_behaved.wasm"),
    ("FOREIGN_HOST", "foreign_host.wasm"),
    ("REDIRECT_ESCAPE", "redirect_escape.wasm"),
    ("STEAL_CREDENTIAL", "steal_credential.wasm"),
    ("SNOOP", "snoop.wasm"),
    ("MEMORY_HOG", "memory_hog.wasm"),
    ("ENDLESS_LOOP", "endless_loop.wasm"),
    ("DEEP_RECURSION", "deep_recursion.wasm"),
    ("PANIC_MIDWAY", "panic_midway.wasm"),
    ("FLOOD", "flood.wasm"),
    ("NOT_COLLECTOR", "not-collector.wasm"),
    ("BACKDOOR_IMPORT", "backdoor_import.wasm"),
    ("EVIL_TEXT", "evil_text.wasm"),
];

fn main() {
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let root = manifest_dir
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .to_path_buf();
    let hostile = root.join("tests/hostile");
    println!("cargo:rerun-if-changed={}", hostile.display());
    println!("cargo:rerun-if-changed={}", root.join("wit").display());
    let out = build(&root, &hostile);
    for (name, file) in COMPONENTS {
        let path = out.join(file);
        assert!(path.is_file(), "{} was not built", path.display());
        println!("cargo:rustc-env=HOSTILE_{name}={}", path.display());
    }
}

fn build(root: &Path, hostile: &Path) -> PathBuf {
    let outer_target = env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let target_dir = outer_target.join("wasm-hostile");
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(hostile)
        .args(["build", "--locked", "--release", "--workspace"])
        .args(["--target", "wasm32-wasip2", "--manifest-path"])
        .arg(hostile.join("Cargo.toml"))
        .arg("--target-dir")
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
        .expect("could not run cargo to build the hostile fixture plugins");
    if !status.success() {
        panic!(
            "building tests/hostile for wasm32-wasip2 failed; if the target is missing, run `rustup target add wasm32-wasip2`"
        );
    }
    target_dir.join("wasm32-wasip2/release")
}
