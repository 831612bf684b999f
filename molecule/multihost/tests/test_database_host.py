"""The database host: listens where the web hosts reach it, admits only
them. It is the worker host too: the app's Celery worker, no web server."""

import json

testinfra_hosts = ["db"]


def test_postgres_listens_on_loopback_and_the_private_address_only(host):
    listening = [s for s in host.socket.get_listening_sockets() if s.endswith(":5432")]
    address = host.interface("eth0").addresses[0]
    assert "tcp://%s:5432" % address in listening
    assert not [s for s in listening if "0.0.0.0" in s or "tcp://:::" in s], listening


def test_pg_hba_admits_the_app_role_from_each_web_host_over_tls_only(host):
    pg_hba = host.file("/etc/postgresql/15/main/pg_hba.conf").content_string
    rules = [line.split("#", 1)[0].split() for line in pg_hba.splitlines()]
    rules = [rule for rule in rules if rule]
    app_rules = [rule for rule in rules if rule[0].startswith("host")]
    web_addresses = {host.run("getent hosts %s" % web).stdout.split()[0] for web in ("web1", "web2")}
    # The worker on this host connects over loopback.
    assert {rule[3].split("/")[0] for rule in app_rules} == web_addresses | {"127.0.0.1", "::1"}
    assert all(rule[0] == "hostssl" and rule[1:3] == ["notes", "notes"] and rule[-1] == "scram-sha-256" for rule in app_rules)


def test_both_web_hosts_are_connected_over_tls(host):
    # A page from each web host opens its persistent database connection.
    for web in ("web1", "web2"):
        host.check_output("curl -sS --max-time 10 -o /dev/null -H 'Host: lb' -H 'X-Forwarded-Proto: https' http://%s/" % web)
    out = host.check_output(
        "runuser -u postgres -- psql -tAc "
        "\"select count(distinct a.client_addr), bool_and(s.ssl) from pg_stat_activity a "
        "join pg_stat_ssl s using (pid) where a.usename = 'notes' and a.client_addr <> '127.0.0.1'\""
    )
    count, all_ssl = out.split("|")
    assert int(count) == 2
    assert all_ssl == "t"


def test_migrations_ran_once_per_deploy(host):
    # Release one and release two both applied nothing twice: every migration
    # is recorded exactly once.
    out = host.check_output(
        "runuser -u postgres -- psql -d notes -tAc "
        "\"select count(*) = count(distinct (app, name)) from django_migrations\""
    )
    assert out == "t"


def live_release(host):
    return json.loads(host.file("/srv/notes/current/.release.json").content_string)["id"]


def test_the_worker_host_runs_no_web_server(host):
    assert not host.package("nginx").is_installed
    assert not host.file("/etc/systemd/system/gunicorn-notes@.service").exists
    assert not [s for s in host.socket.get_listening_sockets() if s.endswith((":80", ":443"))]
    # The scheduler and the nightly job run on one web host, not here.
    assert not host.file("/etc/systemd/system/notes-beat@.service").exists
    assert not host.file("/etc/systemd/system/notes-digest.timer").exists


def test_the_worker_runs_the_live_release_with_the_production_settings(host):
    worker = host.service("notes-worker@1")
    assert worker.is_running and worker.is_enabled
    pid = host.check_output("systemctl show --property=MainPID --value notes-worker@1.service")
    # Read as the app user: root in the container may not look into another
    # user's process.
    cwd = host.check_output("runuser -u notes -- readlink /proc/%s/cwd" % pid)
    assert cwd == "/srv/notes/releases/" + live_release(host)
    environ = host.check_output("runuser -u notes -- cat /proc/%s/environ | tr '\\0' '\\n'" % pid).splitlines()
    assert "DJANGO_SETTINGS_MODULE=notesite.settings" in environ
    assert host.check_output("stat -c %%U /proc/%s" % pid) == "notes"


def test_the_task_running_during_the_release_ended_by_warm_shutdown(host):
    journal = host.check_output("journalctl --no-pager --output=cat --unit=notes-worker@1.service")
    assert "worker: Warm shutdown (MainProcess)" in journal


def test_release_three_moved_the_worker_and_back_when_web1_failed(host):
    # This host moved first; web1 then failed, and the worker came back to
    # release two with the web hosts. Release three is marked failed here.
    newest = sorted(host.file("/srv/notes/releases").listdir())[-1]
    assert newest != live_release(host)
    assert host.file("/srv/notes/releases/%s/.failed" % newest).exists
    journal = host.check_output("journalctl --no-pager --output=cat --unit=notes-worker@1.service")
    assert journal.count("worker: Warm shutdown (MainProcess)") >= 3
