//! One service per database: `itam serve` holds an exclusive lock on `<database>-serve.lock`
//! while it runs. The operating system releases it when the process ends, however it ends, so
//! a crash leaves no stale lock behind. One-shot commands (`sync`, reports) do not take it.

use anyhow::Result;
use std::fs::{File, TryLockError};
use std::path::{Path, PathBuf};

/// The held lock; dropping it releases it.
#[derive(Debug)]
pub struct ServiceLock {
    _file: File,
    path: PathBuf,
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
            Ok(()) => Ok(ServiceLock { _file: file, path }),
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

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}
