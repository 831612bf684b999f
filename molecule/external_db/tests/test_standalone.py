"""The journal: single roles from an operator's own playbook (standalone.yml),
behind the operator's nginx, on the operator's PostgreSQL, beside the site's
own app on the same host."""

import json

testinfra_hosts = ["app"]


def get(host, url, hostname):
    out = host.check_output("curl -sS --max-time 10 -H 'Host: %s' -w '\\n%%{http_code}' %s" % (hostname, url))
    body, status = out.rsplit("\n", 1)
    return status, body


def test_the_journal_answers_through_the_operators_nginx(host):
    live = host.file("/srv/journal/current").linked_to
    status, body = get(host, "http://127.0.0.1:8080/release/", "journal.test")
    assert status == "200"
    assert live.rsplit("/", 1)[1] in body


def test_the_operators_nginx_serves_the_journals_static_files(host):
    status, body = get(host, "http://127.0.0.1:8080/static/notes/site.css", "journal.test")
    assert status == "200"
    assert "{" in body


def test_the_site_app_still_answers_beside_it(host):
    status, body = get(host, "http://127.0.0.1/", "localhost")
    assert status == "200"
    assert "Hello from the notes example" in body


def test_every_role_found_the_journal_by_its_name_alone(host):
    # One account, one home, one environment file, one unit, one socket.
    assert host.user("journal").exists
    assert host.file("/etc/journal/journal.env").group == "journal"
    link = host.file("/run/gunicorn-journal/gunicorn.sock")
    assert link.is_symlink
    instance = link.linked_to.rsplit("/", 1)[1][: -len(".sock")]
    assert host.service("gunicorn-journal@%s" % instance).is_running
    assert host.socket("unix:///run/gunicorn-journal/%s.sock" % instance).is_listening
    assert host.file("/srv/journal/current").is_symlink
    # No nginx site of the collection's for it: the operator's own serves it.
    assert not host.file("/etc/nginx/sites-available/journal.conf").exists
    # python_app built no virtualenv of its own that nothing would use.
    assert not host.file("/srv/journal/venv").exists


def test_the_journals_workers_run_its_code_with_its_settings(host):
    instance = host.file("/run/gunicorn-journal/gunicorn.sock").linked_to.rsplit("/", 1)[1][: -len(".sock")]
    master = host.check_output("systemctl show -p MainPID --value gunicorn-journal@%s" % instance)
    workers = host.check_output("cat /proc/%s/task/%s/children" % (master, master)).split()
    assert workers
    for pid in [master] + workers:
        environ = host.check_output(
            "systemd-run --quiet --wait --pipe --uid=journal --gid=journal cat /proc/%s/environ | tr '\\0' '\\n'" % pid
        ).splitlines()
        assert "DJANGO_SETTINGS_MODULE=notesite.settings" in environ
        # As the app user: root in these containers may not read another
        # user's /proc links (no CAP_SYS_PTRACE).
        cwd = host.check_output("systemd-run --quiet --wait --pipe --uid=journal --gid=journal readlink /proc/%s/cwd" % pid)
        assert cwd == host.file("/srv/journal/current").linked_to
        user = host.check_output("stat -c %%U /proc/%s" % pid)
        assert user == "journal"


def test_the_journal_migrated_its_own_database(host):
    out = host.check_output(
        "systemd-run --quiet --wait --pipe --uid=journal --gid=journal -p EnvironmentFile=/etc/journal/journal.env "
        "--working-directory=/srv/journal/current "
        "/srv/journal/current/.venv/bin/python -c "
        "'import json, django; django.setup(); from django.db import connection; "
        "c = connection.cursor(); c.execute(\"select count(*) from django_migrations\"); "
        "print(json.dumps([connection.settings_dict[\"NAME\"], c.fetchone()[0]]))'"
    )
    name, migrations = json.loads(out)
    assert name == "journal"
    assert migrations > 0
