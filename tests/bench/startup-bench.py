#!/usr/bin/env python3
# Copyright 2026 The Hangar authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Start-up figures for Hangar against a bare libadwaita window (issue 3, "Figures").

Both programs run under Xvfb with GSK_RENDERER=cairo and are measured from outside the process:
the run time of every thread (/proc/PID/task/*/schedstat, nanoseconds) is sampled every 10 ms
from the moment of spawning; the process is idle once none of its threads has run for IDLE_QUIET
seconds. (Until 2026-11-24 this used the 10 ms clock ticks of /proc/PID/stat: a late burst of a
millisecond was seen only when a tick happened to land in it, which moved the idle point of
either program by up to half a second at random, and the CPU figures were cut to 10 ms.)
Reported per program:

  wall      seconds from spawn to the last time any thread ran before it went idle (the quiet
            wait is not counted); median and minimum
  cpu       CPU seconds (all threads, nanosecond run time) used up to then; a thread that ended
            counts up to its last 10 ms sample
  rss       peak resident memory (VmHWM from /proc/PID/status), MB
  idle cpu  CPU seconds used over the next --idle-seconds (must be 0.00: no timers, no polling),
            from the threads' nanosecond run time (clock ticks, used until 2026-11-24, cut 1 ms
            into 0.00 or 0.01 by chance)
  idle ms   the same CPU time in milliseconds
  wake/s    context switches per second over the same time, all threads: how often it woke up
            (against libvirtd, 0.3/s is the daemon's own 5 s keepalive ping and our answer)
  stall     the longest main-loop gap, measured in a separate run with stall-probe.so preloaded

Scenarios, each run for both programs, --runs times (median reported):
  system    --machines tiny diskless domains (hangar-bench-NNNN, 64 MiB) defined on qemu:///system;
            they are undefined at the end, also on Ctrl+C or an error
  system-os the same machines, each with the libosinfo OS id that virt-install records (four OSes)
  world     --world-machines machines in a test-driver world file (test:///PATH.xml)
  hang      (stall only) a daemon that accepts connections and never answers; Hangar must keep its
            main loop running while it waits

Run as root from the source tree after `bash tools/hangar test` (or any build with tests on):
  python3 tests/bench/startup-bench.py [--build-dir build] [--output FILE]
It re-runs itself under dbus-run-session when no session bus is set, and starts its own Xvfb on
--display (default :14) unless one already answers there. Screenshots of each program at idle go
to --shots-dir so a person can check that the list was really shown.
"""

import argparse
import fcntl
import os
import pathlib
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
IDLE_QUIET = 1.0
SAMPLE = 0.01
BENCH_PREFIX = 'hangar-bench-'
SYSTEM_URI = 'qemu:///system'

DOMAIN_XML = """<domain type='qemu'>
  <name>{name}</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>{metadata}
</domain>
"""
# What virt-install and virt-manager write into the machines they create: the libosinfo OS id.
OS_METADATA = """
  <metadata>
    <libosinfo:libosinfo xmlns:libosinfo="http://libosinfo.org/xmlns/libvirt/domain/1.0">
      <libosinfo:os id="{os_id}"/>
    </libosinfo:libosinfo>
  </metadata>"""
OS_IDS = ['http://debian.org/debian/11', 'http://fedoraproject.org/fedora/37',
          'http://ubuntu.com/ubuntu/22.04', 'http://microsoft.com/win/11']


def log(*args):
    print(*args, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# Sampling one process from outside

def task_counters(pid):
    """Per thread: (context switches, CPU ns) from /proc/PID/task/*/{status,schedstat}.

    The tick counts of /proc/PID/stat are truncated to 10 ms, so an idle process that runs for a
    millisecond now and then shows 0.00 or 0.01 by chance; schedstat has nanoseconds. Each
    context switch of an idle process is one wake-up (it sleeps again straight after)."""
    counters = {}
    for task in pathlib.Path(f'/proc/{pid}/task').glob('*'):
        try:
            switches = sum(int(line.split()[1]) for line in (task / 'status').read_text().splitlines()
                           if 'ctxt_switches:' in line)
            counters[task.name] = (switches, int((task / 'schedstat').read_text().split()[0]))
        except (FileNotFoundError, ProcessLookupError, ValueError, IndexError):
            pass
    return counters


def thread_run_ns(pid, threads):
    """Updates threads (tid -> run time in ns) from /proc/PID/task/*/schedstat; only schedstat is
    read, as this runs every 10 ms beside the program being measured."""
    for task in pathlib.Path(f'/proc/{pid}/task').glob('*'):
        try:
            threads[task.name] = int((task / 'schedstat').read_text().split()[0])
        except (FileNotFoundError, ProcessLookupError, ValueError, IndexError):
            pass
    return sum(threads.values())


def idle_activity(before, after, seconds):
    """Wake-ups per second and CPU ms between two task_counters () snapshots (threads that
    started in between count from zero)."""
    switches = ns = 0
    for tid, (s1, n1) in after.items():
        s0, n0 = before.get(tid, (0, 0))
        switches += s1 - s0
        ns += n1 - n0
    return switches / seconds, ns / 1e6


def peak_rss_mb(pid):
    with open(f'/proc/{pid}/status') as f:
        for line in f:
            if line.startswith('VmHWM:'):
                return int(line.split()[1]) / 1024.0
    return float('nan')


def window_ids(pid, env):
    result = subprocess.run(['xdotool', 'search', '--onlyvisible', '--pid', str(pid)],
                            env=env, capture_output=True, text=True)
    return result.stdout.split()


def stop(proc):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def measure(argv, env, idle_seconds=0.0, timeout=90.0, shot=None):
    """Spawn argv, wait until it goes idle, and return its figures."""
    # stderr goes to a file, never a pipe: a full pipe would block the program and look like idleness.
    errfile = tempfile.TemporaryFile()
    t0 = time.monotonic()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=errfile)
    pid = proc.pid
    threads = {}  # tid -> last run time seen, ns: threads that end still count
    last_ns = -1
    last_change = t0
    result = {'idle': False}
    try:
        while True:
            now = time.monotonic()
            if proc.poll() is not None:
                errfile.seek(0)
                result['error'] = f'exited with status {proc.returncode}: ' + \
                    errfile.read().decode(errors='replace').strip()[-500:]
                return result
            total_ns = thread_run_ns(pid, threads)
            if total_ns != last_ns:
                last_ns = total_ns
                last_change = now
            elif now - last_change >= IDLE_QUIET:
                break
            if now - t0 > timeout:
                result['error'] = f'not idle after {timeout:.0f} s ({total_ns / 1e9:.2f} CPU-s used)'
                return result
            time.sleep(SAMPLE)

        result.update(idle=True, wall=last_change - t0, cpu=last_ns / 1e9,
                      rss=peak_rss_mb(pid), windows=len(window_ids(pid, env)))
        if idle_seconds > 0:
            counters = task_counters(pid)
            # Read the threads every 0.2 s and keep the last figures of each: a thread that ends
            # meanwhile (GLib ends idle pool threads after 15 s) is counted up to its last reading.
            seen = dict(counters)
            end = time.monotonic() + idle_seconds
            while time.monotonic() < end:
                time.sleep(min(0.2, max(0.0, end - time.monotonic())))
                seen.update(task_counters(pid))
            if proc.poll() is not None:
                result['error'] = f'exited with status {proc.returncode} while idle'
                return result
            result['idle_wakeups'], result['idle_ms'] = idle_activity(counters, seen, idle_seconds)
            result['idle_cpu'] = result['idle_ms'] / 1000.0
            result['rss'] = peak_rss_mb(pid)
        # The screenshot comes last: taking it must not be counted in the idle CPU.
        if shot is not None:
            subprocess.run(['import', '-window', 'root', str(shot)], env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return result
    finally:
        stop(proc)
        errfile.close()


def wait_quiet(pid, threads, quiet, timeout=90.0, slack_ns=0):
    """Waits until the threads of pid have run no more than slack_ns in quiet seconds (0: not at
    all); returns (run ns, time of the last run that counted)."""
    t0 = last_change = time.monotonic()
    last_ns = -1
    while True:
        now = time.monotonic()
        total_ns = thread_run_ns(pid, threads)
        if last_ns < 0 or total_ns - last_ns > slack_ns:
            last_ns, last_change = total_ns, now
        elif now - last_change >= quiet:
            return total_ns, last_change
        if now - t0 > timeout:
            raise RuntimeError(f'not quiet after {timeout:.0f} s')
        time.sleep(SAMPLE)


def measure_scroll(argv, env, pages, stall=False, shot=None):
    """Scrolls the list down by pages Page_Down keys (xdotool, one each 50 ms, as a held key would)
    once the program is idle: CPU per page, the time it was busy after the last key, and, with
    stall=True (stall probe loaded, a separate run as it wakes 100 times a second), the longest
    main-loop gap while scrolling."""
    probe_path = None
    if stall:
        with tempfile.NamedTemporaryFile(prefix='hangar-stall-', suffix='.txt', delete=False) as f:
            probe_path = f.name
        env = dict(env, HANGAR_STALL_LOG=probe_path,
                   LD_PRELOAD=str(ARGS.build_dir / 'tests' / 'bench' / 'hangar-stall-probe.so'))
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    threads = {}
    result = {}
    # The probe itself runs 100 times a second: with it, "quiet" allows a little.
    slack_ns = 20_000_000 if stall else 0
    try:
        wait_quiet(proc.pid, threads, IDLE_QUIET, slack_ns=slack_ns)
        # A click on a row gives the list the keyboard focus in both programs (same window size).
        subprocess.run(['xdotool', 'mousemove', '600', '200', 'click', '1'], env=env, check=True)
        before_ns, _ = wait_quiet(proc.pid, threads, 0.5, slack_ns=slack_ns)
        if stall:
            proc.send_signal(signal.SIGUSR1)  # the probe forgets the start-up gaps
            time.sleep(0.1)
        t0 = time.monotonic()
        subprocess.run(['xdotool', 'key', '--delay', '50', '--repeat', str(pages), 'Page_Down'],
                       env=env, check=True)
        t_keys = time.monotonic()
        after_ns, last = wait_quiet(proc.pid, threads, 0.5, slack_ns=slack_ns)
        result.update(cpu=(after_ns - before_ns) / 1e9, keys_s=t_keys - t0,
                      settle_ms=max(0.0, last - t_keys) * 1000, alive=proc.poll() is None)
        if shot is not None:
            subprocess.run(['import', '-window', 'root', str(shot)], env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    finally:
        stop(proc)
    if probe_path is not None:
        try:
            for line in pathlib.Path(probe_path).read_text().splitlines():
                words = line.split()
                if words and words[0] == 'max_gap_ms':
                    result['max_gap_ms'] = float(words[1])
        except (OSError, IndexError, ValueError):
            pass
        os.unlink(probe_path)
    return result


def measure_stall(argv, env, seconds):
    """Run argv with the stall probe for a fixed time; return the probe's figures."""
    with tempfile.NamedTemporaryFile(prefix='hangar-stall-', suffix='.txt', delete=False) as f:
        path = f.name
    probe_env = dict(env, HANGAR_STALL_LOG=path,
                     LD_PRELOAD=str(ARGS.build_dir / 'tests' / 'bench' / 'hangar-stall-probe.so'))
    proc = subprocess.Popen(argv, env=probe_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(seconds)
        alive = proc.poll() is None
    finally:
        stop(proc)
    figures = {'alive': alive, 'gaps': []}
    try:
        for line in pathlib.Path(path).read_text().splitlines():
            words = line.split()
            if words[0] == 'gap_ms':
                figures['gaps'].append((float(words[1]), float(words[3])))
            else:
                figures[words[0]] = float(words[1])
    except (OSError, IndexError, ValueError):
        pass
    os.unlink(path)
    return figures


# ---------------------------------------------------------------------------------------------
# Machines on the system daemon

def virsh(*commands, check=True):
    return subprocess.run(['virsh', '-q', '-c', SYSTEM_URI, ' ; '.join(commands)],
                          capture_output=True, text=True, check=check)


NOTES = []


def count_domains():
    out = subprocess.run(['virsh', '-q', '-c', SYSTEM_URI, 'list', '--all', '--name'],
                         capture_output=True, text=True).stdout
    return len(out.split())


def bench_domains(active_only=False):
    out = subprocess.run(['virsh', '-q', '-c', SYSTEM_URI, 'list', '--name'] + ([] if active_only else ['--all']),
                         capture_output=True, text=True, check=True).stdout
    return [n for n in out.split() if n.startswith(BENCH_PREFIX)]


def define_domains(n, tmp, with_os=False):
    paths = []
    for i in range(1, n + 1):
        path = tmp / f'{BENCH_PREFIX}{i:04d}.xml'
        metadata = OS_METADATA.format(os_id=OS_IDS[i % len(OS_IDS)]) if with_os else ''
        path.write_text(DOMAIN_XML.format(name=f'{BENCH_PREFIX}{i:04d}', metadata=metadata))
        paths.append(path)
    for start in range(0, n, 250):
        virsh(*[f'define {p}' for p in paths[start:start + 250]])


def undefine_domains():
    # Something else may have started one of ours (a test clicking Start on qemu:///system): stop it first.
    running = bench_domains(active_only=True)
    if running:
        log(f'cleanup: {len(running)} {BENCH_PREFIX}* domains were started by someone else: {running[:5]}')
        virsh(*[f'destroy {name}' for name in running], check=False)
    names = bench_domains()
    for start in range(0, len(names), 250):
        virsh(*[f'undefine {name}' for name in names[start:start + 250]], check=False)
    return bench_domains()


# ---------------------------------------------------------------------------------------------
# A daemon that hangs: it accepts the connection and never says a word

class HangingDaemon:
    def __init__(self, path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(str(path))
        self.sock.listen(16)  # the kernel completes connections into the backlog; nobody answers

    @property
    def uri(self):
        return f'qemu+unix:///system?socket={self.path}'

    def close(self):
        self.sock.close()


# ---------------------------------------------------------------------------------------------
# The run

def programs(uri):
    return {
        'hangar': [str(ARGS.build_dir / 'src' / 'hangar'), '--connect', uri],
        'bare': [str(ARGS.build_dir / 'tests' / 'bench' / 'hangar-bare-window'), uri],
    }


def run_scenario(name, uri, env, results):
    log(f'== {name}: {uri}')
    for prog, argv in programs(uri).items():
        runs = []
        measure(argv, env)  # warm the page cache; not counted
        for i in range(ARGS.runs):
            last = i == ARGS.runs - 1
            shot = ARGS.shots_dir / f'{name}-{prog}.png' if last else None
            r = measure(argv, env, idle_seconds=ARGS.idle_seconds if last else 0.0, shot=shot)
            log(f'   {prog} run {i + 1}: ' + ', '.join(f'{k}={v:.3f}' if isinstance(v, float) else f'{k}={v}'
                                                     for k, v in r.items()))
            runs.append(r)
        results[(name, prog)] = runs


def median(runs, key):
    values = [r[key] for r in runs if key in r]
    return statistics.median(values) if values else float('nan')


def report(results, stalls, meta):
    lines = []
    lines.append('Hangar start-up figures (tests/bench/startup-bench.py)')
    lines.append(meta)
    lines += [f'NOTE: {note}' for note in NOTES]
    lines.append('')
    lines.append(f'{"scenario":<10} {"program":<8} {"wall s":>8} {"min":>6} {"CPU s":>8} {"peak MB":>8} '
                 f'{"idle CPU s":>11} {"idle ms":>8} {"wake/s":>7} {"windows":>8}  notes')
    for (name, prog), runs in results.items():
        errors = [r['error'] for r in runs if 'error' in r]
        idle_cpu = [r['idle_cpu'] for r in runs if 'idle_cpu' in r]
        idle_ms = [r['idle_ms'] for r in runs if 'idle_ms' in r]
        idle_wake = [r['idle_wakeups'] for r in runs if 'idle_wakeups' in r]
        windows = [r.get('windows', 0) for r in runs if r.get('idle')]
        walls = [r['wall'] for r in runs if 'wall' in r]
        lines.append(f'{name:<10} {prog:<8} {median(runs, "wall"):>8.3f} '
                     f'{(min(walls) if walls else float("nan")):>6.3f} {median(runs, "cpu"):>8.3f} '
                     f'{median(runs, "rss"):>8.0f} '
                     f'{(f"{idle_cpu[-1]:.2f}" if idle_cpu else "-"):>11} '
                     f'{(f"{idle_ms[-1]:.2f}" if idle_ms else "-"):>8} '
                     f'{(f"{idle_wake[-1]:.2f}" if idle_wake else "-"):>7} '
                     f'{(min(windows) if windows else 0):>8}  '
                     + ('; '.join(errors) if errors else ''))
    lines.append('')
    for name in dict.fromkeys(n for n, _ in results):
        h, b = results.get((name, 'hangar')), results.get((name, 'bare'))
        if h and b:
            wall = median(h, 'wall') / median(b, 'wall')
            cpu = median(h, 'cpu') / median(b, 'cpu')
            lines.append(f'{name}: hangar/bare wall {wall:.2f}x, CPU {cpu:.2f}x, '
                         f'peak RSS {median(h, "rss"):.0f} MB vs {median(b, "rss"):.0f} MB')
    lines.append('')
    lines.append('Main-loop stalls (stall-probe.so, 10 ms timer; gaps over 30 ms listed as gap@time, ms):')
    for (name, prog), s in stalls.items():
        if 'first_dispatch_ms' not in s:
            lines.append(f'{name:<10} {prog:<8} the main loop never ran in {ARGS.stall_seconds:.0f} s '
                         f'(blocked before it started){"" if s.get("alive") else "; EXITED EARLY"}')
            continue
        gaps = ' '.join(f'{g:.0f}@{t:.0f}' for g, t in s.get('gaps', [])[:12])
        lines.append(f'{name:<10} {prog:<8} loop starts {s.get("first_dispatch_ms", float("nan")):7.0f} ms, '
                     f'longest gap {s.get("max_gap_ms", float("nan")):6.0f} ms at {s.get("max_gap_at_ms", float("nan")):6.0f} ms'
                     f'{"" if s.get("alive") else " (EXITED EARLY)"}; gaps: {gaps or "none"}')
    return '\n'.join(lines)


def start_xvfb(display):
    env = dict(os.environ, DISPLAY=display)
    if subprocess.run(['xdpyinfo'], env=env, capture_output=True).returncode == 0:
        return None
    proc = subprocess.Popen(['Xvfb', display, '-screen', '0', '1920x1080x24', '-nolisten', 'tcp'],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        if subprocess.run(['xdpyinfo'], env=env, capture_output=True).returncode == 0:
            return proc
        time.sleep(0.05)
    proc.kill()
    sys.exit(f'Xvfb did not start on {display}')


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--build-dir', type=pathlib.Path, default=ROOT / 'build')
    p.add_argument('--machines', type=int, default=1000)
    p.add_argument('--world-machines', type=int, default=10000)
    p.add_argument('--scroll-pages', type=int, default=200,
                   help='Page_Down presses in the scrolling measurement of the world list')
    p.add_argument('--runs', type=int, default=3)
    p.add_argument('--idle-seconds', type=float, default=20.0)
    p.add_argument('--stall-seconds', type=float, default=8.0)
    p.add_argument('--display', default=':14')
    p.add_argument('--a11y', action='store_true', help='leave GTK accessibility on (default: GTK_A11Y=none)')
    p.add_argument('--skip-system', action='store_true', help='do not define machines on qemu:///system')
    p.add_argument('--no-os-metadata', action='store_true',
                   help='skip the second system run, whose machines carry a libosinfo OS id')
    p.add_argument('--shots-dir', type=pathlib.Path, default=pathlib.Path(tempfile.gettempdir()) / 'hangar-bench')
    p.add_argument('--output', type=pathlib.Path)
    args = p.parse_args()
    args.build_dir = args.build_dir.resolve()
    return args


def main():
    if not os.environ.get('DBUS_SESSION_BUS_ADDRESS'):
        os.execvp('dbus-run-session', ['dbus-run-session', '--', sys.executable, *sys.argv])

    for path in [ARGS.build_dir / 'src' / 'hangar', ARGS.build_dir / 'tests' / 'bench' / 'hangar-bare-window',
                 ARGS.build_dir / 'tests' / 'bench' / 'hangar-stall-probe.so']:
        if not path.exists():
            sys.exit(f'{path} is missing: build first (bash tools/hangar test, or meson compile -C BUILD)')
    ARGS.shots_dir.mkdir(parents=True, exist_ok=True)

    # Turn Ctrl+C and kill into exceptions, so the finally blocks below always clean up.
    def interrupted(signum, frame):
        raise KeyboardInterrupt(f'signal {signum}')
    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGHUP, interrupted)

    # Runs share the hangar-bench-* names on the system daemon, and each cleans up leftovers when it
    # starts: two at once would remove each other's machines. Take turns.
    lock = open(os.path.join(tempfile.gettempdir(), 'hangar-startup-bench.lock'), 'w')
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        log('another startup-bench run is going on; waiting for it to finish')
        fcntl.flock(lock, fcntl.LOCK_EX)

    xvfb = start_xvfb(ARGS.display)
    env = {k: v for k, v in os.environ.items() if k not in ('LIBVIRT_DEFAULT_URI', 'WAYLAND_DISPLAY')}
    env.update(DISPLAY=ARGS.display, GSK_RENDERER='cairo', GSETTINGS_BACKEND='memory',
               GSETTINGS_SCHEMA_DIR=str(ARGS.build_dir / 'data'))
    if not ARGS.a11y:
        env.update(GTK_A11Y='none', NO_AT_BRIDGE='1')

    results, stalls, scrolls = {}, {}, {}
    tmp = pathlib.Path(tempfile.mkdtemp(prefix='hangar-bench-'))
    hang = None
    try:
        if not ARGS.skip_system:
            leftovers = undefine_domains()
            if leftovers:
                sys.exit(f'cannot remove earlier {BENCH_PREFIX}* domains: {leftovers[:5]}')
            log(f'defining {ARGS.machines} domains on {SYSTEM_URI}')
            define_domains(ARGS.machines, tmp)
            total = count_domains()
            log(f'{total} domains defined on {SYSTEM_URI} in all')
            if total != ARGS.machines:
                NOTES.append(f'{SYSTEM_URI} held {total} domains during the system runs, '
                             f'{ARGS.machines} of them the bench\'s own (others belong to someone else)')
            run_scenario('system', SYSTEM_URI, env, results)
            for prog, argv in programs(SYSTEM_URI).items():
                stalls[('system', prog)] = measure_stall(argv, env, ARGS.stall_seconds)
            if not ARGS.no_os_metadata:
                # The same machines again, now with the OS id virt-install records, so the OS column
                # has something to look up.
                undefine_domains()
                log(f'defining {ARGS.machines} domains with libosinfo metadata on {SYSTEM_URI}')
                define_domains(ARGS.machines, tmp, with_os=True)
                run_scenario('system-os', SYSTEM_URI, env, results)
                for prog, argv in programs(SYSTEM_URI).items():
                    stalls[('system-os', prog)] = measure_stall(argv, env, ARGS.stall_seconds)

        world = tmp / 'world.xml'
        with open(world, 'w', encoding='utf-8') as out:
            subprocess.run([sys.executable, str(ROOT / 'tests' / 'fixtures' / 'make-world.py'),
                            str(ARGS.world_machines)], stdout=out, check=True)
        world_uri = f'test://{world}'
        run_scenario('world', world_uri, env, results)
        for prog, argv in programs(world_uri).items():
            stalls[('world', prog)] = measure_stall(argv, env, ARGS.stall_seconds)

        for prog, argv in programs(world_uri).items():
            r = measure_scroll(argv, env, ARGS.scroll_pages, shot=ARGS.shots_dir / f'scroll-{prog}.png')
            probed = measure_scroll(argv, env, ARGS.scroll_pages, stall=True)
            r['max_gap_ms'] = probed.get('max_gap_ms', float('nan'))
            log(f'   {prog} scroll: {r}')
            scrolls[prog] = r

        hang = HangingDaemon(tmp / 'hang.sock')
        stalls[('hang', 'hangar')] = measure_stall(programs(hang.uri)['hangar'], env, ARGS.stall_seconds)
    finally:
        if hang is not None:
            hang.close()
        if not ARGS.skip_system:
            left = undefine_domains()
            log(f'cleanup: {len(left)} {BENCH_PREFIX}* domains left on {SYSTEM_URI}')
        shutil.rmtree(tmp, ignore_errors=True)
        if xvfb is not None:
            xvfb.terminate()
            xvfb.wait()

    meta = (f'{time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}; {os.cpu_count()} CPUs; '
            f'median of {ARGS.runs} runs after one warm-up; GSK_RENDERER=cairo; '
            f'{"a11y on" if ARGS.a11y else "GTK_A11Y=none"}; idle = no thread ran for {IDLE_QUIET:.0f} s; '
            f'idle CPU over {ARGS.idle_seconds:.0f} s; screenshots in {ARGS.shots_dir}')
    text = report(results, stalls, meta)
    if scrolls:
        text += (f'\n\nScrolling the world list ({ARGS.scroll_pages} Page_Down, one each 50 ms, from the top; '
                 'the gap from a second run with the stall probe, reset just before the first key):')
        for prog, r in scrolls.items():
            text += (f'\n{prog:<8} CPU {r.get("cpu", float("nan")):6.3f} s, '
                     f'{1000 * r.get("cpu", float("nan")) / ARGS.scroll_pages:5.1f} ms a page, '
                     f'busy {r.get("settle_ms", float("nan")):5.0f} ms after the last key, '
                     f'longest main-loop gap {r.get("max_gap_ms", float("nan")):4.0f} ms'
                     f'{"" if r.get("alive", True) else " (EXITED)"}')
    print(text)
    if ARGS.output:
        ARGS.output.write_text(text + '\n')


if __name__ == '__main__':
    ARGS = parse_args()
    try:
        main()
    except KeyboardInterrupt as e:
        sys.exit(f'interrupted ({e or "Ctrl+C"}); the bench domains were removed')
