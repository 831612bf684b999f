"""gunicorn configuration: each worker answers one request in-process before
it accepts any from the socket.

Django imports a project's URLconf and views on the first request a worker
serves, not when gunicorn loads the WSGI application: an app whose imports
take seconds would make the first visitors of every new worker wait for
them. Here each worker, once it loaded the app (post_worker_init), calls it
for DEPLOYMENT_DJANGO_WARMUP_PATH with DEPLOYMENT_DJANGO_WARMUP_HOST as
Host, as nginx would forward an https request, and logs one line that names
its process, which the release reads to know every worker is warm. A
failing warm-up is logged and the worker serves anyway: the release's
health check judges the app, not this.

An ASGI app (uvicorn's worker class) is called the same way through the
ASGI interface, on an event loop of its own that ends before the worker's
server starts its loop.
"""

import asyncio
import inspect
import io
import os
import sys
import time
from http import HTTPStatus


def warm_environ(path, host):
    return {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": host,
        "SERVER_PORT": "443",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": host,
        "HTTP_X_FORWARDED_PROTO": "https",
        "HTTP_USER_AGENT": "deployment-django-warmup",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "https",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }


def warm_up(app, path, host):
    """Call ``app`` for ``path``; its status line, or the error."""
    answer = []

    def start_response(status, headers, exc_info=None):
        answer.append(status)
        return lambda data: None

    try:
        body = app(warm_environ(path, host), start_response)
        try:
            for _chunk in body:
                pass
        finally:
            if hasattr(body, "close"):
                body.close()
    except Exception as exc:  # pylint: disable=broad-except
        return "failed: %s: %s" % (type(exc).__name__, exc)
    return answer[0] if answer else "no answer"


def warm_scope(path, host):
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "https",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [
            (b"host", host.encode()),
            (b"x-forwarded-proto", b"https"),
            (b"user-agent", b"deployment-django-warmup"),
        ],
        "client": ("127.0.0.1", 0),
        "server": (host, 443),
        "state": {},
    }


def is_asgi(app):
    """An ASGI 3 app is a coroutine function, or an object whose __call__ is."""
    return inspect.iscoroutinefunction(app) or inspect.iscoroutinefunction(getattr(app, "__call__", None))


def warm_up_asgi(app, path, host):
    """Await ``app`` for ``path``; its status line, or the error."""
    answer = []

    async def call():
        requested = []

        async def receive():
            if not requested:
                requested.append(True)
                return {"type": "http.request", "body": b"", "more_body": False}
            # The client never leaves: the app stops listening once it answered.
            await asyncio.Event().wait()

        async def send(message):
            if message["type"] == "http.response.start":
                status = message["status"]
                try:
                    answer.append("%d %s" % (status, HTTPStatus(status).phrase))
                except ValueError:
                    answer.append("%d" % status)

        await app(warm_scope(path, host), receive, send)

    try:
        asyncio.run(call())
    except Exception as exc:  # pylint: disable=broad-except
        return "failed: %s: %s" % (type(exc).__name__, exc)
    return answer[0] if answer else "no answer"


def post_worker_init(worker):
    path = os.environ.get("DEPLOYMENT_DJANGO_WARMUP_PATH", "")
    if not path:
        return
    started = time.monotonic()
    host = os.environ.get("DEPLOYMENT_DJANGO_WARMUP_HOST", "localhost")
    status = (warm_up_asgi if is_asgi(worker.wsgi) else warm_up)(worker.wsgi, path, host)
    # Straight to the error log (the journal), whatever gunicorn's log level.
    sys.stderr.write(
        "deployment-django warmup: worker %d answered %s %s in %.1f s\n" % (os.getpid(), path, status, time.monotonic() - started)
    )
    sys.stderr.flush()
