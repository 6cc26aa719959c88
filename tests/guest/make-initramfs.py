#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Builds the clipboard test guest's initramfs (newc cpio) at test time.

usage: make-initramfs.py AGENT OUTPUT

AGENT is the static hangar-test-agent binary; it becomes /init. The kernel is the host's
Debian kernel ($HANGAR_TEST_KERNEL, else the newest /boot/vmlinuz-*); the virtio modules the
agent needs (virtio_pci, virtio_console and what they depend on) are copied from
/lib/modules/VERSION unless built in, and listed in /modules in load order.
Prints the kernel's path. Exits 77 (skip) when no usable kernel is installed.
"""

import glob
import gzip
import lzma
import os
import re
import sys

WANTED = ['virtio_pci', 'virtio_console']


def version_key(path):
    return [int(p) if p.isdigit() else p for p in re.split(r'(\d+)', path)]


def find_kernel():
    env = os.environ.get('HANGAR_TEST_KERNEL')
    candidates = [env] if env else sorted(glob.glob('/boot/vmlinuz-*'), key=version_key, reverse=True)
    for kernel in candidates:
        version = os.path.basename(kernel)[len('vmlinuz-'):]
        moddir = '/lib/modules/' + version
        if os.access(kernel, os.R_OK) and os.path.isfile(moddir + '/modules.dep'):
            return kernel, moddir
    return None, None


def module_name(path):
    return os.path.basename(path).split('.ko')[0].replace('-', '_')


def modules_in_order(moddir):
    deps = {}
    paths = {}
    with open(moddir + '/modules.dep') as f:
        for line in f:
            target, _, rest = line.partition(':')
            deps[module_name(target)] = [module_name(d) for d in rest.split()]
            paths[module_name(target)] = target
    builtin = set()
    if os.path.exists(moddir + '/modules.builtin'):
        with open(moddir + '/modules.builtin') as f:
            builtin = {module_name(line.strip()) for line in f}

    order = []

    def visit(name):
        if name in order or name in builtin:
            return
        if name not in paths:
            raise SystemExit('module %s is neither built in nor in %s/modules.dep' % (name, moddir))
        # modules.dep lists every dependency, nearest first; load the farthest first.
        for dep in reversed(deps[name]):
            visit(dep)
        order.append(name)

    for name in WANTED:
        visit(name)
    return [(name, moddir + '/' + paths[name]) for name in order]


class Cpio:
    def __init__(self, out):
        self.out = out
        self.ino = 1

    def _entry(self, name, mode, data=b''):
        name_bytes = name.encode() + b'\0'
        fields = [self.ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(name_bytes), 0]
        self.ino += 1
        header = b'070701' + b''.join(b'%08X' % v for v in fields)
        self.out.write(header + name_bytes)
        self.out.write(b'\0' * (-(len(header) + len(name_bytes)) % 4))
        self.out.write(data)
        self.out.write(b'\0' * (-len(data) % 4))

    def directory(self, name):
        self._entry(name, 0o040755)

    def file(self, name, data, executable=False):
        self._entry(name, 0o100755 if executable else 0o100644, data)

    def trailer(self):
        self._entry('TRAILER!!!', 0)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    agent, output = sys.argv[1:]
    kernel, moddir = find_kernel()
    if kernel is None:
        print('no kernel: install linux-image-cloud-amd64 (or linux-image-amd64)', file=sys.stderr)
        sys.exit(77)
    modules = modules_in_order(moddir)

    with open(output, 'wb') as out:
        cpio = Cpio(out)
        for d in ('dev', 'sys', 'proc', 'lib', 'lib/modules'):
            cpio.directory(d)
        with open(agent, 'rb') as f:
            cpio.file('init', f.read(), executable=True)
        listing = ''
        for name, path in modules:
            with open(path, 'rb') as f:
                data = f.read()
            if path.endswith('.xz'):
                data = lzma.decompress(data)
            elif path.endswith('.gz'):
                data = gzip.decompress(data)
            cpio.file('lib/modules/%s.ko' % name, data)
            listing += '/lib/modules/%s.ko\n' % name
        cpio.file('modules', listing.encode())
        cpio.trailer()
    print(kernel)


if __name__ == '__main__':
    main()
