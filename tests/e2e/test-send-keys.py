#!/usr/bin/python3
# Copyright 2026 The Hangar authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""The console's send-key menu, end to end: every item reaches a real guest as the right scancodes.

QEMU (TCG) runs the echo guest (tests/e2e/echo-guest.asm) with a VNC or SPICE server; the real
`hangar --console` shows it on a private Xvfb. Through AT-SPI, as assistive technology would,
the test opens the header's send-key menu and activates each item (Ctrl+Alt+Del,
Ctrl+Alt+Backspace, Print Screen, Ctrl+Alt+F1…F12); the guest's serial port must echo exactly
the set-1 bytes of those keys: each key pressed in order, then released in reverse order.

Usage: test-send-keys.py [--protocol vnc|spice] HANGAR-BINARY ECHO-GUEST-IMAGE
Prints TAP. Needs qemu-system-x86_64, Xvfb, xdotool, /usr/bin/python3 with pyatspi,
/usr/libexec/at-spi-bus-launcher and dbus-run-session (it runs itself on a bus of its own).
"""

import os
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2elib  # noqa: E402
from e2elib import fmt  # noqa: E402

TIMEOUT = 15

CTRL = ([0x1D], [0x9D])
ALT = ([0x38], [0xB8])
F_KEYS = [0x3B, 0x3C, 0x3D, 0x3E, 0x3F, 0x40, 0x41, 0x42, 0x43, 0x44, 0x57, 0x58]


def combo(*keys):
    """Set-1 bytes for pressing @keys ((make, break) pairs) in order and releasing in reverse."""
    return [b for make, _ in keys for b in make] + [b for _, brk in reversed(keys) for b in brk]


def key(code):
    return ([code], [code | 0x80])


def e0(code):
    return ([0xE0, code], [0xE0, code | 0x80])


# Menu item label → expected bytes. Print Screen is QEMU's qcode "print" (qnum 0x54 = SysRq
# scancode, which QEMU's PS/2 keyboard sends as the PrtSc sequence E0 2A E0 37 / E0 B7 E0 AA).
ITEMS = [('Ctrl+Alt+Del', combo(CTRL, ALT, e0(0x53))),
         ('Ctrl+Alt+Backspace', combo(CTRL, ALT, key(0x0E))),
         ('Print Screen', [0xE0, 0x2A, 0xE0, 0x37, 0xE0, 0xB7, 0xE0, 0xAA])]
ITEMS += [(f'Ctrl+Alt+F{n}', combo(CTRL, ALT, key(code))) for n, code in enumerate(F_KEYS, 1)]


def main():
    args = e2elib.parse_args(__doc__)
    if args is None:
        return 2
    protocol, hangar_bin, image, _ = args
    if e2elib.skipped(('qemu-system-x86_64', 'Xvfb', 'xdotool', e2elib.ATSPI_LAUNCHER), atspi=True):
        return 0

    tap = e2elib.Tap()
    e2elib.sigterm_to_exit()
    world = e2elib.World(f'send-keys-{protocol}')
    hangar = None
    with e2elib.reporting(tap, world, 'send-key menu', log=lambda: hangar and e2elib.hangar_log(world)):
        pyatspi, guest, port, hangar = e2elib.start_a11y_console(world, hangar_bin, image, protocol)
        uri = f'{protocol}://127.0.0.1:{port}'

        def click(node):
            action = node.queryAction()
            names = [action.getName(i) for i in range(action.nActions)]
            assert 'click' in names, f'{node.getRoleName()} {node.name!r} has no click action: {names}'
            assert action.doAction(names.index('click')), f'click on {node.name!r} failed'

        def menu_item(label):
            root.clearCache()
            for node in e2elib.atspi_walk(root):
                if node.getRole() == pyatspi.ROLE_MENU_ITEM and node.name == label:
                    return node
            return None

        def menu_button():
            """The header's send-key menu button: named by its label, or (GTK 4.8 without an
            accessible label) by its type; the inner of the two GtkMenuButton nodes clicks."""
            root.clearCache()
            buttons = [n for n in e2elib.atspi_walk(root) if n.getRole() == pyatspi.ROLE_PUSH_BUTTON and
                       (n.name.startswith('Send Key') or n.name == 'GtkMenuButton')]
            return buttons[-1] if buttons else None

        root = e2elib.wait_for('hangar on the accessibility bus', lambda: e2elib.atspi_app(pyatspi, hangar.pid),
                               TIMEOUT)
        window = e2elib.find_window(world, f'127.0.0.1:{port}')
        start = e2elib.focus_console(world, guest, window)
        tap.ok(True, f'hangar --console {uri} is connected and typing reaches the guest')
        button = e2elib.wait_for('the send-key menu button', menu_button, TIMEOUT)
        tap.diag(f'the send-key menu button is exposed as {button.getRoleName()} {button.name!r}')

        wanted = []
        for label, expected in ITEMS:
            mark = guest.mark()
            try:
                item = menu_item(label)
                if item is None:  # the popover is built when first opened
                    click(button)
                    item = e2elib.wait_for(f'the menu item {label!r}', lambda: menu_item(label), TIMEOUT)
                click(item)
                e2elib.wait_for(f'{len(expected)} bytes in the guest',
                                lambda: len(guest.scancodes(since=mark)) >= len(expected), TIMEOUT)
                time.sleep(0.2)  # anything more would show in the check of all bytes below
                got = guest.scancodes(since=mark)
                tap.ok(got == expected, f'{label}: the guest got {fmt(got)}',
                       None if got == expected else f'expected {fmt(expected)}')
            except AssertionError as error:
                tap.ok(False, f'{label}: {error}', f'the guest got {fmt(guest.scancodes(since=mark))}')
            wanted += expected
        everything = guest.scancodes(since=start)
        tap.ok(everything == wanted, 'nothing else reached the guest',
               None if everything == wanted else f'got {fmt(everything)}')
        tap.ok(hangar.poll() is None, 'hangar is still running')
    return tap.finish()


if __name__ == '__main__':
    sys.exit(main())
