//! Emits a batch of products and a batch of accounts, then panics (a trap in the host).

use hostile_common::*;

struct PanicMidway;

impl Collector for PanicMidway {
    fn describe(&self) -> Descriptor {
        descriptor("panic-midway", "panics after two batches")
    }

    fn collect(&self, _settings: &Settings, _mode: CollectMode) -> Result<Summary, CollectError> {
        host::emit(&Batch::Products(vec![Product::new(
            "00000000-0000-0000-0000-00000000pm01",
            "PANIC_PACK",
            10,
        )]));
        host::emit(&Batch::Accounts(vec![
            account("pm-1", "Panic One"),
            account("pm-2", "Panic Two"),
            account("pm-3", "Panic Three"),
        ]));
        panic!("panic-midway: deliberate panic after two batches");
    }
}

register_collector!(PanicMidway);
