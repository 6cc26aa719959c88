#!/usr/bin/python3
# Copyright 2026 The Hangar authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""The console of a libvirt machine, end to end: `hangar --connect qemu:///system --show-console NAME`.

Defines a persistent QEMU domain (prefix hangar-test-e2e-) that boots the echo guest
(tests/e2e/echo-guest.asm) from a floppy, with its serial port in a file and VNC or SPICE
graphics, and starts it. The real `hangar` opens the machine's console page through libvirt
(virDomainOpenGraphicsFD: no TCP address is given to it). Then:
  - xdotool types keys with the US and the German layout: the guest gets the physical keys;
  - ROUNDS times: `virsh destroy` → the page no longer shows the guest's picture and offers
    Start (AT-SPI), hangar keeps running; `virsh start` → the console comes back by itself
    (the guest's picture, screenshot) and a key reaches the *new* guest without a click.
The domain is destroyed and undefined at the end, pass or fail.

Usage: test-libvirt-console.py [--protocol vnc|spice] HANGAR-BINARY ECHO-GUEST-IMAGE [ROUNDS]
Prints TAP. Needs a running libvirtd (qemu:///system), virsh, Xvfb, xdotool, setxkbmap,
ImageMagick's import, /usr/bin/python3 with pyatspi, at-spi-bus-launcher, dbus-run-session.
"""

import os
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2elib  # noqa: E402
from e2elib import fmt  # noqa: E402

TIMEOUT = 20

KEYS = {
    'us': [('a', [0x1E, 0x9E]), ('z', [0x2C, 0xAC]), ('y', [0x15, 0x95]), ('94', [0x56, 0xD6]),
           ('shift+a', [0x2A, 0x1E, 0xAA, 0x9E]), ('Up', [0xE0, 0x48, 0xE0, 0xC8]), ('F1', [0x3B, 0xBB])],
    'de': [('z', [0x15, 0x95]), ('y', [0x2C, 0xAC]), ('minus', [0x35, 0xB5]), ('odiaeresis', [0x27, 0xA7]),
           ('108+24', [0xE0, 0x38, 0x10, 0xE0, 0xB8, 0x90])],
}


class LibvirtGuest(e2elib.Guest):
    """The echo guest as a libvirt domain; serial log and disk in the test's directory."""

    def __init__(self, world, image, protocol):
        self.world = world
        self.name = f'hangar-test-e2e-echo-{os.getpid()}'
        os.chmod(world.dir, 0o755)  # QEMU runs as libvirt-qemu
        self.disk = world.guest_disk(image)
        os.chmod(self.disk, 0o644)
        self.serial = os.path.join(world.dir, 'serial.log')
        xml = os.path.join(world.dir, 'domain.xml')
        with open(xml, 'w') as f:
            f.write(e2elib.ECHO_DOMAIN_XML.format(name=self.name, disk=self.disk, serial=self.serial, protocol=protocol))
        e2elib.virsh('define', xml)
        self.defined = True

    def start(self, timeout=TIMEOUT):
        if os.path.exists(self.serial):
            os.unlink(self.serial)
        started = time.monotonic()
        e2elib.virsh('start', self.name)
        e2elib.wait_for('READY on the guest serial port', lambda: 'READY\n' in self.text(), timeout)
        return time.monotonic() - started

    def destroy(self):
        e2elib.virsh('destroy', self.name, check=False)

    def remove(self):
        if self.defined:
            e2elib.remove_domain(self.name)
            self.defined = False


def main():
    args = e2elib.parse_args(__doc__, default_rounds=5)
    if args is None:
        return 2
    protocol, hangar_bin, image, rounds = args

    if e2elib.skipped(('virsh', 'Xvfb', 'xdotool', 'setxkbmap', 'import', e2elib.ATSPI_LAUNCHER), e2elib.libvirt_down,
                      atspi=True):
        return 0

    tap = e2elib.Tap()
    e2elib.sigterm_to_exit()
    world = e2elib.World(f'libvirt-{protocol}')
    guest = hangar = None

    def cleanup():
        if guest is not None:
            guest.remove()
        e2elib.reset_keyboard(world)

    with e2elib.reporting(tap, world, 'libvirt console', log=lambda: hangar and e2elib.hangar_log(world),
                          cleanup=cleanup):
        world.start_xvfb()
        world.x('setxkbmap', 'us')
        pyatspi = e2elib.start_atspi(world)
        guest = LibvirtGuest(world, image, protocol)
        boot = guest.start()
        tap.ok(True, f'libvirt started {guest.name} ({protocol}); READY after {boot:.2f} s')

        hangar = e2elib.hangar_show_console(world, hangar_bin, guest.name, a11y=True)

        def hangar_app():
            return e2elib.atspi_app(pyatspi, hangar.pid)

        skip_roles = {pyatspi.ROLE_LIST, pyatspi.ROLE_LIST_BOX, pyatspi.ROLE_TABLE, pyatspi.ROLE_TREE_TABLE}

        def buttons():
            """Names of the push buttons, not looking into lists (other machines)."""
            root.clearCache()
            names, stack = [], [root]
            while stack:
                node = stack.pop()
                if node.getRole() == pyatspi.ROLE_PUSH_BUTTON:
                    names.append(node.name)
                if node.getRole() not in skip_roles:
                    stack.extend(child for child in node if child is not None)
            return names

        def blue():
            return e2elib.colour_share(e2elib.grab_window(world, window), e2elib.VGA_BLUE)

        root = e2elib.wait_for('hangar on the accessibility bus', hangar_app, TIMEOUT)
        window = e2elib.wait_for('the Hangar window',
                                 lambda: world.x('xdotool', 'search', '--onlyvisible', '--name', '^Hangar$',
                                                 check=False).split(), TIMEOUT)[0]
        e2elib.wait_for("the guest's screen in the console page", lambda: blue() > 0.3, TIMEOUT)
        tap.ok(True, f'--show-console {guest.name} shows the guest screen ({blue():.0%} VGA blue)')

        start = e2elib.focus_console(world, guest, window)
        all_ok, wanted = True, []
        for layout, keys in KEYS.items():
            world.x('setxkbmap', layout)
            got = e2elib.type_keys(world, guest, [k for k, _ in keys])
            expected = [b for _, codes in keys for b in codes]
            wanted += expected + e2elib.SENTINEL[1]
            tap.ok(got == expected, f'layout {layout}: the guest got the physical keys',
                   f'sent {" ".join(k for k, _ in keys)}\nexpected {fmt(expected)}\nreceived {fmt(got)}')
            all_ok &= got == expected
        world.x('setxkbmap', 'us')
        everything = guest.scancodes(since=start)
        tap.ok(everything == wanted, 'nothing else reached the guest',
               None if everything == wanted else f'got {fmt(everything)}')

        timings = []
        for n in range(1, rounds + 1):
            problems, began = [], time.monotonic()
            guest.destroy()
            destroyed = time.monotonic()
            try:
                e2elib.wait_for('the guest picture to go', lambda: blue() < 0.05, TIMEOUT)
                shown = time.monotonic() - destroyed
                e2elib.wait_for('a Start button', lambda: 'Start' in buttons(), TIMEOUT)
            except AssertionError as error:
                problems.append(f'after virsh destroy: {error}')
                shown = None
            if hangar.poll() is not None:
                tap.ok(False, f'round {n}: hangar died after virsh destroy', e2elib.hangar_log(world))
                break
            back = None
            try:
                guest.start()
                restarted = time.monotonic()
                e2elib.wait_for('the console to come back by itself', lambda: blue() > 0.3, TIMEOUT)
                back = time.monotonic() - restarted
                e2elib.focus_console(world, guest, window, timeout=10, click=False)
            except AssertionError as error:
                problems.append(f'after virsh start: {error}')
            elapsed = time.monotonic() - began
            timings.append(elapsed)
            detail = f'virsh destroy took {(destroyed - began) * 1000:.0f} ms'
            detail += f'; picture gone {shown * 1000:.0f} ms after it returned' if shown is not None else ''
            detail += (f'; back {back * 1000:.0f} ms after the guest said READY' if back is not None else '')
            tap.ok(not problems and hangar.poll() is None, f'round {n}/{rounds} ({elapsed:.1f} s)',
                   '\n'.join([detail] + problems))
            if problems:
                tap.diag(f'stopping after round {n}: {rounds - n} rounds not run')
                break
        if timings:
            tap.diag(f'round time: min {min(timings):.2f} s, max {max(timings):.2f} s, '
                     f'mean {sum(timings) / len(timings):.2f} s')
        tap.ok(hangar.poll() is None, 'hangar is still running')
    return tap.finish()


if __name__ == '__main__':
    sys.exit(main())
