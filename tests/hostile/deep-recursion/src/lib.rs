//! Emits a batch, then recurses without bound (no tail call, nothing in linear memory), so the
//! wasm call stack overflows.

use hostile_common::*;

struct DeepRecursion;

#[inline(never)]
fn descend(depth: u64, limit: u64) -> u64 {
    if depth == limit {
        return depth;
    }
    let below = descend(depth + 1, limit);
    below.rotate_left((depth % 63) as u32) ^ depth
}

impl Collector for DeepRecursion {
    fn describe(&self) -> Descriptor {
        descriptor("deep-recursion", "recurses until the stack runs out")
    }

    fn collect(&self, settings: &Settings, _mode: CollectMode) -> Result<Summary, CollectError> {
        host::emit(&Batch::Accounts(vec![account("deep-1", "Deep Recursion")]));
        // The limit comes from outside so the compiler cannot bound the recursion.
        let limit = setting(settings, "limit")
            .and_then(|l| l.parse().ok())
            .unwrap_or(u64::MAX);
        let reached = descend(0, std::hint::black_box(limit));
        Err(CollectError::internal(format!(
            "deep-recursion: returned from depth {reached}"
        )))
    }
}

register_collector!(DeepRecursion);
