#!/usr/bin/env bash
# Builds the Debian package mpgram-home_<version>_amd64.deb: the desktop app (mpgram-home,
# mpgram-home-window), the headless `mpgram`, their man pages and shell completions, the menu
# entry, icons, AppStream metainfo and the systemd unit (disabled). Prints the .deb's path as its
# last line. Installs what it needs first (apt packages, cargo-deb).
#
# Usage: bash scripts/package.sh [--dev]
#   (none)  the release profile (LTO, one codegen unit, stripped): what people install
#   --dev   the dev profile, reusing what a test run built: CI's check (scripts/package-check.sh),
#           where the release build does not fit the time budget. Same files, bigger and slower.
set -euo pipefail
cd "$(dirname "$0")/.."

profile=release
case "${1:-}" in
  "") ;;
  --dev) profile=dev ;;
  *) echo "package.sh: unknown option $1" >&2; exit 2 ;;
esac

bash scripts/deps.sh --package >&2
export PATH="$HOME/.cargo/bin:$PATH"

target_dir=${CARGO_TARGET_DIR:-$PWD/target}
if [ "$profile" = release ]; then
  out_dir=$target_dir/release
  # custom-protocol: the window serves ui/ from the binary (what `tauri build` turns on).
  cargo build --locked --release -p mpgram-home -p mpgram --bins \
    --features mpgram-home/custom-protocol >&2
else
  out_dir=$target_dir/debug
  # Built exactly as the test run builds (same command, so the same features): after
  # `cargo test --workspace` this compiles nothing, and the binaries are the ones the tests ran.
  # (`cargo build -p …` would pick other features for shared crates and rebuild most of the tree.)
  cargo test --workspace --locked --no-run >&2
fi

# Man pages and completions from the clap definitions of the binary being shipped.
docs=$out_dir/package-docs
rm -rf "$docs"
"$out_dir/mpgram" generate-docs "$docs" >/dev/null
gzip -9nf "$docs"/man/*.1

# cargo-deb finds the binaries and docs under the profile's folder ("target/release/…" in the
# asset list stands for it). It packages dev builds only when asked by profile name.
deb_args=(-p mpgram-home --no-build --output "$target_dir/debian/")
[ "$profile" = dev ] && deb_args+=(--profile dev)
deb=$(cargo deb "${deb_args[@]}" | tail -n 1)
[ -f "$deb" ] || { echo "package.sh: cargo-deb made no package ($deb)" >&2; exit 1; }
realpath "$deb"
