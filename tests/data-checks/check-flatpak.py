#!/usr/bin/env python3
# Copyright 2026 The Hangar authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Check the Flatpak manifest without a Flatpak runtime.

No runtime can be downloaded here, so flatpak-builder cannot run; this checks what can be checked:
the manifest parses, names the app id and command the build produces, builds every library Hangar
links against as a module, pins every source (a git tag or commit, or a checksum), and keeps the
sandbox narrow: the host's libvirt sockets, ssh-agent and the secret service, nothing broader.

Usage: check-flatpak.py MANIFEST APP_ID
"""

import json
import sys

REQUIRED_MODULES = ['libvirt', 'libvirt-glib', 'gtk-vnc', 'spice-gtk', 'libosinfo', 'osinfo-db']
REQUIRED_FINISH_ARGS = [
    '--share=ipc',
    '--share=network',
    '--socket=wayland',
    '--socket=fallback-x11',
    '--device=dri',
    '--filesystem=/run/libvirt',
    '--filesystem=xdg-run/libvirt',
    '--socket=ssh-auth',
    '--talk-name=org.freedesktop.secrets',
]
# Anything that opens the sandbox wider than the above needs a reason and a change here.
FORBIDDEN_PREFIXES = [
    '--filesystem=host', '--filesystem=home', '--filesystem=/', '--device=all',
    '--socket=x11', '--socket=session-bus', '--socket=system-bus', '--talk-name=org.freedesktop.Flatpak',
    '--filesystem=xdg-run/', '--filesystem=/run',
]
REQUIRED_CONFIG = {
    'libvirt': ['-Drunstatedir=/run', '-Ddriver_remote=enabled', '-Ddriver_libvirtd=disabled'],
    'spice-gtk': ['-Dgtk=disabled'],
}


def walk_modules(modules, found):
    for module in modules:
        if isinstance(module, str):
            # A path to a shared module file; we keep everything in one manifest.
            found.append({'name': module, 'sources': [], '_path': True})
            continue
        found.append(module)
        walk_modules(module.get('modules', []), found)
    return found


def check_source(name, source, problems):
    kind = source.get('type')
    if kind == 'git':
        if 'url' not in source or not ('tag' in source or 'commit' in source):
            problems.append(f'module {name}: git source must give a url and a tag or commit')
        if 'branch' in source and 'commit' not in source:
            problems.append(f'module {name}: a branch alone is not reproducible')
    elif kind in ('archive', 'file'):
        if 'path' not in source and not source.get('sha256'):
            problems.append(f'module {name}: {kind} source {source.get("url")} has no sha256')
    elif kind in ('shell', 'script', 'patch', 'dir'):
        pass
    else:
        problems.append(f'module {name}: unknown source type {kind!r}')


def check(manifest, app_id):
    problems = []
    if manifest.get('id', manifest.get('app-id')) != app_id:
        problems.append(f'id is {manifest.get("id")!r}, expected {app_id!r}')
    if manifest.get('command') != 'hangar':
        problems.append('command must be hangar')
    if manifest.get('runtime') != 'org.gnome.Platform' or manifest.get('sdk') != 'org.gnome.Sdk':
        problems.append('runtime must be org.gnome.Platform with org.gnome.Sdk')

    args = manifest.get('finish-args', [])
    for arg in REQUIRED_FINISH_ARGS:
        if arg not in args:
            problems.append(f'finish-args lacks {arg}')
    for arg in args:
        if arg in REQUIRED_FINISH_ARGS:
            continue
        if any(arg == p or arg.startswith(p) for p in FORBIDDEN_PREFIXES):
            problems.append(f'finish-args has {arg}, which opens the sandbox too wide')
    if len(args) != len(set(args)):
        problems.append('finish-args has duplicates')

    modules = walk_modules(manifest.get('modules', []), [])
    by_name = {}
    for module in modules:
        name = module.get('name')
        if not name:
            problems.append('a module has no name')
            continue
        if module.get('_path'):
            problems.append(f'module {name} is a separate file; keep every module in this manifest')
            continue
        if name in by_name:
            problems.append(f'module {name} appears twice')
        by_name[name] = module
        if not module.get('sources'):
            problems.append(f'module {name} has no sources')
        for source in module.get('sources', []):
            check_source(name, source, problems)

    for name in REQUIRED_MODULES:
        if name not in by_name:
            problems.append(f'no module builds {name}')
    for name, opts in REQUIRED_CONFIG.items():
        have = by_name.get(name, {}).get('config-opts', [])
        for opt in opts:
            if opt not in have:
                problems.append(f'module {name} lacks config option {opt}')

    top = manifest.get('modules', [])
    last = top[-1] if top else {}
    if not isinstance(last, dict) or last.get('name') != 'hangar' or last.get('buildsystem') != 'meson':
        problems.append('the last module must build hangar with meson')
    else:
        names = [m.get('name') for m in top if isinstance(m, dict)]
        for name in REQUIRED_MODULES:
            if name in names and names.index(name) > names.index('hangar'):
                problems.append(f'module {name} is built after hangar')
    return problems


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        with open(sys.argv[1], encoding='utf-8') as f:
            manifest = json.load(f)
    except (OSError, ValueError) as e:
        print(f'{sys.argv[1]}: cannot parse: {e}', file=sys.stderr)
        return 1
    problems = check(manifest, sys.argv[2])
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        return 1
    print(f'{sys.argv[1]}: parses; builds {", ".join(REQUIRED_MODULES)}; finish-args narrow')
    return 0


if __name__ == '__main__':
    sys.exit(main())
