//! A source may name a `.wasm` component on disk instead of a built-in plugin.

use crate::common::{Env, assert_success, stderr};
use graph_emulator::Options;

#[test]
fn a_plugin_given_by_path_runs_like_the_built_in_one() {
    let env = Env::new(50, Options::default());
    let config = env.config();
    let wasm = env.dir.path().join("m365-copy.wasm");
    std::fs::copy(itam_m365_component::PATH, &wasm).unwrap();
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        text.replace("plugin = \"m365\"", "plugin = \"m365-copy.wasm\""),
    )
    .unwrap();
    // Holding a credential, a plugin from a file needs the operator's list of hosts.
    let out = env.itam(&["sync"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("allowed_hosts"), "{}", stderr(&out));
    assert_eq!(env.emulator.total_requests(), 0);
    let narrowed = text.replace(
        "plugin = \"m365\"",
        &format!(
            "plugin = \"m365-copy.wasm\"\nallowed_hosts = [\"{}\"]",
            env.emulator.url()
        ),
    );
    std::fs::write(&config, narrowed).unwrap();
    assert_success(&env.itam(&["sync"]));
    let accounts = env.itam_json(&["export", "accounts"]);
    assert_eq!(accounts.as_array().unwrap().len(), 50);
    let doc = env.itam_json(&["plugin", "inspect", wasm.to_str().unwrap()]);
    assert_eq!(doc["name"], "m365");
}

#[test]
fn a_file_that_is_not_a_component_is_refused_clearly() {
    let env = Env::new(5, Options::default());
    let config = env.config();
    std::fs::write(env.dir.path().join("broken.wasm"), b"\0asm not really").unwrap();
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        text.replace("plugin = \"m365\"", "plugin = \"broken.wasm\""),
    )
    .unwrap();
    let out = env.itam(&["sync"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("not a valid WebAssembly component"),
        "{}",
        stderr(&out)
    );
    assert_eq!(env.emulator.total_requests(), 0);
}
