"""Request one URL from several clients until stopped, and record every
answer: start time, duration, status and which release answered. A
connection error or a timeout is recorded with status 0.

    load_client.py URL OUTPUT [CLIENTS [TIMEOUT_SECONDS [RATE]]]

Each client starts a request every 1/RATE seconds (25 a second by default),
or as soon as the one before ended when that took longer: a steady probe
every few hundredths of a second. Without a pause, two clients kept the
cores of a 2-core test machine busy rendering pages (a scenario beside
one took about twice as long); a scenario run alone took about as long
either way. RATE 0 requests without pause.

Each line of OUTPUT: "<start epoch s> <duration s> <status> <release>".
The release comes from a body that is only the release id (/release/),
from the page's data-release attribute, or else from the first stylesheet
it links (a hashed name names the build of the release that rendered it).
"""

import http.client
import re
import signal
import sys
import threading
import time
from urllib.parse import urlsplit

RELEASE = re.compile(rb'data-release="([^"]*)"')
STYLESHEET = re.compile(rb'<link rel="stylesheet" href="([^"]*)"')
stopping = threading.Event()


def release_of(body):
    found = RELEASE.search(body) or STYLESHEET.search(body)
    if found:
        return found.group(1).decode()
    text = body.strip().decode("utf-8", "replace")
    return text if text and "\n" not in text and len(text) < 100 else "-"


def client(url, lines, lock, timeout, rate):
    parts = urlsplit(url)
    period = 1.0 / rate if rate > 0 else 0.0
    due = time.time()
    while not stopping.is_set():
        # One period after the last request started, or at once when that
        # one took longer.
        if due > time.time() and stopping.wait(due - time.time()):
            break
        started = time.time()
        due = started + period
        status, release = 0, "-"
        try:
            connection = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=timeout)
            connection.request("GET", parts.path or "/", headers={"Host": "localhost"})
            response = connection.getresponse()
            body = response.read()
            status = response.status
            release = release_of(body) if status == 200 else "-"
            connection.close()
        except (OSError, http.client.HTTPException):
            pass
        with lock:
            lines.append("%.6f %.6f %d %s\n" % (started, time.time() - started, status, release))


def main(url, output, clients=2, timeout=10.0, rate=25.0):
    lines, lock = [], threading.Lock()
    signal.signal(signal.SIGTERM, lambda *args: stopping.set())
    threads = [threading.Thread(target=client, args=(url, lines, lock, timeout, rate)) for number in range(clients)]
    for thread in threads:
        thread.start()
    with open(output, "w") as handle:
        while not stopping.is_set():
            stopping.wait(0.5)
            with lock:
                taken, lines[:] = lines[:], []
            handle.writelines(taken)
            handle.flush()
        for thread in threads:
            thread.join()
        handle.writelines(lines)


if __name__ == "__main__":
    main(
        sys.argv[1],
        sys.argv[2],
        int(sys.argv[3]) if len(sys.argv) > 3 else 2,
        float(sys.argv[4]) if len(sys.argv) > 4 else 10.0,
        float(sys.argv[5]) if len(sys.argv) > 5 else 25.0,
    )
