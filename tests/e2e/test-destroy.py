#!/usr/bin/python3
# Copyright 2026 The Hangar authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""A guest destroyed while its console is open, 20 times in a row: no crash, the right state each time.

QEMU (TCG) runs the echo guest (tests/e2e/echo-guest.asm) with a VNC server on 127.0.0.1; the
real `hangar --console vnc://…` shows it on a private Xvfb. Each round:
  1. the console says Connected (the window title's subtitle, read over AT-SPI) and a key typed
     with xdotool reaches *this* QEMU's guest (its serial port echoes the scancodes);
  2. QEMU is killed (SIGKILL, or SIGTERM every other round, as virDomainDestroy does);
  3. hangar is still running and says Disconnected, with the reason and a Reconnect button, no
     longer claims the keyboard, and the dead guest's last frame is gone from the window (checked
     on a screenshot when ImageMagick's `import` is installed);
  4. every fifth round Reconnect is pressed while the guest is still down: it must fail cleanly
     (Disconnected again, the reason shown, still running);
  5. QEMU starts again on the same port and Reconnect is pressed (through its AT-SPI action):
     Connected, the guest's screen drawn again.

Usage: test-destroy.py [--protocol vnc|spice] HANGAR-BINARY ECHO-GUEST-IMAGE [ROUNDS]
Prints TAP. Needs qemu-system-x86_64, Xvfb, xdotool, /usr/bin/python3 with pyatspi,
/usr/libexec/at-spi-bus-launcher and dbus-run-session (it runs itself on a bus of its own).
"""

import os
import signal
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2elib  # noqa: E402

TIMEOUT = 15


def main():
    args = e2elib.parse_args(__doc__, default_rounds=20)
    if args is None:
        return 2
    protocol, hangar_bin, image, rounds = args
    if e2elib.skipped(('qemu-system-x86_64', 'Xvfb', 'xdotool', e2elib.ATSPI_LAUNCHER), atspi=True):
        return 0

    tap = e2elib.Tap()
    e2elib.sigterm_to_exit()
    world = e2elib.World('destroy')
    hangar = None
    timings = []
    with e2elib.reporting(tap, world, 'guest destroyed under an open console',
                          log=lambda: hangar and e2elib.hangar_log(world)):
        pyatspi, guest, port, hangar = e2elib.start_a11y_console(world, hangar_bin, image, protocol)
        uri = f'{protocol}://127.0.0.1:{port}'
        title = f'127.0.0.1:{port}'
        root = e2elib.wait_for('hangar on the accessibility bus', lambda: e2elib.atspi_app(pyatspi, hangar.pid),
                               TIMEOUT)
        window = e2elib.find_window(world, title)

        def header():
            """(subtitle, the Reconnect button or None, keyboard-grab indicator shown)."""
            root.clearCache()
            subtitle, button, grabbed = None, None, False
            for node in e2elib.atspi_walk(root):
                role = node.getRole()
                if role == pyatspi.ROLE_LABEL and node.name == title:
                    labels = [n for n in node.parent if n is not None and n.getRole() == pyatspi.ROLE_LABEL]
                    subtitle = labels[1].name if len(labels) > 1 else ''
                elif role == pyatspi.ROLE_PUSH_BUTTON and node.name.endswith('Reconnect') and button is None:
                    button = node
                elif role == pyatspi.ROLE_IMAGE and node.name.startswith('Keyboard captured'):
                    grabbed = True
            return subtitle, button, grabbed

        def error_text():
            """The description under the status page's title: "Disconnected" when the connection
            was lost, "Cannot Connect" when a (re)connection failed."""
            root.clearCache()
            labels = [n for n in e2elib.atspi_walk(root) if n.getRole() == pyatspi.ROLE_LABEL]
            for i, label in enumerate(labels):
                if (label.name in ('Disconnected', 'Cannot Connect') and i + 1 < len(labels)
                        and labels[i - 1].name != title):
                    return labels[i + 1].name
            return None

        def state_is(wanted):
            subtitle, button, grabbed = header()
            return subtitle == wanted and (subtitle, button, grabbed)

        def press_reconnect():
            _, button, _ = header()
            assert button is not None, 'no Reconnect button'
            action = button.queryAction()
            names = [action.getName(i) for i in range(action.nActions)]
            assert 'click' in names, f'the Reconnect button has no click action: {names}'
            assert action.doAction(names.index('click')), 'the click action on Reconnect failed'

        e2elib.wait_for('the console to say Connected', lambda: state_is('Connected'), TIMEOUT)
        e2elib.focus_console(world, guest, window)
        tap.ok(True, f'hangar --console {uri} is connected and typing reaches the guest')

        for n in range(1, rounds + 1):
            started = time.monotonic()
            problems = []
            sig = signal.SIGKILL if n % 2 else signal.SIGTERM

            # 1. connected to this guest: a key reaches it.
            try:
                e2elib.wait_for('Connected', lambda: state_is('Connected'), TIMEOUT)
            except AssertionError as error:
                problems.append(f'before the kill: {error}')
            if n > 1:
                try:  # no click: the reconnected console should have the keyboard again
                    e2elib.focus_console(world, guest, window, timeout=5, click=False)
                except AssertionError:
                    problems.append('after Reconnect keys did not reach the guest until the console was clicked')
                    try:
                        e2elib.focus_console(world, guest, window, timeout=10)
                    except AssertionError as error:
                        problems.append(f'not even after a click: {error}')

            # 2-3. destroy the guest; the console must say so and let go of the keyboard.
            killed = time.monotonic()
            guest.kill(sig)
            try:
                _, button, grabbed = e2elib.wait_for('Disconnected', lambda: state_is('Disconnected'), TIMEOUT)
                shown = time.monotonic() - killed
                if button is None or not button.getState().contains(pyatspi.STATE_SENSITIVE):
                    problems.append('no usable Reconnect button while disconnected')
                if grabbed:
                    problems.append('the keyboard-grab indicator is still shown while disconnected')
                reason = e2elib.wait_for('the reason on the error page', error_text, 5)
                pixels = e2elib.grab_window(world, window)
                if pixels is not None and e2elib.colour_share(pixels, e2elib.VGA_BLUE) > 0.05:
                    problems.append("the dead guest's last frame is still on screen while disconnected")
            except AssertionError as error:
                problems.append(f'after the kill: {error}')
                shown, reason = None, None
            if hangar.poll() is not None:
                tap.ok(False, f'round {n}: hangar died after the guest was killed (status {hangar.returncode})',
                       e2elib.hangar_log(world))
                break

            # 4. every fifth round: Reconnect while the guest is down fails cleanly.
            refused = None
            if n % 5 == 0 and not problems:
                try:
                    press_reconnect()
                    e2elib.wait_for('Disconnected after a refused reconnect',
                                    lambda: state_is('Disconnected'), TIMEOUT)
                    refused = e2elib.wait_for('the reason of the refused reconnect',
                                              lambda: (error_text() or reason) != reason and error_text(), 5)
                except AssertionError as error:
                    problems.append(f'reconnect while down: {error}')
                if hangar.poll() is not None:
                    tap.ok(False, f'round {n}: hangar died on a refused reconnect', e2elib.hangar_log(world))
                    break

            # 5. the guest comes back on the same port; Reconnect.
            reconnected = drawn = None
            try:
                guest.start()
                pressed = time.monotonic()
                press_reconnect()
                e2elib.wait_for('Connected after Reconnect', lambda: state_is('Connected'), TIMEOUT)
                reconnected = time.monotonic() - pressed
                if e2elib.grab_window(world, window) is not None:
                    e2elib.wait_for("the guest's screen after Reconnect",
                                    lambda: e2elib.colour_share(e2elib.grab_window(world, window),
                                                                e2elib.VGA_BLUE) > 0.5, TIMEOUT)
                    drawn = time.monotonic() - pressed
            except AssertionError as error:
                problems.append(f'reconnect: {error}')

            elapsed = time.monotonic() - started
            timings.append(elapsed)
            detail = (f'killed with {signal.Signals(sig).name}; "Disconnected" shown after '
                      f'{shown * 1000:.0f} ms' if shown is not None else 'no disconnected state')
            detail += f'; reason: {reason!r}' if reason else ''
            detail += f'; refused reconnect said {refused!r}' if refused else ''
            detail += f'; reconnected in {reconnected * 1000:.0f} ms' if reconnected is not None else ''
            detail += f', guest screen drawn at {drawn * 1000:.0f} ms' if drawn is not None else ''
            tap.ok(not problems and hangar.poll() is None, f'round {n}/{rounds} ({elapsed:.1f} s)',
                   '\n'.join([detail] + problems))
            if problems:
                # Twenty in a row: the first broken round ends the run (later rounds would only
                # repeat its timeouts).
                tap.diag(f'stopping after round {n}: {rounds - n} rounds not run')
                break

        # After the last round: still alive, connected, and typing still reaches the guest.
        try:
            e2elib.wait_for('Connected', lambda: state_is('Connected'), TIMEOUT)
            e2elib.focus_console(world, guest, window, timeout=10)
            tap.ok(hangar.poll() is None, 'after all rounds hangar is running, connected, and keys reach the guest')
        except AssertionError as error:
            status = 'running' if hangar.poll() is None else f'exited with status {hangar.returncode}'
            tap.ok(False, 'after all rounds hangar is running, connected, and keys reach the guest',
                   f'{error}; hangar {status}')
        if timings:
            tap.diag(f'round time: min {min(timings):.2f} s, max {max(timings):.2f} s, '
                     f'mean {sum(timings) / len(timings):.2f} s')
        log = e2elib.hangar_log(world)
        bad = [line for line in log.splitlines() if 'CRITICAL' in line or 'WARNING' in line]
        if bad:
            tap.diag('hangar logged:\n' + '\n'.join(bad[-10:]))
    return tap.finish()


if __name__ == '__main__':
    sys.exit(main())
