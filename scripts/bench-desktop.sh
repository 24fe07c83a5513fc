#!/usr/bin/env bash
# Desktop app figures (a benchmark, not a test): tray cold start to serving, click on Open to a
# painted window, and RSS + PSS summed over every process of the app with the window open and
# after it is closed (goal: <= 80 MB closed).
#
# Usage (needs an X display; scripts/test.sh's wrapper or xvfb-run works):
#   xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- bash scripts/bench-desktop.sh [BINARY]
# BINARY defaults to $CARGO_TARGET_DIR/release/mpgram-home (build it: cargo build --release -p mpgram-home).
set -euo pipefail
BIN="${1:-${CARGO_TARGET_DIR:-target}/release/mpgram-home}"
export WEBKIT_DISABLE_DMABUF_RENDERER=1
DIR=$(mktemp -d)
now() { date +%s.%N; }
ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", (b - a) * 1000 }'; }

# Every process of the app: the tray process and its descendants (window, WebKit).
tree() {
  local p=$1
  echo "$p"
  for c in $(pgrep -P "$p" || true); do tree "$c"; done
}
memory() {
  local rss=0 pss=0
  for p in $(tree "$APP"); do
    [ -r "/proc/$p/smaps_rollup" ] || continue
    rss=$((rss + $(awk '/^Rss:/ {print $2}' "/proc/$p/smaps_rollup")))
    pss=$((pss + $(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup")))
  done
  echo "$((rss / 1024)) MB RSS, $((pss / 1024)) MB PSS ($(tree "$APP" | wc -l) processes)"
}
call() {
  local url secret
  url=$(sed 's/.*"url":"\([^"]*\)".*/\1/' "$DIR/control.json")
  secret=$(sed 's/.*"secret":"\([^"]*\)".*/\1/' "$DIR/control.json")
  curl -s -X "$1" -H "Authorization: Bearer $secret" "$url$2"
}

t0=$(now)
"$BIN" --demo --hidden --data-dir "$DIR" --listen 127.0.0.1:0 >/dev/null 2>&1 &
APP=$!
trap 'kill $APP 2>/dev/null || true' EXIT
until [ -s "$DIR/control.json" ] && call GET /v1/status 2>/dev/null | grep -q '"state":"serving"'; do sleep 0.01; done
t1=$(now)
echo "tray cold start to serving: $(ms "$t0" "$t1") ms"
sleep 3
echo "window closed (tray only): $(memory)"

t2=$(now)
call POST /v1/window/open >/dev/null
until W=$(xdotool search --onlyvisible --name '^MPGram Home$' 2>/dev/null | head -1) && [ -n "$W" ]; do sleep 0.02; done
until import -window "$W" "$DIR/shot.png" 2>/dev/null && [ "$(identify -format %k "$DIR/shot.png")" -gt 16 ]; do sleep 0.02; done
t3=$(now)
echo "Open to painted window: $(ms "$t2" "$t3") ms"
sleep 3
echo "window open: $(memory)"

xdotool windowclose "$W" 2>/dev/null || xdotool windowkill "$W"
sleep 4
echo "window closed again: $(memory)"
call POST /v1/quit >/dev/null
wait "$APP" || true
