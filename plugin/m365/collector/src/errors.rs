//! Constructors for the contract's error type.

use crate::types::{CollectError, Failure};

/// A failure with a message and an optional fix, and no remote details.
pub fn failure(message: impl Into<String>, fix: Option<&str>) -> Failure {
    Failure {
        message: message.into(),
        fix: fix.map(str::to_string),
        status: None,
        code: None,
        request_id: None,
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
    let (CollectError::InvalidConfig(f)
    | CollectError::Unauthorized(f)
    | CollectError::Forbidden(f)
    | CollectError::Throttled(f)
    | CollectError::Upstream(f)
    | CollectError::Network(f)
    | CollectError::Denied(f)
    | CollectError::Cancelled(f)
    | CollectError::Internal(f)) = error;
    f
}

/// The failure details of any error variant, to amend.
pub fn details_mut(error: &mut CollectError) -> &mut Failure {
    match error {
        CollectError::InvalidConfig(f)
        | CollectError::Unauthorized(f)
        | CollectError::Forbidden(f)
        | CollectError::Throttled(f)
        | CollectError::Upstream(f)
        | CollectError::Network(f)
        | CollectError::Denied(f)
        | CollectError::Cancelled(f)
        | CollectError::Internal(f) => f,
    }
}
