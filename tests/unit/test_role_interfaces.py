"""Each role's public interface is written down once, and consistently.

meta/argument_specs.yml is the reference users read (ansible-doc); its
defaults are not applied by Ansible, so defaults/main.yml must hold the
same options with the same values. Internal variables never leak into
defaults.
"""

import json
import pathlib
import subprocess

import pytest
import yaml

ROLES = pathlib.Path(__file__).resolve().parents[2] / "roles"
ROLE_NAMES = sorted(p.name for p in ROLES.iterdir() if (p / "tasks" / "main.yml").exists())


def load(path):
    return yaml.safe_load(path.read_text()) or {}


def test_the_six_roles_exist():
    assert ROLE_NAMES == ["django_release", "gunicorn", "nginx_static", "postgres", "processes", "python_app"]


@pytest.mark.parametrize("role", ROLE_NAMES)
def test_argument_specs_and_defaults_name_the_same_options(role):
    options = load(ROLES / role / "meta" / "argument_specs.yml")["argument_specs"]["main"]["options"]
    defaults = load(ROLES / role / "defaults" / "main.yml")
    assert sorted(options) == sorted(defaults)


@pytest.mark.parametrize("role", ROLE_NAMES)
def test_documented_defaults_match_the_defaults_file(role):
    options = load(ROLES / role / "meta" / "argument_specs.yml")["argument_specs"]["main"]["options"]
    defaults = load(ROLES / role / "defaults" / "main.yml")
    for name, spec in options.items():
        if spec.get("required"):
            assert defaults[name] in ("", None), name
            continue
        documented = spec.get("default")
        actual = defaults[name]
        if isinstance(actual, str) and isinstance(documented, str):
            assert documented.replace(" ", "") == actual.replace(" ", ""), name
        else:
            assert documented == actual, name


@pytest.mark.parametrize("role", ROLE_NAMES)
def test_every_option_is_prefixed_and_described(role):
    for entry, spec in load(ROLES / role / "meta" / "argument_specs.yml")["argument_specs"].items():
        for name, option in spec["options"].items():
            assert name.startswith(role + "_"), (entry, name)
            assert option.get("description"), (entry, name)


@pytest.mark.parametrize("role", ROLE_NAMES)
def test_no_role_depends_on_another_through_meta(role):
    assert load(ROLES / role / "meta" / "main.yml").get("dependencies") == []


@pytest.mark.parametrize("role", ROLE_NAMES)
def test_internal_variables_stay_out_of_defaults(role):
    assert not [name for name in load(ROLES / role / "defaults" / "main.yml") if name.startswith("_")]


@pytest.mark.parametrize("role", ROLE_NAMES)
def test_ansible_doc_reads_every_entry_point(role):
    # What a user types: ansible-doc -t role deployment.django.<role>. Runs
    # against the collection as installed by `make collection`.
    done = subprocess.run(
        ["ansible-doc", "-t", "role", "--json", "deployment.django." + role],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    entry_points = json.loads(done.stdout)["deployment.django." + role]["entry_points"]
    specs = load(ROLES / role / "meta" / "argument_specs.yml")["argument_specs"]
    assert sorted(entry_points) == sorted(specs)
    for name, entry in entry_points.items():
        assert entry["short_description"], name
        assert all(option.get("description") for option in entry.get("options", {}).values()), name
