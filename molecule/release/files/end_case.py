"""End one chapter of the release story: keep the load on a little after
the deploy returned, stop it, and write the chapter's record.

    end_case.py RECORD LOAD_UNIT SECONDS < what the controller knows (JSON)

The controller's part of the record holds case, ok, msg, before and start
(epoch seconds the deploy started). This adds end (when the deploy
returned: the moment this began), after (the release live once the load
stopped), seconds (how long the deploy took) and served_since (when the
gunicorn instance that serves started its main process, epoch seconds).
"""

import json
import os
import subprocess
import sys
import time


def main():
    end = time.time()
    record_path, unit, linger = sys.argv[1], sys.argv[2], float(sys.argv[3])
    record = json.load(sys.stdin)
    time.sleep(linger)
    subprocess.run(["systemctl", "stop", unit], check=True)
    record["end"] = end
    record["after"] = os.path.basename(os.readlink("/srv/notes/current"))
    record["seconds"] = end - record.pop("start")
    instance = os.readlink("/run/gunicorn-notes/gunicorn.sock").split(".")[0]
    since = subprocess.run(
        ["systemctl", "show", "gunicorn-notes@%s.service" % instance, "--property=ExecMainStartTimestampMonotonic", "--value"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    # Monotonic microseconds since boot, turned into wall-clock time.
    record["served_since"] = time.time() - (time.clock_gettime(time.CLOCK_MONOTONIC) - int(since) / 1e6)
    with open(record_path, "w", encoding="utf-8") as out:
        json.dump(record, out, indent=4)
        out.write("\n")


if __name__ == "__main__":
    main()
