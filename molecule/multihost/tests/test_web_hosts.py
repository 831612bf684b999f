"""Each web host: the same release id, only the balancer's traffic."""

import json
import os

import testinfra

testinfra_hosts = ["web1", "web2"]


def release_of(host):
    return json.loads(host.file("/srv/notes/current/.release.json").content_string)


def test_every_web_host_runs_the_same_release_id(host):
    other = "web2" if host.backend.get_hostname() == "web1" else "web1"
    peer = testinfra.get_host("ansible://" + other, ansible_inventory=os.environ["MOLECULE_INVENTORY_FILE"])
    assert release_of(host)["id"] == release_of(peer)["id"]
    assert release_of(host)["source_digest"] == release_of(peer)["source_digest"]


def test_the_previous_release_is_kept_for_rollback(host):
    # Release one and release two; the release whose worker failed (built
    # here, never live, removed by the next successful deploy); release
    # three, which failed on web1 and never switched on web2.
    releases = host.file("/srv/notes/releases").listdir()
    assert len(releases) in (3, 4)
    assert release_of(host)["source_digest"] != json.loads(
        host.file("/srv/notes/releases/%s/.release.json" % sorted(releases)[0]).content_string
    )["source_digest"]


def test_a_failed_rollout_left_only_the_live_instance_running(host):
    """Release three: each web host started it on its idle instance as its
    build ended (app_start_early); the failure stopped it again, whether the
    host's own switch failed (web1) or it never switched (web2)."""
    lines = host.file("/var/lib/instances-after-release-three.txt").content_string.split("\n")
    live = [line.split()[1] for line in lines if line.startswith("live: ")][0].split(".")[0]
    running = [line for line in lines if line.startswith("gunicorn-notes@")]
    assert running == ["gunicorn-notes@%s.service" % live, "gunicorn-notes@%s.socket" % live]


def test_both_web_hosts_still_serve_release_two(host):
    out = host.check_output("curl -sS --max-time 10 -H 'Host: lb' -H 'X-Forwarded-Proto: https' http://localhost/")
    assert "Rolled out to every web host" in out


def test_gunicorn_serves_the_asgi_app_with_uvicorns_worker(host):
    # Which code runs, and how: the live instance's command line.
    instance = host.file("/run/gunicorn-notes/gunicorn.sock").linked_to.rsplit("/", 1)[1].split(".")[0]
    pid = host.check_output("systemctl show --property=MainPID --value gunicorn-notes@%s.service" % instance)
    command = host.file("/proc/%s/cmdline" % pid).content_string.split("\0")
    assert command[-2:] == ["notesite.asgi:application", ""] or command[-1] == "notesite.asgi:application", command
    assert command[command.index("--worker-class") + 1] == "uvicorn_worker.UvicornWorker"
    workers = host.file("/proc/%s/task/%s/children" % (pid, pid)).content_string.split()
    assert workers
    for worker in workers:
        environ = host.file("/proc/%s/environ" % worker).content_string
        assert "DJANGO_SETTINGS_MODULE=notesite.settings\0" in environ


def test_gunicorn_listens_on_its_socket_only(host):
    assert host.file("/run/gunicorn-notes/gunicorn.sock").is_socket
    # 127.0.0.11 is the container engine's own DNS resolver.
    tcp = [s for s in host.socket.get_listening_sockets() if s.startswith("tcp") and "127.0.0.11:" not in s]
    assert all(s.endswith(":80") for s in tcp), tcp


def test_the_database_server_is_verified_against_its_own_certificate(host):
    cert = host.file("/etc/notes/postgres-root.crt")
    assert cert.is_file
    assert "BEGIN CERTIFICATE" in cert.content_string
    env = host.file("/etc/notes/notes.env").content_string
    assert "sslmode=verify-ca" in env
    assert "sslrootcert=%2Fetc%2Fnotes%2Fpostgres-root.crt" in env


def test_the_scheduler_and_the_nightly_job_run_on_web1_only(host):
    first = host.backend.get_hostname() == "web1"
    assert host.file("/etc/systemd/system/notes-beat@.service").exists == first
    assert host.file("/etc/systemd/system/notes-digest.timer").exists == first
    assert not host.file("/etc/systemd/system/notes-worker@.service").exists
    if first:
        assert host.service("notes-beat@1").is_running
        assert host.service("notes-digest.timer").is_enabled
        # Its schedule file lives in its own state folder, the release being read-only.
        # (celerybeat-schedule, with a suffix of the dbm module Python has).
        state = host.file("/var/lib/notes/beat")
        assert state.user == "notes"
        assert [name for name in state.listdir() if name.startswith("celerybeat-schedule")]
        assert "Scheduler: Sending due task heartbeat" in host.check_output(
            "journalctl --no-pager --output=cat --unit=notes-beat@1.service"
        )


def test_the_scheduled_job_runs_from_the_live_release_when_started(host):
    if host.backend.get_hostname() != "web1":
        return
    live = release_of(host)["id"]
    host.check_output("systemctl start notes-digest.service")
    journal = host.check_output("journalctl --no-pager --output=cat --unit=notes-digest.service")
    assert "digest written by release %s" % live in journal
    page = host.check_output("curl -sS --max-time 10 -H 'Host: lb' -H 'X-Forwarded-Proto: https' http://localhost/")
    assert "Digest by release %s" % live in page
    assert "failed" not in host.check_output("systemctl show --property=Result --value notes-digest.service")


def test_uploads_in_the_bucket_have_no_folder_or_location_here(host):
    # MEDIA_ROOT still names the project's media/ folder: the default
    # storage is the bucket, so nothing is shared, made or served for it.
    assert not host.file("/srv/notes/current/media").exists
    assert not host.file("/srv/notes/shared/media").exists
    assert "location /media/" not in host.check_output("nginx -T 2>/dev/null")
    assert "location /static/" in host.check_output("nginx -T 2>/dev/null")
