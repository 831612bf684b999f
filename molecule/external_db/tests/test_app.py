"""The web host: the site answers, reading and writing the external database."""

testinfra_hosts = ["app"]


def test_the_home_page_answers_through_nginx(host):
    out = host.check_output("curl -sS --max-time 10 -w '\\n%{http_code}' http://localhost/")
    body, status = out.rsplit("\n", 1)
    assert status == "200"
    assert "Hello from the notes example" in body


def test_no_postgres_runs_on_the_web_host(host):
    assert not host.package("postgresql").is_installed
    assert not host.file("/etc/postgresql").exists


def test_the_password_reaches_the_driver_intact(host):
    out = host.check_output(
        "systemd-run --quiet --wait --pipe --uid=notes --gid=notes -p EnvironmentFile=/etc/notes/notes.env "
        "--working-directory=/srv/notes/current -E DJANGO_SETTINGS_MODULE=notesite.settings "
        "/srv/notes/current/.venv/bin/python -c "
        "'import django; django.setup(); from django.db import connection; connection.ensure_connection(); "
        "print(connection.settings_dict[\"PASSWORD\"])'"
    )
    assert out == "ext: p@ss/w?rd#3 %2F :@ end"
