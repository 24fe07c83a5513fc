//! The vault through its public API, on real files.
//!
//! Keyring tests talk to the real Secret Service and fail when none is reachable, unless
//! `MPGRAM_SKIP_KEYRING_TESTS=1`. Run them all with a throwaway, unlocked gnome-keyring:
//!
//! ```sh
//! XDG_DATA_HOME=$(mktemp -d) dbus-run-session -- sh -c 'printf "test\n" | \
//!   gnome-keyring-daemon --unlock --components=secrets >/dev/null; cargo test -p mpgram store'
//! ```

use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use mpgram::store::{
    self, Backend, KeyKind, KeySource, Passphrase, PromptReason, StoreError, Vault,
};
use rand::Rng;
use zeroize::Zeroizing;

fn key_file_source(dir: &Path) -> KeySource {
    KeySource::InsecureKeyFile(dir.join("vault.key"))
}

fn passphrase(value: &'static str) -> KeySource {
    KeySource::Passphrase(Passphrase::Prompt(Arc::new(move |_| {
        Some(Zeroizing::new(value.to_owned()))
    })))
}

fn temp_dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

fn vault_path(dir: &Path) -> PathBuf {
    dir.join("data").join(store::VAULT_FILE_NAME)
}

fn loaded(vault: &Vault) -> Vec<u8> {
    vault
        .load()
        .expect("load")
        .expect("a saved payload")
        .to_vec()
}

#[test]
fn store_round_trip_survives_reopening() {
    let tmp = temp_dir();
    let data = tmp.path().join("data");
    let source = key_file_source(tmp.path());
    let vault = Vault::open(&data, &source).expect("open");
    assert!(
        vault.load().expect("load").is_none(),
        "a new vault is empty"
    );
    vault.save(b"first").expect("save");
    vault.save(b"session bytes").expect("save again");
    assert_eq!(loaded(&vault), b"session bytes");
    drop(vault);

    let again = Vault::open(&data, &source).expect("reopen");
    assert_eq!(loaded(&again), b"session bytes");
    assert_eq!(again.backend().kind(), KeyKind::KeyFile);
    assert_eq!(
        store::vault_key_kind(&data).expect("peek"),
        Some(KeyKind::KeyFile)
    );
}

#[test]
fn store_tampered_byte_is_an_error_and_save_refuses() {
    let tmp = temp_dir();
    let data = tmp.path().join("data");
    let source = key_file_source(tmp.path());
    let vault = Vault::open(&data, &source).expect("open");
    vault.save(&[42; 300]).expect("save");

    let path = vault_path(tmp.path());
    let mut bytes = fs::read(&path).expect("read");
    let last = bytes.len() - 20;
    bytes[last] ^= 0x01;
    fs::write(&path, &bytes).expect("tamper");

    let err = vault.load().expect_err("tampered vault loaded");
    assert!(matches!(err, StoreError::Damaged { .. }), "{err:?}");
    assert!(err.to_string().contains("damaged"), "{err}");
    let err = vault.save(b"new").expect_err("save over a damaged vault");
    assert!(matches!(err, StoreError::Damaged { .. }), "{err:?}");
    assert_eq!(
        fs::read(&path).expect("read"),
        bytes,
        "the damaged file was replaced"
    );
}

#[test]
fn store_truncated_vault_is_an_error() {
    let tmp = temp_dir();
    let data = tmp.path().join("data");
    let source = key_file_source(tmp.path());
    let vault = Vault::open(&data, &source).expect("open");
    vault.save(&[7; 1000]).expect("save");

    let path = vault_path(tmp.path());
    let bytes = fs::read(&path).expect("read");
    fs::write(&path, &bytes[..bytes.len() / 2]).expect("truncate");
    let err = vault.load().expect_err("truncated vault loaded");
    assert!(matches!(err, StoreError::Truncated { .. }), "{err:?}");
    assert!(err.to_string().contains("cut short"), "{err}");
    assert!(vault.save(b"x").is_err(), "save over a truncated vault");

    // Cut inside the header: reopening fails the same way.
    fs::write(&path, &bytes[..30]).expect("truncate");
    let err = Vault::open(&data, &source).expect_err("open of a cut header");
    assert!(matches!(err, StoreError::Truncated { .. }), "{err:?}");
}

#[test]
fn store_foreign_vault_is_refused_and_left_untouched() {
    let tmp = temp_dir();
    let ours = tmp.path().join("ours");
    let theirs = tmp.path().join("theirs");
    let ours_source = KeySource::InsecureKeyFile(tmp.path().join("ours.key"));
    let theirs_source = KeySource::InsecureKeyFile(tmp.path().join("theirs.key"));
    Vault::open(&theirs, &theirs_source)
        .expect("open theirs")
        .save(b"their session")
        .expect("save theirs");
    let vault = Vault::open(&ours, &ours_source).expect("open ours");
    vault.save(b"our session").expect("save ours");

    // Their vault file copied over ours: our key cannot read it.
    let foreign = fs::read(theirs.join(store::VAULT_FILE_NAME)).expect("read theirs");
    let path = ours.join(store::VAULT_FILE_NAME);
    fs::write(&path, &foreign).expect("copy");
    let err = vault.load().expect_err("foreign vault loaded");
    assert!(matches!(err, StoreError::ForeignKey { .. }), "{err:?}");
    assert!(err.to_string().contains("different key"), "{err}");
    let err = vault
        .save(b"overwrite?")
        .expect_err("save over a foreign vault");
    assert!(matches!(err, StoreError::ForeignKey { .. }), "{err:?}");
    let err = Vault::open(&ours, &ours_source).expect_err("open of a foreign vault");
    assert!(matches!(err, StoreError::ForeignKey { .. }), "{err:?}");
    assert_eq!(
        fs::read(&path).expect("read"),
        foreign,
        "the foreign file was touched"
    );

    // A file that is no vault at all gets its own sentence and is left alone too.
    fs::write(&path, b"{\"not\": \"a vault\"}").expect("write");
    let err = vault.save(b"x").expect_err("save over a non-vault");
    assert!(matches!(err, StoreError::NotAVault { .. }), "{err:?}");
    assert_eq!(fs::read(&path).expect("read"), b"{\"not\": \"a vault\"}");
}

#[test]
fn store_passphrase_round_trip_and_wrong_passphrase() {
    let tmp = temp_dir();
    let data = tmp.path().join("data");
    let asked = Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = Arc::clone(&asked);
    let source = KeySource::Passphrase(Passphrase::Prompt(Arc::new(move |reason| {
        log.lock().map(|mut l| l.push(reason)).ok()?;
        Some(Zeroizing::new("correct horse".to_owned()))
    })));
    let vault = Vault::open(&data, &source).expect("open");
    vault.save(b"secret session").expect("save");
    assert_eq!(*vault.backend(), Backend::Passphrase);
    drop(vault);
    let vault = Vault::open(&data, &source).expect("reopen");
    assert_eq!(loaded(&vault), b"secret session");
    let reasons = asked.lock().map(|l| l.clone()).unwrap_or_default();
    assert_eq!(reasons, [PromptReason::NewVault, PromptReason::Unlock]);

    let err = Vault::open(&data, &passphrase("Tr0ub4dor&3")).expect_err("wrong passphrase opened");
    assert!(matches!(err, StoreError::WrongPassphrase), "{err:?}");
    assert_eq!(err.to_string(), "wrong passphrase");

    // The environment variable source, under a name only this test uses.
    std::env::set_var("MPGRAM_TEST_STORE_PASSPHRASE", "correct horse");
    let env = KeySource::Passphrase(Passphrase::Env("MPGRAM_TEST_STORE_PASSPHRASE".into()));
    assert_eq!(
        loaded(&Vault::open(&data, &env).expect("open by env")),
        b"secret session"
    );
    let unset = KeySource::Passphrase(Passphrase::Env("MPGRAM_TEST_STORE_UNSET".into()));
    let err = Vault::open(&data, &unset).expect_err("open without passphrase");
    assert_eq!(
        err.to_string(),
        "no passphrase given: set MPGRAM_TEST_STORE_UNSET"
    );

    // A passphrase vault asked for with another key kind says so.
    let err = Vault::open(&data, &key_file_source(tmp.path())).expect_err("kind mismatch");
    assert!(
        matches!(
            err,
            StoreError::KeySourceMismatch {
                vault: KeyKind::Passphrase,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn store_wipe_removes_vault_and_wipe_without_key_works() {
    let tmp = temp_dir();
    let data = tmp.path().join("data");
    let source = key_file_source(tmp.path());
    let vault = Vault::open(&data, &source).expect("open");
    vault.save(b"x").expect("save");
    let wiped = vault.wipe().expect("wipe");
    assert!(wiped.vault_file);
    assert!(!vault_path(tmp.path()).exists());
    assert_eq!(store::vault_key_kind(&data).expect("peek"), None);

    // A damaged vault cannot be opened, but the key-less wipe still clears it.
    fs::write(vault_path(tmp.path()), b"MPGVAULT garbage").expect("write");
    assert!(Vault::open(&data, &source).is_err());
    assert!(store::wipe(&data).expect("wipe").vault_file);
    let vault = Vault::open(&data, &source).expect("open after wipe");
    assert!(vault.load().expect("load").is_none());
}

#[cfg(unix)]
#[test]
fn store_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = temp_dir();
    let data = tmp.path().join("data");
    let key_file = tmp.path().join("vault.key");
    let vault = Vault::open(&data, &KeySource::InsecureKeyFile(key_file.clone())).expect("open");
    vault.save(b"x").expect("save");
    vault.save(b"y").expect("save again");
    let mode = |p: &Path| fs::metadata(p).expect("metadata").permissions().mode() & 0o777;
    assert_eq!(mode(vault.path()), 0o600);
    assert_eq!(mode(&key_file), 0o600);
    assert_eq!(mode(&data), 0o700);

    // A key file others can read is refused, like ssh refuses such a private key.
    fs::set_permissions(&key_file, fs::Permissions::from_mode(0o644)).expect("chmod");
    let err =
        Vault::open(&data, &KeySource::InsecureKeyFile(key_file)).expect_err("loose key file");
    assert!(
        matches!(err, StoreError::KeyFileNotPrivate { .. }),
        "{err:?}"
    );
}

// ---- the real OS keyring ----

/// Opens a keyring vault, or returns `None` when keyring tests are explicitly skipped.
/// Without the skip variable an unreachable keyring fails the test.
fn open_keyring_vault(data: &Path) -> Option<Vault> {
    match Vault::open(data, &KeySource::Keyring) {
        Ok(vault) => Some(vault),
        Err(err @ StoreError::KeyringUnavailable { .. })
            if std::env::var("MPGRAM_SKIP_KEYRING_TESTS").as_deref() == Ok("1") =>
        {
            eprintln!("skipping keyring test (MPGRAM_SKIP_KEYRING_TESTS=1): {err}");
            None
        }
        Err(err) => panic!(
            "the OS keyring must be reachable for this test (or set MPGRAM_SKIP_KEYRING_TESTS=1): {err}"
        ),
    }
}

#[test]
fn store_keyring_round_trip_real_secret_service() {
    let tmp = temp_dir();
    let data = tmp.path().join("data");
    let Some(vault) = open_keyring_vault(&data) else {
        return;
    };
    assert!(
        matches!(vault.backend(), Backend::Keyring { .. }),
        "{:?}",
        vault.backend()
    );
    vault.save(b"session in keyring vault").expect("save");
    drop(vault);
    let Some(vault) = open_keyring_vault(&data) else {
        return;
    };
    assert_eq!(loaded(&vault), b"session in keyring vault");

    // Another data folder gets another key: our file copied there is foreign.
    let other = tmp.path().join("other");
    let Some(other_vault) = open_keyring_vault(&other) else {
        return;
    };
    let copy = fs::read(vault.path()).expect("read");
    fs::write(other_vault.path(), &copy).expect("copy");
    let err = other_vault
        .load()
        .expect_err("a key shared between data folders");
    assert!(matches!(err, StoreError::ForeignKey { .. }), "{err:?}");
    assert!(other_vault.wipe().expect("wipe other").keyring_entry);

    // Wipe deletes the keyring entry too: the old file, put back, no longer opens.
    let wiped = vault.wipe().expect("wipe");
    assert_eq!(
        wiped,
        store::Wiped {
            vault_file: true,
            keyring_entry: true
        }
    );
    fs::write(vault_path(tmp.path()), &copy).expect("restore old file");
    let err = Vault::open(&data, &KeySource::Keyring).expect_err("opened without its key");
    assert!(
        matches!(err, StoreError::KeyringKeyMissing { .. }),
        "{err:?}"
    );
    assert!(store::wipe(&data).expect("final wipe").vault_file);
}

// ---- kill -9 while saving ----

const KILL_CHILD_ENV: &str = "MPGRAM_STORE_KILL_CHILD_DIR";
const KILL_ROUNDS: u64 = 100;

/// Payload `n` of round `round`: its own numbers, then a size and filler derived from them,
/// so any payload read back can be checked to be one that was written whole.
fn kill_payload(round: u64, n: u64) -> Vec<u8> {
    let len = 16 * 1024 + ((round * 7919 + n * 104_729) % (512 * 1024)) as usize;
    let fill = ((round + n) % 251) as u8;
    let mut payload = Vec::with_capacity(16 + len);
    payload.extend_from_slice(&round.to_le_bytes());
    payload.extend_from_slice(&n.to_le_bytes());
    payload.resize(16 + len, fill);
    payload
}

fn check_kill_payload(payload: &[u8]) -> Result<(u64, u64), String> {
    let header: [u8; 16] = payload
        .get(..16)
        .and_then(|h| h.try_into().ok())
        .ok_or("payload shorter than its numbers")?;
    let round = u64::from_le_bytes(header[..8].try_into().map_err(|_| "round")?);
    let n = u64::from_le_bytes(header[8..].try_into().map_err(|_| "n")?);
    if payload == kill_payload(round, n).as_slice() {
        Ok((round, n))
    } else {
        Err(format!("payload ({round}, {n}) is not the one written"))
    }
}

/// Not a test by itself: the child process of `store_kill9_never_corrupts_the_vault`,
/// saving in a loop until it is killed. Without its environment variable it does nothing.
#[test]
fn store_kill9_child_saver() {
    let Ok(dir) = std::env::var(KILL_CHILD_ENV) else {
        return;
    };
    let dir = PathBuf::from(dir);
    let round: u64 = std::env::var("MPGRAM_STORE_KILL_ROUND")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or_default();
    let vault = Vault::open(&dir.join("data"), &key_file_source(&dir)).expect("child open");
    for n in 0.. {
        vault.save(&kill_payload(round, n)).expect("child save");
        if n == 0 {
            println!("saved-first");
        }
    }
}

fn count_temp_files(dir: &Path) -> usize {
    fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
                .count()
        })
        .unwrap_or_default()
}

/// Polls until `dir` holds one more temporary file than now, or `limit` passes.
fn wait_for_temp_file(dir: &Path, limit: Duration) {
    let before = count_temp_files(dir);
    let start = std::time::Instant::now();
    while count_temp_files(dir) <= before && start.elapsed() < limit {
        std::hint::spin_loop();
    }
}

#[test]
fn store_kill9_never_corrupts_the_vault() {
    let tmp = temp_dir();
    let exe = std::env::current_exe().expect("test binary");
    let mut rng = rand::rng();
    let mut kills_mid_run = 0;
    for round in 0..KILL_ROUNDS {
        let mut child = Command::new(&exe)
            .args([
                "store_kill9_child_saver",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(KILL_CHILD_ENV, tmp.path())
            .env("MPGRAM_STORE_KILL_ROUND", round.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn the saving child");
        // Wait for one complete save, then let it run a random while before SIGKILL.
        // (libtest prints the test name first, on the same line as ours.)
        let stdout = child.stdout.take().expect("child stdout");
        let saw_save = BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .any(|line| line.ends_with("saved-first"));
        assert!(saw_save, "round {round}: the child never saved");
        if round % 2 == 0 {
            std::thread::sleep(Duration::from_micros(rng.random_range(0..40_000)));
        } else {
            // A write is a few percent of the loop, so odd rounds aim at it: kill as soon
            // as a temporary file shows up (a random spot inside the write itself).
            wait_for_temp_file(&tmp.path().join("data"), Duration::from_secs(5));
        }
        if child.try_wait().expect("child status").is_none() {
            kills_mid_run += 1;
        }
        child.kill().expect("SIGKILL the child");
        child.wait().expect("reap the child");

        let vault = Vault::open(&tmp.path().join("data"), &key_file_source(tmp.path()))
            .unwrap_or_else(|e| panic!("round {round}: vault does not open after kill -9: {e}"));
        let payload = vault
            .load()
            .unwrap_or_else(|e| panic!("round {round}: vault corrupt after kill -9: {e}"))
            .unwrap_or_else(|| panic!("round {round}: vault empty after kill -9"));
        let (written_round, _) =
            check_kill_payload(&payload).unwrap_or_else(|e| panic!("round {round}: {e}"));
        assert_eq!(
            written_round, round,
            "round {round}: an older round's payload survived"
        );
    }
    assert_eq!(
        kills_mid_run, KILL_ROUNDS,
        "some children stopped before being killed"
    );

    // Kills during a write leave temporary files; logout must not leave them behind.
    let data = tmp.path().join("data");
    let mid_write = count_temp_files(&data);
    eprintln!("{mid_write} of {KILL_ROUNDS} kills landed mid-write");
    assert!(
        mid_write > 0,
        "no kill landed inside a write; the test proves nothing"
    );
    store::wipe(&data).expect("wipe");
    assert_eq!(count_temp_files(&data), 0, "wipe left temporary files");
}
