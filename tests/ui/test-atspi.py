#!/usr/bin/python3
# Copyright 2026 The Hangar authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Drive the real `hangar` binary through the accessibility tree, as assistive technology would.

Launches `hangar --connect test:///TMP/world.xml` (a fresh copy of tests/ui/world.xml) with an
AT-SPI bus, finds the row of the machine "alpha" by name, opens it through the row's action,
presses Start through the button's action, and waits for the State row to say "Running".
Needs the X display and D-Bus session of `xvfb-run -a dbus-run-session`. Prints TAP.

Usage: test-atspi.py PATH-TO-hangar
"""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

TIMEOUT = 20
MACHINE = 'alpha'


def tap_skip(reason):
    print(f'1..0 # SKIP {reason}')
    sys.exit(0)


def wait_for(what, func, timeout=TIMEOUT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            result = func()
        except Exception as error:  # the tree changes under us while the app works
            result = None
            last_error = error
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f'timed out after {timeout} s waiting for {what}')


def actions(node):
    try:
        action = node.queryAction()
    except NotImplementedError:
        return []
    return [action.getName(i) for i in range(action.nActions)]


def do_action(node, name):
    names = actions(node)
    assert name in names, f'{node.getRoleName()} {node.name!r} has no action {name!r}: {names}'
    assert node.queryAction().doAction(names.index(name)), f'{name} on {node.name!r} failed'


def find(node, predicate, depth=0):
    if predicate(node):
        return node
    if depth > 60:
        return None
    for child in node:
        if child is None:
            continue
        found = find(child, predicate, depth + 1)
        if found is not None:
            return found
    return None


def find_all(node, predicate, found=None, depth=0):
    found = [] if found is None else found
    if predicate(node):
        found.append(node)
    if depth <= 60:
        for child in node:
            if child is not None:
                find_all(child, predicate, found, depth + 1)
    return found


def start_private_xvfb():
    """Starts Xvfb on a free display number and points DISPLAY at it; None if there is no Xvfb
    (then the inherited display is used). A server that does not answer a client straight away
    is replaced: in full suite runs the program once failed with "cannot open display" 0.2 s
    after the display was announced, so the display is proven with xdpyinfo first."""
    if shutil.which('Xvfb') is None:
        return None
    for attempt in range(3):
        read_fd, write_fd = os.pipe()
        xvfb = subprocess.Popen(['Xvfb', '-displayfd', str(write_fd), '-screen', '0', '1400x900x24',
                                 '-nolisten', 'tcp'],
                                pass_fds=(write_fd,), stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(write_fd)
        with os.fdopen(read_fd) as pipe:
            number = pipe.readline().strip()
        answers = bool(number) and (shutil.which('xdpyinfo') is None or subprocess.run(
            ['xdpyinfo', '-display', f':{number}'], stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, timeout=30).returncode == 0)
        if answers and xvfb.poll() is None:
            os.environ['DISPLAY'] = f':{number}'
            os.environ.pop('WAYLAND_DISPLAY', None)
            return xvfb
        print(f'# Xvfb (display :{number or "?"}) did not answer; starting another ({attempt + 1}/3)')
        xvfb.kill()
        xvfb.wait()
    return None


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    hangar_bin = os.path.abspath(sys.argv[1])
    if not os.environ.get('DISPLAY') and not os.environ.get('WAYLAND_DISPLAY'):
        tap_skip('no display (run under xvfb-run -a dbus-run-session)')
    if not os.environ.get('DBUS_SESSION_BUS_ADDRESS'):
        tap_skip('no D-Bus session bus (run under dbus-run-session)')

    source_dir = os.environ.get('G_TEST_SRCDIR', os.path.dirname(os.path.abspath(__file__)))
    workdir = tempfile.mkdtemp(prefix='hangar-test-ui-atspi-')
    world = os.path.join(workdir, 'world.xml')
    shutil.copy(os.path.join(source_dir, 'world.xml'), world)

    # A private X server, as the e2e tests have: the suite's shared one was once gone when this
    # test started ("cannot open display"), and this test should not depend on what ran before.
    xvfb = start_private_xvfb()
    launcher = subprocess.Popen(['/usr/libexec/at-spi-bus-launcher', '--launch-immediately'],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    app = None
    print('1..4')
    try:
        # GTK asks for the accessibility bus when the window appears: have it answer first.
        wait_for('the AT-SPI bus (org.a11y.Bus)', lambda: subprocess.run(
            ['gdbus', 'call', '--session', '--dest', 'org.a11y.Bus', '--object-path', '/org/a11y/bus',
             '--method', 'org.a11y.Bus.GetAddress'],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0, timeout=10)
        env = dict(os.environ)
        for name in ('GTK_A11Y', 'NO_AT_BRIDGE', 'G_DEBUG'):
            env.pop(name, None)
        env.setdefault('GSETTINGS_BACKEND', 'memory')

        import pyatspi  # after the bus launcher runs: pyatspi connects at import

        def hangar_app():
            for candidate in pyatspi.Registry.getDesktop(0):
                if candidate is not None and candidate.name == 'hangar' and \
                        candidate.get_process_id() == app.pid:
                    return candidate
            return None

        app = subprocess.Popen([hangar_bin, '--connect', f'test://{world}'], env=env)
        root = wait_for('the hangar application on the AT-SPI bus', hangar_app)
        print('ok 1 hangar is on the accessibility bus')

        row = wait_for(f'the row of {MACHINE!r}',
                       lambda: find(root, lambda n: n.name == MACHINE and 'row.open' in actions(n)))
        print(f'ok 2 found the row of {MACHINE!r} by name')

        do_action(row, 'row.open')
        page = wait_for('the machine page',
                        lambda: find(root, lambda n: n.name == 'HangarMachinePage'))

        def state_label():
            page.clearCache()
            state_row = find(page, lambda n: n.getRole() == pyatspi.ROLE_LIST_ITEM and n.name == 'State')
            if state_row is None:
                return None
            labels = find_all(state_row, lambda n: n.getRole() == pyatspi.ROLE_LABEL and n.name != 'State')
            return labels[0].name if labels else None

        before = wait_for('the State row of the machine page', state_label)
        assert before == 'Shut off', f'{MACHINE} should start shut off, the page says {before!r}'

        start = wait_for('the Start button',
                         lambda: find(page, lambda n: n.getRole() == pyatspi.ROLE_PUSH_BUTTON and
                                      n.name == 'Start'))
        do_action(start, 'click')
        print('ok 3 pressed Start through the action interface')

        after = wait_for('the State row to say Running',
                         lambda: state_label() == 'Running' and 'Running')
        print(f'ok 4 the state label changed from {before!r} to {after!r}')
        return 0
    except AssertionError as error:
        print(f'not ok - {error}')
        return 1
    finally:
        if app is not None:
            app.send_signal(signal.SIGTERM)
            try:
                app.wait(timeout=5)
            except subprocess.TimeoutExpired:
                app.kill()
                app.wait()
        launcher.terminate()
        try:
            launcher.wait(timeout=5)
        except subprocess.TimeoutExpired:
            launcher.kill()
        if xvfb is not None:
            xvfb.terminate()
            xvfb.wait()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
