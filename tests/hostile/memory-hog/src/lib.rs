//! Emits a batch, then allocates (and touches) 1 MiB blocks forever, past any memory cap.

use hostile_common::*;

struct MemoryHog;

impl Collector for MemoryHog {
    fn describe(&self) -> Descriptor {
        descriptor("memory-hog", "allocates until it is stopped")
    }

    fn collect(&self, _settings: &Settings, _mode: CollectMode) -> Result<Summary, CollectError> {
        host::emit(&Batch::Accounts(vec![account("hog-1", "Memory Hog")]));
        let mut hoard: Vec<Vec<u8>> = Vec::new();
        loop {
            let block = vec![hoard.len() as u8 | 1; 1 << 20];
            hoard.push(std::hint::black_box(block));
        }
    }
}

register_collector!(MemoryHog);
