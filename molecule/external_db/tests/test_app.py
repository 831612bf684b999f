"""The web host: the site answers, reading and writing the external database."""

import json
import os
import re

testinfra_hosts = ["app"]


def test_the_home_page_answers_through_nginx(host):
    out = host.check_output("curl -sS --max-time 10 -w '\\n%{http_code}' http://localhost/")
    body, status = out.rsplit("\n", 1)
    assert status == "200"
    assert "Hello from the notes example" in body


def test_the_release_code_is_root_s_whatever_the_source_s_modes(host):
    """This scenario ships the project by copying its pack
    (django_release_inline_max 0, as for a project too large to travel
    inline): every path root's and writable by root alone."""
    release = host.file("/srv/notes/current").linked_to
    loose = host.check_output("find %s -xdev ! -type l \\( ! -user root -o ! -group root -o -perm /022 \\) -print" % release)
    assert loose == ""
    assert host.file(release + "/notesite/settings.py").mode == 0o644


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


def test_a_migration_deployed_with_maintenance_held_showed_the_maintenance_page_then_the_site(host):
    codes = host.file("/var/lib/visitor.log").content_string.split()
    # The site, then the maintenance page while the database changed and
    # every web host switched, then the site again; nothing else.
    assert set(codes) == {"200", "503"}, codes
    first, last = codes.index("503"), len(codes) - 1 - codes[::-1].index("503")
    assert set(codes[:first]) == {"200"} and set(codes[last + 1 :]) == {"200"}
    assert set(codes[first : last + 1]) == {"503"}, codes
    log = host.file("/var/lib/migration-release.log").content_string
    assert "Switch maintenance on for the migration" in log
    assert "Switch maintenance off" in log
    # Its hook after the switch failed (as the test asked): reported, and
    # the run failed, but the release it had switched to stays live.
    assert "The after_switch hook failed, as the test asked." in log
    assert "is live on every web host and stays live" in log
    assert 'its task "Fail, when this run asks the' in log
    assert "Switched back" not in log


def test_after_maintenance_the_site_answers_and_maintenance_is_off(host):
    out = host.check_output("curl -sS --max-time 10 -w '\\n%{http_code}' http://localhost/")
    assert out.rsplit("\n", 1)[1] == "200"
    assert host.file("/etc/nginx/maintenance/notes/state.conf").contains("default 0;")


def test_the_first_deploy_into_an_empty_database_made_no_dump(host):
    # Migrations were pending, but a database without a table has nothing
    # to lose (and this host's pg_dump could not have dumped the server).
    backups = host.file("/srv/notes/backups")
    assert not backups.exists or not [name for name in backups.listdir() if name.endswith(".dump")]


def test_a_migration_needing_a_backup_this_host_cannot_make_was_refused_before_anything_changed(host):
    log = host.file("/var/lib/migration-refused.log").content_string
    for words in ("runs PostgreSQL 17", "the newest pg_dump on app is 15", "postgresql-client-17",
                  "set django_release_backup to false", "Nothing has changed", "still serves"):
        assert words in log, words
    assert "pg_dump refuses to dump a newer server" in log
    # Stopped while preparing: no migration, no switch.
    assert "Apply the database migrations" not in log and "Send new connections" not in log


def hook_calls():
    with open(os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "deploy-hooks.log")) as handle:
        return [json.loads(line) for line in handle]


def test_a_failing_hook_before_the_build_stopped_the_release_before_any_build(host):
    record = json.loads(host.file("/var/lib/hook-before-build.json").content_string)
    assert "The before_build hook failed, as the test asked." in record["output"]
    assert record["before"] == record["after"]
    for words in ("Create the folders of releases and virtualenvs", "Apply the database migrations", "Send new connections"):
        assert words not in record["output"], words


def test_the_deploy_hooks_ran_at_each_point_of_each_deploy(host):
    # The site's first deploy; the operator's own play of single roles,
    # whose django_release runs the hook before its build; the release whose
    # hook failed before the build; the release refused for its backup; the
    # migration, whose hook after the switch failed. Idempotence called none.
    calls = hook_calls()
    assert [call["stage"] for call in calls] == [
        "before_build", "after_switch", "before_build",
        "before_build", "after_failure", "before_build", "after_failure", "before_build", "after_switch",
    ]
    first, first_live, journal, hooked, hook_failed, refused, refused_failed, migration, migration_live = calls
    assert first["previous"] == "" and first["building"] == first["hosts"] == ["app"]
    assert first_live["release"] == first["release"] and first_live["switched"] == ["app"]
    # The second app's first release (same code, so the same name, in its own home).
    assert journal["previous"] == "" and journal["building"] == ["app"]
    assert hooked["previous"] == first["release"]
    assert hook_failed["step"] == "prepare" and hook_failed["failed_host"] == "app"
    assert "The before_build hook failed, as the test asked." in hook_failed["error"]
    assert refused_failed["step"] == "prepare" and "pg_dump" in refused_failed["error"]
    assert refused_failed["release"] == refused["release"]
    live = host.file("/var/lib/migration-release-id").content_string.strip()
    assert migration_live["release"] == migration["release"] == live
    assert migration_live["previous"] == first["release"]


def stylesheet(page):
    return re.search(r'href="(http://extdb:5000/notes/static/notes/site\.[0-9a-f]{12}\.css)"', page).group(1)


def test_static_files_are_collected_into_the_bucket_and_served_from_it(host):
    # The page links the store, under a hashed name, and the store answers
    # anyone; this host keeps no collected files and nginx serves none.
    css = stylesheet(host.check_output("curl -sS --fail --max-time 10 http://localhost/"))
    out = host.check_output("curl -sS --max-time 10 -w '\\n%%{http_code}' %s" % css)
    body, status = out.rsplit("\n", 1)
    assert status == "200" and ".greeting" in body
    assert not host.file("/srv/notes/current/staticfiles").exists
    site = host.file("/etc/nginx/sites-available/notes.conf").content_string
    assert "location /static/" not in site and "staticfiles" not in site
    assert "location /media/" in site  # uploads stay on this host's disk


def test_static_files_are_collected_once_per_deploy_and_only_when_they_changed(host):
    # The migration release changed the stylesheet: collected once, before
    # the switch (by the host that migrated), and its page links the new
    # file while the first release's stays in the bucket for pages it
    # rendered. The idempotence run and the refused release uploaded nothing.
    log = host.file("/var/lib/migration-release.log").content_string
    collect = re.findall(r"TASK \[deployment\.django\.django_release : Collect the static files into (\S+)\]", log)
    assert collect == ["storages.backends.s3.S3ManifestStaticStorage"], collect
    assert log.index("Collect the static files into") < log.index("Send new connections")
    refused = host.file("/var/lib/migration-refused.log").content_string
    assert "Collect the static files into" not in refused
    migration_css = stylesheet(host.file("/var/lib/migration-release-page.html").content_string)
    assert host.check_output("curl -sS --fail --max-time 10 %s" % migration_css).endswith(".pinned { font-weight: bold; }")


def test_a_rollback_puts_the_target_releases_static_files_back_in_front(host):
    # The bucket's manifest was the migration release's; the rollback
    # uploaded the first release's again, once, before its switch back.
    log = host.file("/var/lib/rollback.log").content_string
    assert re.search(r"Upload the static files to their storage again, for release \S+\][^\n]*\n(?:[^\n]*\n){0,2}changed: \[app\]", log), log[-3000:]
    page = host.check_output("curl -sS --fail --max-time 10 http://localhost/")
    migration_css = stylesheet(host.file("/var/lib/migration-release-page.html").content_string)
    assert stylesheet(page) != migration_css
    assert ".pinned" not in host.check_output("curl -sS --fail --max-time 10 %s" % stylesheet(page))
    # The newer file stays, for pages that release rendered.
    assert host.run("curl -sS --fail --max-time 10 -o /dev/null %s" % migration_css).rc == 0
