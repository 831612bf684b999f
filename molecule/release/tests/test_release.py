"""The release story, judged from what the load client saw through nginx
and from the database: good releases served without a failed request and,
once each deploy returned, only the new release answered; bad releases
never took traffic and lost no row; rollbacks served the release asked for."""

import json

import pytest

STORY = "/var/lib/release-story"
GOOD = ["code", "requirements", "migration"]
BAD = ["broken-urls", "broken-settings", "failing-migration", "bad-requirement", "needs-compiler", "answers-500", "database-down"]
ROLLBACKS = ["rollback", "rollback-named"]
ORDER = ["code", "locked", "requirements", "migration"] + BAD + ROLLBACKS


def chapter(host, case):
    number = "%02d" % (ORDER.index(case) + 1)
    record = json.loads(host.file("%s/%s-%s.json" % (STORY, number, case)).content_string)
    answers = []
    for line in host.file("%s/%s-%s.load" % (STORY, number, case)).content_string.splitlines():
        started, duration, status, release = line.split(" ", 3)
        answers.append((float(started), float(duration), int(status), release))
    return record, answers


def psql(host, sql, database="notes"):
    return host.check_output('runuser -u postgres -- psql -d %s -tAc "%s"' % (database, sql))


def p99(answers):
    durations = sorted(a[1] for a in answers)
    return durations[int(len(durations) * 0.99) - 1] if durations else 0.0


@pytest.mark.parametrize("case", GOOD + BAD + ROLLBACKS + ["locked"])
def test_no_request_failed_during(host, case):
    record, answers = chapter(host, case)
    failed = [a for a in answers if a[2] != 200]
    print("%s: %d requests, p99 %.3f s, deploy %.1f s" % (case, len(answers), p99(answers), record["seconds"]))
    assert len(answers) > 20
    assert failed == []


@pytest.mark.parametrize("case", GOOD + ROLLBACKS)
def test_once_the_deploy_returned_only_the_new_release_answered(host, case):
    record, answers = chapter(host, case)
    assert record["ok"], record["msg"]
    assert record["after"] != record["before"]
    after = [a for a in answers if a[0] > record["end"]]
    assert after, "no request after the deploy returned"
    assert {a[3] for a in after} == {record["after"]}
    # No flip-flop: once the new release had answered, every request sent
    # after that answer reached the new release.
    first_new_end = min(a[0] + a[1] for a in answers if a[3] == record["after"])
    assert {a[3] for a in answers if a[0] > first_new_end} == {record["after"]}


@pytest.mark.parametrize("case", BAD + ["locked"])
def test_a_bad_release_never_took_traffic(host, case):
    record, answers = chapter(host, case)
    assert not record["ok"]
    assert record["after"] == record["before"]
    assert {a[3] for a in answers} == {record["before"]}


@pytest.mark.parametrize(
    "case, words",
    [
        ("locked", ["Another deploy holds the lock", "other-run", "colleague"]),
        ("broken-urls", ["urls", "no_such_view", "still serves"]),
        ("broken-settings", ["django_release_settings_module", "these settings cannot import"]),
        ("failing-migration", ["manage.py migrate", "this migration fails on purpose", "backed up first"]),
        ("bad-requirement", ["installing the requirements", "deployment-django-no-such-package"]),
        ("needs-compiler", ["installing the requirements", "ujson", "set app_build_tools (python_app_build_tools) to true"]),
        ("answers-500", ["own socket", "answered 500", "django_release_healthcheck_status", "still serves"]),
        ("database-down", ["unapplied migrations", "still serves"]),
    ],
)
def test_the_failure_names_the_stage_and_the_cause(host, case, words):
    record = chapter(host, case)[0]
    for word in words:
        assert word in record["msg"]


def test_every_failed_release_is_marked_and_kept_for_inspection(host):
    releases = host.file("/srv/notes/releases").listdir()
    marks = [
        json.loads(host.file("/srv/notes/releases/%s/.failed" % r).content_string)
        for r in releases
        if host.file("/srv/notes/releases/%s/.failed" % r).exists
    ]
    assert len(marks) == len(BAD)
    assert all(m["stage"] and m["cause"] for m in marks)


def test_rollbacks_went_to_releases_that_served_never_to_failed_ones(host):
    migration = chapter(host, "migration")[0]
    requirements = chapter(host, "requirements")[0]
    rollback = chapter(host, "rollback")[0]
    named = chapter(host, "rollback-named")[0]
    first = host.file(STORY + "/first-release").content_string.strip()
    assert rollback["before"] == migration["after"]
    assert rollback["after"] == requirements["after"]
    assert named["after"] == first


def test_no_row_was_lost_and_the_failed_migration_left_no_trace(host):
    assert psql(host, "SELECT count(*) FROM notes_note").strip() == "25"
    columns = psql(host, "SELECT column_name FROM information_schema.columns WHERE table_name = 'notes_note'")
    assert "pinned" in columns.split()
    assert "colour" not in columns.split()


def test_new_code_started_only_once_its_migration_was_applied(host):
    # A release with a migration starts on its instance after migrate; one
    # without starts as its build ends (both within their deploy).
    migration, code = chapter(host, "migration")[0], chapter(host, "code")[0]
    applied = float(psql(host, "SELECT extract(epoch FROM max(applied)) FROM django_migrations WHERE app = 'notes'"))
    assert migration["end"] - migration["seconds"] < applied < migration["served_since"] < migration["end"]
    assert code["end"] - code["seconds"] < code["served_since"] < code["end"]


def test_only_what_was_needed_ran(host):
    code = chapter(host, "code")[0]
    requirements = chapter(host, "requirements")[0]

    def record(case):
        return json.loads(host.file("/srv/notes/releases/%s/.release.json" % case["after"]).content_string)

    # Code only: the same virtualenv; new requirements: a new one.
    first = host.file(STORY + "/first-release").content_string.strip()
    first_venv = json.loads(host.file("/srv/notes/releases/%s/.release.json" % first).content_string)["venv"]
    assert record(code)["venv"] == first_venv
    assert record(requirements)["venv"] != first_venv
    # Static files unchanged by a code-only release: linked, not collected.
    css = "/notes/site.css"

    def static(release):
        return host.file("/srv/notes/releases/%s/staticfiles%s" % (release, css))

    assert static(code["after"]).inode == static(first).inode


def test_backups_were_taken_only_before_pending_migrations_and_restore(host):
    backups = sorted(host.file("/srv/notes/backups").listdir())
    # The migration release and the failing migration; no other release had
    # a migration pending, and the first deploy's database had no table yet:
    # nothing to lose, no dump.
    migration = chapter(host, "migration")[0]
    first = host.file(STORY + "/first-release").content_string.strip()
    assert [b.split("-before-", 1)[1] for b in backups][:1] == [migration["after"] + ".dump"]
    assert not [b for b in backups if b.endswith("-before-%s.dump" % first)]
    assert len(backups) == 2
    backup_dir = host.file("/srv/notes/backups")
    assert backup_dir.user == "notes" and backup_dir.mode == 0o700
    # Restore the backup taken before the migration into a scratch database.
    host.check_output("runuser -u postgres -- dropdb --if-exists restore_check")
    host.check_output("runuser -u postgres -- createdb restore_check")
    host.check_output(
        "runuser -u postgres -- pg_restore --no-owner --dbname=restore_check < /srv/notes/backups/%s" % backups[0]
    )
    rows = psql(host, "SELECT count(*) FROM notes_note", "restore_check")
    columns = psql(host, "SELECT column_name FROM information_schema.columns WHERE table_name = 'notes_note'", "restore_check")
    host.check_output("runuser -u postgres -- dropdb restore_check")
    assert rows.strip() == "25"
    assert "pinned" not in columns.split()


def test_no_deploy_lock_is_left_behind(host):
    assert not host.file("/srv/notes/.deploy/deploy.lock").exists
