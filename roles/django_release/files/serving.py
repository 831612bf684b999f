"""Wait until every worker of a gunicorn master serves the expected release.

    serving.py MAIN_PID|UNIT CURRENT_LINK TIMEOUT_SECONDS

gunicorn replaces its workers gracefully after a reload: old workers finish
their requests first. A worker serves the release it imported:

- its working directory names that release, where /proc lets root read it;
- otherwise (containers without CAP_SYS_PTRACE) a worker forked after the
  `current` link was switched runs the new release, since the master changes
  into the link's path before it forks.

Prints JSON; exit status 1 when the workers did not all move in time (or
there are none).
"""

import json
import os
import subprocess
import sys
import time


def workers_of(main_pid):
    children = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == main_pid:
            children.append((int(entry), int(fields[19])))
    return children


def boot_time():
    """The wall-clock time of boot, precise (btime in /proc/stat is whole seconds)."""
    return time.time() - time.clock_gettime(time.CLOCK_BOOTTIME)


def release_of(pid):
    try:
        return os.readlink("/proc/%d/cwd" % pid)
    except OSError:
        return None


def main_pid_of(unit_or_pid):
    """A PID as given, or the main PID of a systemd unit."""
    if unit_or_pid.isdigit():
        return int(unit_or_pid)
    shown = subprocess.run(
        ["systemctl", "show", "--property=MainPID", "--value", unit_or_pid], stdout=subprocess.PIPE, universal_newlines=True, check=True
    )
    return int(shown.stdout.strip() or 0)


def main(main_pid, current_link, timeout):
    release_dir = os.path.realpath(current_link)
    switched_at = os.lstat(current_link).st_mtime
    ticks = os.sysconf("SC_CLK_TCK")
    booted = boot_time()
    deadline = time.monotonic() + timeout
    while True:
        workers = workers_of(main_pid)
        cwds = [release_of(pid) for pid, start in workers]
        if workers and all(cwd is not None for cwd in cwds):
            method = "working directory"
            ok = set(cwds) == {release_dir}
        else:
            method = "start time"
            # /proc start times have 1/ticks s resolution; allow one tick.
            ok = bool(workers) and all(
                booted + start / ticks >= switched_at - 1.0 / ticks for pid, start in workers
            )
        if ok or time.monotonic() > deadline:
            print(json.dumps({"ok": ok, "workers": len(workers), "release": release_dir, "method": method}))
            return 0 if ok else 1
        time.sleep(0.2)


if __name__ == "__main__":
    sys.exit(main(main_pid_of(sys.argv[1]), sys.argv[2], float(sys.argv[3])))
