#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages MPGram Home needs to build, run and test.
# Idempotent: when everything is present it asks apt nothing.
set -euo pipefail

PACKAGES=(
  build-essential pkg-config cmake            # C parts of crates (libopus via cmake)
  libwebkit2gtk-4.1-dev libayatana-appindicator3-dev librsvg2-dev   # the Tauri window and tray
  libssl-dev libdbus-1-dev                    # keyring (Secret Service over D-Bus)
  xdg-utils                                   # xdg-open: links and the data folder from the window
)
if [ "${1:-}" = "--test" ]; then
  PACKAGES+=(
    xvfb xauth xdotool x11-utils imagemagick   # a real window under a virtual X server, screenshots
    dbus-daemon gnome-keyring libsecret-tools  # a real, unlocked Secret Service
    webkit2gtk-driver                          # WebDriver for the window tests
    procps                                     # pgrep/kill: the tray tests find the window process
  )
fi

# The WebDriver bridge for the window tests (a Rust tool; the 2.x line, not the 3.0 alphas).
if [ "${1:-}" = "--test" ] && ! command -v tauri-driver >/dev/null && [ ! -x "$HOME/.cargo/bin/tauri-driver" ] \
    && command -v cargo >/dev/null; then
  echo "Installing tauri-driver (cargo install, about a minute)"
  cargo install tauri-driver --locked --version '^2' --quiet
fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "Installing: ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
