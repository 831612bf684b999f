"""failure_cause: a deploy's Cause line carries the failing command's words."""

import pytest

from ansible_collections.deployment.django.plugins.filter.failure_cause import failure_cause

TRACEBACK = "Traceback (most recent call last):\n  File \"x.py\", line 1\nCommandError: photo.png does not exist\n"


def test_a_command_with_a_generic_message_gives_its_last_stderr_lines():
    result = {"msg": "non-zero return code", "rc": 1, "stderr": TRACEBACK, "stdout": "Loading...\n"}
    assert failure_cause(result) == 'Traceback (most recent call last): | File "x.py", line 1 | CommandError: photo.png does not exist (exit 1)'


def test_only_the_last_lines_are_kept():
    result = {"msg": "non-zero return code", "rc": 2, "stderr": "\n".join("line %d" % i for i in range(20))}
    assert failure_cause(result, lines=2) == "line 18 | line 19 (exit 2)"


def test_stdout_when_the_tool_writes_its_reason_there():
    result = {"msg": "non-zero return code", "rc": 1, "stderr": "", "stdout": "Operations to perform:\nApplying x... FAILED\n"}
    assert failure_cause(result).startswith("Operations to perform: | Applying x... FAILED")


def test_a_loop_names_its_first_failed_item():
    result = {
        "msg": "One or more items failed",
        "results": [
            {"failed": False, "item": "collectstatic", "rc": 0},
            {"failed": True, "item": ["load_photos", "--force"], "rc": 1, "msg": "non-zero return code", "stderr": TRACEBACK},
        ],
    }
    cause = failure_cause(result)
    assert cause.startswith("load_photos --force: ")
    assert "CommandError: photo.png does not exist" in cause
    assert "One or more items failed" not in cause


def test_a_specific_message_is_kept_and_output_added():
    result = {"msg": "django_release_project_dir: manage.py does not exist", "stderr": ""}
    assert failure_cause(result) == "django_release_project_dir: manage.py does not exist"
    result = {"msg": "Status code was 500", "stderr": "boom"}
    assert failure_cause(result) == "Status code was 500 | boom"


def test_an_http_answer_says_what_was_asked_and_what_came_back():
    result = {"msg": "HTTP Error 302: Found", "status": 302, "url": "http://127.0.0.1/", "location": "https://sso.example.com/"}
    assert failure_cause(result) == "http://127.0.0.1/ answered 302 to https://sso.example.com/"
    result = {"msg": "Status code was 500 and not [200]: HTTP Error 500", "status": 500, "url": "http://localhost/"}
    assert failure_cause(result) == "http://localhost/ answered 500"
    # No answer at all: the module's own words.
    result = {"msg": "Status code was -1: Connection refused", "status": -1, "url": "http://localhost/"}
    assert failure_cause(result) == "Status code was -1: Connection refused"


def test_module_failures_show_the_module_output():
    result = {"msg": "MODULE FAILURE\nSee stdout/stderr for the exact error", "module_stderr": "Killed\n", "rc": 137}
    assert failure_cause(result) == "Killed (exit 137)"


@pytest.mark.parametrize("result", [None, {}, {"msg": ""}])
def test_nothing_to_say_still_says_something(result):
    assert failure_cause(result)


def test_long_causes_are_cut():
    assert len(failure_cause({"msg": "x" * 5000})) == 2000
