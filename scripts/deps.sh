#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages MPGram Home needs to build, run and test.
# Idempotent: when everything is present it asks apt nothing.
# Usage: deps.sh [--test] [--package] [--package-check]
#   --test           what the test suite needs (a virtual X server, a Secret Service, WebDriver,
#                    browser engines)
#   --package        what scripts/package.sh needs (dpkg-shlibdeps, cargo-deb)
#   --package-check  what scripts/package-check.sh needs (lintian and the desktop validators)
set -euo pipefail

test=false package=false check=false
for arg in "$@"; do
  case "$arg" in
    --test) test=true ;;
    --package) package=true ;;
    --package-check) package=true check=true ;;
    *) echo "deps.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done

PACKAGES=(
  build-essential pkg-config cmake            # C parts of crates (libopus via cmake)
  libwebkit2gtk-4.1-dev libayatana-appindicator3-dev librsvg2-dev   # the Tauri window and tray
  libssl-dev libdbus-1-dev                    # keyring (Secret Service over D-Bus)
  xdg-utils                                   # xdg-open: links and the data folder from the window
)
if $test || $check; then
  PACKAGES+=(
    xvfb xauth xdotool x11-utils imagemagick   # a real window under a virtual X server, screenshots
    dbus-daemon gnome-keyring libsecret-tools  # a real, unlocked Secret Service
    webkit2gtk-driver                          # WebDriver for the window tests
    procps                                     # pgrep/kill: the tray tests find the window process
    w3m netsurf-gtk tidy                       # the web client's pages in a text and a no-JS browser; HTML checks
    chromium chromium-driver                   # the pages in headless Chromium, also over WebDriver
  )
fi
if $package; then
  PACKAGES+=(dpkg-dev)                         # dpkg-shlibdeps: the package's Depends from the binaries
fi
if $check; then
  PACKAGES+=(
    lintian desktop-file-utils appstream       # the package's checks
    systemd                                    # systemd-analyze verify for the unit
    curl                                       # asks the installed app's api.php
  )
fi

# The Debian packager (a Rust tool), pinned: package.sh --dev packages a dev build, which cargo-deb
# 3.8 allows with a warning and says a later version may refuse.
if $package && ! command -v cargo-deb >/dev/null && [ ! -x "$HOME/.cargo/bin/cargo-deb" ] \
    && command -v cargo >/dev/null; then
  echo "Installing cargo-deb (cargo install, a few minutes)"
  cargo install cargo-deb --locked --version '=3.8.0' --quiet
fi

# The WebDriver bridge for the window tests (a Rust tool; the 2.x line, not the 3.0 alphas).
if $test && ! command -v tauri-driver >/dev/null && [ ! -x "$HOME/.cargo/bin/tauri-driver" ] \
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
