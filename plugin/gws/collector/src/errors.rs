//! Constructors for the contract's error type.

use crate::types::{CollectError, Failure};

/// A failure with a message and an optional fix, and no remote details.
pub fn failure(message: impl Into<String>, fix: Option<&str>) -> Failure {
    Failure {
        fix: fix.map(str::to_string),
        ..Failure::new(message)
    }
}

/// An `invalid-config` error: the settings are wrong and nothing was sent.
pub fn invalid_config(message: impl Into<String>, fix: &str) -> CollectError {
    CollectError::InvalidConfig(failure(message, Some(fix)))
}

/// An `internal` error: an answer the plugin could not understand.
pub fn internal(message: impl Into<String>) -> CollectError {
    CollectError::Internal(failure(message, None))
}

/// The `cancelled` error for a host that answered `cancel`.
pub fn cancelled() -> CollectError {
    CollectError::Cancelled(failure("the host cancelled the run", None))
}

/// `error` with `edit` applied to its details.
pub fn amended(mut error: CollectError, edit: impl FnOnce(&mut Failure)) -> CollectError {
    edit(error.failure_mut());
    error
}
