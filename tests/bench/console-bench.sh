#!/bin/sh
# console-bench.sh: CPU of a VNC console viewer showing a changing 1920×1080 desktop.
#
# Copyright 2026 The Hangar authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: tests/bench/console-bench.sh [BUILD_DIR] [SECONDS]
# Needs: Xvfb, x11vnc, remote-viewer (virt-viewer), cc with libx11-dev/libxext-dev, dbus-run-session;
# perf (linux-perf) for PERF=1.
#
# A source Xvfb (1920×1080) runs console-bench-animator ("full": every pixel changes 30 times a
# second; "box": a 96×24 box changes 30 times a second, like typing) and x11vnc serves it. Each
# viewer draws on a second Xvfb. Measured over SECONDS (after 3 s to connect and settle): CPU
# seconds of the viewer process plus the Xvfb it draws on (the X server does the viewer's
# copies), for remote-viewer (GTK3 + gtk-vnc) and `hangar --console` with GSK_RENDERER=cairo and
# GSK_RENDERER=gl, same run, same machine. For hangar also the frames drawn ("frames": the
# display's frame counter, HANGAR_DISPLAY_FRAME_COUNTER, a file it counts frames in without a
# system call) and the server updates that reached the bottom right corner ("corner",
# full-screen updates received, from its debug log). FRAME_LOG=1 counts frames from a debug
# line per frame instead, as session 2 did (that line costs hangar about 18 K instructions and
# four system calls a frame).
# PERF=1 also samples the viewer and its Xvfb with `perf record` (cpu-clock, 999 Hz) during the
# measurement and prints the share of samples per program and library (decode: libgvnc and libz;
# our copies: libhangar-console; GTK render: libgtk-4, cairo, pixman; the X server: Xvfb); the
# sampling costs a little CPU, so take the CPU figures from a run without it.
# VIEWERS="remote-viewer hangar-cairo hangar-cairo-tight hangar-gl" picks the viewers;
# hangar-cairo-tight is hangar with gtk-vnc's encoding list (Tight first) instead of RAW first.

set -eu

BUILD=$(cd "${1:-build}" && pwd)
SECS=${2:-10}
SETTLE=3
HERE=$(cd "$(dirname "$0")" && pwd)
TMP=$(mktemp -d)
PIDS=""

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

# cpu_ns PID: nanoseconds on a CPU of PID's threads and its children's (schedstat: the 10 ms
# ticks of /proc/PID/stat were too coarse for the box workload, where a viewer uses ~0.1 s in
# 10 s). Threads that end inside the window take their time with them; GTK's and gvnc's
# threads live as long as the viewer.
cpu_ns () {
  total=0
  for p in $1 $(pgrep -P "$1" 2>/dev/null || true); do
    for s in /proc/"$p"/task/*/schedstat; do
      if [ -r "$s" ]; then
        t=$(cut -d' ' -f1 "$s" 2>/dev/null || echo 0)
        total=$((total + ${t:-0}))
      fi
    done
  done
  echo "$total"
}

# frames_of LOG: frames hangar drew so far (its counter file, else its debug lines).
frames_of () {
  if [ -s "$1.frames" ]; then
    od -An -t u8 -N 8 "$1.frames" | tr -d ' '
  else
    grep -c ': Frame ' "$1" || true
  fi
}

printf '%-10s %-22s %10s %10s %10s %8s %8s\n' workload viewer "viewer-s" "Xvfb-s" "total-s" frames corner
for workload in ${WORKLOADS:-full box}; do
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
        debug=hangar-vnc-session
        [ "${FRAME_LOG:-0}" = 1 ] && debug=hangar-display,hangar-vnc-session
        DISPLAY=:$VIEW GDK_BACKEND=x11 GSK_RENDERER=$renderer HANGAR_VNC_RAW=$raw \
          HANGAR_DISPLAY_FRAME_COUNTER="$log.frames" \
          GSETTINGS_SCHEMA_DIR="$BUILD/data" G_MESSAGES_DEBUG=$debug \
          "$BUILD/src/hangar" --console "vnc://127.0.0.1:$PORT" >"$log" 2>&1 &
        ;;
    esac
    pid=$!
    sleep "$SETTLE"
    v0=$(cpu_ns "$pid"); x0=$(cpu_ns "$VIEW_XVFB"); f0=$(frames_of "$log")
    c0=$(grep -c 'bottom right corner' "$log" || true)
    if [ "${PERF:-0}" = 1 ]; then
      perf record -q -e cpu-clock -F 999 -o "$TMP/perf.data" -p "$pid,$VIEW_XVFB" -- sleep "$SECS" \
        >/dev/null 2>&1
    else
      sleep "$SECS"
    fi
    v1=$(cpu_ns "$pid"); x1=$(cpu_ns "$VIEW_XVFB"); f1=$(frames_of "$log")
    c1=$(grep -c 'bottom right corner' "$log" || true)
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    wait "$anim" 2>/dev/null || true
    frames="-"; corner="-"
    case $viewer in hangar-*) frames=$((f1 - f0)); corner=$((c1 - c0));; esac
    awk -v w="$workload" -v n="$viewer" -v v=$((v1 - v0)) -v x=$((x1 - x0)) -v t=1000000000 -v f="$frames" \
      -v c="$corner" 'BEGIN { printf "%-10s %-22s %10.3f %10.3f %10.3f %8s %8s\n", w, n, v / t, x / t, (v + x) / t, f, c }' |
      tee -a "$TMP/results"
    if [ "${PERF:-0}" = 1 ]; then
      echo "# $workload $viewer: where the viewer and its X server spent the time (perf, share of samples)"
      perf report -q -i "$TMP/perf.data" --no-children --sort comm,dso --percent-limit 0.5 2>/dev/null |
        sed '/^$/d; s/^/#   /'
      echo "# functions over 2 %:"
      perf report -q -i "$TMP/perf.data" --no-children --sort comm,dso,sym --percent-limit 2 2>/dev/null |
        sed '/^$/d; s/^/#   /'
    fi
  done
done
# Mean total per viewer and workload (a viewer may be listed twice in VIEWERS), against
# remote-viewer's.
awk 'NF >= 5 { sum[$1 " " $2] += $5; n[$1 " " $2]++; if (!($1 in seen)) { seen[$1] = 1; order[++nw] = $1 } }
     END {
       for (i = 1; i <= nw; i++) {
         w = order[i]; rv = w " remote-viewer"
         for (k in sum) {
           split (k, part, " ")
           if (part[1] != w || k == rv || !(rv in sum) || sum[rv] == 0) continue
           printf "%s: %s %.3f s vs remote-viewer %.3f s (mean of %d and %d runs): %.2fx\n", w, part[2],
                  sum[k] / n[k], sum[rv] / n[rv], n[k], n[rv], (sum[k] / n[k]) / (sum[rv] / n[rv])
         }
       }
     }' "$TMP/results"
echo "(${SECS} s each; animator 30 frames/s; x11vnc on :$SRC port $PORT; viewers on :$VIEW)"
