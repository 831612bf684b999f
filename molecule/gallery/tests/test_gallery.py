"""The gallery, checked from outside, on a host that got nothing from
prepare (no curl, no procps, no git): every tool the site needs came from
the roles. HTTP goes through the host's own Python.

State at verify time (side_effect.yml): deployed by the site playbook,
converged again (idempotence), a picture uploaded through nginx into a
dated folder the app made while serving, the loaded picture renamed in the
database, release two deployed by the site playbook (a reload).
"""

import json
import re

APP = "gallery"
HOME = "/srv/gallery"
MEDIA = HOME + "/shared/photos/media"
MARKERS = "/var/lib/molecule-side-effect"
FIXTURE = "photos/fixtures/media/harbour-tower.png"

HTTP = r"""
import json, sys, urllib.error, urllib.request
class Stay(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None
opener = urllib.request.build_opener(Stay)
try:
    answer = opener.open(urllib.request.Request("http://127.0.0.1" + sys.argv[1], headers={"Host": "localhost"}), timeout=20)
except urllib.error.HTTPError as error:
    answer = error
body = answer.read()
print(json.dumps({"status": answer.status, "headers": {k.lower(): v for k, v in answer.headers.items()},
                  "body": body.decode("latin-1")}))
"""


def http(host, path):
    """GET through nginx, redirects not followed: (status, headers, body)."""
    out = json.loads(host.check_output("python3 -c %s %s" % (quote(HTTP), quote(path))))
    return out["status"], out["headers"], out["body"]


def quote(text):
    return "'" + text.replace("'", "'\\''") + "'"


def psql(host, sql):
    return host.check_output("runuser -u postgres -- psql --dbname=gallery -tAc %s" % quote(sql))


def main_pid(host):
    return int(host.check_output("systemctl show --property=MainPID --value gunicorn-gallery.service"))


def environ_of(host, pid):
    # Read as the app's own user: root in a container lacks CAP_SYS_PTRACE.
    raw = host.check_output("runuser -u %s -- cat /proc/%d/environ | tr '\\0' '\\n'" % (APP, pid))
    return dict(line.split("=", 1) for line in raw.splitlines() if "=" in line)


def test_nothing_but_the_roles_installed_what_the_site_runs(host):
    # procps (/bin/kill, for the reload) and git came from the roles; the
    # tests' own curl was never installed on this host.
    assert host.package("procps").is_installed
    assert host.package("git").is_installed
    assert not host.package("curl").is_installed


def test_live_gunicorn_runs_the_production_settings(host):
    pid = main_pid(host)
    assert environ_of(host, pid)["DJANGO_SETTINGS_MODULE"] == "gallerysite.settings.production"
    children = [int(p) for p in host.check_output("ps -o pid= --ppid %d" % pid).split()]
    assert children
    for child in children:
        assert environ_of(host, child)["DJANGO_SETTINGS_MODULE"] == "gallerysite.settings.production"


def test_a_missing_page_is_not_the_debug_page(host):
    status, headers, body = http(host, "/no-such-page/")
    assert status == 404
    assert "DEBUG = True" not in body
    assert "Traceback" not in body


def test_home_redirects_anonymous_visitors_to_the_login_page(host):
    status, headers, body = http(host, "/")
    assert status == 302
    assert headers["location"] == "/accounts/login/?next=/"
    status, headers, body = http(host, "/accounts/login/")
    assert status == 200
    assert "Log in to the gallery" in body


def test_release_two_went_live_by_a_reload(host):
    before = json.loads(host.file(MARKERS + "/before_release_two.json").content_string)
    live = host.file(HOME + "/current").linked_to
    assert live.rsplit("/", 1)[1] != before["release"]
    # Reloaded (HUP through the unit's ExecReload), not restarted: the
    # same master, now with release two's workers.
    assert main_pid(host) == before["main_pid"]
    assert "failed=0" in host.file(MARKERS + "/release_two.log").content_string
    status, headers, body = http(host, "/accounts/login/")
    assert status == 200


def test_a_service_without_the_settings_module_stops_a_release_before_it_changes_anything(host):
    failure = host.file(MARKERS + "/release_three_failure").content_string
    assert "gunicorn-gallery.service would run DJANGO_SETTINGS_MODULE=(unset), not gallerysite.settings.production" in failure
    assert "python_app_env" in failure
    # Nothing was built for it, release two still serves, unrestarted.
    two = host.file(MARKERS + "/release_two").content_string.strip()
    assert sorted(host.file(HOME + "/releases").listdir())[-1] == two
    assert host.file(HOME + "/current").linked_to.endswith("/" + two)
    before = json.loads(host.file(MARKERS + "/before_release_two.json").content_string)
    assert main_pid(host) == before["main_pid"]
    assert 'DJANGO_SETTINGS_MODULE="gallerysite.settings.production"' in host.file("/etc/gallery/gallery.env").content_string


def test_the_fixture_picture_is_served_by_nginx_from_shared_media(host):
    name = psql(host, "SELECT image FROM photos_photo WHERE source = 'fixture'").strip()
    assert name.startswith("initial/")
    status, headers, body = http(host, "/media/" + name)
    assert status == 200
    assert headers["server"] == "nginx"
    assert headers["content-type"] == "image/png"
    assert body.encode("latin-1") == host.file(HOME + "/current/" + FIXTURE).content
    assert host.file(MEDIA + "/" + name).is_file


def test_the_nested_media_folder_is_a_link_into_shared(host):
    link = host.file(HOME + "/current/photos/media")
    assert link.is_symlink
    assert link.linked_to == MEDIA
    folder = host.file(MEDIA)
    assert (folder.user, folder.group, folder.mode) == (APP, "www-data", 0o2750)


def test_the_nested_fixtures_media_folder_shipped(host):
    assert host.file(HOME + "/current/" + FIXTURE).is_file


def test_an_upload_into_a_folder_made_while_serving_is_served_by_nginx(host):
    url = host.file(MARKERS + "/upload_url").content_string.strip()
    match = re.match(r"^/media/(uploads/\d{4}/\d{2}/\d{2})/[^/]+\.png$", url)
    assert match, url
    # Made by gunicorn under its UMask=0027: no access for others at all,
    # and still readable by nginx through the folder's group.
    day = host.file(MEDIA + "/" + match.group(1))
    assert (day.user, day.group, day.mode) == (APP, "www-data", 0o2750)
    status, headers, body = http(host, url)
    assert status == 200
    assert headers["content-type"] == "image/png"
    assert body.startswith("\x89PNG")


def test_the_web_server_cannot_read_the_environment_file(host):
    assert host.run("runuser -u www-data -- cat /etc/gallery/gallery.env").rc != 0
    assert host.run("runuser -u www-data -- ls %s/uploads" % MEDIA).rc == 0


def test_the_data_loading_command_ran_once(host):
    # Two releases and an idempotence run later: one picture, one file, and
    # the editor's change kept.
    assert psql(host, "SELECT count(*) FROM photos_photo WHERE source = 'fixture'").strip() == "1"
    assert psql(host, "SELECT title FROM photos_photo WHERE source = 'fixture'").strip() == "Renamed by an editor"
    assert len(host.file(MEDIA + "/initial").listdir()) == 1
    assert psql(host, "SELECT name FROM deployment_django_once").strip() == "initial pictures"


def test_the_c_extension_was_built_from_source(host):
    python = HOME + "/current/.venv/bin/python"
    out = host.check_output("%s -c 'import psycopg2, psycopg2._psycopg as c; print(c.__file__)'" % python)
    assert out.endswith(".so")
    assert host.package("libpq-dev").is_installed
    # A source build links the system's libpq, not a bundled copy.
    assert host.run("ldd %s | grep -q '/lib/.*libpq.so'" % out).rc == 0
