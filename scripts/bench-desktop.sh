#!/usr/bin/env bash
# Desktop app figures (a benchmark, not a test): tray cold start to serving, click on Open to a
# painted window, and RSS + PSS summed over every process of the app (the tray process and all its
# descendants: the window process, WebKitWebProcess, WebKitNetworkProcess) with the tray alone, with
# the window open and after the window is closed again. Goal: <= 80 MB with the window closed.
#
# One command (it builds nothing; it starts its own Xvfb and D-Bus session when there is no $DISPLAY):
#   cargo build --release -p mpgram-home && bash scripts/bench-desktop.sh
# Every kind of tray (what ARCHITECTURE.md "Measured (desktop)" reports):
#   cargo build --release -p mpgram-home && cargo build --release -p mpgram-tests --bin login-fakegram \
#     && MODE=all bash scripts/bench-desktop.sh
# Options (environment):
#   BIN=path        the tray binary, mpgram-home-window next to it (default
#                   $CARGO_TARGET_DIR/release/mpgram-home, else target/release/mpgram-home)
#   RUNS=N          rounds (default 3; the machine is noisy, read the spread)
#   MODE=demo       the built-in demo world (fakegram runs inside the tray process), the default
#   MODE=login      a fresh data folder with no account: the tray waits at "needs login"
#   MODE=account    logged in (once, through the control API, before the rounds) to fakegram's demo
#                   account, fakegram in its own process so it is not counted; needs
#                   cargo build --release -p mpgram-tests --bin login-fakegram (next to BIN)
#   MODE=all        demo, login and account, one after the other
#   DETAIL=1        also print where the tray process's memory goes (smaps: heap, libraries, ...)
# Needs: xdotool, ImageMagick (import, identify), curl, python3 (closes the window the way the title
# bar's close button does, with WM_DELETE_WINDOW; there is no window manager under Xvfb); xvfb-run and
# dbus-run-session when started without a display.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${DISPLAY:-}" ]; then
  exec xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- bash "$0" "$@"
fi

BIN="${BIN:-${1:-${CARGO_TARGET_DIR:-target}/release/mpgram-home}}"
BIN=$(readlink -f "$BIN")
RUNS="${RUNS:-3}"
MODE="${MODE:-demo}"
[ -x "$BIN" ] || { echo "no binary at $BIN: cargo build --release -p mpgram-home" >&2; exit 1; }
# What scripts/test.sh and the WebDriver tests run with: the same pixels, less memory.
export WEBKIT_DISABLE_DMABUF_RENDERER=1

now() { date +%s.%N; }
ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", (b - a) * 1000 }'; }

# Every process of the app: the tray process and its descendants (window, WebKit).
tree() {
  local p=$1
  [ -d "/proc/$p" ] || return 0
  # An ended child its parent has not reaped yet (a zombie) holds no memory: not counted.
  [ "$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null)" != Z ] || return 0
  echo "$p"
  for c in $(pgrep -P "$p" || true); do tree "$c"; done
}
# "RSS MB, PSS MB (N processes: name rss, ...)" summed over the tree; from smaps_rollup (KiB).
memory() {
  local rss=0 pss=0 n=0 each="" p r s
  for p in $(tree "$APP"); do
    r=$(awk '/^Rss:/ {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null)
    s=$(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null)
    [ -n "$r" ] && [ -n "$s" ] || continue
    rss=$((rss + r)) pss=$((pss + s)) n=$((n + 1))
    each="$each${each:+, }$(cut -c1-15 "/proc/$p/comm") $((r / 1024))"
  done
  echo "$((rss / 1024)) MB RSS, $((pss / 1024)) MB PSS ($n processes, RSS MB: $each)"
}
# Where one process's memory goes, from /proc/PID/smaps: RSS and PSS (MB) by kind of mapping.
breakdown() {
  awk -v exe="$(readlink -f "/proc/$1/exe")" '
    /^[0-9a-f]+-[0-9a-f]+ / {
      path = $6
      if (path == "") kind = "anon"
      else if (path == "[heap]") kind = "heap"
      else if (path ~ /^\[stack/) kind = "stack"
      else if (path ~ /^\[/) kind = "other"
      else if (path == exe) kind = "binary"
      else if (path ~ /\.so/) kind = "libraries"
      else kind = "files"
      if (path ~ /\.so/) libs[path] = 1
      next
    }
    /^Rss:/ { rss[kind] += $2 }
    /^Pss:/ { pss[kind] += $2 }
    END {
      n = 0; for (l in libs) n++
      printf "    tray process by mapping (RSS/PSS MB):"
      split("heap anon binary libraries files stack other", order, " ")
      for (i = 1; i <= 7; i++) { k = order[i]; printf " %s %.1f/%.1f", k, rss[k] / 1024, pss[k] / 1024 }
      printf "; %d shared libraries\n", n
    }' "/proc/$1/smaps"
}
# The largest shared libraries in one process's RSS (MB).
top_libs() {
  awk '
    /^[0-9a-f]+-[0-9a-f]+ / { path = $6; next }
    /^Rss:/ { if (path ~ /\.so/) r[path] += $2 }
    END { for (p in r) printf "%d %s\n", r[p], p }' "/proc/$1/smaps" |
    sort -rn | head -8 | awk '{ n = $2; sub(/.*\//, "", n); printf " %s %.1f", n, $1 / 1024 }'
}
call() {
  local url secret
  url=$(sed 's/.*"url":"\([^"]*\)".*/\1/' "$DIR/control.json")
  secret=$(sed 's/.*"secret":"\([^"]*\)".*/\1/' "$DIR/control.json")
  if [ $# -ge 3 ]; then
    curl -s --max-time 20 -X "$1" -H "Authorization: Bearer $secret" -H "Content-Type: application/json" -d "$3" "$url$2"
  else
    curl -s --max-time 20 -X "$1" -H "Authorization: Bearer $secret" "$url$2"
  fi
}
# Closes the window the way its close button does (WM_DELETE_WINDOW); xdotool's windowclose would
# destroy the X window under GTK's feet instead.
close_window() {
  python3 - "$1" <<'EOF'
import ctypes, sys
x = ctypes.cdll.LoadLibrary("libX11.so.6")
x.XOpenDisplay.restype = ctypes.c_void_p
x.XOpenDisplay.argtypes = [ctypes.c_char_p]
x.XInternAtom.restype = ctypes.c_ulong
x.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
class ClientMessage(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("serial", ctypes.c_ulong), ("send_event", ctypes.c_int),
                ("display", ctypes.c_void_p), ("window", ctypes.c_ulong), ("message_type", ctypes.c_ulong),
                ("format", ctypes.c_int), ("data", ctypes.c_long * 5)]
class Event(ctypes.Union):
    _fields_ = [("xclient", ClientMessage), ("pad", ctypes.c_long * 24)]
x.XSendEvent.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_long, ctypes.POINTER(Event)]
x.XFlush.argtypes = [ctypes.c_void_p]
x.XCloseDisplay.argtypes = [ctypes.c_void_p]
d = x.XOpenDisplay(None)
w = int(sys.argv[1])
e = Event()
e.xclient.type = 33  # ClientMessage
e.xclient.window = w
e.xclient.message_type = x.XInternAtom(d, b"WM_PROTOCOLS", 0)
e.xclient.format = 32
e.xclient.data[0] = x.XInternAtom(d, b"WM_DELETE_WINDOW", 0)
x.XSendEvent(d, w, 0, 0, ctypes.byref(e))
x.XFlush(d)
x.XCloseDisplay(d)
EOF
}
visible_window() { xdotool search --onlyvisible --name '^MPGram Home$' 2>/dev/null | head -1; }
wait_until() { # SECONDS COMMAND...: retries COMMAND every 10 ms, fails after SECONDS
  local end=$(($(date +%s) + $1))
  shift
  until "$@"; do
    [ "$(date +%s)" -lt "$end" ] || return 1
    sleep 0.01
  done
}
state_is() { [ -s "$DIR/control.json" ] && call GET /v1/status 2>/dev/null | grep -q "\"state\":\"$1\""; }
painted() { # more than 16 colours: text and pictures, not an empty or single-colour window
  import -window "$W" "$DIR/shot.png" 2>/dev/null && [ "$(identify -format %k "$DIR/shot.png")" -gt 16 ]
}
window_gone() { [ -z "$(visible_window)" ] && [ "$(tree "$APP" | wc -l)" -le 1 ]; }

# MODE=account: fakegram in its own process and a data folder logged in to its demo account.
setup_account() {
  local fake out
  fake="$(dirname "$BIN")/login-fakegram"
  [ -x "$fake" ] || { echo "no $fake: cargo build --release -p mpgram-tests --bin login-fakegram" >&2; exit 1; }
  ACCOUNT_DIR=$(mktemp -d)
  mkfifo "$ACCOUNT_DIR/fake-in"
  "$fake" "$ACCOUNT_DIR/login-session.json" <"$ACCOUNT_DIR/fake-in" >"$ACCOUNT_DIR/fake-out" 2>&1 &
  FAKE=$!
  exec 7>"$ACCOUNT_DIR/fake-in" # fakegram serves until this closes
  DIR=$ACCOUNT_DIR/data
  mkdir "$DIR"
  wait_until 20 grep -q ready "$ACCOUNT_DIR/fake-out" || { cat "$ACCOUNT_DIR/fake-out"; exit 1; }
  MPGRAM_LOGIN_SESSION="$ACCOUNT_DIR/login-session.json" "$BIN" --insecure-key-file "$DIR/key" \
    --hidden --data-dir "$DIR" --listen 127.0.0.1:0 >"$ACCOUNT_DIR/login.log" 2>&1 &
  APP=$!
  wait_until 20 state_is needs_login || { cat "$ACCOUNT_DIR/login.log"; exit 1; }
  out=$(call POST /v1/login/credentials '{"api_id":12345,"api_hash":"0123456789abcdef0123456789abcdef"}')
  out="$out $(call POST /v1/login/phone '{"phone":"+10000000000"}')"
  out="$out $(call POST /v1/login/code '{"code":"12345"}')"
  out="$out $(call POST /v1/login/password '{"password":"demo"}')"
  wait_until 30 state_is serving || { echo "login failed: $out"; cat "$ACCOUNT_DIR/login.log"; exit 1; }
  call POST /v1/quit >/dev/null || true
  wait "$APP" || true
  APP=
}

one_run() { # MODE
  local mode=$1 args=() ready=serving
  case $mode in
    demo) DIR=$(mktemp -d) args=(--demo) ;;
    # No account and no keyring prompt: the vault key goes to a file in the throwaway folder.
    login) DIR=$(mktemp -d) args=(--insecure-key-file "$DIR/key") ready=needs_login ;;
    account) DIR=$ACCOUNT_DIR/data args=(--insecure-key-file "$DIR/key") ;;
  esac
  local t0 t1 t2 t3
  t0=$(now)
  "$BIN" "${args[@]}" --hidden --data-dir "$DIR" --listen 127.0.0.1:0 >"$DIR/log" 2>&1 &
  APP=$!
  wait_until 20 state_is "$ready" || { echo "the tray did not reach $ready:"; cat "$DIR/log"; return 1; }
  t1=$(now)
  echo "  tray cold start to $ready: $(ms "$t0" "$t1") ms"
  sleep 3
  echo "  tray only:             $(memory)"
  [ -z "${DETAIL:-}" ] || { breakdown "$APP"; echo "    largest libraries (RSS MB):$(top_libs "$APP")"; }

  t2=$(now)
  call POST /v1/window/open >/dev/null
  wait_until 20 eval 'W=$(visible_window) && [ -n "$W" ]' || { echo "no window"; return 1; }
  wait_until 20 painted || { echo "the window was not painted"; return 1; }
  t3=$(now)
  echo "  Open to painted window: $(ms "$t2" "$t3") ms"
  sleep 3
  echo "  window open:           $(memory)"

  close_window "$W"
  wait_until 10 window_gone || echo "  (the window process is still running 10 s after close)"
  sleep 3
  echo "  window closed again:   $(memory)"
  call POST /v1/quit >/dev/null || true
  wait "$APP" || true
  APP=
  [ "$mode" = account ] || rm -rf "$DIR"
}

cleanup() {
  [ -z "${APP:-}" ] || kill "$APP" 2>/dev/null || true
  [ -z "${FAKE:-}" ] || { exec 7>&-; kill "$FAKE" 2>/dev/null || true; rm -rf "$ACCOUNT_DIR"; }
}
trap cleanup EXIT
echo "binary: $BIN ($(du -m "$BIN" | cut -f1) MB), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
modes=$MODE
[ "$MODE" != all ] || modes="demo login account"
for mode in $modes; do
  [ "$mode" != account ] || setup_account
  for i in $(seq 1 "$RUNS"); do
    echo "$mode, run $i/$RUNS:"
    one_run "$mode"
  done
done
