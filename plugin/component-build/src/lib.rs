//! Build-script support for the crates that embed a collector plugin (`plugin/*/component`).
//!
//! Cargo cannot depend on a crate built for another target, so a component crate's build
//! script runs a nested `cargo build` of the plugin for `wasm32-wasip2` with its own target
//! directory (sharing the outer one would deadlock on its lock) and without the outer build's
//! compiler flags and wrappers, then hands the path of the `.wasm` file to the crate through
//! an environment variable the crate reads with `env!`.
//!
//! ```no_run
//! // build.rs of a component crate three levels below the workspace root
//! let root = itam_component_build::workspace_root(3);
//! itam_component_build::watch(&root, &["plugin/acme/collector/src", "plugin/acme/collector/Cargo.toml"]);
//! let wasm = itam_component_build::prebuilt_or_build(&root, "itam-acme", "wasm-plugin", "ITAM_ACME_PLUGIN_WASM");
//! println!("cargo:rustc-env=ITAM_ACME_WASM={}", wasm.display());
//! ```

#![deny(missing_docs)]

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The target every embedded plugin is built for.
pub const TARGET: &str = "wasm32-wasip2";

/// The cargo profile embedded plugins are built with (small, without debug info; defined in
/// the workspace's `Cargo.toml`).
pub const PROFILE: &str = "wasm";

/// What every component build depends on besides the plugin's own sources: the SDK, the
/// contract and the workspace's manifests and lock file (paths relative to the workspace root).
pub const SHARED_INPUTS: &[&str] = &[
    "plugin/sdk/src",
    "plugin/sdk/Cargo.toml",
    "wit",
    "Cargo.lock",
    "Cargo.toml",
];

/// Variables of the outer build that must not reach the nested one: its compiler flags and
/// wrappers (meant for the host target), its target directory and target, and its jobserver.
const OUTER_ONLY: &[&str] = &[
    "RUSTFLAGS",
    "CARGO_ENCODED_RUSTFLAGS",
    "CARGO_TARGET_DIR",
    "CARGO_BUILD_TARGET",
    "RUSTC_WRAPPER",
    "RUSTC_WORKSPACE_WRAPPER",
    "CARGO_MAKEFLAGS",
    "CARGO_BUILD_RUSTFLAGS",
];

/// The workspace root of a build script's crate that sits `depth` directories below it
/// (`plugin/m365/component` is 3 deep).
pub fn workspace_root(depth: usize) -> PathBuf {
    let mut root = PathBuf::from(
        env::var_os("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR is set for build scripts"),
    );
    for _ in 0..depth {
        root.push("..");
    }
    root
}

/// Tells cargo to run the build script again when any of `inputs` (paths relative to `root`)
/// or any of [`SHARED_INPUTS`] changes.
pub fn watch(root: &Path, inputs: &[&str]) {
    for input in inputs.iter().chain(SHARED_INPUTS) {
        println!("cargo:rerun-if-changed={}", root.join(input).display());
    }
}

/// The component to embed: the file named by the environment variable `override_var` when it
/// is set (a prebuilt component, e.g. from packagers), otherwise `package` built by [`build`]
/// into `target_subdir`. Either way the build script runs again when the variable changes.
pub fn prebuilt_or_build(
    root: &Path,
    package: &str,
    target_subdir: &str,
    override_var: &str,
) -> PathBuf {
    println!("cargo:rerun-if-env-changed={override_var}");
    match env::var_os(override_var) {
        Some(path) => PathBuf::from(path),
        None => build(root, package, target_subdir),
    }
}

/// Builds `package` of the workspace at `root` for [`TARGET`] with the [`PROFILE`] profile,
/// in `target_subdir` of the outer build's target directory (`CARGO_TARGET_DIR`, else
/// `root/target`), and returns the path of its `.wasm` file. The nested cargo runs `--locked`
/// and without the outer build's flags, wrappers, target and jobserver.
///
/// Several component crates may share one `target_subdir`: they then share the plugins'
/// dependency builds, and cargo's lock on the directory runs the nested builds one at a time.
///
/// # Panics
///
/// When cargo cannot be run or the build fails (a build script reports failure by panicking),
/// with a hint about the missing target.
pub fn build(root: &Path, package: &str, target_subdir: &str) -> PathBuf {
    let outer_target = env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let target_dir = outer_target.join(target_subdir);
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(root)
        .args([
            "build",
            "--locked",
            "-p",
            package,
            "--target",
            TARGET,
            "--profile",
            PROFILE,
            "--target-dir",
        ])
        .arg(&target_dir);
    for var in OUTER_ONLY {
        cmd.env_remove(var);
    }
    let status = cmd
        .status()
        .unwrap_or_else(|e| panic!("could not run cargo to build {package}: {e}"));
    if !status.success() {
        panic!(
            "building {package} for {TARGET} failed; if the target is missing, run `rustup target add {TARGET}`"
        );
    }
    wasm_path(&target_dir, package)
}

/// Where cargo leaves the component of `package` built for [`TARGET`] with [`PROFILE`] in
/// `target_dir`: the package name with `-` as `_`, as cargo names a `cdylib`.
pub fn wasm_path(target_dir: &Path, package: &str) -> PathBuf {
    target_dir
        .join(TARGET)
        .join(PROFILE)
        .join(format!("{}.wasm", package.replace('-', "_")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_component_is_named_as_cargo_names_a_cdylib() {
        assert_eq!(
            wasm_path(Path::new("/t/wasm-plugin"), "itam-m365"),
            PathBuf::from("/t/wasm-plugin/wasm32-wasip2/wasm/itam_m365.wasm")
        );
    }
}
