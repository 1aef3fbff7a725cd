//! Paths of the hostile fixture plugins (`tests/hostile`) and of the template plugin
//! (`plugin/template`), built for `wasm32-wasip2` by this crate's build script. Each is a WASI
//! component; see `tests/hostile/README.md` for what each fixture attempts.

use std::path::PathBuf;

/// Emits two accounts and succeeds.
pub const WELL_BEHAVED: &str = env!("HOSTILE_WELL_BEHAVED");
/// GETs a foreign host, the declared host on another port and over https.
pub const FOREIGN_HOST: &str = env!("HOSTILE_FOREIGN_HOST");
/// Follows redirects from its declared host to a foreign one.
pub const REDIRECT_ESCAPE: &str = env!("HOSTILE_REDIRECT_ESCAPE");
/// Sets its own Authorization, asks for undeclared grants, looks for the secret.
pub const STEAL_CREDENTIAL: &str = env!("HOSTILE_STEAL_CREDENTIAL");
/// Reads files, environment, sockets and name lookup it should not have.
pub const SNOOP: &str = env!("HOSTILE_SNOOP");
/// Allocates without bound.
pub const MEMORY_HOG: &str = env!("HOSTILE_MEMORY_HOG");
/// Never returns from collect.
pub const ENDLESS_LOOP: &str = env!("HOSTILE_ENDLESS_LOOP");
/// Recurses until the wasm stack overflows.
pub const DEEP_RECURSION: &str = env!("HOSTILE_DEEP_RECURSION");
/// Emits two batches, then panics.
pub const PANIC_MIDWAY: &str = env!("HOSTILE_PANIC_MIDWAY");
/// Oversized or inconsistent output, by its `mode` setting.
pub const FLOOD: &str = env!("HOSTILE_FLOOD");
/// A wasi:cli command component, not a collector.
pub const NOT_COLLECTOR: &str = env!("HOSTILE_NOT_COLLECTOR");
/// A collector that imports `evil:extra/backdoor`, which no host provides.
pub const BACKDOOR_IMPORT: &str = env!("HOSTILE_BACKDOOR_IMPORT");
/// Reports names, statuses, warnings, logs, errors and check findings full of terminal control
/// sequences, bidi overrides, forged `error:` lines and spreadsheet formulas.
pub const EVIL_TEXT: &str = env!("HOSTILE_EVIL_TEXT");

/// Built against the frozen contract `itam:collector@0.1.0` without the SDK: emits two
/// accounts and succeeds.
pub const CONTRACT_V0_1_0: &str = env!("HOSTILE_CONTRACT_V0_1_0");

/// Built against the frozen contract `itam:collector@0.2.0` without the SDK: a run without
/// state emits accounts `v2-1` and `v2-2`, product `v2-p` and their two assignments, and returns
/// a state; an incremental run given that state reads accounts and assignments as changes,
/// emits `v2-1` renamed with its assignment, removes `v2-2`, keeps the product, and returns a
/// new state.
pub const CONTRACT_V0_2_0: &str = env!("HOSTILE_CONTRACT_V0_2_0");

/// Declares no grant and asks for four, or declares one and asks for it 2,000 times.
pub const GRANT_ABUSE: &str = env!("HOSTILE_GRANT_ABUSE");
/// Holds host resources: big or many header sets, or many requests in flight.
pub const HOARD: &str = env!("HOSTILE_HOARD");
/// A start function that blocks for an hour during instantiation.
pub const START_BLOCKS: &str = env!("HOSTILE_START_BLOCKS");
/// Eight linear memories of 120 MiB each.
pub const EIGHT_MEMORIES: &str = env!("HOSTILE_EIGHT_MEMORIES");
/// One function of 300,000 nested blocks (a compiler bomb).
pub const NESTED_BLOCKS: &str = env!("HOSTILE_NESTED_BLOCKS");
/// One function of about 6 MB (a compiler bomb).
pub const BIG_FUNCTION: &str = env!("HOSTILE_BIG_FUNCTION");
/// 200,000 small functions (a compiler bomb).
pub const MANY_FUNCTIONS: &str = env!("HOSTILE_MANY_FUNCTIONS");
/// Within the complexity caps, but slow to compile: 2,000 functions nesting 1,500 blocks.
pub const SLOW_COMPILE: &str = env!("HOSTILE_SLOW_COMPILE");

/// The template plugin (`plugin/template`): accounts, products and assignments from the JSON
/// inventory at its `url` setting. Not hostile, and not in [`ALL`].
pub const TEMPLATE: &str = env!("PLUGIN_TEMPLATE");

/// Every component, by its crate name in `tests/hostile`.
pub const ALL: &[(&str, &str)] = &[
    ("well-behaved", WELL_BEHAVED),
    ("foreign-host", FOREIGN_HOST),
    ("redirect-escape", REDIRECT_ESCAPE),
    ("steal-credential", STEAL_CREDENTIAL),
    ("snoop", SNOOP),
    ("memory-hog", MEMORY_HOG),
    ("endless-loop", ENDLESS_LOOP),
    ("deep-recursion", DEEP_RECURSION),
    ("panic-midway", PANIC_MIDWAY),
    ("flood", FLOOD),
    ("not-collector", NOT_COLLECTOR),
    ("backdoor-import", BACKDOOR_IMPORT),
    ("grant-abuse", GRANT_ABUSE),
    ("hoard", HOARD),
    ("evil-text", EVIL_TEXT),
    ("start-blocks", START_BLOCKS),
    ("eight-memories", EIGHT_MEMORIES),
    ("nested-blocks", NESTED_BLOCKS),
    ("big-function", BIG_FUNCTION),
    ("many-functions", MANY_FUNCTIONS),
    ("slow-compile", SLOW_COMPILE),
];

/// The path of the component built from crate `name` (e.g. `"memory-hog"`).
pub fn path(name: &str) -> PathBuf {
    ALL.iter()
        .find(|(n, _)| *n == name)
        .map(|(_, p)| PathBuf::from(p))
        .unwrap_or_else(|| panic!("no hostile fixture plugin named `{name}`"))
}
