#!/usr/bin/env python3
# Copyright 2026 The Hangar authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Check the split between the hangar program and its console module (libhangar-console.so).

The program must not load the display libraries at start-up (no gtk-vnc or spice-gtk among its
DT_NEEDED), the module must provide what src/ui/hangar-console-module.c looks up, and every
Hangar symbol the module calls back into must be exported by the program; the module is loaded
lazily, so a missing one would otherwise only show as a crash when a console opens.

Usage: check-console-module.py PROGRAM MODULE   (TAP on stdout)
"""

import re
import subprocess
import sys


def dynamic_symbols(path, undefined):
    flag = '--undefined-only' if undefined else '--defined-only'
    out = subprocess.run(['nm', '-D', flag, path], check=True, capture_output=True, text=True).stdout
    return {line.split()[-1].split('@')[0] for line in out.splitlines() if line.strip()}


def needed(path):
    out = subprocess.run(['readelf', '-d', path], check=True, capture_output=True, text=True).stdout
    return re.findall(r'\(NEEDED\)\s+Shared library: \[([^\]]+)\]', out)


def main():
    program, module = sys.argv[1], sys.argv[2]
    results = []

    display_libs = [lib for lib in needed(program) if lib.startswith(('libgvnc', 'libspice-client'))]
    results.append(('the program does not link the display libraries', not display_libs,
                    ', '.join(display_libs)))

    module_needed = needed(module)
    results.append(('the module links gtk-vnc and spice-gtk',
                    any(lib.startswith('libgvnc') for lib in module_needed) and
                    any(lib.startswith('libspice-client-glib') for lib in module_needed),
                    ', '.join(module_needed)))

    module_defined = dynamic_symbols(module, undefined=False)
    wanted = {'hangar_console_page_get_type', 'hangar_console_window_new'}
    results.append(('the module provides the loader\'s entry points', wanted <= module_defined,
                    ', '.join(sorted(wanted - module_defined))))

    program_defined = dynamic_symbols(program, undefined=False)
    callbacks = {s for s in dynamic_symbols(module, undefined=True)
                 if s.startswith(('hangar_', '_hangar_'))}
    missing = sorted(callbacks - program_defined)
    results.append(('the program exports the %d Hangar symbols the module uses' % len(callbacks),
                    callbacks and not missing, ', '.join(missing)))

    duplicated = sorted({s for s in module_defined & program_defined
                         if s.startswith(('hangar_', '_hangar_'))})
    results.append(('no Hangar code is both in the program and in the module', not duplicated,
                    ', '.join(duplicated[:20])))

    print('1..%d' % len(results))
    failed = 0
    for i, (name, ok, detail) in enumerate(results, 1):
        print('%s %d - %s' % ('ok' if ok else 'not ok', i, name))
        if not ok:
            failed += 1
            print('# %s' % detail)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
