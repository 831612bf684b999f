"""deploy_lock: one holder at a time, re-entrant, stale locks taken over."""

import json
import os
import threading

import pytest

from ansible_collections.deployment.django.plugins.module_utils import lock_file
from ansible_collections.deployment.django.plugins.modules import deploy_lock


class Failed(Exception):
    pass


class FakeModule:
    def __init__(self, check_mode=False):
        self.check_mode = check_mode

    def fail_json(self, **kwargs):
        raise Failed(kwargs["msg"])


class Clock:
    """A clock the test moves; sleeping moves it too."""

    def __init__(self, now=1000.0):
        self.now = now

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


@pytest.fixture
def lock(tmp_path):
    return str(tmp_path / "lock")


def take(path, owner, wait=0, ttl=3600, force=False, clock=None, check_mode=False):
    clock = clock or Clock()
    return deploy_lock.acquire(FakeModule(check_mode), path, owner, wait, ttl, force, {"release": "r1"}, clock=clock, sleep=clock.sleep)


def test_a_free_lock_is_taken_and_records_its_owner(lock):
    result = take(lock, "run-a")
    assert result["changed"] and not result["taken_over"] and result["holder"] == {}
    with open(lock) as handle:
        record = json.load(handle)
    assert record["owner"] == "run-a" and record["info"] == {"release": "r1"}
    assert os.stat(lock).st_mode & 0o777 == 0o600


def test_the_owner_may_ask_again(lock):
    take(lock, "run-a")
    again = take(lock, "run-a")
    assert not again["changed"] and again["holder"]["owner"] == "run-a"


def test_another_run_fails_fast_naming_the_holder(lock):
    take(lock, "run-a")
    with pytest.raises(Failed) as failure:
        take(lock, "run-b", clock=Clock(1010.0))
    assert "run run-a, 10 s ago (release r1)" in str(failure.value)
    assert "force" in str(failure.value)


def test_waiting_gives_up_after_the_wait(lock):
    take(lock, "run-a")
    clock = Clock(1000.0)
    with pytest.raises(Failed):
        take(lock, "run-b", wait=30, clock=clock)
    assert 1030.0 <= clock.now < 1032.0


def test_waiting_succeeds_once_the_holder_lets_go(lock):
    take(lock, "run-a")
    clock = Clock(1000.0)

    def sleep_then_release(seconds):
        clock.now += seconds
        if clock.now >= 1005.0 and os.path.exists(lock):
            deploy_lock.release(FakeModule(), lock, "run-a", False)

    result = deploy_lock.acquire(FakeModule(), lock, "run-b", 60, 3600, False, {}, clock=clock, sleep=sleep_then_release)
    assert result["changed"] and not result["taken_over"]
    assert 1005.0 <= clock.now < 1007.0


def test_a_stale_lock_is_taken_over(lock):
    take(lock, "run-a")
    result = take(lock, "run-b", ttl=60, clock=Clock(1061.0))
    assert result["taken_over"] and result["holder"]["owner"] == "run-a"
    assert lock_file.read_lock(lock)["owner"] == "run-b"


def test_force_takes_over_a_fresh_lock(lock):
    take(lock, "run-a")
    assert take(lock, "run-b", force=True)["taken_over"]


def test_release_leaves_another_owners_lock_alone(lock):
    take(lock, "run-a")
    assert not deploy_lock.release(FakeModule(), lock, "run-b", False)["changed"]
    assert os.path.exists(lock)
    assert deploy_lock.release(FakeModule(), lock, "run-b", True)["taken_over"]
    assert not os.path.exists(lock)


def test_release_of_a_free_lock_changes_nothing(lock):
    assert not deploy_lock.release(FakeModule(), lock, "run-a", False)["changed"]


def test_check_mode_writes_nothing(lock):
    assert take(lock, "run-a", check_mode=True)["changed"]
    assert not os.path.exists(lock)


def test_an_unreadable_lock_still_blocks(lock):
    with open(lock, "w") as handle:
        handle.write("not json")
    with pytest.raises(Failed):
        take(lock, "run-b", clock=Clock(os.stat(lock).st_mtime + 5))
    assert take(lock, "run-b", ttl=60, clock=Clock(os.stat(lock).st_mtime + 61))["taken_over"]


def test_only_one_of_many_racing_runs_wins(lock):
    winners = []

    def contend(name):
        try:
            take(lock, name)
            winners.append(name)
        except Failed:
            pass

    threads = [threading.Thread(target=contend, args=("run-%d" % number,)) for number in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(winners) == 1
    assert lock_file.read_lock(lock)["owner"] == winners[0]


def test_the_lock_folder_is_made_root_only_in_the_same_call(tmp_path):
    folder = tmp_path / "home" / ".deploy"
    deploy_lock.own_folder(FakeModule(), str(folder), "0700")
    assert folder.is_dir() and folder.stat().st_mode & 0o7777 == 0o700
    folder.chmod(0o755)  # opened by hand: closed again
    deploy_lock.own_folder(FakeModule(), str(folder), "0700")
    assert folder.stat().st_mode & 0o7777 == 0o700
    with pytest.raises(Failed, match="folder_mode must be an octal mode"):
        deploy_lock.own_folder(FakeModule(), str(folder), "rwx")


def test_the_state_it_protects_is_read_under_it(lock, tmp_path):
    state = tmp_path / "state.json"
    assert deploy_lock.read_state(FakeModule(), str(state), lock, "run-a") == {}
    state.write_text(json.dumps({"live": "20261125T101500Z"}))
    assert deploy_lock.read_state(FakeModule(), str(state), lock, "run-a") == {"live": "20261125T101500Z"}


@pytest.mark.parametrize("text,problem", [("{not json", "not JSON"), ("[1, 2]", "not a JSON object")])
def test_a_state_that_cannot_be_read_gives_the_lock_back_and_fails(lock, tmp_path, text, problem):
    state = tmp_path / "state.json"
    state.write_text(text)
    take(lock, "run-a")
    with pytest.raises(Failed) as failed:
        deploy_lock.read_state(FakeModule(), str(state), lock, "run-a")
    assert problem in str(failed.value) and str(state) in str(failed.value)
    assert not os.path.exists(lock)
