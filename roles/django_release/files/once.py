"""Management commands that run once for the life of a site's database.

Run inside the release directory, with the release's virtualenv, as the app
user and with the app's environment:

    once.py --list COMMANDS_JSON [RERUN_JSON]
    once.py --run RELEASE_ID COMMANDS_JSON|- [RERUN_JSON]

COMMANDS_JSON is a list; each entry is a command line ("loaddata pages") or
{"name": ..., "command": "..." or [...], "environment": {...}}. A string is
its own name; "environment" holds variables set only while that command
runs (createsuperuser --noinput reads DJANGO_SUPERUSER_PASSWORD). With "-"
the list is read from standard input, so that such values never appear in
a command line. The
names of the commands that ran are recorded in the project's own database
(table deployment_django_once): the record lives with the data it describes,
so a later deploy never runs them again, whichever web host migrates, and a
database restored from before they ran gets them again. RERUN_JSON lists
names to run again even though recorded.

--list prints {"due": [names]} and changes nothing (no table is made);
--run runs the due commands in order, recording each right after it
succeeds, and prints {"ran": [...], "skipped": [...]}. Exit status 1 when a
command fails; the ones before it stay recorded.
"""

import json
import os
import shlex
import sys

TABLE = "deployment_django_once"


def normalise(commands):
    """[(name, argv, environment)] from the COMMANDS_JSON entries."""
    result = []
    for entry in commands:
        if isinstance(entry, str):
            name, command, environment = entry, entry, {}
        else:
            name, command, environment = entry["name"], entry.get("command", entry["name"]), entry.get("environment") or {}
        argv = shlex.split(command) if isinstance(command, str) else [str(part) for part in command]
        result.append((str(name), argv, {str(k): str(v) for k, v in environment.items()}))
    return result


def recorded(connection):
    """The names recorded as done; empty when the table does not exist."""
    if TABLE not in connection.introspection.table_names():
        return set()
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM %s" % connection.ops.quote_name(TABLE))
        return {row[0] for row in cursor.fetchall()}


def due(connection, commands, rerun=()):
    done = recorded(connection)
    return [name for name, argv, environment in normalise(commands) if name not in done or name in rerun]


def record(connection, name, release):
    from django.utils import timezone

    table = connection.ops.quote_name(TABLE)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS %s (name varchar(300) PRIMARY KEY, release varchar(200) NOT NULL,"
            " done_at varchar(40) NOT NULL)" % table
        )
        cursor.execute("DELETE FROM %s WHERE name = %%s" % table, [name])
        cursor.execute(
            "INSERT INTO %s (name, release, done_at) VALUES (%%s, %%s, %%s)" % table,
            [name, release, timezone.now().isoformat()],
        )


def main(argv):
    sys.path.insert(0, os.getcwd())
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if argv[0] == "--list":
        commands, rerun = json.loads(argv[1]), json.loads(argv[2]) if len(argv) > 2 else []
        print(json.dumps({"due": due(connection, commands, rerun)}))
        return 0
    release = argv[1]
    commands = json.loads(sys.stdin.read() if argv[2] == "-" else argv[2])
    rerun = json.loads(argv[3]) if len(argv) > 3 else []
    todo = set(due(connection, commands, rerun))
    ran, skipped = [], []
    for name, command, environment in normalise(commands):
        if name not in todo:
            skipped.append(name)
            continue
        sys.stderr.write("once: running %s\n" % " ".join(command))
        saved = {key: os.environ.get(key) for key in environment}
        os.environ.update(environment)
        try:
            call_command(*command)
        except BaseException:
            print(json.dumps({"ran": ran, "skipped": skipped, "failed": name}))
            raise
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
        record(connection, name, release)
        ran.append(name)
    print(json.dumps({"ran": ran, "skipped": skipped}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
