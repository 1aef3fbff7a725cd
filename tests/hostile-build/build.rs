//! Builds the hostile fixture plugins (`tests/hostile`, their own workspace) and the template
//! plugin (`plugin/template`, in the main workspace) for `wasm32-wasip2` and tells the library
//! where each component is.
//!
//! Like the build script of the m365 plugin's component, this runs nested `cargo build`s, each
//! with its own target directory (sharing the outer one would deadlock on its lock) and
//! without the outer build's compiler flags and wrappers.

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
    ("GRANT_ABUSE", "grant_abuse.wasm"),
    ("HOARD", "hoard.wasm"),
    ("EVIL_TEXT", "evil_text.wasm"),
    ("CONTRACT_V0_1_0", "contract_v0_1_0.wasm"),
    ("CONTRACT_V0_2_0", "contract_v0_2_0.wasm"),
];

/// Components written as text or generated here, not built from Rust: attacks on
/// instantiation and on the compiler, which no Rust crate produces. (const name, file name).
const GENERATED: &[(&str, &str)] = &[
    ("START_BLOCKS", "start-blocks.wasm"),
    ("EIGHT_MEMORIES", "eight-memories.wasm"),
    ("NESTED_BLOCKS", "nested-blocks.wasm"),
    ("BIG_FUNCTION", "big-function.wasm"),
    ("MANY_FUNCTIONS", "many-functions.wasm"),
    ("SLOW_COMPILE", "slow-compile.wasm"),
];

fn main() {
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let generated = PathBuf::from(env::var("OUT_DIR").unwrap());
    println!(
        "cargo:rerun-if-changed={}",
        manifest_dir.join("wat").display()
    );
    for (name, file) in GENERATED {
        let path = generated.join(file);
        let text = generate(&manifest_dir, file);
        let wasm = wat::parse_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
        std::fs::write(&path, wasm).unwrap();
        println!("cargo:rustc-env=HOSTILE_{name}={}", path.display());
    }
    let root = manifest_dir
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .to_path_buf();
    let hostile = root.join("tests/hostile");
    for watched in [
        "tests/hostile",
        "wit",
        "plugin/sdk",
        "plugin/template",
        "Cargo.lock",
    ] {
        println!("cargo:rerun-if-changed={}", root.join(watched).display());
    }
    let out = build(&root, &hostile);
    for (name, file) in COMPONENTS {
        let path = out.join(file);
        assert!(path.is_file(), "{} was not built", path.display());
        println!("cargo:rustc-env=HOSTILE_{name}={}", path.display());
    }
    let template = build_template(&root);
    assert!(template.is_file(), "{} was not built", template.display());
    println!("cargo:rustc-env=PLUGIN_TEMPLATE={}", template.display());
}

/// A component exporting the contract's function names around core module `module` (which
/// must export `f`), plus `imports` placed before it.
fn component(imports: &str, module: &str, core_imports: &str) -> String {
    format!(
        r#"(component
  {imports}
  (core module $m {module})
  (core instance $i (instantiate $m {core_imports}))
  (func $f (canon lift (core func $i "f")))
  (instance $plugin
    (export "describe" (func $f))
    (export "plan" (func $f))
    (export "check" (func $f))
    (export "collect" (func $f)))
  (export "itam:collector/plugin@0.1.0" (instance $plugin)))"#
    )
}

/// `count` functions, each nesting `depth` blocks.
fn nested(count: usize, depth: usize) -> String {
    let body = format!("{}{}", "block\n".repeat(depth), "end\n".repeat(depth));
    let mut module = String::new();
    for _ in 0..count {
        module.push_str(&format!("(func {body})\n"));
    }
    module.push_str("(func (export \"f\"))");
    component("", &module, "")
}

/// The text of generated component `file`.
fn generate(manifest_dir: &Path, file: &str) -> String {
    match file {
        "start-blocks.wasm" => std::fs::read_to_string(manifest_dir.join("wat/start-blocks.wat"))
            .expect("wat/start-blocks.wat"),
        // Eight memories of 120 MiB each, every page touched by the start function.
        "eight-memories.wasm" => {
            let mut module = String::new();
            for m in 0..8 {
                module.push_str(&format!("(memory $m{m} 1920)\n"));
            }
            module.push_str("(func $touch");
            for m in 0..8 {
                module.push_str(&format!(
                    " (local.set 0 (i32.const 0)) (loop $l{m} (i32.store8 $m{m} (local.get 0) (i32.const 1)) (local.set 0 (i32.add (local.get 0) (i32.const 4096))) (br_if $l{m} (i32.lt_u (local.get 0) (i32.const 125829120))))"
                ));
            }
            module = module.replace("(func $touch", "(func $touch (local i32)");
            module.push_str(")\n(start $touch)\n(func (export \"f\"))");
            component("", &module, "")
        }
        // One function of 300,000 nested blocks.
        "nested-blocks.wasm" => nested(1, 300_000),
        // One function of about 6 MB.
        "big-function.wasm" => {
            let module = format!(
                "(func {})\n(func (export \"f\"))",
                "i32.const 1\ndrop\n".repeat(2_000_000)
            );
            component("", &module, "")
        }
        // 200,000 small functions.
        "many-functions.wasm" => {
            let mut module = "(func (result i32) i32.const 7)\n".repeat(200_000);
            module.push_str("(func (export \"f\"))");
            component("", &module, "")
        }
        // Within every complexity cap, yet seconds to compile: 2,000 functions nesting 1,500.
        "slow-compile.wasm" => nested(2_000, 1_500),
        other => panic!("no generator for {other}"),
    }
}

/// A `cargo build --locked` in `dir` with `args` into `target_dir`, for `wasm32-wasip2`, without
/// the outer build's flags and wrappers; panics saying `what` failed.
fn cargo(dir: &Path, args: &[&str], target_dir: &Path, what: &str) {
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(dir)
        .args(["build", "--locked", "--target", "wasm32-wasip2"])
        .args(args)
        .arg("--target-dir")
        .arg(target_dir);
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
        .unwrap_or_else(|e| panic!("could not run cargo to build {what}: {e}"));
    if !status.success() {
        panic!(
            "building {what} for wasm32-wasip2 failed; if the target is missing, run `rustup target add wasm32-wasip2`"
        );
    }
}

/// The outer build's target directory.
fn outer_target(root: &Path) -> PathBuf {
    env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
}

fn build(root: &Path, hostile: &Path) -> PathBuf {
    let target_dir = outer_target(root).join("wasm-hostile");
    let manifest = hostile.join("Cargo.toml");
    cargo(
        hostile,
        &[
            "--release",
            "--workspace",
            "--manifest-path",
            manifest.to_str().expect("a UTF-8 path"),
        ],
        &target_dir,
        "tests/hostile",
    );
    target_dir.join("wasm32-wasip2/release")
}

/// Builds `plugin/template` as the m365 plugin is built, with the `wasm` profile.
fn build_template(root: &Path) -> PathBuf {
    let target_dir = outer_target(root).join("wasm-template");
    cargo(
        root,
        &["-p", "itam-plugin-template", "--profile", "wasm"],
        &target_dir,
        "plugin/template",
    );
    target_dir.join("wasm32-wasip2/wasm/itam_plugin_template.wasm")
}
