#!/usr/bin/env python3
# Copyright 2026 The Hangar authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Type into `hangar --console` with real X input and check which physical keys a real guest got.

QEMU (TCG) boots the echo guest (tests/e2e/echo-guest.asm), which writes every byte of its
keyboard controller to its serial port. The real `hangar` binary opens QEMU's VNC (or SPICE)
server by address on a private Xvfb; xdotool clicks into the console and types keys by keysym,
first with the US client layout, then with the German one (`setxkbmap de`). The guest must get
exactly the scancodes (set 1, make and break, E0 prefixes) of the physical keys X pressed: under
`de` the keysym z is on the physical Y key, so the guest gets 0x15, not 0x2C.

Usage: test-echo.py --protocol vnc|spice HANGAR-BINARY ECHO-GUEST-IMAGE
Prints TAP. Needs qemu-system-x86_64, Xvfb, xdotool, setxkbmap.
"""

import argparse
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2elib  # noqa: E402
from e2elib import fmt  # noqa: E402

# (xdotool key argument, what it is, expected set-1 bytes). xdotool presses the modifiers a
# keysym needs itself, and in every combination it lets go of the modifiers *before* the key
# (checked with xev: "shift+a" is Shift down, A down, Shift up, A up → 2A 1E AA 9E). Keys that
# xdotool would reach through an odd keycode are given by X keycode (a number): Right Ctrl
# (for keysym Control_R xdotool also presses Control_L), AltGr (for ISO_Level3_Shift xdotool
# presses the virtual <LVL3> keycode 92, which no keyboard has), the ISO 102nd key on US (keysym
# less is Shift+comma there) and the ` key on de (xdotool finds dead_circumflex on AltGr+ä).
US_KEYS = [
    ('a', 'A', [0x1E, 0x9E]),
    ('z', 'Z', [0x2C, 0xAC]),
    ('y', 'Y', [0x15, 0x95]),
    ('1', '1', [0x02, 0x82]),
    ('0', '0', [0x0B, 0x8B]),
    ('minus', 'minus', [0x0C, 0x8C]),
    ('equal', 'equal', [0x0D, 0x8D]),
    ('bracketleft', '[', [0x1A, 0x9A]),
    ('bracketright', ']', [0x1B, 0x9B]),
    ('semicolon', ';', [0x27, 0xA7]),
    ('apostrophe', "'", [0x28, 0xA8]),
    ('grave', '`', [0x29, 0xA9]),
    ('backslash', 'backslash', [0x2B, 0xAB]),
    ('94', 'ISO 102nd key (X keycode 94, "less" in pc105)', [0x56, 0xD6]),
    ('less', 'keysym less: Shift+comma on US', [0x2A, 0x33, 0xAA, 0xB3]),
    ('space', 'space', [0x39, 0xB9]),
    ('Tab', 'Tab', [0x0F, 0x8F]),
    ('BackSpace', 'BackSpace', [0x0E, 0x8E]),
    ('Escape', 'Escape', [0x01, 0x81]),
    ('Return', 'Return', [0x1C, 0x9C]),
    ('shift+a', 'Shift+A', [0x2A, 0x1E, 0xAA, 0x9E]),
    ('ctrl+c', 'Ctrl+C', [0x1D, 0x2E, 0x9D, 0xAE]),
    ('ctrl+q', 'Ctrl+Q (the app quits on it when not grabbed)', [0x1D, 0x10, 0x9D, 0x90]),
    ('alt', 'Alt (left)', [0x38, 0xB8]),
    ('105', 'Right Ctrl (X keycode 105; keysym Control_R makes xdotool add Control_L)', [0xE0, 0x1D, 0xE0, 0x9D]),
    ('108', 'AltGr / Right Alt (X keycode 108)', [0xE0, 0x38, 0xE0, 0xB8]),
    ('Super_L', 'Super (left)', [0xE0, 0x5B, 0xE0, 0xDB]),
    ('Up', 'Up', [0xE0, 0x48, 0xE0, 0xC8]),
    ('Down', 'Down', [0xE0, 0x50, 0xE0, 0xD0]),
    ('Left', 'Left', [0xE0, 0x4B, 0xE0, 0xCB]),
    ('Right', 'Right', [0xE0, 0x4D, 0xE0, 0xCD]),
    ('Home', 'Home', [0xE0, 0x47, 0xE0, 0xC7]),
    ('Delete', 'Delete', [0xE0, 0x53, 0xE0, 0xD3]),
    ('F1', 'F1', [0x3B, 0xBB]),
    ('F10', 'F10', [0x44, 0xC4]),
    ('KP_1', 'KP_1: xdotool adds Num_Lock', [0x45, 0x4F, 0xC5, 0xCF]),
    ('KP_Enter', 'KP_Enter', [0xE0, 0x1C, 0xE0, 0x9C]),
]

DE_KEYS = [
    ('z', 'z: the physical Y key on de', [0x15, 0x95]),
    ('y', 'y: the physical Z key on de', [0x2C, 0xAC]),
    ('a', 'a', [0x1E, 0x9E]),
    ('minus', 'minus: the physical slash key', [0x35, 0xB5]),
    ('less', 'less: the ISO 102nd key', [0x56, 0xD6]),
    ('ssharp', 'sharp s: the physical minus key', [0x0C, 0x8C]),
    ('udiaeresis', 'u umlaut: physical [', [0x1A, 0x9A]),
    ('odiaeresis', 'o umlaut: physical ;', [0x27, 0xA7]),
    ('adiaeresis', "a umlaut: physical '", [0x28, 0xA8]),
    ('numbersign', '#: physical backslash', [0x2B, 0xAB]),
    ('plus', '+: physical ]', [0x1B, 0x9B]),
    ('49', 'physical ` key (X keycode 49, dead ^ on de)', [0x29, 0xA9]),
    ('shift+z', 'Shift+z: Shift, physical Y', [0x2A, 0x15, 0xAA, 0x95]),
    ('108+24', '@: AltGr (keycode 108) + physical Q', [0xE0, 0x38, 0x10, 0xE0, 0xB8, 0x90]),
    ('108+17', '[: AltGr (keycode 108) + physical 8', [0xE0, 0x38, 0x09, 0xE0, 0xB8, 0x89]),
    ('Return', 'Return', [0x1C, 0x9C]),
]


def key_table(keys, received):
    """Lines of a table (key, expected, received) and whether all matched."""
    lines, pos, all_ok = [], 0, True
    for arg, what, expected in keys:
        got = received[pos:pos + len(expected)]
        pos += len(expected)
        ok = got == expected
        all_ok &= ok
        lines.append(f'{"  " if ok else "XX"} {arg:<16} {fmt(expected):<20} {fmt(got):<20} {what}')
    if pos < len(received):
        all_ok = False
        lines.append(f'XX extra bytes: {fmt(received[pos:])}')
    return lines, all_ok


def expected_all(keys):
    return [code for _, _, codes in keys for code in codes]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--protocol', choices=['vnc', 'spice'], default='vnc')
    parser.add_argument('hangar')
    parser.add_argument('image')
    args = parser.parse_args()

    tap = e2elib.Tap()
    e2elib.sigterm_to_exit()
    if e2elib.skipped(('qemu-system-x86_64', 'Xvfb', 'xdotool', 'setxkbmap')):
        return 0

    world = e2elib.World(f'echo-{args.protocol}')
    hangar = None
    with e2elib.reporting(tap, world, 'end-to-end typing', log=lambda: hangar and e2elib.hangar_log(world),
                          cleanup=lambda: e2elib.reset_keyboard(world)):
        world.start_xvfb()
        world.x('setxkbmap', 'us')
        port = e2elib.free_tcp_port()
        guest = e2elib.Guest(world, args.image, **{f'{args.protocol}_port': port})
        boot = guest.start()
        tap.ok(True, f'the echo guest booted and said READY on COM1 in {boot:.2f} s')

        uri = f'{args.protocol}://127.0.0.1:{port}'
        hangar = e2elib.hangar_console(world, args.hangar, uri)
        try:
            window = e2elib.find_window(world, f'127.0.0.1:{port}')
        except AssertionError:
            tap.ok(False, f'hangar --console {uri} opened a window', e2elib.hangar_log(world))
            return tap.finish()
        tap.ok(True, f'hangar --console {uri} opened its window')

        try:
            start = e2elib.focus_console(world, guest, window)
        except AssertionError as error:
            tap.ok(False, 'clicked into the console and a probe key (F12) reached the guest',
                   f'{error}\n{e2elib.hangar_log(world)}')
            return tap.finish()
        tap.ok(True, 'clicked into the console and a probe key (F12) reached the guest')

        # The guest's text screen is blue with a green banner: the console must show it.
        pixels = e2elib.grab_window(world, window)
        if pixels is None:
            tap.skip("the console shows the guest's screen", 'ImageMagick import is not installed')
        else:
            blue = e2elib.colour_share(pixels, e2elib.VGA_BLUE)
            green = e2elib.colour_share(pixels, e2elib.VGA_GREEN)
            tap.ok(blue > 0.5 and green > 0.005,
                   f"the console shows the guest's screen ({pixels[0]}x{pixels[1]} window: "
                   f'{blue:.0%} VGA blue, {green:.1%} VGA green)')

        for layout, keys in (('us', US_KEYS), ('de', DE_KEYS)):
            world.x('setxkbmap', layout)
            received = e2elib.type_keys(world, guest, [arg for arg, _, _ in keys])
            lines, ok = key_table(keys, received)
            ok = ok and received == expected_all(keys)
            tap.ok(ok, f'client layout {layout}: the guest got exactly the physical keys X pressed '
                   f'({len(keys)} keys, {len(received)} bytes)')
            tap.diag(f'   {"xdotool key":<16} {"expected":<20} {"received":<20} what')
            for line in lines:
                tap.diag(line)
        world.x('setxkbmap', 'us')
        everything = guest.scancodes(since=start)
        wanted = expected_all(US_KEYS) + e2elib.SENTINEL[1] + expected_all(DE_KEYS) + e2elib.SENTINEL[1]
        tap.ok(everything == wanted, 'nothing else reached the guest after the probe key (all bytes accounted for)',
               None if everything == wanted else f'got {fmt(everything)}')
        tap.ok(hangar.poll() is None, 'hangar is still running', e2elib.hangar_log(world) if hangar.poll() is not None else None)
    return tap.finish()


if __name__ == '__main__':
    sys.exit(main())
