//! Secrets at rest: one encrypted vault file per data folder, its key in the OS keyring.
//!
//! The vault holds one opaque byte payload; the caller serialises whatever it keeps there
//! (Telegram session, peer cache, device list) and saves it whole. The file is
//! XChaCha20-Poly1305 with a fresh nonce per write under a small authenticated header
//! (`format.rs`), replaced atomically (`file.rs`) and 0600 on unix. The key comes from a
//! [`KeySource`] (`key.rs`): the OS keyring by default, or a passphrase, or an explicit
//! insecure key file.
//!
//! Invariants:
//! - A vault file this key cannot read is never replaced: [`Vault::save`] checks the
//!   current file first and returns the same error [`Vault::load`] would. Only [`wipe`]
//!   (logout) removes it.
//! - Key material, passphrases and loaded payloads are zeroized when dropped.
//!
//! Keyring calls block (D-Bus on Linux, and the keyring may show an unlock prompt), so
//! async callers should open the vault in `spawn_blocking`.
//!
//! ```no_run
//! use mpgram::store::{self, KeySource, Vault};
//!
//! # fn main() -> Result<(), store::StoreError> {
//! let dir = store::default_data_dir()?;
//! let vault = Vault::open(&dir, &KeySource::choose(None))?;
//! let session: Vec<u8> = vault.load()?.map(|bytes| bytes.to_vec()).unwrap_or_default();
//! vault.save(&session)?;
//! println!("secrets kept by: {}", vault.backend());
//! # Ok(())
//! # }
//! ```

mod error;
mod file;
mod format;
mod key;
mod lock;

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use zeroize::Zeroizing;

pub use error::StoreError;
pub use key::{
    Backend, KeyKind, KeySource, Passphrase, PromptFn, PromptReason, CREDENTIALS_DIRECTORY_ENV,
    PASSPHRASE_ENV, SERVICE,
};
pub use lock::{DataLock, LOCK_FILE_NAME};

use format::{FormatError, KdfParams, VaultId, VaultKey};

/// The vault's file name inside the data folder.
pub const VAULT_FILE_NAME: &str = "vault.bin";

/// A temporary file this old was left by a killed writer, not one still writing.
const STALE_TEMP_AGE: Duration = Duration::from_mins(10);

/// Writes a small private file (0600 on unix, created so, never chmod-ed after) crash-safely:
/// the control channel's `control.json`.
pub(crate) fn write_private_atomically(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    file::write_atomically(path, bytes, true)
}

/// Removes a file written with [`write_private_atomically`] and the temporary files of writes
/// that did not finish. Only for the holder of the data folder's [`DataLock`]: nobody else can
/// be writing them then.
pub(crate) fn remove_stale_private_file(path: &Path) -> Result<(), StoreError> {
    file::remove_if_exists(path)?;
    file::remove_stale_temps(path, Duration::ZERO)
}

/// The platform's per-user data folder of the app (on Linux
/// `$XDG_DATA_HOME/mpgram-home`, usually `~/.local/share/mpgram-home`).
///
/// The local, not roaming, folder on Windows: the key lives in this machine's Credential
/// Manager, so a vault roaming to another machine could not be opened there anyway.
pub fn default_data_dir() -> Result<PathBuf, StoreError> {
    directories::ProjectDirs::from("", "", "mpgram-home")
        .map(|dirs| dirs.data_local_dir().to_owned())
        .ok_or(StoreError::NoDataDir)
}

/// An unlocked vault: the data folder's vault file plus the key that opens it.
pub struct Vault {
    dir: PathBuf,
    path: PathBuf,
    key: VaultKey,
    kind: KeyKind,
    kdf: Option<KdfParams>,
    /// A keyring vault's id, which names its keyring entry.
    id: Option<VaultId>,
    backend: Backend,
}

impl fmt::Debug for Vault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Vault")
            .field("path", &self.path)
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

impl Vault {
    /// Unlocks the vault of `data_dir` (created 0700 if missing) with the key from `source`.
    ///
    /// With no vault file yet, a new key is made (stored in the keyring, a new argon2 salt,
    /// or a new key file). With a vault file, its header must name the same kind of key and
    /// the key must be the one it was locked with: a wrong passphrase fails here with
    /// [`StoreError::WrongPassphrase`]. The payload itself is only read by [`Vault::load`].
    pub fn open(data_dir: &Path, source: &KeySource) -> Result<Self, StoreError> {
        let dir = file::ensure_private_dir(data_dir)?;
        let path = dir.join(VAULT_FILE_NAME);
        file::remove_stale_temps(&path, STALE_TEMP_AGE)?;
        let kind = source.kind();
        let header = match file::read_if_exists(&path)? {
            Some(bytes) => {
                Some(format::read_header(&bytes).map_err(|e| describe(&e, &path, kind))?)
            }
            None => None,
        };
        let unlocked = key::unlock(source, &dir, &path, header.as_ref())?;
        if let Some(header) = &header {
            format::check_key(header, &unlocked.key).map_err(|e| describe(&e, &path, kind))?;
        }
        let migrate = unlocked.migrate;
        let vault = Self {
            dir,
            path,
            key: unlocked.key,
            kind,
            kdf: unlocked.kdf,
            id: unlocked.vault_id,
            backend: unlocked.backend,
        };
        if header.is_none() && vault.id.is_some() {
            // The id names the keyring entry just made: it must be on disk now, or the next
            // start would make another key under another id and leave this one behind.
            vault.save(&[])?;
        }
        if migrate {
            // Same payload and key; the header gains the id, whose entry holds the key now.
            let payload = vault.load()?.unwrap_or_default();
            vault.save(&payload)?;
            key::finish_migration(&vault.dir);
            tracing::info!(
                "the vault's keyring entry now follows the folder ({})",
                vault.backend
            );
        }
        Ok(vault)
    }

    /// The stored payload, or `None` when nothing was saved yet (an empty payload is what a new
    /// keyring vault is written with).
    pub fn load(&self) -> Result<Option<Zeroizing<Vec<u8>>>, StoreError> {
        let Some(bytes) = file::read_if_exists(&self.path)? else {
            return Ok(None);
        };
        format::unseal(&self.key, &bytes)
            .map(|payload| (!payload.is_empty()).then_some(payload))
            .map_err(|e| describe(&e, &self.path, self.kind))
    }

    /// Replaces the stored payload, atomically: after a crash at any moment the vault holds
    /// either the previous payload or this one.
    ///
    /// Refuses (with the error [`Vault::load`] would give) when the current file cannot be
    /// read with this key, so a damaged or foreign vault is never overwritten silently.
    pub fn save(&self, payload: &[u8]) -> Result<(), StoreError> {
        if let Some(bytes) = file::read_if_exists(&self.path)? {
            // Full authentication, not just the key id: a damaged file is kept for the
            // person to decide about, not papered over.
            format::unseal(&self.key, &bytes).map_err(|e| describe(&e, &self.path, self.kind))?;
        }
        let sealed = format::seal(&self.key, self.kind, self.kdf, self.id, payload)
            .map_err(|e| describe(&e, &self.path, self.kind))?;
        file::write_atomically(&self.path, &sealed, true)
    }

    /// Logs out: removes the vault file and, for a keyring vault, its keyring entry.
    /// A key file given with [`KeySource::InsecureKeyFile`] is left alone: the person chose
    /// and may reuse it.
    pub fn wipe(self) -> Result<Wiped, StoreError> {
        wipe_files_and_key(&self.dir, self.kind == KeyKind::Keyring, self.id)
    }

    /// Which backend holds the key, for `mpgram status`.
    pub fn backend(&self) -> &Backend {
        &self.backend
    }

    /// The vault file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The canonical data folder.
    pub fn data_dir(&self) -> &Path {
        &self.dir
    }
}

/// What [`wipe`] removed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Wiped {
    /// The vault file existed and was deleted.
    pub vault_file: bool,
    /// A keyring entry existed and was deleted.
    pub keyring_entry: bool,
}

/// Logs out without a key: deletes the vault file of `data_dir` (and temporary files a
/// crashed writer left), then its keyring entry if a keyring is reachable. This is the way
/// out of a vault that cannot be opened (damaged, foreign, forgotten passphrase).
pub fn wipe(data_dir: &Path) -> Result<Wiped, StoreError> {
    // Best effort on the keyring: a passphrase or key-file user may have none at all.
    wipe_files_and_key(data_dir, false, None)
}

/// The kind of key the vault of `data_dir` is locked with, read from its header without
/// any key; `None` when there is no vault. For `mpgram status` on a locked vault.
pub fn vault_key_kind(data_dir: &Path) -> Result<Option<KeyKind>, StoreError> {
    let path = data_dir.join(VAULT_FILE_NAME);
    let Some(bytes) = file::read_if_exists(&path)? else {
        return Ok(None);
    };
    // The kind passed only matters for `WrongKey`, which reading a header cannot produce.
    let header = format::read_header(&bytes).map_err(|e| describe(&e, &path, KeyKind::Keyring))?;
    Ok(Some(header.kind))
}

/// Deletes the vault file of `data_dir`, the temporary files of unfinished writes, then the
/// keyring entry. `vault_id`: the open vault's own (else read from the file's header).
fn wipe_files_and_key(
    data_dir: &Path,
    keyring_required: bool,
    vault_id: Option<VaultId>,
) -> Result<Wiped, StoreError> {
    // The legacy keyring account is named after the canonical path, as in `Vault::open`.
    let dir = data_dir
        .canonicalize()
        .or_else(|_| std::path::absolute(data_dir))
        .map_err(|e| StoreError::io("find the data folder", data_dir, e))?;
    let path = dir.join(VAULT_FILE_NAME);
    // The entry's name is in the header: read it before the file goes. A damaged header names
    // none; its entry (if any) stays, as harmless as any key without a vault.
    let vault_id = match vault_id {
        Some(id) => Some(id),
        None => file::read_if_exists(&path)?
            .and_then(|bytes| format::read_header(&bytes).ok())
            .and_then(|header| header.vault_id),
    };
    // The file goes first: a crash in between then leaves an unused key, not a vault
    // without its key.
    let mut vault_file = false;
    if dir.is_dir() {
        vault_file = file::remove_if_exists(&path)?;
        file::remove_stale_temps(&path, Duration::ZERO)?;
        file::sync_dir(&dir)?;
    }
    let keyring_entry = match key::delete_keyring_entry(&dir, vault_id.as_ref()) {
        Ok(deleted) => deleted,
        Err(StoreError::KeyringUnavailable { detail }) if !keyring_required => {
            tracing::debug!(%detail, "no keyring to wipe");
            false
        }
        Err(err) => return Err(err),
    };
    Ok(Wiped {
        vault_file,
        keyring_entry,
    })
}

/// Turns a format error into the sentence for this file and key kind.
fn describe(err: &FormatError, path: &Path, kind: KeyKind) -> StoreError {
    let path = path.to_owned();
    match err {
        FormatError::NotAVault => StoreError::NotAVault { path },
        FormatError::UnsupportedVersion(version) => StoreError::UnsupportedVersion {
            path,
            version: *version,
        },
        FormatError::Truncated => StoreError::Truncated { path },
        FormatError::Damaged => StoreError::Damaged { path },
        FormatError::WrongKey if kind == KeyKind::Passphrase => StoreError::WrongPassphrase,
        FormatError::WrongKey => StoreError::ForeignKey { path },
        FormatError::TooLarge => StoreError::PayloadTooLarge,
    }
}
