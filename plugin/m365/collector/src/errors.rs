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

/// The failure details of any error variant.
pub fn details(error: &CollectError) -> &Failure {
    error.failure()
}

/// The failure details of any error variant, to amend.
pub fn details_mut(error: &mut CollectError) -> &mut Failure {
    error.failure_mut()
}
