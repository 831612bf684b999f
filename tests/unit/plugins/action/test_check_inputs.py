"""check_inputs: every check evaluated, every failing input named.

The helpers are tested alone; a real ansible-playbook run (on the
controller, against the collection in this tree) proves the action as a
play sees it: all failures in one message, a check skipped by its when, a
condition that cannot be evaluated reported as a failure of its check.
"""

import json
import os
import subprocess
import sys
import textwrap

import pytest

from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar, trust_as_template

from ansible_collections.deployment.django.plugins.action.check_inputs import all_pass_expression, bad_check, conditions, summary

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))


def test_conditions_take_a_string_or_a_list():
    assert conditions("a > 1") == ["a > 1"]
    assert conditions(["a", "b"]) == ["a", "b"]
    assert conditions(None) == []
    with pytest.raises(TypeError):
        conditions([1])
    with pytest.raises(TypeError):
        conditions({"a": 1})


@pytest.mark.parametrize(
    "check,problem",
    [
        ({"that": "a", "msg": "a is wrong"}, None),
        ({"that": ["a"], "msg": "a is wrong", "when": "b"}, None),
        ("a", "checks[0] must be a mapping"),
        ({"that": "a", "msg": ""}, None),
        ({"that": "a"}, "needs that and msg"),
        ({"msg": "x"}, "needs that and msg"),
        ({"that": "a", "msg": "x", "fail_msg": "y"}, "unknown keys fail_msg"),
        ({"that": [3], "msg": "x"}, "a condition or a list of conditions"),
    ],
)
def test_malformed_checks_are_named(check, problem):
    found = bad_check(0, check)
    if problem is None:
        assert found is None
    else:
        assert problem in found


def all_pass(checks, **variables):
    templar = Templar(loader=DataLoader(), variables=variables)
    return templar.evaluate_expression(trust_as_template(all_pass_expression(checks)))


def test_the_one_template_passes_only_checks_that_hold_or_are_skipped():
    checks = [
        {"that": ["port | int > 0", "port | int < 65536"], "msg": ""},
        # The when guards the that, as it does one condition at a time: a
        # string is never given to dict2items.
        {"when": ["env is mapping"], "that": "env | dict2items | length > 0", "msg": ""},
        {"when": ["env is mapping", "env | length > 5"], "that": "false", "msg": ""},
    ]
    assert all_pass(checks, port=80, env="not a mapping") == [True, True, True]
    assert all_pass(checks, port=80, env={"A": "1"}) == [True, True, True]
    assert all_pass(checks, port=0, env={}) == [False, False, True]
    # A later condition is not evaluated once one is false.
    assert all_pass([{"that": ["x is defined", "x > 1"], "msg": ""}]) == [False]


def test_a_condition_that_is_not_a_boolean_never_passes_in_the_one_template():
    # evaluate_conditional refuses a value that is not a boolean; the one
    # template must not let it pass, so that the exact evaluation names it.
    assert all_pass([{"that": "port", "msg": ""}], port=80) == [False]
    assert all_pass([{"when": "port", "that": "true", "msg": ""}], port=80) == [False]


def test_summary_numbers_several_failures():
    assert summary(["a is wrong."]) == "a is wrong."
    assert summary(["a is wrong.", "b is wrong."]) == "2 inputs are wrong: (1) a is wrong. (2) b is wrong."


PLAY = textwrap.dedent(
    """\
    - hosts: localhost
      gather_facts: false
      vars:
        workers: many
        port: 80
        socket: run/app.sock
      tasks:
        - name: Check
          deployment.django.check_inputs:
            checks:
              - that: workers | string is match('^[0-9]+$')
                msg: "workers must be a whole number; got {{ workers | to_json }}."
              - that: [port | int > 0, port | int < 65536]
                msg: port must be a TCP port.
              - that: socket is match('^/')
                msg: "socket must be an absolute path; got {{ socket | to_json }}."
              - that: socket is match('^/')
                when: port == 443
                msg: never evaluated
              - that: missing | length > 0
                msg: missing must be set.
    """
)


def run_play(tmp_path, text):
    play = tmp_path / "play.yml"
    play.write_text(text)
    env = dict(
        os.environ,
        ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, ".cache", "collections"),
        ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json",
        ANSIBLE_LOCALHOST_WARNING="0",
        ANSIBLE_INVENTORY_UNPARSED_WARNING="0",
    )
    env.pop("ANSIBLE_CALLBACKS_ENABLED", None)
    env.pop("ANSIBLE_CONFIG", None)
    done = subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), str(play)],
        env=env,
        cwd=str(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    tasks = json.loads(done.stdout)["plays"][0]["tasks"]
    return done.returncode, tasks[0]["hosts"]["localhost"]


def test_every_failing_check_is_named_in_one_run(tmp_path):
    rc, result = run_play(tmp_path, PLAY)
    assert rc == 2
    assert result["failed"] is True
    assert result["checked"] == 5
    failures = result["failures"]
    assert failures[0] == 'workers must be a whole number; got "many".'
    assert failures[1] == 'socket must be an absolute path; got "run/app.sock".'
    # An undefined variable fails its own check, with the reason.
    assert failures[2].startswith("missing must be set. (the check could not be evaluated:")
    assert "missing" in failures[2][len("missing must be set.") :]
    assert len(failures) == 3
    assert result["msg"].startswith("3 inputs are wrong: (1) workers must be")
    assert result["changed"] is False


def test_a_condition_that_is_not_a_boolean_fails_its_check(tmp_path):
    play = PLAY.replace("that: [port | int > 0, port | int < 65536]", "that: port")
    play = play.replace("workers: many", "workers: 4").replace("socket: run/app.sock", "socket: /run/app.sock")
    play = play.replace("missing | length > 0", "port | int == 80")
    rc, result = run_play(tmp_path, play)
    assert rc == 2
    assert len(result["failures"]) == 1
    assert result["failures"][0].startswith("port must be a TCP port. (the check could not be evaluated:")


def test_good_inputs_pass(tmp_path):
    good = PLAY.replace("workers: many", "workers: 4").replace("socket: run/app.sock", "socket: /run/app.sock")
    good = good.replace("missing | length > 0", "port | int == 80")
    rc, result = run_play(tmp_path, good)
    assert rc == 0
    assert result.get("failed") is not True
    assert result["msg"] == "5 checks passed"


MESSAGES = textwrap.dedent(
    """\
    - hosts: localhost
      gather_facts: false
      vars:
        port: 80
      tasks:
        - name: Check
          deployment.django.check_inputs:
            checks:
              - that: port | int == 80
                msg: "never rendered: {{ undefined_here.attribute }}"
              - that: port | int == 443
                msg: "port must be 443; got {{ port }} and {{ undefined_too }}."
    """
)


def test_a_message_is_rendered_only_when_its_check_fails(tmp_path):
    # The first message cannot be rendered; its check holds, so it is never
    # rendered and nothing fails. The second check fails and its message
    # cannot be rendered either: it is shown as written, with the reason.
    rc, result = run_play(tmp_path, MESSAGES)
    assert rc == 2
    assert result["checked"] == 2
    assert len(result["failures"]) == 1
    failure = result["failures"][0]
    assert failure.startswith("port must be 443; got {{ port }} and {{ undefined_too }}. (its message could not be rendered:")
    assert "undefined_too" in failure.split("(its message", 1)[1]


SPEC = textwrap.dedent(
    """\
    - hosts: localhost
      gather_facts: false
      vars:
        app_port: "{{ 80 + 0 }}"
        app_names: []
        app_mode: fast
        app_broken: "{{ undefined_here }}"
      tasks:
        - name: Check
          deployment.django.check_inputs:
            argument_spec:
              app_port: {type: int}
              app_names: {type: list, elements: str}
              app_mode: {type: str, choices: [safe, quick]}
              app_broken: {type: str}
              app_unset: {type: int, default: 3}
            checks:
              - that: app_port | int == 80
                msg: app_port must be 80.
    """
)


def test_the_role_argument_spec_is_validated_in_the_same_step(tmp_path):
    # As a role's own validation: the variables the spec names, rendered;
    # one that cannot be rendered is left to the checks, which name it.
    rc, result = run_play(tmp_path, SPEC)
    assert rc == 2
    assert len(result["failures"]) == 1
    assert result["failures"][0].startswith("Validation of arguments failed: value of app_mode must be one of: safe, quick")
    good = SPEC.replace("app_mode: fast", "app_mode: quick")
    rc, result = run_play(tmp_path, good)
    assert (rc, result["msg"]) == (0, "1 checks passed")
    # A value a check finds wrong is named once, by the check.
    wrong = good.replace('app_port: "{{ 80 + 0 }}"', "app_port: eighty")
    rc, result = run_play(tmp_path, wrong)
    assert (rc, result["failures"]) == (2, ["app_port must be 80."])
