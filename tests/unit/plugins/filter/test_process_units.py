"""process_units: which units a host runs for the app's processes and
jobs, and a clear error for every bad declaration."""

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.deployment.django.plugins.filter.process_units import process_instances, process_unit_files, process_units

GROUPS = {"django_web": ["web1", "web2"], "workers": ["work1", "work2"], "empty": []}
RELEASE = "/srv/blog/current"


def units(services, schedules=None, host="web1"):
    return process_units(services, schedules=schedules, host=host, groups=GROUPS, app="blog", release=RELEASE)


def test_a_celery_worker_runs_from_the_release_virtualenv_on_every_web_host():
    for host in ("web1", "web2"):
        found = units([{"name": "worker", "command": "celery -A blog worker --concurrency 2", "instances": 2}], host=host)
        (service,) = found["services"]
        assert service["argv"] == ["/srv/blog/current/.venv/bin/celery", "-A", "blog", "worker", "--concurrency", "2"]
        assert service["unit"] == "blog-worker"
        assert service["instances"] == [1, 2]
        assert (service["stop_signal"], service["stop_timeout"]) == ("SIGTERM", 30)
    assert units([{"name": "worker", "command": "celery worker"}], host="work1")["services"] == []


def test_a_management_command_runs_with_the_virtualenv_python():
    found = units([{"name": "queue", "command": ["manage.py", "process_queue", "--loop"], "stop_signal": "SIGINT"}])
    assert found["services"][0]["argv"] == ["/srv/blog/current/.venv/bin/python", "manage.py", "process_queue", "--loop"]
    assert found["services"][0]["stop_signal"] == "SIGINT"


def test_a_singleton_runs_on_the_first_web_host_only():
    beat = [{"name": "beat", "command": "celery -A blog beat", "hosts": "one"}]
    assert [h for h in ("web1", "web2") if units(beat, host=h)["services"]] == ["web1"]


def test_a_worker_group_runs_its_processes_and_web_hosts_do_not():
    worker = [{"name": "worker", "command": "celery -A blog worker", "hosts": "workers"}]
    assert units(worker, host="work1")["services"][0]["name"] == "worker"
    assert units(worker, host="web1")["services"] == []


def test_a_job_runs_once_across_hosts_unless_told_otherwise():
    job = [{"name": "sessions", "command": "manage.py clearsessions", "on_calendar": "daily", "randomized_delay": 600}]
    assert units([], job, host="web1")["jobs"][0]["on_calendar"] == "daily"
    assert units([], job, host="web2")["jobs"] == []
    everywhere = [dict(job[0], once=False)]
    assert units([], everywhere, host="web2")["jobs"][0]["randomized_delay"] == 600


@pytest.mark.parametrize(
    "services, schedules, words",
    [
        ("worker", [], ["app_processes must be a list"]),
        ([{"name": "Worker!", "command": "celery"}], [], ["app_processes[0]", "short lower-case name"]),
        ([{"name": "w", "command": ""}], [], ["app_processes[0] (w)", "command"]),
        ([{"name": "w", "command": "bin/celery"}], [], ["neither manage.py"]),
        ([{"name": "w", "command": "celery", "instances": 0}], [], ["instances must be a whole number of at least 1"]),
        ([{"name": "w", "command": "celery", "stop_signal": "STOP"}], [], ["stop_signal must be one of"]),
        ([{"name": "w", "command": "celery", "hosts": "nowhere"}], [], ["there is no group nowhere"]),
        ([{"name": "w", "command": "celery", "hosts": "one", "instances": 2}], [], ["runs one instance"]),
        ([{"name": "w", "command": "celery", "replicas": 2}], [], ["unknown keys replicas"]),
        ([{"name": "w", "command": "celery"}], [{"name": "w", "command": "manage.py x", "on_calendar": "daily"}], ["used twice"]),
        ([], [{"name": "j", "command": "manage.py x"}], ["app_schedules[0] (j)", "on_calendar"]),
        ([{"name": "w", "command": "celery", "environment": {"BAD NAME": 1}}], [], ["environment must map"]),
        ([{"name": "beat", "command": "celery beat", "hosts": "empty", "once": True}], [], ["app_processes[0] (beat)", "group empty, which has no hosts"]),
        ([{"name": "w", "command": "celery", "once": "yes"}], [], ["once must be true or false"]),
        ([], [{"name": "j", "command": "manage.py x", "on_calendar": "daily", "hosts": "empty"}], ["app_schedules[0] (j)", "no hosts"]),
    ],
)
def test_a_bad_declaration_is_named_with_what_was_expected(services, schedules, words):
    with pytest.raises(AnsibleFilterError) as error:
        units(services, schedules)
    for word in words:
        assert word in str(error.value)


def test_the_unit_files_of_a_hosts_units():
    found = units([{"name": "worker", "command": "celery worker"}], [{"name": "sessions", "command": "manage.py clearsessions", "on_calendar": "daily"}])
    assert process_unit_files(found) == [
        "/etc/systemd/system/blog-worker@.service",
        "/etc/systemd/system/blog-sessions.service",
        "/etc/systemd/system/blog-sessions.timer",
    ]


def test_the_instances_a_host_runs():
    found = units([{"name": "worker", "command": "celery worker", "instances": 2}, {"name": "beat", "command": "celery beat", "hosts": "one"}])
    assert process_instances(found) == ["blog-worker@1.service", "blog-worker@2.service", "blog-beat@1.service"]


def test_a_singleton_of_a_worker_group_runs_on_its_first_host():
    beat = [{"name": "beat", "command": "celery -A blog beat", "hosts": "workers", "once": True}]
    assert [h for h in ("web1", "work1", "work2") if units(beat, host=h)["services"]] == ["work1"]
    job = [{"name": "report", "command": "manage.py report", "on_calendar": "daily", "hosts": "workers"}]
    assert [h for h in ("web1", "work1", "work2") if units([], job, host=h)["jobs"]] == ["work1"]


def test_without_a_web_group_the_host_running_the_role_is_the_web_host():
    found = process_units([{"name": "worker", "command": "celery worker"}], host="solo", groups={"all": ["solo"]}, app="blog", release=RELEASE)
    assert found["services"][0]["unit"] == "blog-worker"
