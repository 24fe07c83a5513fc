//! Which module may use which (ARCHITECTURE.md, "Which module may use which"), checked on the
//! sources: a change that makes a lower layer reach up fails here, with the file and line.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every code line (comments left out) of the files under `src/<part>` (a folder, or one file)
/// that mentions one of `forbidden`.
fn violations(part: &str, forbidden: &[&str]) -> Vec<String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let root = src.join(part);
    let mut files = Vec::new();
    if root.is_dir() {
        rust_files(&root, &mut files);
    } else {
        files.push(root);
    }
    assert!(!files.is_empty(), "no sources under src/{part}");
    let mut found = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{e}"));
        for (n, line) in text.lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("//") {
                continue;
            }
            for f in forbidden {
                if code.contains(f) {
                    found.push(format!(
                        "{}:{}: uses {f}",
                        file.strip_prefix(&src).unwrap_or(&file).display(),
                        n + 1
                    ));
                }
            }
        }
    }
    found
}

#[test]
fn the_wire_layer_uses_nothing_of_the_crate() {
    let v = violations(
        "wire",
        &[
            "crate::api",
            "crate::model",
            "crate::server",
            "crate::telegram",
            "crate::pairing",
            "crate::store",
        ],
    );
    assert!(v.is_empty(), "{v:#?}");
}

#[test]
fn models_do_not_use_the_api_or_the_server() {
    let v = violations("model", &["crate::api", "crate::server"]);
    assert!(v.is_empty(), "{v:#?}");
}

#[test]
fn the_api_does_not_use_the_server() {
    let v = violations("api", &["crate::server", "axum::Router"]);
    assert!(v.is_empty(), "{v:#?}");
}

#[test]
fn the_store_only_seals_bytes() {
    let v = violations(
        "store",
        &[
            "crate::telegram",
            "crate::pairing",
            "crate::server",
            "crate::api",
            "crate::guests",
        ],
    );
    assert!(v.is_empty(), "{v:#?}");
}

#[test]
fn the_server_has_one_way_in() {
    // No router calls another router, and no test-only device table is left to fall back on.
    let v = violations("server", &["oneshot", "MemoryDevices", "Devices for"]);
    assert!(v.is_empty(), "{v:#?}");
}

#[test]
fn only_the_demo_module_uses_fakegram() {
    let mut v = Vec::new();
    for part in [
        "api",
        "app",
        "bin",
        "control",
        "media",
        "model",
        "pairing",
        "server",
        "store",
        "telegram",
        "wire",
        "guests.rs",
        "home.rs",
        "service.rs",
        "lib.rs",
    ] {
        v.extend(violations(part, &["fakegram::"]));
    }
    assert!(v.is_empty(), "{v:#?}");
}

#[test]
fn the_checker_sees_a_violation() {
    // The check itself can fail: the API does use the pairing core.
    assert!(!violations("api", &["crate::pairing"]).is_empty());
}
