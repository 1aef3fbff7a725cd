//! Emits a batch, then spins forever without calling the host.

use hostile_common::*;

struct EndlessLoop;

impl Guest for EndlessLoop {
    fn describe() -> Descriptor {
        descriptor(
            "endless-loop",
            "never returns from collect",
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
        host::emit(&Batch::Accounts(vec![account("loop-1", "Endless Loop")]));
        let mut i = 0u64;
        loop {
            i = std::hint::black_box(i.wrapping_add(1));
        }
    }
}

export!(EndlessLoop);
