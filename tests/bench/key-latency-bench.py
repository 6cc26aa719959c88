#!/usr/bin/python3
# Copyright 2026 The Hangar authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Time from a key event to its write on the console socket, Hangar and remote-viewer.

Issue 4 asks that the widget add at most 1 ms from the GDK key event to the write on the socket.
For each protocol (VNC, SPICE) this starts the echo guest (tests/e2e/echo-guest.asm) in QEMU
with that server on 127.0.0.1, then for each viewer (`hangar --console URI`, `remote-viewer URI`)
on a private Xvfb with GSK_RENDERER=cairo:
  - loads tests/bench/key-probe.c (build/tests/bench/hangar-key-probe.so) with LD_PRELOAD: it
    logs when a key event leaves Xlib's XNextEvent (before GDK makes a GdkEvent of it) and when
    the viewer writes on a socket to the server's port;
  - clicks into the console and waits until the guest echoes a key (the session is up);
  - types KEYS letters with xdotool, one each 50 ms (a press and a release each);
  - pairs every key event with the first later write that starts with a key message (VNC
    KeyEvent or QEMU extended key event; SPICE inputs KEY_DOWN/UP/MODIFIERS/SCANCODE) and
    checks that the guest echoed every key.
The figure covers GDK's translation, the widget, the session and the protocol library: all the
client does between the X server and the socket. Everything is stopped at the end.

Usage: key-latency-bench.py [--build-dir BUILD] [--keys N] [--protocols vnc,spice]
                            [--viewers hangar,remote-viewer]
"""

import argparse
import os
import shutil
import statistics
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'e2e'))
import e2elib  # noqa: E402

VNC_KEY = ('04', 'ff00')  # KeyEvent; QEMU client message, extended key event
SPICE_KEY = range(101, 105)  # SPICE_MSGC_INPUTS_KEY_DOWN .. KEY_SCANCODE


def is_key_message(protocol, head):
    data = bytes.fromhex(head)
    if protocol == 'vnc':
        return head.startswith(VNC_KEY)
    # Mini header (type u16, size u32), or the full one (serial u64, type u16, ...).
    mini = int.from_bytes(data[0:2], 'little') if len(data) >= 6 else None
    full = int.from_bytes(data[8:10], 'little') if len(data) >= 14 else None
    return mini in SPICE_KEY or full in SPICE_KEY


def read_probe(path, protocol):
    keys, writes = [], []
    with open(path) as f:
        for line in f:
            parts = line.split()
            if parts[0] == 'K':
                keys.append(int(parts[1]))
            elif parts[0] == 'W' and len(parts) == 5 and is_key_message(protocol, parts[4]):
                writes.append(int(parts[1]))
    latencies = []
    j = 0
    for t in keys:
        while j < len(writes) and writes[j] < t:
            j += 1
        if j == len(writes):
            break
        latencies.append((writes[j] - t) / 1e6)
    return len(keys), latencies


def viewer_argv(viewer, hangar_bin, uri):
    if viewer == 'hangar':
        return [hangar_bin, '--console', uri]
    return ['remote-viewer', uri]


def measure(world, guest, viewer, build, protocol, port, n_keys, probe):
    log = os.path.join(world.dir, f'probe-{viewer}-{protocol}.log')
    env = e2elib.hangar_env(world)
    env.update(LD_PRELOAD=probe, HANGAR_KEY_PROBE_LOG=log, HANGAR_KEY_PROBE_PORT=str(port),
               GDK_BACKEND='x11', GSETTINGS_SCHEMA_DIR=os.path.join(build, 'data'))
    proc = world.spawn(viewer_argv(viewer, os.path.join(build, 'src', 'hangar'), f'{protocol}://127.0.0.1:{port}'), env=env,
                       log=f'{viewer}-{protocol}.log')
    try:
        window = e2elib.wait_for(f'a window of {viewer}',
                                 lambda: world.x('xdotool', 'search', '--onlyvisible', '--pid',
                                                 str(proc.pid), check=False).split(), 30)[-1]
        time.sleep(0.5)  # the window's first frames
        e2elib.focus_console(world, guest, window)
        if os.path.exists(log):
            os.truncate(log, 0)
        letters = [chr(ord('a') + i % 26) for i in range(n_keys)]
        codes = e2elib.type_keys(world, guest, letters, timeout=60)
        time.sleep(0.2)
        n_events, latencies = read_probe(log, protocol)
    finally:
        world.stop(proc)
    # The sentinel's press and release are in the log too.
    echoed = len(codes) // 2
    return n_events - 2, latencies[:-2], echoed


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--build-dir', default='build')
    parser.add_argument('--keys', type=int, default=50)
    parser.add_argument('--protocols', default='vnc,spice')
    parser.add_argument('--viewers', default='hangar,remote-viewer')
    args = parser.parse_args()

    build = os.path.abspath(args.build_dir)
    hangar_bin = os.path.join(build, 'src', 'hangar')
    image = os.path.join(build, 'tests', 'e2e', 'echo-guest.img')
    probe = os.path.join(build, 'tests', 'bench', 'hangar-key-probe.so')
    for path in (hangar_bin, image, probe):
        if not os.path.exists(path):
            sys.exit(f'key-latency-bench: {path} is missing: build the tree first (ninja -C {build})')
    for tool in ('qemu-system-x86_64', 'Xvfb', 'xdotool', 'remote-viewer'):
        if shutil.which(tool) is None:
            sys.exit(f'key-latency-bench: needs {tool}')

    world = e2elib.World('bench-keys')
    try:
        world.start_xvfb()
        print(f'# key event out of Xlib → write of its key message on the console socket '
              f'({args.keys} keys, press and release, one each 50 ms; ms)')
        print(f'{"protocol":9}{"viewer":15}{"events":>7}{"paired":>7}{"echoed":>7}'
              f'{"median":>8}{"p90":>8}{"max":>8}')
        for protocol in args.protocols.split(','):
            port = e2elib.free_tcp_port()
            guest = e2elib.Guest(world, image, name=f'bench-{protocol}', **{f'{protocol}_port': port})
            guest.start()
            try:
                for viewer in args.viewers.split(','):
                    n_events, latencies, echoed = measure(world, guest, viewer, build, protocol,
                                                          port, args.keys, probe)
                    if not latencies:
                        print(f'{protocol:9}{viewer:15}{n_events:7}{0:7}{echoed:7}  no key writes paired')
                        continue
                    ordered = sorted(latencies)
                    p90 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]
                    print(f'{protocol:9}{viewer:15}{n_events:7}{len(latencies):7}{echoed:7}'
                          f'{statistics.median(latencies):8.3f}{p90:8.3f}{max(latencies):8.3f}',
                          flush=True)
            finally:
                guest.kill()
    finally:
        world.close(keep_dir=os.environ.get("HANGAR_BENCH_KEEP") == "1")


if __name__ == '__main__':
    main()
