//! One service per SQLite file: `itam serve` holds an exclusive lock on
//! `<database>-serve.lock` while it runs. The operating system releases it however the process
//! ends, so a crash leaves no stale lock behind. One-shot commands (`sync`, reports) do not
//! take it. On PostgreSQL, services share the database as a fleet (see `fleet.rs`): there is
//! no lock to take.

use anyhow::Result;
use std::fs::{File, TryLockError};
use std::path::{Path, PathBuf};

/// The held lock; dropping it releases it.
pub struct ServiceLock {
    _held: Held,
    path: PathBuf,
}

/// What holds the lock.
enum Held {
    File {
        _file: File,
    },
    /// Nothing: the database is shared by a fleet.
    Shared,
}

impl std::fmt::Debug for ServiceLock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceLock")
            .field("path", &self.path)
            .finish()
    }
}

impl ServiceLock {
    /// Takes the service lock of the database at `database`, or fails with a configuration
    /// error (exit 2) when another process holds it.
    pub fn acquire(database: &Path) -> Result<ServiceLock> {
        let mut path = database.as_os_str().to_owned();
        path.push("-serve.lock");
        let path = PathBuf::from(path);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(false);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options
            .open(&path)
            .map_err(|e| anyhow::anyhow!("cannot open the service lock {}: {e}", path.display()))?;
        match file.try_lock() {
            Ok(()) => Ok(ServiceLock {
                _held: Held::File { _file: file },
                path,
            }),
            Err(TryLockError::WouldBlock) => Err(itam_runtime::error::config_error(format!(
                "another `itam serve` is already running on the database {} (it holds {}); stop it first, or give this one another [store] path",
                database.display(),
                path.display()
            ))),
            Err(TryLockError::Error(e)) => {
                Err(anyhow::anyhow!("cannot lock {}: {e}", path.display()))
            }
        }
    }

    /// Takes the service lock of `store`: for SQLite, [`ServiceLock::acquire`] on its file;
    /// for PostgreSQL none (services share it as a fleet).
    pub fn acquire_for(store: &crate::Store) -> Result<ServiceLock> {
        match store.file() {
            Some(file) => ServiceLock::acquire(file),
            None => Ok(ServiceLock {
                _held: Held::Shared,
                path: PathBuf::new(),
            }),
        }
    }

    /// The lock file (empty for a PostgreSQL store).
    pub fn path(&self) -> &Path {
        &self.path
    }
}
