#!/usr/bin/env python3
# Copyright 2026 The Hangar authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Prove that the data checks fail when they should (TAP output).

Each case builds a small tree or manifest in a temporary directory, breaks one thing and expects
the check to reject it, so a check that silently passes everything cannot go unnoticed.

Usage: test-checks.py DATA_CHECKS_DIR MANIFEST
"""

import copy
import json
import pathlib
import subprocess
import sys
import tempfile

HERE = pathlib.Path(sys.argv[1])
MANIFEST = json.loads(pathlib.Path(sys.argv[2]).read_text())
APP_ID = MANIFEST['id']
results = []


def run(args):
    return subprocess.run([sys.executable, *map(str, args)], capture_output=True, text=True)


def case(name, ok, detail=''):
    results.append((name, ok, detail))


def make_tree(root, potfiles, files):
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text)
    (root / 'po').mkdir(exist_ok=True)
    (root / 'po' / 'POTFILES.in').write_text(''.join(f'{p}\n' for p in potfiles))


def potfiles_case(name, potfiles, files, expect_ok, expect_text=''):
    with tempfile.TemporaryDirectory() as tmp:
        root = pathlib.Path(tmp)
        make_tree(root, potfiles, files)
        r = run([HERE / 'check-potfiles.py', root])
        ok = (r.returncode == 0) == expect_ok and expect_text in r.stderr
        case(name, ok, r.stderr.strip())


GOOD = {
    'src/model/a.c': 'const char *s = _ ("Hello");\n',
    'src/ui/b.c': 'static const char *t = N_("World");\n',
    'src/ui/c.c': '/* _("only in a comment") */\nint c;\n',
    'ui/d.ui': '<interface><object class="GtkLabel"><property name="label" translatable="yes">Hi</property></object></interface>\n',
    'ui/e.ui': '<interface><object class="GtkBox"/></interface>\n',
}
potfiles_case('potfiles: a complete sorted list passes', ['src/model/a.c', 'src/ui/b.c', 'ui/d.ui'], GOOD, True)
potfiles_case('potfiles: a C file with _ ( but unlisted fails', ['src/ui/b.c', 'ui/d.ui'], GOOD, False,
              'src/model/a.c has translatable strings')
potfiles_case('potfiles: a .ui file with translatable="yes" but unlisted fails', ['src/model/a.c', 'src/ui/b.c'],
              GOOD, False, 'ui/d.ui has translatable strings')
potfiles_case('potfiles: a listed file that does not exist fails',
              ['src/model/a.c', 'src/ui/b.c', 'src/ui/gone.c', 'ui/d.ui'], GOOD, False, 'does not exist')
potfiles_case('potfiles: an unsorted list fails', ['src/ui/b.c', 'src/model/a.c', 'ui/d.ui'], GOOD, False,
              'not sorted')
potfiles_case('potfiles: a malformed .ui file fails in xgettext', ['src/model/a.c', 'src/ui/b.c', 'ui/d.ui'],
              dict(GOOD, **{'ui/d.ui': '<interface><object translatable="yes">\n'}), False, 'xgettext')


def screenshots_case(name, image_url, files, expect_ok, expect_text=''):
    with tempfile.TemporaryDirectory() as tmp:
        root = pathlib.Path(tmp)
        make_tree(root, [], files)
        metainfo = root / 'm.xml'
        metainfo.write_text(f'<component><screenshots><screenshot><image>{image_url}</image>'
                            '</screenshot></screenshots></component>')
        r = run([HERE / 'check-screenshots.py', root, metainfo])
        ok = (r.returncode == 0) == expect_ok and expect_text in r.stderr
        case(name, ok, r.stderr.strip())


RAW = 'https://raw.githubusercontent.com/hangarvm/hangar/main/'
PNG_800 = b'\x89PNG\r\n\x1a\n' + b'\0\0\0\rIHDR' + b'\0\0\x03\x20' + b'\0\0\x02\x58'  # 800x600
screenshots_case('screenshots: a PNG in the tree passes', RAW + 'data/s.png', {'data/s.png': PNG_800}, True)
screenshots_case('screenshots: a missing file fails', RAW + 'data/gone.png', {'data/s.png': PNG_800}, False,
                 'not in the tree')
screenshots_case('screenshots: a foreign URL fails', 'https://example.com/s.png', {}, False,
                 'not served from this repository')


HANGAR_SCRIPT = 'case ${1:-} in\n  run)  shift; cmd_run ;;\n  test) shift; cmd_test ;;\nesac\n'
CI_RUN = '#!/bin/bash\nbash tools/hangar test "$@"\n'


def quickstart_case(name, block, expect_ok, expect_text='', ci=CI_RUN):
    readme = f'# Hangar\n\n## Quick start\n\n```sh\n{block}```\n\n## Tests\n'
    with tempfile.TemporaryDirectory() as tmp:
        root = pathlib.Path(tmp)
        make_tree(root, [], {'README.md': readme, 'tools/hangar': HANGAR_SCRIPT, '.ci/run': ci})
        r = run([HERE / 'check-quickstart.py', root])
        ok = (r.returncode == 0) == expect_ok and expect_text in r.stderr
        case(name, ok, r.stderr.strip())


quickstart_case('quickstart: two commands pass', 'bash tools/hangar run   # go\nbash tools/hangar test\n', True)
quickstart_case('quickstart: a third command fails',
                'apt-get update\nbash tools/hangar run\nbash tools/hangar test\n', False, 'not 2')
quickstart_case('quickstart: an unknown subcommand fails', 'bash tools/hangar start\nbash tools/hangar test\n',
                False, 'does not handle')
quickstart_case('quickstart: CI not running the test command fails',
                'bash tools/hangar run\nbash tools/hangar test\n', False, '.ci/run does not call',
                ci='#!/bin/bash\nmeson test -C build\n')


def flatpak_case(name, mutate, expect_ok, expect_text=''):
    manifest = copy.deepcopy(MANIFEST)
    mutate(manifest)
    with tempfile.TemporaryDirectory() as tmp:
        path = pathlib.Path(tmp) / 'm.json'
        path.write_text(json.dumps(manifest))
        r = run([HERE / 'check-flatpak.py', path, APP_ID])
        ok = (r.returncode == 0) == expect_ok and expect_text in r.stderr
        case(name, ok, r.stderr.strip())


def drop_module(name):
    def mutate(m):
        m['modules'] = [x for x in m['modules'] if x.get('name') != name]
    return mutate


flatpak_case('flatpak: the real manifest passes', lambda m: None, True)
for module in ['libvirt', 'libvirt-glib', 'gtk-vnc', 'spice-gtk', 'libosinfo', 'osinfo-db']:
    flatpak_case(f'flatpak: without {module} fails', drop_module(module), False, f'no module builds {module}')
flatpak_case('flatpak: --filesystem=home fails', lambda m: m['finish-args'].append('--filesystem=home'), False,
             'too wide')
flatpak_case('flatpak: no /run/libvirt fails', lambda m: m['finish-args'].remove('--filesystem=/run/libvirt'),
             False, 'lacks --filesystem=/run/libvirt')
flatpak_case('flatpak: a git source without a tag fails',
             lambda m: [s.pop('tag', None) for x in m['modules'] if x['name'] == 'hwdata' for s in x['sources']],
             False, 'tag or commit')
flatpak_case('flatpak: an archive without a checksum fails',
             lambda m: [s.pop('sha256', None) for x in m['modules'] if x['name'] == 'libvirt' for s in x['sources']],
             False, 'has no sha256')

print(f'1..{len(results)}')
for i, (name, ok, detail) in enumerate(results, 1):
    print(f'{"ok" if ok else "not ok"} {i} - {name}')
    if not ok:
        for line in detail.splitlines():
            print(f'# {line}')
sys.exit(0 if all(ok for _, ok, _ in results) else 1)
