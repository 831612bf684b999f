"""Dump the project's database before migrations, with the project's own
connection settings, so that no password passes through the deploy tool.

Run inside the release directory, with the release's virtualenv, as the app
user and with the app's environment:

    backup.py DATABASE_ALIAS OUTPUT_FILE

Writes a pg_dump custom-format archive (restore it with pg_restore). Prints
one JSON object; exit status 1 when the dump failed. A database that is not
PostgreSQL is reported as skipped.
"""

import json
import os
import subprocess
import sys


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
    command, environment = pg_dump_command(database, output)
    done = subprocess.run(command, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, check=False)
    if done.returncode != 0:
        if os.path.exists(output):
            os.unlink(output)
        print(json.dumps({"ok": False, "error": done.stderr.strip()[-2000:]}))
        return 1
    print(json.dumps({"ok": True, "skipped": False, "file": output, "size": os.path.getsize(output)}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
