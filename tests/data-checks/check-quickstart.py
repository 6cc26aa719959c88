#!/usr/bin/env python3
# Copyright 2026 The Hangar authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Keep the README's quick start honest.

The project promises a quick start of exactly two commands (one that starts the app, one that runs
the tests) and a CI that runs the second one. This checks that the first code block under
"## Quick start" holds exactly two commands, that both call tools/hangar with a subcommand it
handles, and that .ci/run calls the same test command.

Usage: check-quickstart.py SOURCE_ROOT
"""

import pathlib
import re
import sys


def quick_start_commands(readme):
    section = re.search(r'^## Quick start\n(.*?)(?=^## )', readme, re.MULTILINE | re.DOTALL)
    if section is None:
        return None
    block = re.search(r'^```[a-z]*\n(.*?)^```', section.group(1), re.MULTILINE | re.DOTALL)
    if block is None:
        return None
    commands = []
    for line in block.group(1).splitlines():
        line = line.split('#', 1)[0].strip()
        if line:
            commands.append(line)
    return commands


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    root = pathlib.Path(sys.argv[1])
    problems = []
    commands = quick_start_commands((root / 'README.md').read_text())
    script = (root / 'tools' / 'hangar').read_text()
    handled = set(re.findall(r'^\s*([a-z]+)\)\s', script, re.MULTILINE))

    if commands is None:
        problems.append('README.md has no "## Quick start" section with a code block')
    elif len(commands) != 2:
        problems.append(f'the quick start has {len(commands)} commands, not 2: {commands}')
    else:
        for command in commands:
            m = re.fullmatch(r'bash tools/hangar ([a-z]+)', command)
            if m is None:
                problems.append(f'quick-start command {command!r} is not "bash tools/hangar SUBCOMMAND"')
            elif m.group(1) not in handled:
                problems.append(f'tools/hangar does not handle {m.group(1)!r} (it handles {sorted(handled)})')
        if commands[-1] != 'bash tools/hangar test':
            problems.append('the second quick-start command must be the test command, bash tools/hangar test')
        ci = (root / '.ci' / 'run').read_text()
        if not re.search(r'^\s*bash tools/hangar test\b', ci, re.MULTILINE):
            problems.append('.ci/run does not call bash tools/hangar test')

    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        return 1
    print('quick start: ' + ' / '.join(commands) + '; .ci/run runs the second')
    return 0


if __name__ == '__main__':
    sys.exit(main())
