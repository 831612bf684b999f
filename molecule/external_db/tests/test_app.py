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


def test_media_outside_the_releases_is_made_for_the_app_and_served(host):
    folder = host.file("/srv/notes/shared/uploads")
    assert (folder.user, folder.group, folder.mode) == ("notes", "www-data", 0o2750)
    # Written as the service writes (its user, its UMask=0027) into a folder
    # made there and then, fetched through nginx.
    host.check_output(
        "systemd-run --quiet --wait --pipe --uid=notes --gid=notes -p UMask=0027 "
        "sh -c 'mkdir -p /srv/notes/shared/uploads/2026/11 && echo outside > /srv/notes/shared/uploads/2026/11/x.txt'"
    )
    day = host.file("/srv/notes/shared/uploads/2026/11")
    assert (day.group, day.mode) == ("www-data", 0o2750)
    out = host.check_output("curl -sS --max-time 10 -w '\\n%{http_code}' http://localhost/media/2026/11/x.txt")
    body, status = out.rsplit("\n", 1)
    assert (status, body.strip()) == ("200", "outside")
