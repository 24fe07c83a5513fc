//! Where the 32-byte vault key comes from: the OS keyring (default), a passphrase
//! (argon2id), or an explicit key file (insecure, for portable or headless setups).

use std::collections::HashMap;
use std::fmt::{self, Write as _};
use std::fs;
use std::io::{ErrorKind, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use argon2::{Algorithm, Argon2, Params, Version};
use keyring_core::{CredentialStore, Entry};
use rand::RngCore;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::format::{new_vault_id, Header, KdfParams, VaultId, VaultKey};
use super::StoreError;

/// The keyring service name every vault key is stored under.
pub const SERVICE: &str = "mpgram-home";

/// The environment variable [`KeySource::choose`] and [`Passphrase::Env`] read.
pub const PASSPHRASE_ENV: &str = "MPGRAM_PASSPHRASE";

// Argon2id settings for new vaults: RFC 9106's second recommendation (64 MiB, 3 passes).
// They are stored in each vault header, so raising them later keeps old vaults readable.
const NEW_M_COST: u32 = 64 * 1024;
const NEW_T_COST: u32 = 3;
const NEW_P_COST: u32 = 1;
// Limits for settings read from a file, so a crafted header cannot make us allocate
// gigabytes or spin for minutes before the tag check can reject it.
const MAX_M_COST: u32 = 1024 * 1024;
const MAX_T_COST: u32 = 16;
const MAX_P_COST: u32 = 16;

/// What kind of key a vault is locked with; recorded in the vault header.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyKind {
    /// A random key kept in the OS keyring.
    Keyring,
    /// A key derived from a passphrase with argon2id.
    Passphrase,
    /// A random key kept in a plain file.
    KeyFile,
}

impl KeyKind {
    pub(crate) fn code(self) -> u8 {
        match self {
            Self::Keyring => 1,
            Self::Passphrase => 2,
            Self::KeyFile => 3,
        }
    }

    pub(crate) fn from_code(code: u8) -> Option<Self> {
        match code {
            1 => Some(Self::Keyring),
            2 => Some(Self::Passphrase),
            3 => Some(Self::KeyFile),
            _ => None,
        }
    }
}

impl fmt::Display for KeyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Keyring => "the OS keyring",
            Self::Passphrase => "a passphrase",
            Self::KeyFile => "a key file",
        })
    }
}

/// Why the prompt callback is asked for a passphrase.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PromptReason {
    /// No vault exists yet: the passphrase will lock a new one (ask twice to catch typos).
    NewVault,
    /// A vault exists: the passphrase must unlock it.
    Unlock,
}

/// The callback a front end supplies to ask the person for a passphrase.
/// Returning `None` means they cancelled.
pub type PromptFn = dyn Fn(PromptReason) -> Option<Zeroizing<String>> + Send + Sync;

/// Where the passphrase comes from.
#[derive(Clone)]
pub enum Passphrase {
    /// The named environment variable (usually [`PASSPHRASE_ENV`]).
    Env(String),
    /// Ask the person through the front end.
    Prompt(Arc<PromptFn>),
}

impl fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Env(var) => f.debug_tuple("Env").field(var).finish(),
            Self::Prompt(_) => f.write_str("Prompt(..)"),
        }
    }
}

/// Where the vault key comes from. See [`KeySource::choose`] for the usual choice.
#[derive(Clone, Debug)]
pub enum KeySource {
    /// A random key in the OS keyring (Secret Service, Keychain, Credential Manager), one
    /// entry per vault, named after the vault id in its header (so it follows the folder when
    /// it is moved or copied). The default.
    Keyring,
    /// A key derived from a passphrase (argon2id); the salt lives in the vault header.
    Passphrase(Passphrase),
    /// A random key in this file (created 0600 if absent). Anyone who can read the file can
    /// open the vault, so using it logs a warning every time.
    InsecureKeyFile(PathBuf),
    /// The key of a service: a systemd credential (`LoadCredential=` or
    /// `LoadCredentialEncrypted=`), the file `$CREDENTIALS_DIRECTORY/<name>` holding the same 32
    /// bytes as a key file. systemd keeps it readable by the service alone, which a desktop
    /// keyring cannot offer a service that has no login session. See [`credential_key`].
    SystemdCredential(String),
}

impl KeySource {
    /// The usual choice for the CLI and the app: an explicit `--insecure-key-file` wins,
    /// then a passphrase when `MPGRAM_PASSPHRASE` is set, else the OS keyring.
    pub fn choose(insecure_key_file: Option<PathBuf>) -> Self {
        if let Some(path) = insecure_key_file {
            Self::InsecureKeyFile(path)
        } else if std::env::var_os(PASSPHRASE_ENV).is_some() {
            Self::Passphrase(Passphrase::Env(PASSPHRASE_ENV.to_owned()))
        } else {
            Self::Keyring
        }
    }

    /// The kind of key this source yields.
    pub fn kind(&self) -> KeyKind {
        match self {
            Self::Keyring => KeyKind::Keyring,
            Self::Passphrase(_) => KeyKind::Passphrase,
            // Same bytes as a key file, so `mpgram login --insecure-key-file F` makes the vault
            // a service then opens with `LoadCredential=NAME:F`.
            Self::InsecureKeyFile(_) | Self::SystemdCredential(_) => KeyKind::KeyFile,
        }
    }
}

/// Which backend holds the key of an open vault, for `mpgram status`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Backend {
    /// The OS keyring: `store` names it, `account` is the entry under [`SERVICE`].
    Keyring {
        store: &'static str,
        account: String,
    },
    /// A passphrase, stretched with argon2id.
    Passphrase,
    /// A plain key file.
    InsecureKeyFile(PathBuf),
    /// A systemd credential of this name.
    SystemdCredential(String),
}

impl Backend {
    /// The kind of key behind this backend.
    pub fn kind(&self) -> KeyKind {
        match self {
            Self::Keyring { .. } => KeyKind::Keyring,
            Self::Passphrase => KeyKind::Passphrase,
            Self::InsecureKeyFile(_) | Self::SystemdCredential(_) => KeyKind::KeyFile,
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Keyring { store, account } => {
                write!(
                    f,
                    "OS keyring ({store}), service {SERVICE}, account {account}"
                )
            }
            Self::Passphrase => f.write_str("passphrase (argon2id)"),
            Self::InsecureKeyFile(path) => write!(
                f,
                "key file {} (insecure: anyone who can read it can open the vault)",
                path.display()
            ),
            Self::SystemdCredential(name) => write!(f, "systemd credential {name}"),
        }
    }
}

/// A key ready to use, with what the vault header must record about it.
pub(crate) struct Unlocked {
    pub(crate) key: VaultKey,
    pub(crate) kdf: Option<KdfParams>,
    pub(crate) backend: Backend,
    /// The keyring entry's name, for a keyring vault: the one in the header, or a new one for a
    /// new vault or one to migrate.
    pub(crate) vault_id: Option<VaultId>,
    /// The key came from the entry named after the folder's path (a vault from before vault
    /// ids): the vault must be rewritten with `vault_id` and the old entry removed
    /// ([`finish_migration`]).
    pub(crate) migrate: bool,
}

/// Gets (or, for a new vault, creates) the key for the vault in `data_dir`.
/// `existing` is the header of the vault file when there is one.
pub(crate) fn unlock(
    source: &KeySource,
    data_dir: &Path,
    vault_path: &Path,
    existing: Option<&Header>,
) -> Result<Unlocked, StoreError> {
    if let Some(header) = existing {
        if header.kind != source.kind() {
            return Err(StoreError::KeySourceMismatch {
                path: vault_path.to_owned(),
                vault: header.kind,
                chosen: source.kind(),
            });
        }
    }
    match source {
        KeySource::Keyring => keyring_key(data_dir, vault_path, existing),
        KeySource::Passphrase(passphrase) => {
            passphrase_key(passphrase, existing.and_then(|h| h.kdf))
        }
        KeySource::InsecureKeyFile(path) => key_file_key(path, existing.is_some()),
        KeySource::SystemdCredential(name) => credential_key(name),
    }
}

// ---- OS keyring ----

#[cfg(all(
    unix,
    not(any(target_os = "macos", target_os = "ios", target_os = "android"))
))]
const STORE_NAME: &str = "Secret Service";
#[cfg(target_os = "macos")]
const STORE_NAME: &str = "macOS Keychain";
#[cfg(windows)]
const STORE_NAME: &str = "Windows Credential Manager";
#[cfg(not(any(
    all(
        unix,
        not(any(target_os = "macos", target_os = "ios", target_os = "android"))
    ),
    target_os = "macos",
    windows
)))]
const STORE_NAME: &str = "none";

/// Connects to the platform's credential store. The store is built per call and passed
/// explicitly (no keyring-core default store), so the library keeps no global state.
fn platform_store() -> keyring_core::Result<Arc<CredentialStore>> {
    #[cfg(all(
        unix,
        not(any(target_os = "macos", target_os = "ios", target_os = "android"))
    ))]
    let store: Arc<CredentialStore> = zbus_secret_service_keyring_store::Store::new()?;
    #[cfg(target_os = "macos")]
    let store: Arc<CredentialStore> = apple_native_keyring_store::keychain::Store::new()?;
    #[cfg(windows)]
    let store: Arc<CredentialStore> = windows_native_keyring_store::Store::new()?;
    #[cfg(not(any(
        all(
            unix,
            not(any(target_os = "macos", target_os = "ios", target_os = "android"))
        ),
        target_os = "macos",
        windows
    )))]
    let store: Arc<CredentialStore> = {
        return Err(keyring_core::Error::NotSupportedByStore(
            "no OS keyring is supported on this platform".to_owned(),
        ));
    };
    Ok(store)
}

/// The keyring account of a vault: its vault id (random, in the vault header), so the entry
/// leaks no user name or path and follows the folder wherever it is moved or copied.
pub(crate) fn keyring_account(id: &VaultId) -> String {
    hex_account("vault-", id)
}

/// The account of a vault from before vault ids: a hash of the folder's canonical path, so a
/// moved folder lost its key. Still read, to migrate such vaults.
pub(crate) fn legacy_keyring_account(data_dir: &Path) -> String {
    let digest = Sha256::digest(data_dir.as_os_str().as_encoded_bytes());
    hex_account("vault-key-", &digest[..16])
}

fn hex_account(prefix: &str, bytes: &[u8]) -> String {
    let mut account = String::from(prefix);
    for byte in bytes {
        // Writing to a String cannot fail.
        let _ = write!(account, "{byte:02x}");
    }
    account
}

fn keyring_entry(account: &str, data_dir: &Path) -> Result<Entry, StoreError> {
    let store = platform_store().map_err(keyring_error)?;
    // A label makes the entry recognisable in Seahorse; only Secret Service takes one. The
    // folder named is where the vault was made (or migrated); it may move since.
    let label = format!("MPGram Home vault key ({})", data_dir.display());
    let mut modifiers = HashMap::new();
    if STORE_NAME == "Secret Service" {
        modifiers.insert("label", label.as_str());
    }
    Entry::new_in_store_with_modifiers(&store, SERVICE, account, &modifiers).map_err(keyring_error)
}

fn keyring_error(err: keyring_core::Error) -> StoreError {
    use keyring_core::Error as E;
    match err {
        E::PlatformFailure(_)
        | E::NoStorageAccess(_)
        | E::NoDefaultStore
        | E::NotSupportedByStore(_) => StoreError::KeyringUnavailable {
            detail: err.to_string(),
        },
        other => StoreError::Keyring {
            detail: other.to_string(),
        },
    }
}

fn keyring_key(
    data_dir: &Path,
    vault_path: &Path,
    existing: Option<&Header>,
) -> Result<Unlocked, StoreError> {
    let (account, vault_id, migrate) = match existing {
        Some(Header {
            vault_id: Some(id), ..
        }) => (keyring_account(id), *id, false),
        // A vault from before ids: read through the old, path-named entry, then migrate.
        Some(_) => (legacy_keyring_account(data_dir), new_vault_id(), true),
        None => {
            let id = new_vault_id();
            (keyring_account(&id), id, false)
        }
    };
    let entry = keyring_entry(&account, data_dir)?;
    let key = match entry.get_secret() {
        Ok(secret) => {
            let secret = Zeroizing::new(secret);
            let bytes: [u8; 32] = secret
                .as_slice()
                .try_into()
                .map_err(|_| StoreError::KeyringKeyInvalid)?;
            VaultKey::from_bytes(Zeroizing::new(bytes))
        }
        // A missing key with an existing vault is reported, never replaced: a new key
        // would make the vault unreadable for good.
        Err(keyring_core::Error::NoEntry) if existing.is_some() => {
            return Err(StoreError::KeyringKeyMissing {
                path: vault_path.to_owned(),
            });
        }
        Err(keyring_core::Error::NoEntry) => {
            let key = VaultKey::random();
            entry.set_secret(key.as_bytes()).map_err(keyring_error)?;
            key
        }
        Err(err) => return Err(keyring_error(err)),
    };
    let account = if migrate {
        // The same key under the id's entry first; the vault is rewritten with the id next.
        let new_account = keyring_account(&vault_id);
        keyring_entry(&new_account, data_dir)?
            .set_secret(key.as_bytes())
            .map_err(keyring_error)?;
        new_account
    } else {
        account
    };
    Ok(Unlocked {
        key,
        kdf: None,
        backend: Backend::Keyring {
            store: STORE_NAME,
            account,
        },
        vault_id: Some(vault_id),
        migrate,
    })
}

/// After a migrated vault was rewritten with its id: the old, path-named entry goes.
pub(crate) fn finish_migration(data_dir: &Path) {
    match delete_entry(&legacy_keyring_account(data_dir), data_dir) {
        Ok(_) => {}
        // Harmless left over: nothing reads it any more.
        Err(e) => tracing::warn!("could not remove the old keyring entry of the vault: {e}"),
    }
}

/// Removes the keyring entries a data folder's vault may have: the one named by `vault_id`
/// and the path-named one of vaults from before ids. `Ok(false)` when there was none.
pub(crate) fn delete_keyring_entry(
    data_dir: &Path,
    vault_id: Option<&VaultId>,
) -> Result<bool, StoreError> {
    let mut deleted = delete_entry(&legacy_keyring_account(data_dir), data_dir)?;
    if let Some(id) = vault_id {
        deleted |= delete_entry(&keyring_account(id), data_dir)?;
    }
    Ok(deleted)
}

fn delete_entry(account: &str, data_dir: &Path) -> Result<bool, StoreError> {
    match keyring_entry(account, data_dir)?.delete_credential() {
        Ok(()) => Ok(true),
        Err(keyring_core::Error::NoEntry) => Ok(false),
        Err(err) => Err(keyring_error(err)),
    }
}

// ---- passphrase ----

fn passphrase_key(source: &Passphrase, stored: Option<KdfParams>) -> Result<Unlocked, StoreError> {
    let passphrase = match source {
        Passphrase::Env(var) => match std::env::var(var) {
            Ok(value) => Zeroizing::new(value),
            Err(_) => return Err(StoreError::NoPassphrase { var: var.clone() }),
        },
        Passphrase::Prompt(prompt) => {
            let reason = if stored.is_some() {
                PromptReason::Unlock
            } else {
                PromptReason::NewVault
            };
            prompt(reason).ok_or(StoreError::PassphraseCancelled)?
        }
    };
    if passphrase.is_empty() {
        return Err(StoreError::EmptyPassphrase);
    }
    let kdf = stored.unwrap_or_else(|| {
        let mut salt = [0u8; 16];
        rand::rng().fill_bytes(&mut salt);
        KdfParams {
            m_cost: NEW_M_COST,
            t_cost: NEW_T_COST,
            p_cost: NEW_P_COST,
            salt,
        }
    });
    let key = derive(passphrase.as_bytes(), &kdf)?;
    Ok(Unlocked {
        key,
        kdf: Some(kdf),
        backend: Backend::Passphrase,
        vault_id: None,
        migrate: false,
    })
}

fn derive(passphrase: &[u8], kdf: &KdfParams) -> Result<VaultKey, StoreError> {
    if kdf.m_cost > MAX_M_COST || kdf.t_cost > MAX_T_COST || kdf.p_cost > MAX_P_COST {
        return Err(StoreError::KeyDerivation {
            detail: "the vault asks for more memory or time than MPGram Home allows".to_owned(),
        });
    }
    let detail = |err: argon2::Error| StoreError::KeyDerivation {
        detail: err.to_string(),
    };
    let params = Params::new(kdf.m_cost, kdf.t_cost, kdf.p_cost, Some(32)).map_err(detail)?;
    let mut out = Zeroizing::new([0u8; 32]);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(passphrase, &kdf.salt, out.as_mut())
        .map_err(detail)?;
    Ok(VaultKey::from_bytes(out))
}

// ---- insecure key file ----

fn key_file_key(path: &Path, vault_exists: bool) -> Result<Unlocked, StoreError> {
    tracing::warn!(
        key_file = %path.display(),
        "INSECURE: the vault key is kept in a plain file; anyone who can read it can read \
         your Telegram session. Prefer the OS keyring or a passphrase."
    );
    let key = match fs::File::open(path) {
        Ok(file) => read_key_file(path, file)?,
        Err(err) if err.kind() == ErrorKind::NotFound && vault_exists => {
            return Err(StoreError::KeyFileMissing {
                path: path.to_owned(),
            });
        }
        Err(err) if err.kind() == ErrorKind::NotFound => create_key_file(path)?,
        Err(err) => return Err(StoreError::io("open the key file", path, err)),
    };
    Ok(Unlocked {
        key,
        kdf: None,
        backend: Backend::InsecureKeyFile(path.to_owned()),
        vault_id: None,
        migrate: false,
    })
}

fn read_key_file(path: &Path, mut file: fs::File) -> Result<VaultKey, StoreError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = file
            .metadata()
            .map_err(|e| StoreError::io("read the key file", path, e))?;
        // The same rule ssh applies to private keys.
        if meta.permissions().mode() & 0o077 != 0 {
            return Err(StoreError::KeyFileNotPrivate {
                path: path.to_owned(),
            });
        }
    }
    let mut bytes = Zeroizing::new(Vec::with_capacity(33));
    // Read one byte more than a key so a longer file is rejected, not cut.
    (&mut file)
        .take(33)
        .read_to_end(&mut bytes)
        .map_err(|e| StoreError::io("read the key file", path, e))?;
    let key: [u8; 32] = bytes
        .as_slice()
        .try_into()
        .map_err(|_| StoreError::KeyFileInvalid {
            path: path.to_owned(),
        })?;
    Ok(VaultKey::from_bytes(Zeroizing::new(key)))
}

fn create_key_file(path: &Path) -> Result<VaultKey, StoreError> {
    let key = VaultKey::random();
    // A new folder for it is private too (`/etc/mpgram` for the packaged service's key).
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        super::file::ensure_private_dir(parent)?;
    }
    // Atomic and never clobbering, so a crash cannot leave a half-written key behind and a
    // key file created meanwhile by another process is not replaced.
    super::file::write_atomically(path, key.as_bytes(), false)?;
    Ok(key)
}

// ---- systemd credential ----

/// The environment variable systemd points at a service's credentials.
pub const CREDENTIALS_DIRECTORY_ENV: &str = "CREDENTIALS_DIRECTORY";

/// Reads the key from `$CREDENTIALS_DIRECTORY/<name>`. No permission check as for a key file:
/// systemd made the folder and keeps it private to the service. A missing credential is an error
/// even for a new vault: a service that made up a key nobody else holds would lock its data away.
fn credential_key(name: &str) -> Result<Unlocked, StoreError> {
    let missing = || StoreError::CredentialMissing {
        name: name.to_owned(),
    };
    // A name with a path in it would read outside the credentials folder.
    if name.is_empty() || name.contains(['/', '\\']) || name == "." || name == ".." {
        return Err(missing());
    }
    let dir = std::env::var_os(CREDENTIALS_DIRECTORY_ENV).ok_or_else(missing)?;
    let path = Path::new(&dir).join(name);
    let file = match fs::File::open(&path) {
        Ok(file) => file,
        Err(err) if err.kind() == ErrorKind::NotFound => return Err(missing()),
        Err(err) => return Err(StoreError::io("read the systemd credential", &path, err)),
    };
    let mut bytes = Zeroizing::new(Vec::with_capacity(33));
    // One byte more than a key, so a longer file is rejected, not cut.
    file.take(33)
        .read_to_end(&mut bytes)
        .map_err(|e| StoreError::io("read the systemd credential", &path, e))?;
    let key: [u8; 32] = bytes
        .as_slice()
        .try_into()
        .map_err(|_| StoreError::KeyFileInvalid { path: path.clone() })?;
    Ok(Unlocked {
        key: VaultKey::from_bytes(Zeroizing::new(key)),
        kdf: None,
        backend: Backend::SystemdCredential(name.to_owned()),
        vault_id: None,
        migrate: false,
    })
}
