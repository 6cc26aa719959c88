#!/usr/bin/env python3
# Copyright 2026 The Hangar authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Check po/POTFILES.in against the tree.

Every C file under src/ that marks strings for translation, every .ui file under ui/ with
translatable="yes", and the translatable data files must be listed; every listed file must exist;
the list must be sorted and free of duplicates. Finally xgettext must be able to read every listed
file, so a broken string or an unknown file type shows up here rather than in a translator's inbox.

Usage: check-potfiles.py SOURCE_ROOT
"""

import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

# _("…"), _ ("…"), N_(, C_(, NC_(, and the plural forms: a marker that does not end a longer identifier.
C_MARKER = re.compile(r'(?<![A-Za-z0-9_])(?:N|C|NC)?_\s*\(|(?<![A-Za-z0-9_])(?:g_d?n?gettext|ngettext|g_dpgettext2?)\s*\(')
UI_MARKER = re.compile(r'translatable\s*=\s*"(?:yes|true|1)"', re.IGNORECASE)
DATA_PATTERNS = ['*.desktop.in.in', '*.metainfo.xml.in.in', '*.gschema.xml']


def strip_c_comments(text):
    text = re.sub(r'/\*.*?\*/', ' ', text, flags=re.DOTALL)
    return re.sub(r'//[^\n]*', ' ', text)


def needed_files(root):
    needed = set()
    for path in sorted((root / 'src').rglob('*')):
        if path.suffix in ('.c', '.h') and C_MARKER.search(strip_c_comments(path.read_text(errors='replace'))):
            needed.add(path.relative_to(root).as_posix())
    for path in sorted((root / 'ui').rglob('*.ui')):
        if UI_MARKER.search(path.read_text(errors='replace')):
            needed.add(path.relative_to(root).as_posix())
    for pattern in DATA_PATTERNS:
        for path in sorted((root / 'data').glob(pattern)):
            needed.add(path.relative_to(root).as_posix())
    return needed


def listed_files(root):
    entries = []
    for line in (root / 'po' / 'POTFILES.in').read_text().splitlines():
        line = line.strip()
        if line and not line.startswith('#'):
            entries.append(line)
    return entries


def check_xgettext(root, entries):
    xgettext = shutil.which('xgettext')
    if xgettext is None:
        return ['xgettext is not installed (apt-get install gettext)']
    with tempfile.TemporaryDirectory() as tmp:
        files = pathlib.Path(tmp) / 'files'
        files.write_text('\n'.join(entries) + '\n')
        # The keywords of meson's glib preset (i18n.gettext(preset: 'glib')).
        cmd = [xgettext, '--files-from', str(files), '--directory', str(root),
               '--output', str(pathlib.Path(tmp) / 'hangar.pot'), '--from-code=UTF-8',
               '--add-comments', '--keyword=_', '--keyword=N_', '--keyword=C_:1c,2',
               '--keyword=NC_:1c,2', '--keyword=g_dcgettext:2', '--keyword=g_dngettext:2,3',
               '--keyword=g_dpgettext2:2c,3', '--flag=N_:1:pass-c-format',
               '--flag=C_:2:pass-c-format', '--flag=NC_:2:pass-c-format',
               '--flag=g_dngettext:2:pass-c-format', '--flag=g_strdup_printf:1:c-format',
               '--flag=g_string_printf:2:c-format', '--flag=g_string_append_printf:2:c-format',
               '--flag=g_error_new:3:c-format', '--flag=g_set_error:4:c-format']
        result = subprocess.run(cmd, capture_output=True, text=True)
        # xgettext exits 0 even when it cannot parse a file, so its messages decide.
        messages = [line for line in result.stderr.splitlines() if line.strip()]
        if result.returncode != 0 or any('cannot' in m or 'error' in m for m in messages):
            return ['xgettext failed on the listed files:\n' + '\n'.join(messages)]
    return []


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    root = pathlib.Path(sys.argv[1]).resolve()
    entries = listed_files(root)
    problems = []

    for entry in entries:
        if not (root / entry).is_file():
            problems.append(f'po/POTFILES.in lists {entry}, which does not exist')
    duplicates = sorted({e for e in entries if entries.count(e) > 1})
    for entry in duplicates:
        problems.append(f'po/POTFILES.in lists {entry} more than once')
    if entries != sorted(entries):
        problems.append('po/POTFILES.in is not sorted; expected:\n  ' + '\n  '.join(sorted(set(entries))))
    for missing in sorted(needed_files(root) - set(entries)):
        problems.append(f'{missing} has translatable strings but is missing from po/POTFILES.in')
    if not any(p.endswith('does not exist') for p in problems):
        problems += check_xgettext(root, entries)

    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        return 1
    print(f'po/POTFILES.in: {len(entries)} files, all present, sorted, nothing missing')
    return 0


if __name__ == '__main__':
    sys.exit(main())
