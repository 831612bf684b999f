"""gunicorn's warm-up hook (roles/gunicorn/files/warmup.py): each worker
calls the app in-process before it accepts requests, as nginx would
forward an https request, and never dies of a failing app."""

import importlib.util
import pathlib

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
