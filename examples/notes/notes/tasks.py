"""Background tasks of the example. Each answers which release ran it, so a
deploy can be watched from outside: a task queued after a release must be
run by that release, and one running during it must finish."""
import os
import socket
import time

from celery import shared_task
from django.conf import settings


def _live_release():
    """The release the `current` link points at now (beside releases/)."""
    current = settings.BASE_DIR.parent.parent / "current"
    return os.path.basename(os.path.realpath(current)) if current.is_symlink() else None


@shared_task
def whoami(hold=False, hold_limit=180):
    """Which release and host ran this task. With ``hold``, keep running
    until `current` moves to another release (a deploy switching this host),
    then a few seconds more: the task is running when its worker is told to
    stop, and must still finish."""
    started = time.time()
    live_at_start = _live_release()
    saw_switch = False
    if hold:
        while time.time() - started < hold_limit:
            if _live_release() != live_at_start:
                saw_switch = True
                time.sleep(3)
                break
            time.sleep(0.2)
    return {
        "release": settings.RELEASE,
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "started": started,
        "finished": time.time(),
        "live_at_start": live_at_start,
        "live_at_end": _live_release(),
        "saw_switch": saw_switch,
    }


@shared_task
def heartbeat():
    """Sent by the scheduler (celery beat) every 30 seconds."""
    return {"release": settings.RELEASE, "host": socket.gethostname(), "at": time.time()}
