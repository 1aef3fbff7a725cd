//! Not hostile: emits two accounts and succeeds. The baseline other fixtures are compared with.

use hostile_common::*;

struct WellBehaved;

impl Collector for WellBehaved {
    fn describe(&self) -> Descriptor {
        descriptor("well-behaved", "emits two accounts and succeeds")
    }

    fn collect(&self, _settings: &Settings, _mode: CollectMode) -> Result<Summary, CollectError> {
        host::emit(&Batch::Accounts(vec![
            account("wb-1", "Well Behaved One"),
            account("wb-2", "Well Behaved Two"),
        ]));
        Ok(summary(&[("accounts", 2)]))
    }
}

register_collector!(WellBehaved);
