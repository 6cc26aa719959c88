#!/usr/bin/env python3
# Copyright 2026 The Hangar authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Copy and paste between X and a SPICE guest through the real `hangar --console`.

QEMU (TCG) boots the host's Debian kernel with the clipboard test guest (tests/guest): its /init
speaks the SPICE agent protocol on the virtio-serial port com.redhat.spice.0, prints every text
it receives on its serial port, and answers each one by copying "Grüße vom Gast ✓ " + that text
in the guest. On a private Xvfb, `xclip -i` copies a text; the guest must receive exactly those
bytes; then `xclip -o` must paste exactly the guest's answer (served by hangar, which now owns
the X clipboard), and hangar must not offer the guest's text back to the guest.

With --libvirt the guest is a libvirt domain on qemu:///system (a spicevmc channel, SPICE
graphics) and hangar opens it with `--connect qemu:///system --show-console NAME`: the machine
page's console, one virDomainOpenGraphicsFD socket per SPICE channel.

Usage: test-clipboard.py [--libvirt] HANGAR-BINARY HANGAR-TEST-AGENT MAKE-INITRAMFS.PY
Prints TAP. Skips without a kernel (linux-image-cloud-amd64), qemu-system-x86_64, Xvfb, xclip
or xdotool (and, with --libvirt, without virsh or a running libvirtd).
"""

import os
import re
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2elib  # noqa: E402

GUEST_PREFIX = 'Grüße vom Gast ✓ '
HOST_TEXT = 'copied in X: naïve café, Ωμέγα, 日本語, 🚀\nsecond line\ttab'
CMDLINE = 'console=ttyS0 quiet panic=-1'

DOMAIN_XML = """<domain type='qemu'>
  <name>{name}</name>
  <memory unit='MiB'>128</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>{kernel}</kernel>
    <initrd>{initrd}</initrd>
    <cmdline>{cmdline}</cmdline>
  </os>
  <devices>
    <serial type='file'><source path='{serial}'/><target port='0'/></serial>
    <channel type='spicevmc'><target type='virtio' name='com.redhat.spice.0'/></channel>
    <graphics type='spice' autoport='yes' listen='127.0.0.1'/>
    <video><model type='qxl'/></video>
  </devices>
</domain>
"""


def agent_lines(serial):
    try:
        with open(serial, 'rb') as f:
            data = f.read().decode('utf-8', 'replace')
    except FileNotFoundError:
        return []
    return [line.strip() for line in data.splitlines() if line.startswith('HANGAR-AGENT ')]


def agent_texts(serial, event, selection=0):
    """The texts of the agent's `event` lines (received/grabbed/sent), decoded from hex."""
    texts = []
    for line in agent_lines(serial):
        m = re.match(rf'HANGAR-AGENT {event} selection={selection} len=\d+ fnv=[0-9a-f]+ hex=([0-9a-f]*)', line)
        if m:
            texts.append(bytes.fromhex(m.group(1)).decode('utf-8', 'replace'))
    return texts


def main():
    argv = sys.argv[1:]
    use_libvirt = '--libvirt' in argv
    argv = [a for a in argv if a != '--libvirt']
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    hangar_bin, agent, make_initramfs = argv

    tools = ('qemu-system-x86_64', 'Xvfb', 'xclip', 'xdotool') + (('virsh',) if use_libvirt else ())
    if e2elib.skipped(tools, *([e2elib.libvirt_down] if use_libvirt else [])):
        return 0

    tap = e2elib.Tap()
    e2elib.sigterm_to_exit()
    world = e2elib.World('clipboard')
    hangar = None
    domain = None
    with e2elib.reporting(tap, world, 'clipboard end to end', log=lambda: hangar and e2elib.hangar_log(world),
                          cleanup=lambda: e2elib.remove_domain(domain)):
        initrd = os.path.join(world.dir, 'initrd.cpio')
        made = subprocess.run([sys.executable, make_initramfs, agent, initrd], capture_output=True, text=True)
        if made.returncode == 77:
            print(f'1..0 # SKIP {made.stderr.strip()}', flush=True)
            return 0
        if made.returncode != 0:
            raise RuntimeError(f'make-initramfs.py failed: {made.stderr}')
        kernel = made.stdout.strip()

        world.start_xvfb()
        port = e2elib.free_tcp_port()
        serial = os.path.join(world.dir, 'guest-serial.log')
        started = time.monotonic()
        if use_libvirt:
            domain = f'hangar-test-clip-{os.getpid()}'
            started = e2elib.start_kernel_domain(world, domain, DOMAIN_XML, kernel, initrd, CMDLINE, serial)
            qemu = None
        else:
            qemu = e2elib.spawn_agent_qemu(world, 'hangar-test-e2e-clipboard', kernel, initrd, CMDLINE, serial,
                                           vga='qxl',
                                           display=['-spice', f'port={port},addr=127.0.0.1,disable-ticketing=on'],
                                           chardev='spicevmc,id=vdagent,name=vdagent')

        def ready():
            if qemu is not None and qemu.poll() is not None:
                raise RuntimeError(f'QEMU exited ({qemu.returncode})')
            lines = agent_lines(serial)
            if any(' error ' in line for line in lines):
                raise RuntimeError('; '.join(lines))
            return any(line.startswith('HANGAR-AGENT ready') for line in lines)
        e2elib.wait_for('the guest agent', ready, timeout=60)
        tap.ok(True, f'the guest booted and its agent opened com.redhat.spice.0 in {time.monotonic() - started:.2f} s')

        if use_libvirt:
            uri = f'--connect {e2elib.LIBVIRT_URI} --show-console {domain}'
            hangar = e2elib.hangar_show_console(world, hangar_bin, domain)
        else:
            uri = f'--console spice://127.0.0.1:{port}'
            hangar = e2elib.hangar_console(world, hangar_bin, uri.split()[1])
        try:
            if not use_libvirt:
                e2elib.find_window(world, f'127.0.0.1:{port}')
            # spice-gtk asks the agent for its capabilities once the main channel is up.
            e2elib.wait_for('the client to talk to the agent',
                            lambda: any(line.startswith('HANGAR-AGENT client-caps') for line in agent_lines(serial)))
        except AssertionError as error:
            tap.ok(False, f'hangar {uri} connected to the guest agent', f'{error}\n{e2elib.hangar_log(world)}')
            return tap.finish()
        tap.ok(True, f'hangar {uri} connected to the guest agent')

        # X → guest: another X client copies; hangar sees the new owner, tells the guest, the
        # guest asks, hangar reads the text from xclip through the X server.
        copied = time.monotonic()
        e2elib.xclip_copy(world, HOST_TEXT)
        try:
            received = e2elib.wait_for('the text in the guest', lambda: agent_texts(serial, 'received'))
        except AssertionError as error:
            tap.ok(False, 'text copied in X reaches the guest', f'{error}\n{e2elib.hangar_log(world)}')
            return tap.finish()
        tap.ok(received == [HOST_TEXT],
               f'text copied in X reaches the guest exactly ({len(HOST_TEXT.encode())} bytes, '
               f'{(time.monotonic() - copied) * 1000:.0f} ms)', None if received == [HOST_TEXT] else repr(received))

        # Guest → X: the guest copied its answer; hangar owns the X clipboard and serves it.
        expected = GUEST_PREFIX + HOST_TEXT

        def pasted():
            text = e2elib.xclip_paste(world)
            return text if text == expected else None
        try:
            e2elib.wait_for("the guest's text in the X clipboard", pasted)
            tap.ok(True, f"text copied in the guest pastes in X exactly ({len(expected.encode())} bytes, "
                   f'{(time.monotonic() - copied) * 1000:.0f} ms after the X copy)')
        except AssertionError as error:
            last = e2elib.xclip_paste(world)
            tap.ok(False, 'text copied in the guest pastes in X exactly', f'{error}: {last!r}\n{e2elib.hangar_log(world)}')

        # No echo: the guest's text, now on the X clipboard, is not offered back to the guest.
        time.sleep(1.0)
        grabs = [line for line in agent_lines(serial) if line.startswith('HANGAR-AGENT grab selection=0 ')]
        requests = [line for line in agent_lines(serial) if line.startswith('HANGAR-AGENT request selection=0 ')]
        tap.ok(len(grabs) == 1 and len(requests) >= 1,
               f"hangar did not offer the guest's own text back (client grabs: {len(grabs)}, "
               f'requests from the client: {len(requests)})', '\n'.join(agent_lines(serial)))
        tap.ok(hangar.poll() is None, 'hangar is still running',
               e2elib.hangar_log(world) if hangar.poll() is not None else None)
    return tap.finish()


if __name__ == '__main__':
    sys.exit(main())
