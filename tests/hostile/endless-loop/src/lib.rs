//! Emits a batch, then spins forever without calling the host.

use hostile_common::*;

struct EndlessLoop;

impl Collector for EndlessLoop {
    fn describe(&self) -> Descriptor {
        descriptor("endless-loop", "never returns from collect")
    }

    fn collect(&self, _settings: &Settings, _mode: CollectMode) -> Result<Summary, CollectError> {
        host::emit(&Batch::Accounts(vec![account("loop-1", "Endless Loop")]));
        let mut i = 0u64;
        loop {
            i = std::hint::black_box(i.wrapping_add(1));
        }
    }
}

register_collector!(EndlessLoop);
