//! Cancelling a run from outside: the plugin's next `emit` is answered *cancel*, and a plugin
//! that keeps going anyway is stopped after the grace of its caps
//! ([`crate::policy::Caps::cancel_grace`]).

use std::sync::Arc;
use tokio::sync::watch;

/// Cancels a run. Clones cancel the same run; cancelling twice is harmless.
#[derive(Clone, Debug)]
pub struct CancelToken {
    sender: Arc<watch::Sender<bool>>,
}

impl Default for CancelToken {
    fn default() -> Self {
        CancelToken::new()
    }
}

impl CancelToken {
    /// A token not yet cancelled.
    pub fn new() -> CancelToken {
        CancelToken {
            sender: Arc::new(watch::channel(false).0),
        }
    }

    /// Cancels the run.
    pub fn cancel(&self) {
        self.sender.send_replace(true);
    }

    /// Whether the run was cancelled.
    pub fn is_cancelled(&self) -> bool {
        *self.sender.borrow()
    }

    /// Waits until the run is cancelled.
    pub async fn cancelled(&self) {
        let mut receiver = self.sender.subscribe();
        // The sender lives as long as `self`, so this waits until `cancel` is called.
        let _ = receiver.wait_for(|cancelled| *cancelled).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_cancel_wakes_every_waiter_and_stays() {
        let token = CancelToken::new();
        assert!(!token.is_cancelled());
        let waiter = tokio::spawn({
            let token = token.clone();
            async move { token.cancelled().await }
        });
        token.clone().cancel();
        waiter.await.unwrap();
        assert!(token.is_cancelled());
        token.cancelled().await;
    }
}
