#!/usr/bin/env python3
# Copyright 2026 The Hangar authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Write a libvirt test-driver world file with N machines, for test:///ABSOLUTE/PATH.xml.

Every third machine runs, the others are shut off; names, memory and vCPUs vary a little so
sorting and columns have something to do. Deterministic: the same N gives the same file.

Usage: make-world.py N [PATH]    (PATH defaults to standard output)
"""

import sys
import uuid
from xml.sax.saxutils import escape

NAMESPACE = uuid.UUID('5d7c1a52-0b7e-4f0e-9a51-4f6c0b9d1e10')
FLAVOURS = ['web', 'db', 'build', 'test', 'cache', 'mail', 'dns', 'ci']


def domain(i):
    name = f'{FLAVOURS[i % len(FLAVOURS)]}-{i:05d}'
    running = i % 3 == 0
    return f"""  <domain type="test" xmlns:test="http://libvirt.org/schemas/domain/test/1.0">
    <name>{escape(name)}</name>
    <uuid>{uuid.uuid5(NAMESPACE, name)}</uuid>
    <memory unit="MiB">{64 * (1 + i % 4)}</memory>
    <vcpu>{1 + i % 2}</vcpu>
    <os><type arch="x86_64">hvm</type></os>
    <test:runstate>{1 if running else 5}</test:runstate>
  </domain>
"""


def main():
    if len(sys.argv) not in (2, 3) or not sys.argv[1].isdigit():
        print(__doc__, file=sys.stderr)
        return 2
    n = int(sys.argv[1])
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<node>\n']
    parts += [domain(i) for i in range(1, n + 1)]
    parts.append('</node>\n')
    text = ''.join(parts)
    if len(sys.argv) == 3:
        with open(sys.argv[2], 'w', encoding='utf-8') as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == '__main__':
    sys.exit(main())
