//! A run's writer thread: batches are written to the database while the plugin fetches and parses
//! the next page, so the two halves of a sync use two cores instead of taking turns.
//!
//! The queue holds one batch, so at most three batches are in memory at once (one being
//! written, one queued, one being handed over). A write error stops the thread; the next
//! batch handed to it, or [`Pipe::finish`], returns that error.

use super::spare::RunConnection;
use super::{rows, staging};
use anyhow::{Result, anyhow};
use itam_runtime::contract::types::{Batch, Removal};
use std::sync::mpsc::{SyncSender, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// What a run hands its writer thread, in the order the plugin sent it.
pub(super) enum Item {
    /// Entities to store.
    Batch(Batch),
    /// Entities an incremental run says are gone.
    Removals(Vec<Removal>),
}

/// The sending end of a run's writer thread.
pub(super) struct Pipe {
    queue: Option<SyncSender<Item>>,
    thread: Option<JoinHandle<Result<()>>>,
}

impl Pipe {
    /// Starts the writer thread for `source`'s run, writing into the run's open transaction
    /// on `conn`.
    pub(super) fn start(conn: Arc<Mutex<RunConnection>>, source: String) -> Result<Pipe> {
        let (queue, items) = sync_channel::<Item>(1);
        let thread = std::thread::Builder::new()
            .name("itam-store".into())
            .spawn(move || {
                for item in items {
                    let mut conn = conn
                        .lock()
                        .map_err(|_| anyhow!("the run's connection is poisoned"))?;
                    match item {
                        Item::Batch(batch) => {
                            for rows in rows::batch(&source, &batch)? {
                                conn.stage(&rows)?;
                            }
                        }
                        Item::Removals(removals) => {
                            let staged = staging::staged_memberships(conn.as_query())?;
                            conn.stage(&rows::removals(&removals, staged)?)?;
                        }
                    }
                }
                Ok(())
            })?;
        Ok(Pipe {
            queue: Some(queue),
            thread: Some(thread),
        })
    }

    /// Queues `item`, waiting while the thread is still busy with the one before; fails with
    /// the thread's error if an earlier item could not be written.
    pub(super) fn send(&mut self, item: Item) -> Result<()> {
        let sent = match &self.queue {
            Some(queue) => queue.send(item).is_ok(),
            None => false,
        };
        if sent {
            return Ok(());
        }
        self.finish()?;
        Err(anyhow!("the run's writer has already finished"))
    }

    /// Waits until every queued batch is written; the first write error, if any.
    pub(super) fn finish(&mut self) -> Result<()> {
        self.queue = None;
        match self.thread.take().map(JoinHandle::join) {
            None => Ok(()),
            Some(Ok(result)) => result,
            Some(Err(_)) => Err(anyhow!("the run's writer thread panicked")),
        }
    }
}

impl Drop for Pipe {
    fn drop(&mut self) {
        let _ = self.finish();
    }
}
