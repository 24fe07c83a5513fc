#!/usr/bin/env bash
# Runs every test of the workspace the way CI does: a virtual X server for the window,
# a private D-Bus session with an unlocked gnome-keyring (the real Secret Service), and
# only loopback traffic.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh --test

# A throwaway keyring; HOME stays (cargo and rustup live there).
export XDG_DATA_HOME="$(mktemp -d)"
export XDG_RUNTIME_DIR="$(mktemp -d)"
chmod 700 "$XDG_RUNTIME_DIR"
# WebKit renders the same pixels with less memory without the DMA-BUF renderer.
export WEBKIT_DISABLE_DMABUF_RENDERER=1
# JSON snapshots (insta) are compared, never rewritten: a changed answer fails the run.
export INSTA_UPDATE=no

exec xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- bash -c '
  printf "test\n" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  cargo test --workspace --locked "$@"
' bash "$@"
