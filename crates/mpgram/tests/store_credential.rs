//! The packaged service's key source: `mpgram login --insecure-key-file F` makes the vault, and
//! `mpgram serve --key-credential vault-key` under `LoadCredential=vault-key:F` opens it (systemd
//! puts a copy of F in `$CREDENTIALS_DIRECTORY`). One test in its own binary, as it sets that
//! process-wide variable.

use std::fs;

use mpgram::store::{
    Backend, KeySource, StoreError, Vault, CREDENTIALS_DIRECTORY_ENV, VAULT_FILE_NAME,
};

#[test]
fn a_vault_made_with_a_key_file_opens_with_that_file_as_a_systemd_credential() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let data = tmp.path().join("data");
    let key_file = tmp.path().join("etc-mpgram").join("vault-key");
    // `mpgram login` as root: the key file's folder does not exist yet and is made private.
    let vault = Vault::open(&data, &KeySource::InsecureKeyFile(key_file.clone())).expect("open");
    vault.save(b"session").expect("save");
    drop(vault);

    let credentials = tmp.path().join("credentials");
    fs::create_dir(&credentials).expect("credentials folder");
    let source = KeySource::SystemdCredential("vault-key".into());

    // Not started by systemd, or without the credential: a plain error, and the vault untouched.
    std::env::remove_var(CREDENTIALS_DIRECTORY_ENV);
    let err = Vault::open(&data, &source).expect_err("no credentials folder");
    assert!(
        matches!(err, StoreError::CredentialMissing { .. }),
        "{err:?}"
    );
    std::env::set_var(CREDENTIALS_DIRECTORY_ENV, &credentials);
    let err = Vault::open(&data, &source).expect_err("no such credential");
    assert!(
        err.to_string().contains("LoadCredential=vault-key"),
        "{err}"
    );
    // A name cannot reach outside the credentials folder.
    let outside = KeySource::SystemdCredential("../etc-mpgram/vault-key".into());
    assert!(matches!(
        Vault::open(&data, &outside),
        Err(StoreError::CredentialMissing { .. })
    ));

    // systemd's copy (read-only, as systemd makes it) opens the same vault.
    let copy = credentials.join("vault-key");
    fs::copy(&key_file, &copy).expect("copy the key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&copy, fs::Permissions::from_mode(0o400)).expect("chmod");
    }
    let vault = Vault::open(&data, &source).expect("opens with the credential");
    assert_eq!(
        vault.load().expect("load").map(|b| b.to_vec()),
        Some(b"session".to_vec())
    );
    assert_eq!(
        *vault.backend(),
        Backend::SystemdCredential("vault-key".into())
    );

    // A different key under that name is refused, never taken to make a new vault.
    drop(vault);
    fs::remove_file(&copy).expect("remove");
    fs::write(&copy, [7u8; 32]).expect("another key");
    assert!(
        Vault::open(&data, &source).is_err(),
        "a wrong key opens nothing"
    );
    assert!(data.join(VAULT_FILE_NAME).exists(), "the vault stays");
}
