//! Not hostile: emits two accounts and succeeds. The baseline other fixtures are compared with.

use hostile_common::*;

struct WellBehaved;

impl Guest for WellBehaved {
    fn describe() -> Descriptor {
        descriptor(
            "well-behaved",
            "emits two accounts and succeeds",
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
        host::emit(&Batch::Accounts(vec![
            account("wb-1", "Well Behaved One"),
            account("wb-2", "Well Behaved Two"),
        ]));
        Ok(summary(&[("accounts", 2)]))
    }
}

export!(WellBehaved);
