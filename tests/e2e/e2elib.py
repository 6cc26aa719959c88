# Copyright 2026 The Hangar authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Shared parts of Hangar's end-to-end tests: a private Xvfb, a QEMU running the echo guest
(tests/e2e/echo-guest.asm), the real `hangar --console` binary, xdotool, and TAP output.

Every process is started in its own session (process group) and killed with its group when the
test ends, passes or fails (also on SIGTERM from meson's timeout).
"""

import contextlib
import importlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

FLOPPY_SIZE = 1474560


class Skip(Exception):
    pass


class Tap:
    """TAP printer: ok/not ok lines, diagnostics as comments, plan at the end."""

    def __init__(self):
        self.count = 0
        self.failed = 0
        self.start = time.monotonic()

    def ok(self, passed, name, detail=None):
        self.count += 1
        if not passed:
            self.failed += 1
        elapsed = time.monotonic() - self.start
        print(f'{"ok" if passed else "not ok"} {self.count} {name} ({elapsed:.1f} s)', flush=True)
        if detail:
            self.diag(detail)
        return passed

    def skip(self, name, reason):
        self.count += 1
        print(f'ok {self.count} {name} # SKIP {reason}', flush=True)

    def diag(self, text):
        for line in str(text).splitlines():
            print(f'# {line}', flush=True)

    def finish(self):
        print(f'1..{self.count}', flush=True)
        self.diag(f'total {time.monotonic() - self.start:.1f} s')
        return 1 if self.failed else 0


def wait_for(what, func, timeout=20, interval=0.05):
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        try:
            result = func()
        except Exception as error:  # e.g. the accessibility tree changing under us
            result = None
            last_error = error
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f'timed out after {timeout} s waiting for {what}'
                         + (f' (last error: {last_error})' if last_error else ''))


# Ports for the guests' VNC/SPICE servers: far from 5900+ (where libvirt's autoport hands out
# ports to the domains other tests start, so one may take ours while our guest is down) and
# below the kernel's ephemeral range (32768+, local ports of outgoing connections).
E2E_PORTS = (21000, 21999)


def free_tcp_port(first=E2E_PORTS[0], last=E2E_PORTS[1]):
    """A free TCP port on 127.0.0.1 in [first, last], starting at a pid-dependent place."""
    span = last - first + 1
    start = os.getpid() % span
    for i in range(span):
        port = first + (start + i) % span
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind(('127.0.0.1', port))
            except OSError:
                continue
            return port
    raise RuntimeError(f'no free TCP port in {first}..{last}')


def own_dbus_session():
    """Re-executes the test under its own dbus-run-session (once), so that its accessibility bus
    and everything on the session bus are its own, whatever else runs in the suite's session."""
    if os.environ.get('HANGAR_E2E_OWN_BUS') == '1':
        return
    tool = shutil.which('dbus-run-session')
    if tool is None:
        raise Skip('dbus-run-session is not installed')
    sys.stdout.flush()
    os.environ['HANGAR_E2E_OWN_BUS'] = '1'
    os.execv(tool, [tool, '--', sys.executable] + sys.argv)


ATSPI_LAUNCHER = '/usr/libexec/at-spi-bus-launcher'


def atspi_skip_reason():
    """For the tests that read the app through AT-SPI: a reason to skip, or None. Re-executes the
    test under its own D-Bus session first (see own_dbus_session)."""
    try:
        importlib.import_module('pyatspi')  # checked here; it connects for real in start_atspi
    except ImportError:
        return 'no pyatspi (run with /usr/bin/python3; Debian package python3-pyatspi)'
    try:
        own_dbus_session()
    except Skip as skip:
        return str(skip)
    return None


def parse_args(usage, default_rounds=None):
    """The e2e scripts' command line, `[--protocol vnc|spice] HANGAR IMAGE [ROUNDS]` (ROUNDS only
    where default_rounds is given): (protocol, hangar, image, rounds), or None after printing usage."""
    argv = sys.argv[1:]
    protocol = 'vnc'
    if argv[:1] == ['--protocol'] and len(argv) >= 2:
        protocol, argv = argv[1], argv[2:]
    counts = (2, 3) if default_rounds is not None else (2,)
    if len(argv) not in counts or protocol not in ('vnc', 'spice'):
        print(usage, file=sys.stderr)
        return None
    rounds = int(argv[2]) if len(argv) == 3 else default_rounds
    return protocol, os.path.abspath(argv[0]), os.path.abspath(argv[1]), rounds


def skipped(tools, *checks, atspi=False):
    """Prints the TAP skip line and returns True when a tool is missing, a check (a function
    returning a reason or None) gives a reason, or (atspi=True) AT-SPI cannot be used."""
    reason = next((f'{tool} is not installed' for tool in tools if shutil.which(tool) is None), None)
    for check in checks:
        reason = reason or check()
    if reason is None and atspi:
        reason = atspi_skip_reason()
    if reason is not None:
        print(f'1..0 # SKIP {reason}')
        return True
    return False


def start_atspi(world):
    """Starts the accessibility bus on the world's X display and returns the pyatspi module,
    imported only now: pyatspi connects to the bus when it is imported."""
    os.environ['DISPLAY'] = world.display  # for the bus launcher and pyatspi
    world.spawn([ATSPI_LAUNCHER, '--launch-immediately'], env=world.env(), log='at-spi.log')
    import pyatspi
    return pyatspi


def atspi_app(pyatspi, pid):
    """The accessible application of process pid, or None while it is not on the bus yet."""
    for candidate in pyatspi.Registry.getDesktop(0):
        if candidate is not None and candidate.get_process_id() == pid:
            return candidate
    return None


def atspi_walk(node, depth=0):
    """Every accessible below node, depth first (bounded, as a broken tree could loop)."""
    yield node
    if depth < 60:
        for child in node:
            if child is not None:
                yield from atspi_walk(child, depth + 1)


@contextlib.contextmanager
def reporting(tap, world, what, log=None, cleanup=None):
    """Runs a test's with-block: a Skip is reported as the skipped test @what, any other error as
    a failure (with log(), e.g. hangar's log, as detail when it returns one); then cleanup()
    runs, if given, and the world closes (its directory stays with HANGAR_TEST_KEEP set)."""
    try:
        yield
    except Skip as skip:
        tap.skip(what, str(skip))
    except Exception as error:
        tap.ok(False, f'unexpected error: {type(error).__name__}: {error}', log() if log else None)
    finally:
        try:
            if cleanup:
                cleanup()
        finally:
            world.close(keep_dir=bool(os.environ.get('HANGAR_TEST_KEEP')))


def reset_keyboard(world):
    """Back to the US layout on the world's X server (a test may have switched it)."""
    try:
        if world.display:
            world.x('setxkbmap', 'us', check=False)
    except Exception:
        pass


LIBVIRT_URI = 'qemu:///system'


def virsh(*args, check=True):
    result = subprocess.run(['virsh', '-c', LIBVIRT_URI, *args], capture_output=True, text=True, timeout=60)
    if check and result.returncode != 0:
        raise RuntimeError(f'virsh {" ".join(args)}: {result.stderr.strip()}')
    return result.stdout


def libvirt_down():
    """Why libvirtd cannot be used (a skip reason), or None when it answers."""
    answered = subprocess.run(['virsh', '-c', LIBVIRT_URI, 'uri'], capture_output=True, timeout=30).returncode == 0
    return None if answered else f'libvirtd is not running ({LIBVIRT_URI})'


def remove_domain(name):
    """Destroys and undefines the libvirt domain @name (None: nothing), whatever state it is in."""
    if name is not None:
        virsh('destroy', name, check=False)
        virsh('undefine', name, check=False)


def sigterm_to_exit():
    """meson kills a test that times out with SIGTERM: unwind so that cleanup runs."""
    def handler(signum, frame):
        raise SystemExit(f'killed by signal {signum}')
    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


# The echo guest as a transient libvirt domain (str.format fields name, disk, serial, protocol):
# the floppy @disk, COM1 to the file @serial, a VNC or SPICE server on 127.0.0.1.
ECHO_DOMAIN_XML = """<domain type='qemu'>
  <name>{name}</name>
  <memory unit='MiB'>16</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type><boot dev='fd'/></os>
  <devices>
    <disk type='file' device='floppy'>
      <driver name='qemu' type='raw'/>
      <source file='{disk}'/>
      <target dev='fda' bus='fdc'/>
      <readonly/>
    </disk>
    <serial type='file'><source path='{serial}'/><target port='0'/></serial>
    <graphics type='{protocol}' autoport='yes' listen='127.0.0.1'/>
    <video><model type='vga'/></video>
  </devices>
</domain>
"""


class World:
    """Everything one test starts; close() stops all of it."""

    def __init__(self, prefix):
        self.dir = tempfile.mkdtemp(prefix=f'hangar-test-e2e-{prefix}-')
        self.procs = []
        self.display = None
        self.xvfb = None

    # -- processes --------------------------------------------------------------------------

    def spawn(self, argv, env=None, log=None):
        out = open(os.path.join(self.dir, log), 'ab') if log else subprocess.DEVNULL
        proc = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT if log else subprocess.DEVNULL,
                                start_new_session=True)
        if log:
            out.close()
        self.procs.append(proc)
        return proc

    def stop(self, proc, sig=signal.SIGTERM, timeout=5):
        """Stops @proc's whole process group; returns its exit status."""
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                pass
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait()
        else:
            # The leader is gone; its group may not be.
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        if proc in self.procs:
            self.procs.remove(proc)
        return proc.returncode

    def close(self, keep_dir=False):
        for proc in reversed(list(self.procs)):
            self.stop(proc)
        if not keep_dir:
            shutil.rmtree(self.dir, ignore_errors=True)

    # -- X ----------------------------------------------------------------------------------

    def start_xvfb(self):
        """A private X server (the tests change its keyboard layout and input focus)."""
        if shutil.which('Xvfb') is None:
            raise Skip('Xvfb is not installed')
        read_fd, write_fd = os.pipe()
        self.xvfb = subprocess.Popen(['Xvfb', '-displayfd', str(write_fd), '-screen', '0', '1280x1024x24',
                                      '-nolisten', 'tcp', '-noreset'],
                                     pass_fds=(write_fd,), stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     start_new_session=True)
        self.procs.insert(0, self.xvfb)
        os.close(write_fd)
        with os.fdopen(read_fd) as pipe:
            number = pipe.readline().strip()
        if not number:
            raise RuntimeError('Xvfb did not start')
        self.display = f':{number}'
        return self.display

    def env(self, **extra):
        env = dict(os.environ)
        if self.display:
            env['DISPLAY'] = self.display
            env.pop('WAYLAND_DISPLAY', None)
        env.update({k: v for k, v in extra.items() if v is not None})
        for k, v in extra.items():
            if v is None:
                env.pop(k, None)
        return env

    def x(self, *argv, check=True, timeout=30):
        """Runs an X tool (xdotool, setxkbmap) on our display."""
        result = subprocess.run(argv, env=self.env(), stdin=subprocess.DEVNULL,
                                capture_output=True, text=True, timeout=timeout)
        if check and result.returncode != 0:
            raise RuntimeError(f'{" ".join(argv)} failed ({result.returncode}): {result.stderr.strip()}')
        return result.stdout

    # -- the guest --------------------------------------------------------------------------

    def guest_disk(self, image):
        """A floppy-sized copy of the 512-byte boot sector (sparse)."""
        disk = os.path.join(self.dir, 'floppy.img')
        with open(image, 'rb') as f:
            sector = f.read()
        assert len(sector) == 512 and sector[510:] == b'\x55\xaa', f'{image} is not a boot sector'
        with open(disk, 'wb') as f:
            f.write(sector)
            f.truncate(FLOPPY_SIZE)
        return disk


class Guest:
    """QEMU (TCG) running the echo guest; its COM1 goes to a file we read."""

    def __init__(self, world, image, vnc_port=None, spice_port=None, name='guest'):
        self.world = world
        self.serial = os.path.join(world.dir, f'{name}-serial.log')
        self.log = f'{name}-qemu.log'
        self.disk = world.guest_disk(image)
        argv = ['qemu-system-x86_64', '-machine', 'pc,accel=tcg', '-m', '16', '-nodefaults',
                '-vga', 'std', '-display', 'none', '-name', f'hangar-test-e2e-{name}',
                '-serial', f'file:{self.serial}', '-boot', 'a',
                '-drive', f'format=raw,file={self.disk},if=floppy,readonly=on']
        if vnc_port is not None:
            argv += ['-vnc', f'127.0.0.1:{vnc_port - 5900}']
        if spice_port is not None:
            argv += ['-spice', f'port={spice_port},addr=127.0.0.1,disable-ticketing=on']
        self.argv = argv
        self.proc = None

    def start(self, timeout=20):
        if os.path.exists(self.serial):
            os.unlink(self.serial)
        started = time.monotonic()
        self.proc = self.world.spawn(self.argv, log=self.log)

        def ready():
            if self.proc.poll() is not None:
                raise RuntimeError(f'QEMU exited ({self.proc.returncode}): {self.qemu_log()}')
            return 'READY\n' in self.text()
        wait_for('READY on the guest serial port', ready, timeout)
        return time.monotonic() - started

    def kill(self, sig=signal.SIGKILL):
        if self.proc is not None:
            self.world.stop(self.proc, sig)
            self.proc = None

    def qemu_log(self):
        try:
            with open(os.path.join(self.world.dir, self.log), errors='replace') as f:
                return f.read()[-2000:]
        except OSError:
            return ''

    def text(self):
        try:
            with open(self.serial, 'rb') as f:
                return f.read().decode('ascii', 'replace')
        except FileNotFoundError:
            return ''

    def scancodes(self, since=0):
        """The bytes echoed after READY, from byte offset @since of the text."""
        text = self.text()
        body = text[since:] if since else text.split('READY\n', 1)[-1]
        return [int(line, 16) for line in body.split('\n') if line.strip()]

    def mark(self):
        """An offset into the serial text: scancodes(since=mark()) reads what came after."""
        return len(self.text())


def fmt(codes):
    return ' '.join(f'{c:02X}' for c in codes)


def hangar_env(world, a11y=False):
    """The environment hangar runs in: the world's X display, settings in memory, and the
    accessibility bridge only with @a11y."""
    a11y_vars = {'GTK_A11Y': None, 'NO_AT_BRIDGE': None} if a11y else {'GTK_A11Y': 'none', 'NO_AT_BRIDGE': '1'}
    return world.env(GSK_RENDERER=os.environ.get('GSK_RENDERER', 'cairo'), GSETTINGS_BACKEND='memory',
                     **a11y_vars)


def hangar_console(world, hangar_bin, uri, a11y=False):
    return world.spawn([hangar_bin, '--console', uri], env=hangar_env(world, a11y), log='hangar.log')


def hangar_show_console(world, hangar_bin, domain, a11y=False):
    """`hangar --connect qemu:///system --show-console DOMAIN`: the machine's console page."""
    return world.spawn([hangar_bin, '--connect', LIBVIRT_URI, '--show-console', domain],
                       env=hangar_env(world, a11y), log='hangar.log')


def xclip_copy(world, text):
    """Another X client (xclip) copies @text; it serves the clipboard until another owner comes."""
    copier = subprocess.Popen(['xclip', '-quiet', '-i', '-selection', 'clipboard'], env=world.env(),
                              stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    world.procs.append(copier)
    copier.stdin.write(text.encode())
    copier.stdin.close()
    return copier


def xclip_paste(world):
    """What another X client (xclip) pastes from the clipboard."""
    out = subprocess.run(['xclip', '-o', '-selection', 'clipboard'], env=world.env(), capture_output=True, timeout=10)
    return out.stdout.decode('utf-8', 'replace')


def spawn_agent_qemu(world, name, kernel, initrd, cmdline, serial, vga, display, chardev):
    """QEMU (TCG) booting @kernel and @initrd (the test guest of tests/guest) with its serial port
    in the file @serial, the @display arguments (-vnc … or -spice …) and the agent's port
    com.redhat.spice.0 on the chardev @chardev (id vdagent)."""
    return world.spawn(['qemu-system-x86_64', '-machine', 'pc,accel=tcg', '-m', '128', '-nodefaults',
                        '-no-user-config', '-vga', vga, '-display', 'none', '-no-reboot',
                        '-name', name,
                        '-kernel', kernel, '-initrd', initrd, '-append', cmdline,
                        '-serial', f'file:{serial}',
                        *display,
                        '-device', 'virtio-serial-pci',
                        '-chardev', chardev,
                        '-device', 'virtserialport,chardev=vdagent,name=com.redhat.spice.0'],
                       log='qemu.log')


def start_kernel_domain(world, name, xml_template, kernel, initrd, cmdline, serial):
    """Defines and starts the libvirt domain @name from @xml_template (str.format fields name,
    kernel, initrd, cmdline, serial) booting copies of @kernel and @initrd; returns when it was
    started (time.monotonic())."""
    # QEMU runs as libvirt-qemu, and libvirt relabels the kernel it boots: use a copy.
    os.chmod(world.dir, 0o755)
    shutil.copy(kernel, os.path.join(world.dir, 'vmlinuz'))
    kernel = os.path.join(world.dir, 'vmlinuz')
    for path in (kernel, initrd):
        os.chmod(path, 0o644)
    xml = os.path.join(world.dir, 'domain.xml')
    with open(xml, 'w') as f:
        f.write(xml_template.format(name=name, kernel=kernel, initrd=initrd, cmdline=cmdline, serial=serial))
    virsh('define', xml)
    started = time.monotonic()
    virsh('start', name)
    return started


def start_a11y_console(world, hangar_bin, image, protocol):
    """Xvfb, the accessibility bus, the echo guest with a @protocol server on a free port, and
    `hangar --console` on it, readable over AT-SPI: (pyatspi, guest, port, hangar)."""
    world.start_xvfb()
    pyatspi = start_atspi(world)
    port = free_tcp_port()
    guest = Guest(world, image, **{f'{protocol}_port': port})
    guest.start()
    hangar = hangar_console(world, hangar_bin, f'{protocol}://127.0.0.1:{port}', a11y=True)
    return pyatspi, guest, port, hangar


def hangar_log(world):
    try:
        with open(os.path.join(world.dir, 'hangar.log'), errors='replace') as f:
            return f.read()[-3000:]
    except OSError:
        return ''


def find_window(world, name, timeout=20):
    out = wait_for(f'a window named {name!r}',
                   lambda: world.x('xdotool', 'search', '--onlyvisible', '--name', name, check=False).split(),
                   timeout)
    return out[0]


def focus_console(world, guest, window, probe='F12', timeout=30, click=True):
    """Clicks into the console (unless @click is False) and presses @probe until the guest
    echoes it (make and break).

    Returns the serial offset after the probe: from there on every byte is from the test's keys.
    The first keys typed before the VNC/SPICE session is up are dropped by the client, so this
    also waits for the connection."""
    if click:
        geometry = world.x('xdotool', 'getwindowgeometry', '--shell', window)
        values = dict(line.split('=', 1) for line in geometry.split() if '=' in line)
        x, y = int(values['WIDTH']) // 2, int(values['HEIGHT']) // 2 + 20
        world.x('xdotool', 'mousemove', '--window', window, str(x), str(y), 'click', '1')
        world.x('xdotool', 'windowfocus', '--sync', window, check=False)
    probe_codes = {'F12': [0x58, 0xD8]}[probe]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        start = guest.mark()
        world.x('xdotool', 'key', probe)
        end = time.monotonic() + 1.0
        while time.monotonic() < end:
            if guest.scancodes(since=start)[-2:] == probe_codes:
                time.sleep(0.3)  # anything still in flight
                return guest.mark()
            time.sleep(0.05)
    raise AssertionError(f'the guest never received {probe} from the console')


SENTINEL = ('F12', [0x58, 0xD8])


def type_keys(world, guest, keys, timeout=20):
    """Types @keys (xdotool key arguments) one at a time, then the sentinel key F12; returns the
    scancodes the guest echoed before the sentinel's. Keys travel in order (one connection, one
    keyboard queue in QEMU), so once the sentinel is echoed, everything typed before it is too."""
    start = guest.mark()
    world.x('xdotool', 'key', '--delay', '50', *keys, SENTINEL[0])
    codes = wait_for('the sentinel key F12 to reach the guest',
                     lambda: (lambda c: c[-2:] == SENTINEL[1] and c)(guest.scancodes(since=start)),
                     timeout)
    return codes[:-2]


def grab_window(world, window):
    """The window's pixels as (width, height, RGB bytes), through ImageMagick's `import`;
    None when `import` is not installed."""
    if shutil.which('import') is None:
        return None
    data = subprocess.run(['import', '-window', str(window), '-depth', '8', 'ppm:-'], env=world.env(),
                          stdin=subprocess.DEVNULL, capture_output=True, timeout=30, check=True).stdout
    # P6 <width> <height> <maxval> then raw RGB; the header has no comments from import.
    fields, pos = [], 0
    while len(fields) < 4:
        while data[pos:pos + 1].isspace():
            pos += 1
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    assert fields[0] == b'P6' and fields[3] == b'255', f'unexpected PPM header {fields}'
    width, height = int(fields[1]), int(fields[2])
    return width, height, data[pos + 1:pos + 1 + width * height * 3]


def colour_share(pixels, rgb, tolerance=12, step=3):
    """The share of pixels within @tolerance of @rgb (every @step-th pixel is looked at)."""
    width, height, data = pixels
    r0, g0, b0 = rgb
    hits = total = 0
    for i in range(0, width * height * 3, 3 * step):
        total += 1
        if abs(data[i] - r0) <= tolerance and abs(data[i + 1] - g0) <= tolerance and \
                abs(data[i + 2] - b0) <= tolerance:
            hits += 1
    return hits / total if total else 0.0


# The echo guest's screen: VGA text attribute 0x1f (blue background) and 0x2f (green).
VGA_BLUE = (0x00, 0x00, 0xAA)
VGA_GREEN = (0x00, 0xAA, 0x00)
