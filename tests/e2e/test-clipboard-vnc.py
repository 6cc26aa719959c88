#!/usr/bin/env python3
# Copyright 2026 The Hangar authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Copy and paste between X and VNC servers through the real `hangar --console vnc://`.

1. hangar-test-vnc-server (libvncserver; it prints every client cut text and sends server cut
   text on command): `xclip -i` copies a text on a private Xvfb; the server must receive it as
   ISO 8859-1 (RFB's cut text), with '?' for the one character Latin-1 lacks. The server then
   sends Latin-1 cut text; `xclip -o` must paste it as UTF-8, exactly, and hangar must not send
   it back to the server.
2. QEMU's own VNC server with a qemu-vdagent chardev (clipboard=on) and the clipboard test guest
   (tests/guest): a text copied in X must reach the guest agent exactly (QEMU takes it as
   UTF-8). The guest's answer never comes back: QEMU 7.2 passes the guest's clipboard only to
   clients with the extended clipboard, which gvnc 1.3.1 lacks; X keeps the text it had.

With --libvirt, only part 2, with the guest as a libvirt domain on qemu:///system (VNC graphics,
<channel type='qemu-vdagent'> with <clipboard copypaste='yes'/>), opened with
`hangar --connect qemu:///system --show-console NAME` (the machine page's console on
virDomainOpenGraphicsFD).

Usage: test-clipboard-vnc.py [--libvirt] HANGAR-BINARY HANGAR-TEST-VNC-SERVER HANGAR-TEST-AGENT MAKE-INITRAMFS.PY
Prints TAP. Skips without Xvfb or xclip; part 2 skips without qemu-system-x86_64 or a kernel,
and --libvirt without virsh or a running libvirtd.
"""

import os
import re
import shutil
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2elib  # noqa: E402
import importlib.util  # noqa: E402

# The SPICE clipboard test's domain and agent-line helpers.
_spec = importlib.util.spec_from_file_location(
    'spice_clipboard', os.path.join(os.path.dirname(os.path.abspath(__file__)), 'test-clipboard.py'))
spice_clipboard = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(spice_clipboard)
agent_texts = spice_clipboard.agent_texts

# Every character but the check mark is in Latin-1.
X_TEXT = 'copied in X: naïve café, Grüße, ½ × ÿ ✓\nsecond line\ttab'
SERVER_TEXT = 'Grüße vom Server: ½ ÿ ©\nzweite Zeile'
QEMU_TEXT = 'copied in X: naïve café, Ωμέγα, 日本語, 🚀\nsecond line\ttab'
CMDLINE = spice_clipboard.CMDLINE


def domain_xml():
    """The SPICE test's domain with VNC graphics and QEMU's own agent channel instead."""
    xml = spice_clipboard.DOMAIN_XML
    for old, new in (("<channel type='spicevmc'>",
                      "<channel type='qemu-vdagent'><source><clipboard copypaste='yes'/></source>"),
                     ("<graphics type='spice'", "<graphics type='vnc'"),
                     ("<model type='qxl'/>", "<model type='vga'/>")):
        assert old in xml, old
        xml = xml.replace(old, new)
    return xml


class Server:
    """hangar-test-vnc-server on a TCP port; its output lines are read as they come."""

    def __init__(self, world, binary):
        self.proc = subprocess.Popen([binary, '--listen'], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, start_new_session=True)
        world.procs.append(self.proc)
        os.set_blocking(self.proc.stdout.fileno(), False)
        self.buffer = b''
        self.lines = []
        self.port = int(self.next('PORT ').split()[1])

    def _read(self):
        try:
            data = self.proc.stdout.read()
        except BlockingIOError:
            data = None
        if data:
            self.buffer += data
            *complete, self.buffer = self.buffer.split(b'\n')
            self.lines += [line.decode('utf-8', 'replace') for line in complete]
        return self.lines

    def next(self, prefix, timeout=20):
        """The next line that starts with @prefix; the lines before it are dropped."""
        def found():
            while self._read():
                line = self.lines.pop(0)
                if line.startswith(prefix):
                    return line
            return None
        return e2elib.wait_for(f'the server to say {prefix!r}', found, timeout)

    def command(self, line):
        self.proc.stdin.write((line + '\n').encode())
        self.proc.stdin.flush()
        self.next('DONE ')


def cut_text(line):
    """The bytes of a CUTTEXT line."""
    m = re.search(r' hex=([0-9a-f]*)', line)
    return bytes.fromhex(m.group(1)) if m else None


def latin1(text):
    return text.encode('latin-1', 'replace')


copy_in_x = e2elib.xclip_copy
paste_in_x = e2elib.xclip_paste


def test_server(tap, world, hangar_bin, server_bin):
    server = Server(world, server_bin)
    hangar = e2elib.hangar_console(world, hangar_bin, f'vnc://127.0.0.1:{server.port}')
    e2elib.find_window(world, f'127.0.0.1:{server.port}')
    server.next('CLIENT')

    # X → server, as Latin-1.
    started = time.monotonic()
    copy_in_x(world, X_TEXT)
    got = cut_text(server.next('CUTTEXT '))
    tap.ok(got == latin1(X_TEXT),
           f'text copied in X reaches the server as Latin-1, "?" for the check mark ({len(got or b"")} bytes, '
           f'{(time.monotonic() - started) * 1000:.0f} ms)', f'{got!r}\n{e2elib.hangar_log(world)}')

    # Server → X, as UTF-8.
    started = time.monotonic()
    server.command('cuttext ' + latin1(SERVER_TEXT).hex())
    try:
        e2elib.wait_for("the server's text in the X clipboard", lambda: paste_in_x(world) == SERVER_TEXT)
        tap.ok(True, f"the server's cut text pastes in X exactly ({len(SERVER_TEXT.encode())} bytes of UTF-8, "
               f'{(time.monotonic() - started) * 1000:.0f} ms)')
    except AssertionError as error:
        tap.ok(False, "the server's cut text pastes in X exactly", f'{error}: {paste_in_x(world)!r}')

    # No echo: the next cut text the server gets is the next X copy, not its own text.
    copier = copy_in_x(world, 'next copy')
    got = cut_text(server.next('CUTTEXT '))
    tap.ok(got == b'next copy', "the server's own text was not sent back to it", repr(got))
    tap.ok(hangar.poll() is None, 'hangar is still running', None if hangar.poll() is None else e2elib.hangar_log(world))
    # Nothing on the X clipboard for the next part (hangar sends what is there when it connects).
    world.stop(hangar)
    world.stop(copier)


def test_qemu(tap, world, hangar_bin, agent, make_initramfs, domain=None):
    """QEMU directly, or with @domain (a name) as a libvirt domain."""
    if shutil.which('qemu-system-x86_64') is None:
        tap.skip('QEMU VNC clipboard', 'qemu-system-x86_64 is not installed')
        return
    initrd = os.path.join(world.dir, 'initrd.cpio')
    made = subprocess.run([sys.executable, make_initramfs, agent, initrd], capture_output=True, text=True)
    if made.returncode == 77:
        tap.skip('QEMU VNC clipboard', made.stderr.strip())
        return
    if made.returncode != 0:
        raise RuntimeError(f'make-initramfs.py failed: {made.stderr}')
    kernel = made.stdout.strip()

    serial = os.path.join(world.dir, 'guest-serial.log')
    if domain is not None:
        started = e2elib.start_kernel_domain(world, domain, domain_xml(), kernel, initrd, CMDLINE, serial)
        qemu = None
    else:
        qemu = start_qemu(world, kernel, initrd, serial)
        started = time.monotonic()

    def ready():
        if qemu is not None and qemu.poll() is not None:
            raise RuntimeError(f'QEMU exited ({qemu.returncode})')
        try:
            with open(serial, 'rb') as f:
                return b'HANGAR-AGENT ready' in f.read()
        except (FileNotFoundError, PermissionError):
            return False
    e2elib.wait_for('the guest agent', ready, timeout=60)
    tap.ok(True, f'the guest booted and its agent opened com.redhat.spice.0 in {time.monotonic() - started:.2f} s')

    if domain is not None:
        where = f'--show-console {domain}'
        hangar = e2elib.hangar_show_console(world, hangar_bin, domain)
    else:
        where = f'vnc://127.0.0.1:{qemu.vnc_port}'
        hangar = e2elib.hangar_console(world, hangar_bin, where)
        e2elib.find_window(world, f'127.0.0.1:{qemu.vnc_port}')
    copy_in_x(world, QEMU_TEXT)
    copied = time.monotonic()
    try:
        received = e2elib.wait_for('the text in the guest', lambda: agent_texts(serial, 'received'), timeout=30)
        tap.ok(received == [QEMU_TEXT],
               f'text copied in X reaches the guest through QEMU exactly ({where}, {len(QEMU_TEXT.encode())} bytes, '
               f'{(time.monotonic() - copied) * 1000:.0f} ms)', repr(received))
    except AssertionError as error:
        tap.ok(False, f'text copied in X reaches the guest through QEMU ({where})',
               f'{error}\n{e2elib.hangar_log(world)}')
        return

    # The guest copies its answer; QEMU keeps it from a client without the extended clipboard.
    e2elib.wait_for("the guest's own copy", lambda: agent_texts(serial, 'grabbed'))
    time.sleep(1.0)
    pasted = paste_in_x(world)
    tap.ok(pasted == QEMU_TEXT, "the guest's copy does not reach X through QEMU's VNC server (as documented)",
           repr(pasted))
    tap.ok(hangar.poll() is None, 'hangar is still running', None if hangar.poll() is None else e2elib.hangar_log(world))


def start_qemu(world, kernel, initrd, serial):
    port = e2elib.free_tcp_port()
    qemu = e2elib.spawn_agent_qemu(world, 'hangar-test-e2e-clipboard-vnc', kernel, initrd, CMDLINE, serial,
                                   vga='std', display=['-vnc', f'127.0.0.1:{port - 5900}'],
                                   chardev='qemu-vdagent,id=vdagent,name=vdagent,clipboard=on')
    qemu.vnc_port = port
    return qemu


def main():
    use_libvirt = '--libvirt' in sys.argv[1:]
    args = [a for a in sys.argv[1:] if a != '--libvirt']
    if len(args) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    hangar_bin, server_bin, agent, make_initramfs = args
    tools = ('Xvfb', 'xclip', 'xdotool')
    if e2elib.skipped(tools + ('virsh',), e2elib.libvirt_down) if use_libvirt else e2elib.skipped(tools):
        return 0

    tap = e2elib.Tap()
    e2elib.sigterm_to_exit()
    world = e2elib.World('clipboard-vnc')
    domain = None
    with e2elib.reporting(tap, world, 'VNC clipboard end to end', log=lambda: e2elib.hangar_log(world),
                          cleanup=lambda: e2elib.remove_domain(domain)):
        world.start_xvfb()
        if use_libvirt:
            domain = f'hangar-test-session-clip-vnc-{os.getpid()}'
            test_qemu(tap, world, hangar_bin, agent, make_initramfs, domain)
        else:
            test_server(tap, world, hangar_bin, server_bin)
            test_qemu(tap, world, hangar_bin, agent, make_initramfs)
    return tap.finish()


if __name__ == '__main__':
    sys.exit(main())
