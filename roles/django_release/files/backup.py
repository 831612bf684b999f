"""Dump the project's database before migrations, with the project's own
connection settings, so that no password passes through the deploy tool.

Run inside the release directory, with the release's virtualenv, as the app
user and with the app's environment:

    backup.py DATABASE_ALIAS OUTPUT_FILE

Writes a pg_dump custom-format archive (restore it with pg_restore), with
the client of the server's major version when it is installed (Debian
keeps each version's client side by side), else the newest one. Prints one
JSON object; exit status 1 when the dump failed, the reason also on
standard error. A database that is not PostgreSQL is reported as skipped.
"""

import glob
import json
import os
import re
import shutil
import subprocess
import sys

# Debian installs each major version's client beside the others.
CLIENTS = "/usr/lib/postgresql/*/bin/pg_dump"


def installed_clients(pattern=CLIENTS):
    """{major version: pg_dump path} of the clients installed side by side."""
    found = {}
    for path in glob.glob(pattern):
        match = re.search(r"/(\d+)/bin/pg_dump$", path)
        if match:
            found[int(match.group(1))] = path
    return found


def pg_dump_for(server_major, clients):
    """The pg_dump that can dump a server of SERVER_MAJOR: the client of that
    version, else the nearest newer one (pg_dump dumps older servers, never
    newer ones); None when there is none (then the plain `pg_dump` on the
    PATH is the only chance)."""
    usable = sorted(major for major in clients if major >= server_major)
    return clients[usable[0]] if usable else None


def client_major(clients, which=None):
    """The newest pg_dump's major version here (of the clients side by side,
    else of the one on the PATH), 0 without one."""
    if clients:
        return max(clients)
    path = which or shutil.which("pg_dump")
    if not path:
        return 0
    try:
        out = subprocess.run([path, "--version"], stdout=subprocess.PIPE, universal_newlines=True, check=False).stdout
    except OSError:
        return 0
    match = re.search(r"(\d+)(?:\.\d+)?", out)
    return int(match.group(1)) if match else 0


def pg_dump_command(database, output):
    """pg_dump's arguments and environment for a Django DATABASES entry."""
    options = database.get("OPTIONS") or {}
    environment = dict(os.environ)
    for key, variable in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD"), ("NAME", "PGDATABASE")):
        if database.get(key):
            environment[variable] = str(database[key])
    for option, variable in (
        ("sslmode", "PGSSLMODE"),
        ("sslrootcert", "PGSSLROOTCERT"),
        ("sslcert", "PGSSLCERT"),
        ("sslkey", "PGSSLKEY"),
        ("service", "PGSERVICE"),
        ("passfile", "PGPASSFILE"),
    ):
        if options.get(option):
            environment[variable] = str(options[option])
    return ["pg_dump", "--format=custom", "--no-password", "--file=" + output], environment


def main(alias, output):
    sys.path.insert(0, os.getcwd())
    from django.conf import settings

    database = settings.DATABASES[alias]
    engine = database.get("ENGINE", "")
    if "postgresql" not in engine and "postgis" not in engine:
        print(json.dumps({"ok": True, "skipped": True, "engine": engine}))
        return 0
    from django.db import connections

    server_major = connections[alias].pg_version // 10000
    command, environment = pg_dump_command(database, output)
    command[0] = pg_dump_for(server_major, installed_clients()) or command[0]
    done = subprocess.run(command, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, check=False)
    if done.returncode != 0:
        if os.path.exists(output):
            os.unlink(output)
        error = done.stderr.strip()[-2000:]
        # The reason on standard error too, where a deploy's message looks.
        sys.stderr.write(error + "\n")
        print(json.dumps({"ok": False, "error": error}))
        return 1
    print(json.dumps({"ok": True, "skipped": False, "file": output, "size": os.path.getsize(output)}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
