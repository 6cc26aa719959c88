#!/usr/bin/env python3
# Copyright 2026 The Hangar authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Check that every screenshot the metainfo points at is in the tree.

The metainfo names screenshots by their raw URL on the main branch; `appstreamcli validate --no-net`
cannot fetch them, so this checks the files those URLs will serve: present, PNG, and at least
620 pixels wide (the smallest size software centres show well).

Usage: check-screenshots.py SOURCE_ROOT METAINFO
"""

import pathlib
import struct
import sys
import xml.etree.ElementTree as ET

RAW_PREFIX = 'https://raw.githubusercontent.com/hangarvm/hangar/main/'
MIN_WIDTH = 620


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    root = pathlib.Path(sys.argv[1])
    problems = []
    urls = [e.text.strip() for e in ET.parse(sys.argv[2]).getroot().iter('image') if e.text]
    if not urls:
        problems.append('the metainfo has no screenshot')
    for url in urls:
        if not url.startswith(RAW_PREFIX):
            problems.append(f'{url} is not served from this repository ({RAW_PREFIX}…)')
            continue
        path = root / url[len(RAW_PREFIX):]
        if not path.is_file():
            problems.append(f'{url}: {path.relative_to(root)} is not in the tree')
            continue
        head = path.read_bytes()[:24]
        if head[:8] != b'\x89PNG\r\n\x1a\n':
            problems.append(f'{path.relative_to(root)} is not a PNG file')
            continue
        width, height = struct.unpack('>II', head[16:24])
        if width < MIN_WIDTH:
            problems.append(f'{path.relative_to(root)} is {width}x{height}; at least {MIN_WIDTH} px wide is needed')
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        return 1
    print(f'{len(urls)} screenshots, all in the tree')
    return 0


if __name__ == '__main__':
    sys.exit(main())
