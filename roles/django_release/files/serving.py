"""Prove that the live gunicorn serves the expected release, as production.

    serving.py UNIT|MAIN_PID CURRENT_LINK TIMEOUT_SECONDS
               [--user USER] [--settings MODULE] [--socket PATH --host HOST]
    serving.py --unit-settings MODULE UNIT [UNIT ...]

Run as root. Waits until every worker serves the release CURRENT_LINK
points to, then checks what they run:

- the release: each worker's working directory names it (read as USER, the
  app's own account, since root in a container without CAP_SYS_PTRACE may
  not read another user's /proc entries). Where even that is refused, a
  worker forked after the switch runs the new release, since the master
  changes into the link's path before it forks.
- the settings (--settings): DJANGO_SETTINGS_MODULE in the environment of
  the master and of every worker. A unit that lacks it runs whatever the
  project's wsgi.py defaults to, often its development settings.
- no debug pages (--socket, --host): a page that cannot exist, asked over
  the socket, must not be Django's DEBUG = True page.

With --unit-settings, before anything changes: the DJANGO_SETTINGS_MODULE
that each UNIT's processes will get from its Environment= lines and its
EnvironmentFile= files (a file wins, as in systemd) must be MODULE; every
unit is checked in the one call, and each that would run other settings
named.

Prints one JSON object; exit status 1, with the reason on standard error,
when a check fails.
"""

import json
import os
import pwd
import re
import shlex
import socket
import subprocess
import sys
import time

DEBUG_PAGE = re.compile(rb"DEBUG\s*=\s*True")


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


def settings_of(pid):
    """DJANGO_SETTINGS_MODULE of a process: the module, "" when unset, None
    when /proc refuses to tell."""
    try:
        with open("/proc/%d/environ" % pid, "rb") as handle:
            environ = handle.read().split(b"\0")
    except OSError:
        return None
    for entry in environ:
        if entry.startswith(b"DJANGO_SETTINGS_MODULE="):
            return entry.split(b"=", 1)[1].decode("utf-8", "replace")
    return ""


def main_pid_of(unit_or_pid):
    """A PID as given, or the main PID of a systemd unit."""
    if unit_or_pid.isdigit():
        return int(unit_or_pid)
    shown = subprocess.run(
        ["systemctl", "show", "--property=MainPID", "--value", unit_or_pid], stdout=subprocess.PIPE, universal_newlines=True, check=True
    )
    return int(shown.stdout.strip() or 0)


def missing_page(sock_path, host, timeout):
    """Ask gunicorn over its socket for a page no project has; the body."""
    path = "/deployment-django-missing-page-%d/" % os.getpid()
    request = "GET %s HTTP/1.0\r\nHost: %s\r\nX-Forwarded-Proto: https\r\nConnection: close\r\n\r\n" % (path, host)
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    client.settimeout(timeout)
    try:
        client.connect(sock_path)
        client.sendall(request.encode("ascii"))
        chunks = []
        while True:
            chunk = client.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        client.close()
    return b"".join(chunks)


def env_file_value(path, name):
    """NAME's value in a systemd environment file, None when absent. Reads
    KEY=VALUE lines, a value optionally in double or single quotes; the
    last assignment wins."""
    value = None
    with open(path, encoding="utf-8", errors="replace") as handle:
        for line in handle:
            line = line.strip()
            if not line or line[0] in "#;" or "=" not in line:
                continue
            key, raw = line.split("=", 1)
            if key.strip() != name:
                continue
            raw = raw.strip()
            if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "\"'":
                raw = raw[1:-1].replace('\\"', '"').replace("\\\\", "\\")
            value = raw
    return value


def unit_settings(shown, name="DJANGO_SETTINGS_MODULE"):
    """NAME as a unit's processes get it, from `systemctl show` output
    (Environment= and EnvironmentFiles= lines); None when unset."""
    value = None
    files = []
    for line in shown.splitlines():
        key, rest = line.split("=", 1) if "=" in line else (line, "")
        if key == "Environment":
            try:
                words = shlex.split(rest)
            except ValueError:
                words = rest.split()
            for word in words:
                if word.startswith(name + "="):
                    value = word.split("=", 1)[1]
        elif key == "EnvironmentFiles" and rest.strip():
            # "/etc/app/app.env (ignore_errors=no)"
            files.append(rest.strip().split(" (", 1)[0])
    for path in files:
        try:
            found = env_file_value(path, name)
        except OSError:
            continue
        if found is not None:
            value = found
    return value


def systemctl_show(unit, properties):
    """`systemctl show` of ``properties`` (comma-separated) for ``unit``."""
    return subprocess.run(
        ["systemctl", "show", "--property=" + properties, unit], stdout=subprocess.PIPE, universal_newlines=True, check=True
    ).stdout


def check_unit_settings(unit, expected):
    shown = systemctl_show(unit, "LoadState,Environment,EnvironmentFiles")
    if "LoadState=not-found" in shown:
        return {"ok": True, "unit": "not installed"}, []
    value = unit_settings(shown)
    if value == expected:
        return {"ok": True, "settings": value}, []
    return {"ok": False, "settings": value}, [
        "%s would run DJANGO_SETTINGS_MODULE=%s, not %s: set it in the app's environment (python_app_env; the "
        "site playbook does so from app_settings_module) or in gunicorn_environment, or its wsgi.py picks its own "
        "default" % (unit, value if value is not None else "(unset)", expected)
    ]


WARMED = re.compile(r"deployment-django warmup: worker (\d+) answered (\S*) (.*) in ")


def warmed(journal_text):
    """{worker pid: its warm-up's status line} from the unit's journal."""
    return {int(found.group(1)): found.group(3) for found in WARMED.finditer(journal_text)}


def wait_until_warm(unit, main_pid, timeout):
    """With the gunicorn role's warm-up hook on (DEPLOYMENT_DJANGO_WARMUP_PATH
    in the unit's environment), wait until every worker logged its warm-up:
    each has then imported the project's URLconf and views and accepts
    requests. Report entries and errors."""
    path = unit_settings(systemctl_show(unit, "Environment,EnvironmentFiles"), "DEPLOYMENT_DJANGO_WARMUP_PATH")
    if not path:
        return {}, []
    deadline = time.monotonic() + timeout
    while True:
        pids = [pid for pid, start in workers_of(main_pid)]
        journal = subprocess.run(
            ["journalctl", "--no-pager", "--output=cat", "--unit=" + unit, "--boot", "--lines=2000"],
            stdout=subprocess.PIPE,
            universal_newlines=True,
            check=False,
        ).stdout
        done = warmed(journal)
        cold = [pid for pid in pids if pid not in done]
        if (pids and not cold) or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    report = {"warmup": path, "warm": sorted(done.get(pid, "") for pid in pids if pid in done)}
    if cold or not pids:
        return report, ["%d of %d worker(s) of %s did not finish warming up on %s within %d s" % (len(cold), len(pids), unit, path, timeout)]
    return report, []


def become(user):
    """Drop root for the app's account (its groups only)."""
    account = pwd.getpwnam(user)
    os.setgroups([])
    os.setgid(account.pw_gid)
    os.setuid(account.pw_uid)


def wait_for_workers(main_pid, current_link, timeout):
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
            ok = bool(workers) and all(booted + start / ticks >= switched_at - 1.0 / ticks for pid, start in workers)
        if ok or time.monotonic() > deadline:
            return ok, workers, release_dir, method
        time.sleep(0.2)


def check_processes(main_pid, unit, current_link, timeout, expected_settings):
    """The workers' release and every process's settings module: report
    entries and errors."""
    report, errors = {}, []
    ok, workers, release_dir, method = wait_for_workers(main_pid, current_link, timeout)
    report.update({"workers": len(workers), "release": release_dir, "method": method})
    if not ok:
        errors.append(
            "%d worker(s) of %s did not all move to release %s within %d s"
            % (len(workers), unit, os.path.basename(release_dir), timeout)
        )
    if expected_settings and main_pid:
        seen = {pid: settings_of(pid) for pid in [main_pid] + [pid for pid, start in workers]}
        readable = {pid: value for pid, value in seen.items() if value is not None}
        report["settings"] = sorted(set(readable.values()))
        wrong = sorted(set(value or "(unset)" for value in readable.values() if value != expected_settings))
        if not readable:
            errors.append("the environment of %s's processes cannot be read to check its settings module" % unit)
        elif wrong:
            errors.append(
                "%s runs DJANGO_SETTINGS_MODULE=%s, not %s: the service's environment must set it (python_app_env, "
                "or gunicorn_environment when the roles are used alone); without it wsgi.py picks its own default"
                % (unit, " and ".join(wrong), expected_settings)
            )
    return report, errors


def as_user(user, function, *args):
    """Run ``function`` in a child that became ``user``; its return value."""
    if not user:
        return function(*args)
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        os.close(reader)
        try:
            become(user)
            result = function(*args)
        except Exception as exc:  # reported by the parent
            result = ({}, ["checking as %s failed: %s" % (user, exc)])
        with os.fdopen(writer, "w") as handle:
            json.dump(result, handle)
        os._exit(0)
    os.close(writer)
    with os.fdopen(reader) as handle:
        data = handle.read()
    os.waitpid(pid, 0)
    report, errors = json.loads(data) if data else ({}, ["the check as %s gave no answer" % user])
    return report, errors


def process_state(unit):
    """A unit's ActiveState, automatic restarts since its last start, and
    main process."""
    shown = dict(
        line.split("=", 1) for line in systemctl_show(unit, "ActiveState,NRestarts,MainPID").splitlines() if "=" in line
    )
    return shown.get("ActiveState", ""), int(shown.get("NRestarts") or 0), int(shown.get("MainPID") or 0)


def check_units_run_release(release, units):
    """Each unit active, not restarted by systemd since its start (no crash
    loop), its main process working in ``release``: report and errors."""
    report, errors = {}, []
    release_dir = os.path.realpath(release)
    for unit in units:
        state, restarts, pid = process_state(unit)
        cwd = release_of(pid) if pid else None
        report[unit] = {"state": state, "restarts": restarts, "release": cwd}
        if state != "active" or restarts:
            errors.append("%s is %s after %d automatic restart(s): it does not stay up on this release" % (unit, state or "unknown", restarts))
        elif cwd is None:
            errors.append("%s: cannot read where its main process %d runs (/proc/%d/cwd)" % (unit, pid, pid))
        elif os.path.realpath(cwd) != release_dir:
            errors.append("%s runs %s, not release %s" % (unit, cwd, os.path.basename(release_dir)))
    return report, errors


def main(argv):
    if argv[0] == "--processes":
        report, errors = as_user(argv[2], check_units_run_release, argv[1], argv[3:])
        report["ok"] = not errors
        print(json.dumps(report))
        for error in errors:
            sys.stderr.write(error + "\n")
        return 0 if not errors else 1
    if argv[0] == "--unit-settings":
        report, errors = {}, []
        for unit in argv[2:]:
            report[unit], unit_errors = check_unit_settings(unit, argv[1])
            errors.extend(unit_errors)
        report["ok"] = not errors
        print(json.dumps(report))
        for error in errors:
            sys.stderr.write(error + "\n")
        return 0 if not errors else 1
    unit, current_link, timeout = argv[0], argv[1], float(argv[2])
    options = dict(zip(argv[3::2], argv[4::2]))
    main_pid = main_pid_of(unit)
    report, errors = as_user(
        options.get("--user"), check_processes, main_pid, unit, current_link, timeout, options.get("--settings")
    )
    if not unit.isdigit() and not errors:
        warm_report, warm_errors = wait_until_warm(unit, main_pid, timeout)
        report.update(warm_report)
        errors.extend(warm_errors)
    if "--socket" in options:
        # As root (the socket is open to nginx's group, not to the app's),
        # once every worker runs the release (or the wait gave up).
        body = missing_page(options["--socket"], options.get("--host", "localhost"), min(timeout, 30))
        report["debug_page"] = bool(DEBUG_PAGE.search(body))
        if report["debug_page"]:
            errors.append(
                "the live app shows Django's debug page (DEBUG = True) for a missing page: it does not run "
                "production settings (turn DEBUG off in the settings module the service runs)"
            )
    report["ok"] = not errors
    print(json.dumps(report))
    for error in errors:
        sys.stderr.write(error + "\n")
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
