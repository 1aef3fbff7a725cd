//! The one mapping from what went wrong to the process exit code (README, Exit codes):
//!
//! | code | meaning |
//! |---|---|
//! | 0 | success |
//! | 1 | a run failed (upstream, network, sandbox), or an unexpected error |
//! | 2 | usage or configuration error: a bad flag or value, an invalid configuration, a source's credential or plugin file that cannot be read, a store that cannot be used, a run that does not exist — detected before any network call |
//! | 3 | `itam check` found a blocking problem |
//! | 4 | a report's `--fail-if` condition held |
//! | 130 | interrupted (Ctrl-C): the run is recorded as interrupted, the previous snapshot kept |

/// The process exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Exit {
    /// Everything worked.
    Success = 0,
    /// A run failed, or an error that is none of the others.
    RunFailed = 1,
    /// A usage or configuration error.
    Usage = 2,
    /// `itam check` found a blocking problem.
    Blocked = 3,
    /// A report's `--fail-if` condition held.
    ConditionMet = 4,
    /// The operator interrupted the command (SIGINT), as shells report it (128 + 2).
    Interrupted = 130,
}

impl Exit {
    /// The number the process exits with.
    pub fn code(self) -> i32 {
        self as i32
    }
}

pub use itam_runtime::error::{ConfigError, config_error};

/// A credential that cannot be resolved: what is wrong and how to fix it. A configuration
/// problem (exit code 2) of the one source it belongs to.
#[derive(Debug, Clone)]
pub struct CredentialError {
    /// The source.
    pub source: String,
    /// What is wrong (never the secret itself).
    pub problem: String,
    /// What to do.
    pub fix: String,
}

impl std::fmt::Display for CredentialError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "source `{}`: {}\n  fix: {}",
            self.source, self.problem, self.fix
        )
    }
}

impl std::error::Error for CredentialError {}

/// What an error chain means for the exit code.
pub fn classify(error: &anyhow::Error) -> Exit {
    let usage = error
        .chain()
        .any(|e| e.is::<ConfigError>() || e.is::<CredentialError>() || e.is::<clap::Error>());
    if usage { Exit::Usage } else { Exit::RunFailed }
}

/// The process exit code for an error chain.
pub fn exit_code(error: &anyhow::Error) -> i32 {
    classify(error).code()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_of_error_has_its_code() {
        assert_eq!(exit_code(&config_error("bad")), 2);
        assert_eq!(
            exit_code(&config_error("bad").context("loading the configuration")),
            2
        );
        let credential = CredentialError {
            source: "s".into(),
            problem: "p".into(),
            fix: "f".into(),
        };
        assert_eq!(exit_code(&anyhow::Error::new(credential)), 2);
        assert_eq!(exit_code(&anyhow::anyhow!("upstream failed")), 1);
        assert_eq!(Exit::Blocked.code(), 3);
        assert_eq!(Exit::ConditionMet.code(), 4);
    }
}
