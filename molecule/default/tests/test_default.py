"""What a user checks on a deployed site, through the front door first.

State at verify time (see side_effect.yml): release one was deployed by the
site playbook from a folder, a file was uploaded, release two came from git,
a broken release three failed, a rollback served release one, and release
two was deployed again from an archive.
"""

import json
import pathlib
import re

import pytest

APP = "notes"
LOCAL_VARS = pathlib.Path(__file__).resolve().parents[3] / "inventories" / "local" / "group_vars" / "all.yml"
HOME = "/srv/notes"
GREETING_TWO = "Release two of the notes example"
MARKERS = "/var/lib/molecule-side-effect"


def http(host, path, sock=None, headers=()):
    """GET through nginx (or a unix socket): (status, headers, body)."""
    args = ["curl", "-sS", "--path-as-is", "--max-time", "10", "-D", "-", "-o", "/dev/stdout"]
    if sock:
        args += ["--unix-socket", sock]
    for header in headers:
        args += ["-H", header]
    args.append("http://localhost" + path)
    out = host.check_output(" ".join("'%s'" % a.replace("'", "'\\''") for a in args))
    head, body = out.split("\r\n\r\n", 1)
    lines = head.split("\r\n")
    status = int(lines[0].split()[1])
    fields = {}
    for line in lines[1:]:
        name, value = line.split(":", 1)
        fields[name.strip().lower()] = value.strip()
    return status, fields, body


def test_home_page_answers_through_nginx_with_the_new_release(host):
    status, headers, body = http(host, "/")
    assert status == 200
    assert headers["server"] == "nginx"
    assert GREETING_TWO in body
    assert "Uploaded before release two" in body  # read from PostgreSQL


def test_admin_login_answers(host):
    status, body = http(host, "/admin/login/")[::2]
    assert status == 200
    assert "Django administration" in body


def test_static_files_come_from_nginx_not_django(host):
    body = http(host, "/")[2]
    css = re.search(r'href="(/static/notes/site\.[0-9a-f]{12}\.css)"', body).group(1)
    status, headers, content = http(host, css)
    assert status == 200
    assert headers["content-type"] == "text/css"
    assert "max-age=31536000" in headers["cache-control"]
    assert "immutable" in headers["cache-control"]
    assert ".greeting" in content
    # Django itself does not serve it (DEBUG is off): only nginx can have.
    status = http(host, css, sock="/run/gunicorn-notes/gunicorn.sock")[0]
    assert status == 404


def test_media_uploaded_before_a_release_is_still_served(host):
    url = host.file(MARKERS + "/media_url").content_string.strip()
    status, headers, body = http(host, url)
    assert status == 200
    assert body.strip() == "media outlives releases"
    assert "sandbox" in headers["content-security-policy"]
    upload = host.file(HOME + "/shared/media/" + url.split("/media/", 1)[1])
    assert upload.is_file
    assert upload.user == APP


@pytest.mark.parametrize("path", ["/.env", "/.git/config", "/static/../manage.py", "/media/../.release.json"])
def test_source_dotfiles_and_environment_are_never_served(host, path):
    status, body = http(host, path)[::2]
    assert status == 404
    assert "SECRET" not in body


def test_the_distribution_default_site_is_gone(host):
    assert not host.file("/etc/nginx/sites-enabled/default").exists
    status, body = http(host, "/", headers=["Host: unknown.example"])[::2]
    assert "Welcome to nginx" not in body
    assert status == 400  # Django refuses hosts outside ALLOWED_HOSTS


def test_the_app_table_exists_and_holds_the_upload(host):
    out = host.check_output(
        "runuser -u postgres -- psql -d notes -tAc "
        "\"select count(*), min(tableowner) from notes_note, pg_tables where tablename = 'notes_note'\""
    )
    count, owner = out.split("|")
    assert int(count) >= 1
    assert owner == APP


def test_the_app_role_is_not_a_superuser_and_owns_its_database(host):
    out = host.check_output(
        "runuser -u postgres -- psql -tAc "
        "\"select r.rolsuper, r.rolcreatedb, r.rolcreaterole, pg_get_userbyid(d.datdba) "
        "from pg_roles r, pg_database d where r.rolname = 'notes' and d.datname = 'notes'\""
    )
    assert out == "f|f|f|notes"
    stored = host.check_output(
        "runuser -u postgres -- psql -tAc \"select left(rolpassword, 13) from pg_authid where rolname = 'notes'\""
    )
    assert stored == "SCRAM-SHA-256"


def test_postgres_listens_on_loopback_only(host):
    sockets = host.socket.get_listening_sockets()
    postgres = [s for s in sockets if s.endswith(":5432")]
    assert postgres
    assert all(s.startswith(("tcp://127.0.0.1:", "tcp://::1:")) for s in postgres), postgres


def test_pg_hba_admits_only_the_app_role_and_local_administration(host):
    pg_hba = host.file("/etc/postgresql/15/main/pg_hba.conf").content_string
    rules = [line.split("#", 1)[0].split() for line in pg_hba.splitlines()]
    rules = [rule for rule in rules if rule]
    assert ["local", "all", "postgres", "peer"] in [r[:4] for r in rules]
    for rule in rules:
        if rule[0] == "host":
            assert rule[1:3] == ["notes", "notes"], rule
            assert rule[-1] == "scram-sha-256", rule
    assert not any(r[0] == "local" and r[2] == "all" for r in rules)
    # No rule lets anyone in without a password, or with a weaker one.
    assert not [r for r in rules if r[-1] in ("trust", "md5", "password", "ident")], rules
    encryption = host.check_output("runuser -u postgres -- psql -tAc 'show password_encryption'")
    assert encryption == "scram-sha-256"


def live_unit(host):
    """The gunicorn instance nginx's socket link points at."""
    target = host.check_output("readlink /run/gunicorn-notes/gunicorn.sock")
    assert target in ("blue.sock", "green.sock"), target
    return "gunicorn-notes@%s.service" % target[: -len(".sock")]


def test_gunicorn_runs_as_the_app_user_under_its_socket(host):
    unit = live_unit(host)
    main_pid = host.check_output("systemctl show -p MainPID --value %s" % unit)
    assert int(main_pid) > 0
    # The master and its workers, by owner; no procps on the host.
    pids = [main_pid] + host.check_output("cat /proc/%s/task/%s/children" % (main_pid, main_pid)).split()
    users = [host.check_output("stat -c %%U /proc/%s" % pid) for pid in pids]
    assert len(users) >= 2
    assert set(users) == {APP}
    assert host.service(unit.replace(".service", ".socket")).is_running
    link = host.file("/run/gunicorn-notes/gunicorn.sock")
    assert link.is_symlink
    sock = host.file("/run/gunicorn-notes/" + link.linked_to.split("/")[-1])
    assert sock.is_socket
    assert sock.group == "www-data"
    assert sock.mode == 0o660


def test_only_the_live_instance_runs_and_starts_at_boot(host):
    unit = live_unit(host)
    instance = unit.split("@")[1].split(".")[0]
    idle = "green" if instance == "blue" else "blue"
    assert host.service(unit).is_running
    assert host.service(unit).is_enabled
    # The old instance stops on a timer after its drain, not during the
    # deploy: wait for the timer, if it has not fired yet.
    retire = "gunicorn-notes-retire-%s" % idle
    host.run("timeout 60 sh -c 'while systemctl is-active --quiet %s.timer %s.service; do sleep 1; done'" % (retire, retire))
    assert not host.service("gunicorn-notes@%s.service" % idle).is_running
    assert not host.service("gunicorn-notes@%s.service" % idle).is_enabled
    # A stopped instance leaves no socket a late connection could wake.
    assert not host.file("/run/gunicorn-notes/%s.sock" % idle).exists
    assert host.file("/srv/notes/%s" % instance).linked_to == host.file("/srv/notes/current").linked_to
    # After a reboot (/run is empty) the link comes back, naming the live one.
    tmpfiles = host.file("/etc/tmpfiles.d/gunicorn-notes.conf").content_string
    assert "L+ /run/gunicorn-notes/gunicorn.sock - - - - %s.sock" % instance in tmpfiles


def test_gunicorn_is_sandboxed(host):
    show = host.check_output(
        "systemctl show %s -p ProtectSystem -p NoNewPrivileges -p PrivateTmp -p User" % live_unit(host)
    )
    props = dict(line.split("=", 1) for line in show.splitlines())
    assert props == {"ProtectSystem": "strict", "NoNewPrivileges": "yes", "PrivateTmp": "yes", "User": APP}


def test_systemd_rates_the_gunicorn_unit_well_sandboxed(host):
    # systemd's own yardstick, not ours: 0 is locked down, 10 is exposed.
    unit = live_unit(host)
    out = host.check_output("systemd-analyze security --no-pager %s" % unit)
    exposure = float(re.search(r"Overall exposure level for %s: ([0-9.]+)" % re.escape(unit), out).group(1))
    assert exposure <= 2.0, out


def test_environment_file_is_closed_to_other_users(host):
    env = host.file("/etc/notes/notes.env")
    assert env.user == "root"
    assert env.group == APP
    assert env.mode == 0o640
    assert host.file("/etc/notes").mode == 0o750


def test_environment_values_reach_the_app_exactly(host):
    expected = "p@ss:w/rd \"dq\" 'sq' $HOME ${PATH} `id` back\\slash %&#?"
    out = host.check_output(
        "systemd-run --quiet --wait --pipe --uid=notes --gid=notes "
        "-p EnvironmentFile=/etc/notes/notes.env printenv NASTY_VALUE"
    )
    assert out == expected


def test_code_and_virtualenvs_are_read_only_for_the_app(host):
    release = host.file(HOME + "/current").linked_to
    for path in (release, release + "/notesite/settings.py", release + "/staticfiles", HOME + "/venvs"):
        f = host.file(path)
        assert f.user == "root", path
        assert not f.mode & 0o022, path


def test_the_code_the_app_imports_is_compiled_by_root(host):
    # The app user cannot write bytecode into root's release and
    # virtualenv: without it there, every worker would compile Django again.
    release = host.file(HOME + "/current").linked_to
    venv = host.file(release + "/.venv").linked_to
    compiled = (
        release + "/notesite/__pycache__/settings.*.pyc",
        venv + "/lib/python3*/site-packages/django/__pycache__/__init__.*.pyc",
    )
    for pattern in compiled:
        path = host.check_output("ls %s" % pattern).split()[0]
        f = host.file(path)
        assert f.user == "root", path
        assert not f.mode & 0o022, path
    assert host.file(venv + "/.bytecode").exists


def release_infos(host):
    releases = sorted(host.file(HOME + "/releases").listdir())
    return [json.loads(host.file("%s/releases/%s/.release.json" % (HOME, r)).content_string) for r in releases]


def test_current_is_release_two_from_the_archive(host):
    release = host.file(HOME + "/current")
    assert release.is_symlink
    info = json.loads(host.file(release.linked_to + "/.release.json").content_string)
    assert info["source_type"] == "archive"
    assert info["id"] == release.linked_to.rsplit("/", 1)[1]
    assert info["id"] == release_infos(host)[-1]["id"]


def test_each_source_type_made_a_release(host):
    assert [i["source_type"] for i in release_infos(host)] == ["directory", "git", "archive"]


def test_releases_with_equal_requirements_share_one_virtualenv(host):
    assert len({i["venv"] for i in release_infos(host)}) == 1
    assert len(host.file(HOME + "/venvs").listdir()) == 1


def test_the_broken_release_failed_and_left_the_live_one_serving(host):
    failure = host.file(MARKERS + "/release_three_failure").content_string
    assert "django_release_settings_module notesite.settings" in failure
    assert "settings cannot import" in failure
    assert "still serves" in failure
    infos = release_infos(host)
    # Release one, release two, release two again: the broken one is gone.
    assert len(infos) == 3
    assert all(i["settings"]["static_url"] == "/static/" for i in infos)


def test_every_gunicorn_worker_serves_the_current_release(host):
    out = host.check_output(
        "python3 /usr/local/lib/deployment-django/serving.py "
        "$(systemctl show -p MainPID --value %s) %s/current 5 --user %s" % (live_unit(host), HOME, APP)
    )
    assert json.loads(out)["ok"] is True


def test_a_dry_run_of_the_site_on_the_converged_host_changes_nothing(host):
    log = host.file("/var/lib/dry-run.log").content_string
    assert log.startswith("rc=0\n"), log[-3000:]
    assert re.search(r"django-default\s+: ok=\d+\s+changed=0\s+unreachable=0\s+failed=0", log), log[-3000:]


def test_a_release_starting_on_a_draining_instance_cancelled_its_stop_first(host):
    # After the rollback (a 900 s drain) one instance was left draining with
    # its stop timer pending; release two then started on that instance.
    timers = host.file("%s/draining-after-rollback.txt" % MARKERS).content_string.split()
    live = live_unit(host).split("@")[1].split(".")[0]
    assert timers == ["gunicorn-notes-retire-%s.timer" % live]
    # Its timer is gone: nothing will stop the live instance.
    assert not host.service("gunicorn-notes-retire-%s.timer" % live).is_running
    assert host.service(live_unit(host)).is_running


def test_a_run_whose_inputs_did_not_change_still_puts_hand_edits_back(host):
    # The idempotence step proved a second run changes nothing (the roles
    # skip their steps on their stamps); hand edits make the stamps stale.
    log = host.file("/var/lib/over-hand-edits.log").content_string
    for task in ("Write the site, tested with nginx -t before it lands",
                 "Write the application environment to /etc/notes/notes.env",
                 "Start nginx and enable it at boot",
                 "Create the login role without superuser rights",
                 "Keep other roles out of the application database"):
        assert re.search(r"TASK \[deployment\.django\.\w+ : %s\] \**\n(?:.*\n)?changed:" % re.escape(task), log), task
    # The password is the inventory's again (the app answers from the
    # database), and PUBLIC is out again.
    assert host.run("curl -fsS -o /dev/null -H 'Host: localhost' http://127.0.0.1/").rc == 0
    public = host.run("runuser -u postgres -- psql -Atc \"SELECT has_database_privilege('public', 'notes', 'CONNECT')\"")
    assert public.stdout.strip() == "f", public.stderr
    assert "# edited by hand" not in host.file("/etc/nginx/sites-available/notes.conf").content_string
    assert host.file("/etc/notes/notes.env").mode == 0o640
    assert host.service("nginx").is_running
    stamps = host.file("/var/lib/deployment-django/stamps")
    assert stamps.mode == 0o700
    assert sorted(stamps.listdir()) == ["notes-gunicorn.json", "notes-nginx_static.json", "notes-packages.json", "notes-postgres.json",
                                        "notes-processes.json", "notes-python_app.json"]


def test_a_converged_database_is_read_once_and_left_alone(host):
    # On a converged host the one read of the server finds the role, its
    # password and the database as configured: the steps that set them are
    # skipped (the dry run shows it; idempotence shows nothing changed).
    log = host.file("/var/lib/dry-run.log").content_string
    for task in ("Create the login role without superuser rights", "Create the database owned by the app role",
                 "Keep other roles out of the application database"):
        assert re.search(r"TASK \[deployment\.django\.postgres : %s\] \**\n(?:(?!TASK \[).*\n)*?skipping: \[" % re.escape(task), log), task


def test_no_secret_appears_in_a_very_verbose_run(host):
    from urllib.parse import quote

    import yaml

    inputs = yaml.safe_load(LOCAL_VARS.read_text())
    password, key = inputs["app_db_password"], inputs["app_env"]["DJANGO_SECRET_KEY"]
    log = host.file("/var/lib/dry-run.log").content_string
    secrets = [password, quote(password, safe=""), key]
    assert "ESTABLISH" in log  # it really ran with -vvv
    for secret in secrets:
        assert secret not in log


def maintenance(host, state):
    seen = dict(line.split() for line in host.file("%s/maintenance-%s.txt" % (MARKERS, state)).content_string.splitlines())
    return seen, host.file("%s/maintenance-%s.answer" % (MARKERS, state)).content_string


def test_maintenance_on_answers_503_with_the_page_to_visitors_only(host):
    seen, answer = maintenance(host, "on")
    assert seen == {"visitor": "503", "allowed": "200", "other": "503", "host": "200", "static": "200"}
    head, body = answer.split("\r\n\r\n", 1)
    assert head.startswith("HTTP/1.1 503")
    assert "\r\nRetry-After: 600" in head
    assert "Down for maintenance" in body


def test_maintenance_off_serves_everyone_again(host):
    seen, answer = maintenance(host, "off")
    assert seen == {"visitor": "200", "allowed": "200", "other": "200", "host": "200", "static": "200"}
    assert answer.startswith("HTTP/1.1 200")


@pytest.mark.parametrize("state", ["on", "off"])
def test_switching_maintenance_twice_changes_nothing_the_second_time(host, state):
    log = host.file("%s/maintenance-%s-again.log" % (MARKERS, state)).content_string
    assert re.search(r"django-default\s+: ok=\d+\s+changed=0\s+unreachable=0\s+failed=0", log), log[-2000:]
