#!/usr/bin/python3
# Copyright 2026 The Hangar authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Time from opening a local running guest's console to its first frame on screen.

Issue 4 asks for the first frame on screen at most 150 ms after opening the console of a local
running guest, read from the app's debug log. For each protocol (VNC, SPICE) this starts a
transient QEMU guest on qemu:///system (the echo boot sector, tests/e2e/echo-guest.asm, named
hangar-bench-ff-PROTOCOL-PID), then RUNS times starts
`hangar --connect qemu:///system --show-console NAME` on a private Xvfb and reads its debug log:
  - "Console of NAME: opening": the console page starts (it asks libvirt for the machine's
    details, then for the display's file descriptor: virDomainOpenGraphicsFD);
  - the display's first "Frame N:" line after "Console of NAME connected": the first frame
    with the guest's picture drawn.
The figure is the difference of the two timestamps (the log has milliseconds). The session's
own "First picture after" (from opening the socket to the whole first update) is printed too.
The first run of each protocol is cold (libraries and QEMU's first update); all runs are shown.
The guests are destroyed at the end, pass or fail.

Usage: first-frame-bench.py [--build-dir BUILD] [--runs N] [--protocols vnc,spice]
"""

import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'e2e'))
import e2elib  # noqa: E402

URI = 'qemu:///system'
LOG_DOMAINS = 'hangar-console-page hangar-display hangar-base-session'
STAMP = re.compile(r'(\d\d):(\d\d):(\d\d)\.(\d\d\d): (.*)$')

def stamp_ms(match):
    h, m, s, ms = (int(match.group(i)) for i in range(1, 5))
    return ((h * 60 + m) * 60 + s) * 1000 + ms


def start_xvfb():
    for number in range(40, 80):
        if os.path.exists(f'/tmp/.X11-unix/X{number}') or os.path.exists(f'/tmp/.X{number}-lock'):
            continue
        xvfb = subprocess.Popen(['Xvfb', f':{number}', '-screen', '0', '1600x1000x24', '-nolisten', 'tcp'],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            if os.path.exists(f'/tmp/.X11-unix/X{number}'):
                return xvfb, f':{number}'
            if xvfb.poll() is not None:
                break
            time.sleep(0.05)
        xvfb.kill()
        xvfb.wait()
    sys.exit('first-frame-bench: could not start Xvfb')


def one_run(hangar, env, name, timeout=30):
    """Return (open→frame ms, session's first-picture ms) of one console opening."""
    proc = subprocess.Popen([hangar, '--connect', URI, '--show-console', name], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    opening = connected = frame = None
    picture = None
    # A hangar that never logs the frame is killed, which ends the read below.
    watchdog = threading.Timer(timeout, proc.kill)
    watchdog.start()
    try:
        for line in proc.stdout:  # GLib writes debug lines to stdout
            match = STAMP.search(line.rstrip('\n'))
            if match is None:
                continue
            text = match.group(5)
            if opening is None and text == f'Console of {name}: opening':
                opening = stamp_ms(match)
            elif opening is not None and text == f'Console of {name} connected':
                connected = stamp_ms(match)
            elif text.startswith('First picture after '):
                picture = float(text.split()[3])
            elif connected is not None and text.startswith('Frame '):
                frame = stamp_ms(match)
                break
    finally:
        watchdog.cancel()
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    if opening is None or frame is None:
        raise RuntimeError(f'no "opening" or no frame after "connected" in the log of {name}')
    return frame - opening, picture


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--build-dir', default='build')
    parser.add_argument('--runs', type=int, default=10)
    parser.add_argument('--protocols', default='vnc,spice')
    args = parser.parse_args()

    build = os.path.abspath(args.build_dir)
    hangar = os.path.join(build, 'src', 'hangar')
    image = os.path.join(build, 'tests', 'e2e', 'echo-guest.img')
    for path in (hangar, image):
        if not os.path.exists(path):
            sys.exit(f'first-frame-bench: {path} is missing: build the tree first (ninja -C {build})')
    if shutil.which('virsh') is None or shutil.which('Xvfb') is None:
        sys.exit('first-frame-bench: needs virsh and Xvfb')

    workdir = tempfile.mkdtemp(prefix='hangar-bench-ff-')
    os.chmod(workdir, 0o755)  # QEMU may run as another user
    disk = os.path.join(workdir, 'echo-guest.img')
    shutil.copy(image, disk)
    os.chmod(disk, 0o644)

    xvfb, display = start_xvfb()
    env = dict(os.environ, DISPLAY=display, G_MESSAGES_DEBUG=LOG_DOMAINS, GSK_RENDERER='cairo',
               GSETTINGS_SCHEMA_DIR=os.path.join(build, 'data'), GSETTINGS_BACKEND='memory',
               LIBVIRT_DEFAULT_URI='')
    env.pop('WAYLAND_DISPLAY', None)
    names = []
    try:
        print(f'# first frame on screen after opening a local running guest\'s console '
              f'({args.runs} runs each, GSK_RENDERER=cairo, ms)')
        for protocol in args.protocols.split(','):
            name = f'hangar-bench-ff-{protocol}-{os.getpid()}'
            xml = os.path.join(workdir, f'{name}.xml')
            with open(xml, 'w') as f:
                f.write(e2elib.ECHO_DOMAIN_XML.format(name=name, disk=disk, protocol=protocol,
                                                     serial=os.path.join(workdir, f'{name}-serial.log')))
            subprocess.run(['virsh', '-q', '-c', URI, 'create', xml], check=True,
                           stdout=subprocess.DEVNULL)
            names.append(name)
            time.sleep(2)  # the guest has drawn its text screen
            frames, pictures = [], []
            for _ in range(args.runs):
                frame_ms, picture_ms = one_run(hangar, env, name)
                frames.append(frame_ms)
                pictures.append(picture_ms)
            print(f'{protocol:6} open→first frame: ' + ' '.join(f'{v:.0f}' for v in frames))
            print(f'{protocol:6}   median {statistics.median(frames):.0f}, max {max(frames):.0f}, '
                  f'max without the cold first run {max(frames[1:] or frames):.0f}')
            print(f'{protocol:6} session first picture: '
                  + ' '.join('-' if v is None else f'{v:.0f}' for v in pictures))
    finally:
        for name in names:
            subprocess.run(['virsh', '-q', '-c', URI, 'destroy', name],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        xvfb.terminate()
        xvfb.wait()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == '__main__':
    main()
