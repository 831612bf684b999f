"""gunicorn's warm-up hook (roles/gunicorn/files/warmup.py): each worker
calls the app in-process before it accepts requests, as nginx would
forward an https request, and never dies of a failing app."""

import importlib.util
import pathlib

import pytest

HOOK = pathlib.Path(__file__).resolve().parents[3] / "roles" / "gunicorn" / "files" / "warmup.py"
spec = importlib.util.spec_from_file_location("warmup", HOOK)
warmup = importlib.util.module_from_spec(spec)
spec.loader.exec_module(warmup)


class Worker:
    def __init__(self, app):
        self.wsgi = app


def test_the_app_answers_the_path_as_an_https_request_for_the_host(monkeypatch, capsys):
    seen = {}

    def app(environ, start_response):
        seen.update(environ)
        start_response("302 Found", [("Location", "/accounts/login/")])
        return [b"moved"]

    monkeypatch.setenv("DEPLOYMENT_DJANGO_WARMUP_PATH", "/accounts/login/")
    monkeypatch.setenv("DEPLOYMENT_DJANGO_WARMUP_HOST", "www.example.com")
    warmup.post_worker_init(Worker(app))
    assert (seen["PATH_INFO"], seen["HTTP_HOST"], seen["wsgi.url_scheme"]) == ("/accounts/login/", "www.example.com", "https")
    assert seen["HTTP_X_FORWARDED_PROTO"] == "https"
    assert "answered /accounts/login/ 302 Found in" in capsys.readouterr().err


def test_a_failing_app_is_logged_and_the_worker_lives_on(monkeypatch, capsys):
    def app(environ, start_response):
        raise RuntimeError("settings cannot import")

    monkeypatch.setenv("DEPLOYMENT_DJANGO_WARMUP_PATH", "/")
    warmup.post_worker_init(Worker(app))
    assert "answered / failed: RuntimeError: settings cannot import" in capsys.readouterr().err


def test_without_a_path_nothing_is_called(monkeypatch):
    monkeypatch.delenv("DEPLOYMENT_DJANGO_WARMUP_PATH", raising=False)

    def app(environ, start_response):
        raise AssertionError("called")

    warmup.post_worker_init(Worker(app))


def test_the_body_is_consumed_and_closed():
    closed = []

    class Body(list):
        def close(self):
            closed.append(True)

    def app(environ, start_response):
        start_response("200 OK", [])
        return Body([b"a", b"b"])

    assert warmup.warm_up(app, "/", "localhost") == "200 OK"
    assert closed == [True]


def test_an_asgi_app_is_awaited_for_the_path_as_an_https_request(monkeypatch, capsys):
    seen = {}

    async def app(scope, receive, send):
        seen.update(scope)
        seen["request"] = await receive()
        await send({"type": "http.response.start", "status": 302, "headers": [(b"location", b"/accounts/login/")]})
        await send({"type": "http.response.body", "body": b"moved"})

    monkeypatch.setenv("DEPLOYMENT_DJANGO_WARMUP_PATH", "/accounts/login/")
    monkeypatch.setenv("DEPLOYMENT_DJANGO_WARMUP_HOST", "www.example.com")
    warmup.post_worker_init(Worker(app))
    assert (seen["type"], seen["path"], seen["scheme"]) == ("http", "/accounts/login/", "https")
    assert (b"host", b"www.example.com") in seen["headers"]
    assert (b"x-forwarded-proto", b"https") in seen["headers"]
    assert seen["request"] == {"type": "http.request", "body": b"", "more_body": False}
    assert "answered /accounts/login/ 302 Found in" in capsys.readouterr().err


def test_an_asgi_app_object_is_told_from_a_wsgi_one():
    class Router:
        async def __call__(self, scope, receive, send):
            raise RuntimeError("websocket only")

    def wsgi(environ, start_response):
        return []

    assert warmup.is_asgi(Router())
    assert not warmup.is_asgi(wsgi)
    assert warmup.warm_up_asgi(Router(), "/", "localhost") == "failed: RuntimeError: websocket only"


def test_django_asgi_handler_answers_and_stops_listening(monkeypatch):
    # Django's handler waits for the client to leave in a task of its own;
    # the warm-up must end once the answer is sent, not hang.
    django = pytest.importorskip("django")
    from django.conf import settings
    from django.http import HttpResponse
    from django.test import override_settings
    from django.urls import path

    if not settings.configured:
        settings.configure(INSTALLED_APPS=[], ROOT_URLCONF=__name__, USE_TZ=True)
        django.setup()
    from django.core.handlers.asgi import ASGIHandler

    urls = type("urls", (), {"urlpatterns": [path("ready/", lambda request: HttpResponse("ok", status=201))]})
    with override_settings(ALLOWED_HOSTS=["www.example.com"], ROOT_URLCONF=urls):
        assert warmup.warm_up_asgi(ASGIHandler(), "/ready/", "www.example.com") == "201 Created"
        assert warmup.warm_up_asgi(ASGIHandler(), "/missing/", "www.example.com") == "404 Not Found"
