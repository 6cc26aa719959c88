#!/bin/sh
# console-bench.sh: CPU of a VNC console viewer showing a changing 1920×1080 desktop.
#
# Copyright 2026 The Hangar authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: tests/bench/console-bench.sh [BUILD_DIR] [SECONDS]
# Needs: Xvfb, x11vnc, remote-viewer (virt-viewer), cc with libx11-dev/libxext-dev, dbus-run-session.
#
# A source Xvfb (1920×1080) runs console-bench-animator ("full": every pixel changes 30 times a
# second; "box": a 96×24 box changes 30 times a second, like typing) and x11vnc serves it. Each
# viewer draws on a second Xvfb. Measured over SECONDS (after 3 s to connect and settle): CPU
# seconds of the viewer process plus the Xvfb it draws on (the X server does the viewer's
# copies), for remote-viewer (GTK3 + gtk-vnc) and `hangar --console` with GSK_RENDERER=cairo and
# GSK_RENDERER=gl, same run, same machine. For hangar also the frames drawn ("frames") and the
# server updates that reached the bottom right corner ("corner", full-screen updates received),
# both from its debug log.
# VIEWERS="remote-viewer hangar-cairo hangar-cairo-tight hangar-gl" picks the viewers;
# hangar-cairo-tight is hangar with gtk-vnc's encoding list (Tight first) instead of RAW first.

set -eu

BUILD=$(cd "${1:-build}" && pwd)
SECS=${2:-10}
SETTLE=3
HERE=$(cd "$(dirname "$0")" && pwd)
TMP=$(mktemp -d)
PIDS=""
TCK=$(getconf CLK_TCK)

cleanup () {
  # start_xvfb runs in a command substitution (a subshell): its pids come from files.
  PIDS="$PIDS $(cat "$TMP"/xvfb.pid.* 2>/dev/null || true)"
  for p in $PIDS; do kill "$p" 2>/dev/null || true; done
  sleep 0.3
  for p in $PIDS; do kill -9 "$p" 2>/dev/null || true; done
  rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

cc -O2 -o "$TMP/animator" "$HERE/console-bench-animator.c" -lX11 -lXext

# start_xvfb GEOMETRY: prints the display number
start_xvfb () {
  Xvfb -displayfd 3 -screen 0 "$1" -nolisten tcp 3>"$TMP/xvfb.$$" >/dev/null 2>&1 &
  echo "$!" > "$TMP/xvfb.pid.$1"
  for _ in $(seq 1 50); do
    [ -s "$TMP/xvfb.$$" ] && break
    sleep 0.1
  done
  cat "$TMP/xvfb.$$"
  rm -f "$TMP/xvfb.$$"
}

SRC=$(start_xvfb 1920x1080x24)
VIEW=$(start_xvfb 2048x1200x24)
VIEW_XVFB=$(cat "$TMP/xvfb.pid.2048x1200x24")

PORT=5990
while ss -ltn | grep -q ":$PORT "; do PORT=$((PORT + 1)); done
DISPLAY=:$SRC x11vnc -display ":$SRC" -rfbport "$PORT" -localhost -shared -forever -nopw -quiet \
  >"$TMP/x11vnc.log" 2>&1 &
PIDS="$PIDS $!"
sleep 2

# cpu_ticks PID: utime + stime of PID and its descendants
cpu_ticks () {
  total=0
  for p in $1 $(pgrep -P "$1" 2>/dev/null || true); do
    if [ -r "/proc/$p/stat" ]; then
      t=$(sed 's/^.*) //' "/proc/$p/stat" | awk '{ print $12 + $13 }')
      total=$((total + t))
    fi
  done
  echo "$total"
}

printf '%-10s %-22s %10s %10s %10s %8s %8s\n' workload viewer "viewer-s" "Xvfb-s" "total-s" frames corner
for workload in full box; do
  for viewer in ${VIEWERS:-remote-viewer hangar-cairo hangar-cairo-tight hangar-gl}; do
    DISPLAY=:$SRC "$TMP/animator" "$workload" $((SECS + SETTLE + 2)) >"$TMP/animator.out" &
    anim=$!
    log="$TMP/$viewer-$workload.log"
    case $viewer in
      remote-viewer)
        DISPLAY=:$VIEW GDK_BACKEND=x11 remote-viewer "vnc://127.0.0.1:$PORT" >"$log" 2>&1 &
        ;;
      hangar-*)
        # hangar-RENDERER[-tight]: -tight turns off RAW-first (gtk-vnc's encoding list).
        renderer=$(echo "${viewer#hangar-}" | cut -d- -f1)
        raw=1
        case $viewer in *-tight) raw=0;; esac
        DISPLAY=:$VIEW GDK_BACKEND=x11 GSK_RENDERER=$renderer HANGAR_VNC_RAW=$raw \
          GSETTINGS_SCHEMA_DIR="$BUILD/data" G_MESSAGES_DEBUG=hangar-display,hangar-vnc-session \
          "$BUILD/src/hangar" --console "vnc://127.0.0.1:$PORT" >"$log" 2>&1 &
        ;;
    esac
    pid=$!
    sleep "$SETTLE"
    v0=$(cpu_ticks "$pid"); x0=$(cpu_ticks "$VIEW_XVFB"); f0=$(grep -c ': Frame ' "$log" || true)
    c0=$(grep -c 'bottom right corner' "$log" || true)
    sleep "$SECS"
    v1=$(cpu_ticks "$pid"); x1=$(cpu_ticks "$VIEW_XVFB"); f1=$(grep -c ': Frame ' "$log" || true)
    c1=$(grep -c 'bottom right corner' "$log" || true)
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    wait "$anim" 2>/dev/null || true
    frames="-"; corner="-"
    case $viewer in hangar-*) frames=$((f1 - f0)); corner=$((c1 - c0));; esac
    awk -v w="$workload" -v n="$viewer" -v v=$((v1 - v0)) -v x=$((x1 - x0)) -v t="$TCK" -v f="$frames" \
      -v c="$corner" 'BEGIN { printf "%-10s %-22s %10.2f %10.2f %10.2f %8s %8s\n", w, n, v / t, x / t, (v + x) / t, f, c }'
  done
done
echo "(${SECS} s each; animator 30 frames/s; x11vnc on :$SRC port $PORT; viewers on :$VIEW)"
