#!/usr/bin/env bash
# CI's check of the Debian package, on this machine (needs root: it installs and removes it):
# build the .deb (dev profile, reusing the test run's build: the release build does not fit CI's
# time), lintian with no errors, install it with apt-get, check the files it put in place
# (`mpgram --version`, menu entry and icons, metainfo, systemd unit, service left disabled), start
# the installed app (`mpgram-home --hidden --demo`) under a virtual X server and get a JSON answer
# from its api.php, quit it, remove the package, and check that nothing of it runs and no file of
# it is left outside the user's data folder.
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { echo "package-check: FAIL: $*" >&2; exit 1; }
step() { echo "package-check: $*" >&2; }

[ "$(id -u)" -eq 0 ] || fail "run as root (it installs and removes the package)"
bash scripts/deps.sh --package-check

start=$SECONDS
deb=$(bash scripts/package.sh --dev | tail -n 1)
step "built $deb in $((SECONDS - start)) s ($(du -k "$deb" | cut -f1) KiB)"

step "lintian"
lintian --fail-on error --tag-display-limit 0 "$deb" || fail "lintian reports errors"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Everything the package could touch, before it is installed (package databases and caches aside).
snapshot() {
  find /usr /etc /opt /var/lib /srv -xdev \
    \( -path /var/lib/dpkg -o -path /var/lib/apt -o -path /var/lib/ucf -o -path /var/cache \) -prune \
    -o -print 2>/dev/null | sort
}
snapshot >"$work/before"

step "apt-get install $deb"
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$deb" >/dev/null
dpkg-query -L mpgram-home >"$work/files"

/usr/bin/mpgram --version | grep -q '^mpgram ' || fail "/usr/bin/mpgram --version"
for exe in mpgram-home mpgram-home-window; do
  [ -x "/usr/bin/$exe" ] || fail "/usr/bin/$exe is missing"
done
desktop=/usr/share/applications/org.mpgram.home.desktop
desktop-file-validate "$desktop" || fail "desktop-file-validate"
appstreamcli validate --no-net /usr/share/metainfo/org.mpgram.home.metainfo.xml || fail "appstreamcli validate"
# The menu entry's command and icon resolve to installed files.
exec_name=$(sed -n 's/^Exec=\([^ ]*\).*/\1/p' "$desktop")
[ -x "/usr/bin/$exec_name" ] || fail "the menu entry runs $exec_name, which is not in /usr/bin"
icon=$(sed -n 's/^Icon=//p' "$desktop")
for size in 32x32 48x48 64x64 128x128 256x256 512x512; do
  [ -f "/usr/share/icons/hicolor/$size/apps/$icon.png" ] || fail "no $size icon $icon"
done
[ -f "/usr/share/icons/hicolor/scalable/apps/$icon.svg" ] || fail "no scalable icon $icon"
man -w mpgram >/dev/null 2>&1 || [ -f /usr/share/man/man1/mpgram.1.gz ] || fail "no man page for mpgram"
[ -f /usr/share/bash-completion/completions/mpgram ] || fail "no bash completion"
[ -f /usr/share/doc/mpgram-home/copyright ] || fail "no copyright file"
unit=$(grep '/mpgram\.service$' "$work/files" | head -n 1)
[ -n "$unit" ] || fail "no systemd unit in the package"
systemd-analyze verify "$unit" || fail "systemd-analyze verify $unit"
# Shipped disabled: nothing links it into a target.
if find /etc/systemd/system -name mpgram.service 2>/dev/null | grep -q .; then
  fail "the service was enabled on installation"
fi

step "starting the installed mpgram-home --hidden --demo under Xvfb"
# The person's data folder and home for this run; only they may keep files after removal.
user_home=$work/home
mkdir -p "$user_home" "$work/run"
chmod 700 "$work/run"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null || echo 18431)
HOME=$user_home XDG_DATA_HOME=$user_home/.local/share XDG_CONFIG_HOME=$user_home/.config \
  XDG_RUNTIME_DIR=$work/run xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- \
  /usr/bin/mpgram-home --hidden --demo --listen "127.0.0.1:$port" \
  >"$work/app.log" 2>&1 &
app=$!
answer=""
for _ in $(seq 1 100); do
  answer=$(curl -sf --max-time 2 "http://127.0.0.1:$port/api.php?v=12&method=phoneLogin" || true)
  [ -n "$answer" ] && break
  kill -0 "$app" 2>/dev/null || { cat "$work/app.log" >&2; fail "mpgram-home exited early"; }
  sleep 0.3
done
step "api.php answered: $answer"
# The first answer of the phone's login screen: JSON asking for the captcha.
case "$answer" in
  '{"res":"need_captcha","captcha_id":"'*'"}') ;;
  *) cat "$work/app.log" >&2; fail "api.php did not give the JSON answer (got: $answer)" ;;
esac

step "quitting it (SIGTERM, as the session does at log-out)"
# By its id: other mpgram-home processes on this machine (a developer's) are not ours to end.
tray=$(pgrep -f "^/usr/bin/mpgram-home --hidden --demo --listen 127.0.0.1:$port" | head -n 1)
[ -n "$tray" ] || fail "the tray process is not to be found"
kill -TERM "$tray"
for _ in $(seq 1 50); do
  pgrep -f '^/usr/bin/mpgram' >/dev/null || break
  sleep 0.2
done
wait "$app" 2>/dev/null || true

step "apt-get remove mpgram-home"
DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq mpgram-home >/dev/null
if pgrep -fa '^/usr/bin/mpgram' >&2; then
  fail "processes of the package are still running"
fi
# Every file the package installed is gone (directories shared with other packages stay).
while read -r path; do
  [ -d "$path" ] && continue
  [ -e "$path" ] || [ -L "$path" ] && fail "left behind: $path"
done <"$work/files"
# And nothing new is left anywhere else that no other package owns (apt may have pulled in
# dependencies; their files are theirs).
snapshot >"$work/after"
left=()
while read -r path; do
  dpkg-query -S "$path" >/dev/null 2>&1 && continue
  left+=("$path")
done < <(comm -13 "$work/before" "$work/after")
[ ${#left[@]} -eq 0 ] || fail "left behind: ${left[*]}"
step "ok: built, lintian clean, installed, answered, removed without a trace"
