//! One process per data folder: an exclusive lock on `<data folder>/mpgram.lock`, held for as
//! long as a process serves or rewrites the folder (`mpgram serve|demo|login|logout`, the tray).
//!
//! Two processes on one folder would each save their own device list and session over the
//! other's, and the second one's `control.json` would hide the first from the CLI and the window.
//! The lock is the operating system's (`flock` on unix, `LockFileEx` on Windows), so it goes
//! away with its process, however that process ends: there is never a stale lock to clean up.
//! The holder writes its process id into the file so the next one can say who holds it.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::{file, StoreError};

/// The lock file's name inside the data folder.
pub const LOCK_FILE_NAME: &str = "mpgram.lock";

/// The data folder is this process's until this is dropped.
#[derive(Debug)]
pub struct DataLock {
    _file: File,
    dir: PathBuf,
}

impl DataLock {
    /// Locks `data_dir` (created 0700 if missing) for this process, or says which process
    /// holds it ([`StoreError::InUse`]).
    pub fn acquire(data_dir: &Path) -> Result<Self, StoreError> {
        let dir = file::ensure_private_dir(data_dir)?;
        let path = dir.join(LOCK_FILE_NAME);
        let mut options = OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut lock = options
            .open(&path)
            .map_err(|e| StoreError::io("open the lock file", &path, e))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(StoreError::InUse {
                    pid: holder(&mut lock),
                    dir,
                })
            }
            Err(TryLockError::Error(e)) => {
                return Err(StoreError::io("lock the data folder with", &path, e))
            }
        }
        // Best effort: the pid only makes the second process's message more helpful.
        let written = lock
            .set_len(0)
            .and_then(|()| lock.seek(SeekFrom::Start(0)))
            .and_then(|_| writeln!(lock, "{}", std::process::id()));
        if let Err(e) = written {
            tracing::debug!("could not write the pid into {}: {e}", path.display());
        }
        Ok(Self { _file: lock, dir })
    }

    /// The canonical data folder.
    pub fn data_dir(&self) -> &Path {
        &self.dir
    }
}

/// The process id the holder wrote; `None` while it has not yet, or where a locked file cannot
/// be read (Windows).
fn holder(lock: &mut File) -> Option<u32> {
    let mut text = String::new();
    lock.take(32).read_to_string(&mut text).ok()?;
    text.trim().parse().ok()
}
