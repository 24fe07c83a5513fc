//! File system steps of the vault: private folder, crash-safe replace, cleanup.

use std::fs;
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use super::StoreError;

/// Temporary files are named `.<target>.<random>.tmp` so `wipe` and `open` can find them.
fn temp_prefix(target: &Path) -> String {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    format!(".{name}.")
}

const TEMP_SUFFIX: &str = ".tmp";

/// Creates the data folder (0700 on unix) if needed and returns its canonical path, which
/// names its keyring entry.
pub(crate) fn ensure_private_dir(dir: &Path) -> Result<PathBuf, StoreError> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder
        .create(dir)
        .map_err(|e| StoreError::io("create the data folder", dir, e))?;
    dir.canonicalize()
        .map_err(|e| StoreError::io("find the data folder", dir, e))
}

/// Reads the whole file, `None` when it does not exist.
pub(crate) fn read_if_exists(path: &Path) -> Result<Option<Vec<u8>>, StoreError> {
    match fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(err) if err.kind() == ErrorKind::NotFound => Ok(None),
        Err(err) => Err(StoreError::io("read the vault file", path, err)),
    }
}

/// Replaces `target` with `bytes` so that a crash at any moment leaves either the old or
/// the new content: write a 0600 temporary file in the same folder, fsync it, rename it
/// over the target (atomic on one file system), then fsync the folder so the rename itself
/// survives a power cut. With `clobber == false` an existing target is an error instead.
pub(crate) fn write_atomically(
    target: &Path,
    bytes: &[u8],
    clobber: bool,
) -> Result<(), StoreError> {
    let dir = target.parent().unwrap_or(Path::new("."));
    let io = |action| move |e| StoreError::io(action, target, e);
    let prefix = temp_prefix(target);
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(TEMP_SUFFIX);
    // tempfile already uses 0600 on unix; said explicitly because the vault relies on it.
    // Elsewhere the per-user profile folder's ACL is what keeps the file private.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(fs::Permissions::from_mode(0o600));
    }
    let mut temp = builder
        .tempfile_in(dir)
        .map_err(io("create a temporary file next to"))?;
    temp.write_all(bytes).map_err(io("write"))?;
    temp.as_file().sync_all().map_err(io("flush to disk"))?;
    if clobber {
        temp.persist(target)
            .map_err(|e| e.error)
            .map_err(io("replace"))?;
    } else {
        temp.persist_noclobber(target)
            .map_err(|e| e.error)
            .map_err(io("create"))?;
    }
    sync_dir(dir)
}

/// Makes a rename or removal in `dir` durable. Only unix can open and fsync a folder;
/// Windows' `MoveFileEx` used by rename is already write-through.
pub(crate) fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    #[cfg(unix)]
    {
        fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| StoreError::io("flush to disk the folder", dir, e))?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Removes `path`; `Ok(false)` when it did not exist.
pub(crate) fn remove_if_exists(path: &Path) -> Result<bool, StoreError> {
    match fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(err) if err.kind() == ErrorKind::NotFound => Ok(false),
        Err(err) => Err(StoreError::io("delete", path, err)),
    }
}

/// Removes temporary files a killed writer of `target` left behind, if they are older than
/// `min_age` (a writer in another process may still be using a young one).
pub(crate) fn remove_stale_temps(target: &Path, min_age: Duration) -> Result<(), StoreError> {
    let dir = target.parent().unwrap_or(Path::new("."));
    let prefix = temp_prefix(target);
    let entries = fs::read_dir(dir).map_err(|e| StoreError::io("list the data folder", dir, e))?;
    let now = SystemTime::now();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if !(name.starts_with(&prefix) && name.ends_with(TEMP_SUFFIX)) {
            continue;
        }
        let old_enough = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|modified| now.duration_since(modified).ok())
            .is_some_and(|age| age >= min_age);
        if old_enough {
            remove_if_exists(&entry.path())?;
        }
    }
    Ok(())
}
