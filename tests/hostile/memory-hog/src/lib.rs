//! Emits a batch, then allocates (and touches) 1 MiB blocks forever, past any memory cap.

use hostile_common::*;

struct MemoryHog;

impl Guest for MemoryHog {
    fn describe() -> Descriptor {
        descriptor(
            "memory-hog",
            "allocates until it is stopped",
            CredentialKind::None,
        )
    }

    fn plan(settings: Settings) -> Result<RunPlan, CollectError> {
        plan_url(&settings)
    }

    fn check(_settings: Settings) -> Vec<CheckFinding> {
        Vec::new()
    }

    fn collect(_settings: Settings, _mode: CollectMode) -> Result<Summary, CollectError> {
        host::emit(&Batch::Accounts(vec![account("hog-1", "Memory Hog")]));
        let mut hoard: Vec<Vec<u8>> = Vec::new();
        loop {
            let block = vec![hoard.len() as u8 | 1; 1 << 20];
            hoard.push(std::hint::black_box(block));
        }
    }
}

export!(MemoryHog);
