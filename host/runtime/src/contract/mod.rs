//! The `itam:collector` contract as the host sees it: one module per released version of the
//! WIT package (`wit/since_vX.Y.Z/`), and the types the rest of the host uses.

pub mod v0_1_0;

/// The entities, summaries and errors plugins exchange with the host.
pub mod types {
    pub use super::v0_1_0::exports::itam::collector::plugin::{
        CheckFinding, CollectError, CollectMode, Descriptor, RunPlan, Summary,
    };
    pub use super::v0_1_0::itam::collector::types::*;
}
