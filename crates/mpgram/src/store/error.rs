//! The one error type of `store`. Every `Display` is a plain sentence meant for the person
//! at the keyboard (the CLI and the window show it as is), so it names the file and says
//! what to do next; none of them ever contains key material or a passphrase.

use std::io;
use std::path::PathBuf;

use super::KeyKind;

/// Something went wrong while opening, reading, writing or wiping the vault.
///
/// Variants that describe an unreadable vault file (`NotAVault`, `UnsupportedVersion`,
/// `Truncated`, `Damaged`, `ForeignKey`, `WrongPassphrase`, `KeySourceMismatch`) are
/// returned by [`Vault::save`](super::Vault::save) as well: the existing file is never
/// replaced by one it could not read. [`wipe`](super::wipe) is the explicit way out.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// Another process holds the data folder's lock ([`DataLock`](super::DataLock)).
    #[error(
        "Another MPGram Home{} is already using {}. Quit it first.",
        pid.map(|p| format!(" (process {p})")).unwrap_or_default(),
        dir.display()
    )]
    InUse { dir: PathBuf, pid: Option<u32> },

    /// The platform has no per-user data directory (no `HOME`, for instance).
    #[error("could not find a data folder for this user; pass --data-dir to choose one")]
    NoDataDir,

    /// A file system operation failed.
    #[error("could not {action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },

    /// The file does not start with the vault's magic bytes.
    #[error("{} is not an MPGram Home vault file; it was left as it is", path.display())]
    NotAVault { path: PathBuf },

    /// The file was written by a newer version of the format.
    #[error(
        "the vault file {} was written by a newer MPGram Home (format {version}); \
         it was left as it is, update MPGram Home to open it",
        path.display()
    )]
    UnsupportedVersion { path: PathBuf, version: u8 },

    /// The file is shorter than its header says.
    #[error(
        "the vault file {} is cut short, probably by an incomplete copy; it was left as it is \
         (log out to delete it and log in again)",
        path.display()
    )]
    Truncated { path: PathBuf },

    /// The file failed authentication with the right key: it was changed after it was written.
    #[error(
        "the vault file {} is damaged or was changed outside MPGram Home; it was left as it is \
         (log out to delete it and log in again)",
        path.display()
    )]
    Damaged { path: PathBuf },

    /// The file was locked with another key (another data folder, another computer, or a
    /// keyring entry that was replaced).
    #[error(
        "the vault file {} is locked with a different key than this one (was it copied from \
         another computer or data folder?); it was left as it is",
        path.display()
    )]
    ForeignKey { path: PathBuf },

    /// The passphrase does not derive the key the vault was locked with.
    #[error("wrong passphrase")]
    WrongPassphrase,

    /// The vault was locked with another kind of key than the one chosen now.
    #[error(
        "the vault file {} is locked with {vault}, but {chosen} was chosen; choose the same \
         key source again (or log out to start over)",
        path.display()
    )]
    KeySourceMismatch {
        path: PathBuf,
        vault: KeyKind,
        chosen: KeyKind,
    },

    /// No OS keyring could be reached (no Secret Service on the session bus, for instance).
    #[error(
        "the OS keyring is not available ({detail}); set MPGRAM_PASSPHRASE to protect the \
         vault with a passphrase instead"
    )]
    KeyringUnavailable { detail: String },

    /// The keyring answered, but with an error.
    #[error("the OS keyring refused the vault key: {detail}")]
    Keyring { detail: String },

    /// The vault exists but its key is no longer in the keyring.
    #[error(
        "the key of the vault file {} is missing from the OS keyring, so it cannot be opened; \
         log out to delete it and log in again",
        path.display()
    )]
    KeyringKeyMissing { path: PathBuf },

    /// The keyring holds something that is not a 32-byte key under our name.
    #[error("the OS keyring holds an invalid MPGram Home vault key (expected 32 bytes)")]
    KeyringKeyInvalid,

    /// The vault exists but the key file named for it does not.
    #[error(
        "the key file {} does not exist, but the vault was locked with a key file",
        path.display()
    )]
    KeyFileMissing { path: PathBuf },

    /// The key file does not hold exactly 32 bytes.
    #[error("the key file {} must hold exactly 32 bytes", path.display())]
    KeyFileInvalid { path: PathBuf },

    /// The key file can be read by other users.
    #[error(
        "the key file {} can be read by other users; make it private with `chmod 600 {}`",
        path.display(),
        path.display()
    )]
    KeyFileNotPrivate { path: PathBuf },

    /// The systemd credential holding the key was not handed to this process.
    #[error(
        "no systemd credential {name}: run this as a service with LoadCredential={name}:FILE \
         (FILE being the key file given to `mpgram login --insecure-key-file`)"
    )]
    CredentialMissing { name: String },

    /// A passphrase was chosen but the environment variable holding it is not set.
    #[error("no passphrase given: set {var}")]
    NoPassphrase { var: String },

    /// The prompt callback returned nothing.
    #[error("no passphrase was entered")]
    PassphraseCancelled,

    /// An empty passphrase protects nothing.
    #[error("the passphrase is empty")]
    EmptyPassphrase,

    /// The payload is beyond what one encryption can cover (256 GiB).
    #[error("the data to store is too large for the vault")]
    PayloadTooLarge,
    /// The vault opened but what it holds is not MPGram Home's data (a newer version, or
    /// written by hand).
    #[error("the vault opened, but its contents could not be read; it was left as it is")]
    Contents,

    /// The key derivation failed (only possible with out-of-range settings).
    #[error("could not derive the vault key from the passphrase: {detail}")]
    KeyDerivation { detail: String },
}

impl StoreError {
    pub(crate) fn io(action: &'static str, path: impl Into<PathBuf>, source: io::Error) -> Self {
        Self::Io {
            action,
            path: path.into(),
            source,
        }
    }
}
