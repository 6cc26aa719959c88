#!/usr/bin/env python3
# Copyright 2026 The Hangar authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Write a libvirt test-driver world with N machines that look like a real fleet, for screenshots.

Names, operating systems (libosinfo metadata), memory, vCPUs and states vary; deterministic.
Usage: make-demo-world.py N PATH
"""

import sys
import uuid
from xml.sax.saxutils import escape, quoteattr

NAMESPACE = uuid.UUID('0f4f0c8e-5b1a-4d8e-9a2c-3f7e1b2d4c60')
ROLES = ['web', 'api', 'db', 'cache', 'build', 'ci-runner', 'mail', 'dns', 'vpn', 'backup',
         'monitor', 'ldap', 'git', 'proxy', 'kube-node', 'win-desktop', 'test']
# Ids that Debian 12's osinfo-db knows, so the list shows their names.
OSES = [
    'http://debian.org/debian/11',
    'http://ubuntu.com/ubuntu/22.04',
    'http://fedoraproject.org/fedora/37',
    'http://redhat.com/rhel/9.1',
    'http://centos.org/centos-stream/9',
    'http://almalinux.org/almalinux/9',
    'http://opensuse.org/opensuse/15.4',
    'http://freebsd.org/freebsd/13.1',
]
MEMORY_MIB = [512, 1024, 2048, 4096, 8192, 1536]
STATES = [1, 5, 5, 1, 3, 5, 1, 5]   # running, shut off, paused


def domain(i):
    role = ROLES[i % len(ROLES)]
    os_id = OSES[(i * 7) % len(OSES)]
    if role == 'win-desktop':
        os_id = 'http://microsoft.com/win/11'
    name = f'{role}-{i // len(ROLES) + 1:03d}'
    return f"""  <domain type="test" xmlns:test="http://libvirt.org/schemas/domain/test/1.0">
    <name>{escape(name)}</name>
    <uuid>{uuid.uuid5(NAMESPACE, name)}</uuid>
    <metadata>
      <libosinfo:libosinfo xmlns:libosinfo="http://libosinfo.org/xmlns/libvirt/domain/1.0">
        <libosinfo:os id={quoteattr(os_id)}/>
      </libosinfo:libosinfo>
    </metadata>
    <memory unit="MiB">{MEMORY_MIB[(i * 5) % len(MEMORY_MIB)]}</memory>
    <vcpu>{1 + (i * 3) % 4}</vcpu>
    <os><type arch="x86_64">hvm</type></os>
    <test:runstate>{STATES[(i * 3) % len(STATES)]}</test:runstate>
  </domain>
"""


def main():
    if len(sys.argv) != 3 or not sys.argv[1].isdigit():
        print(__doc__, file=sys.stderr)
        return 2
    with open(sys.argv[2], 'w', encoding='utf-8') as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n<node>\n')
        for i in range(int(sys.argv[1])):
            f.write(domain(i))
        f.write('</node>\n')
    return 0


if __name__ == '__main__':
    sys.exit(main())
