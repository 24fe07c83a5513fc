#!/usr/bin/env bash
# Installs what is missing and starts MPGram Home. With no Telegram account set up yet it
# starts in demo mode: a built-in demo world, so everything can be tried with no account
# ("Leave the demo" in Settings leads to the login screens).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
if ! command -v cargo >/dev/null; then
  echo "Rust is needed: install it from your distribution (apt install cargo) or rustup, then run this again." >&2
  exit 1
fi
data_dir="${XDG_DATA_HOME:-$HOME/.local/share}/mpgram-home"
args=()
if [ ! -f "$data_dir/vault.bin" ] && [ $# -eq 0 ]; then
  args+=(--demo)
fi
# Both binaries: `cargo run` alone would build only the tray, which starts mpgram-home-window.
cargo build --release -p mpgram-home
exec cargo run --release -p mpgram-home -- "${args[@]}" "$@"
