"""The inventory wins over the site's wiring, and app_* inputs are said once.

Two layers give the roles their values when the site playbook composes them:
the roles' own defaults, which read the collection-wide app_* inputs, and
playbooks/vars/site.yml, which works out what follows from the inventory's
shape (which hosts are web, database, balancer). The first sits below the
inventory by Ansible's precedence; the second is play vars_files, above it,
so each of its role variables must hand back the inventory's own value.
Both are run here through Ansible itself, on the controller.
"""

import json
import os
import pathlib
import subprocess
import sys

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
SITE_VARS = ROOT / "playbooks" / "vars" / "site.yml"
ROLES = ("python_app", "gunicorn", "nginx_static", "postgres", "django_release")


def role_variables(names):
    return sorted(name for name in names if name.startswith(tuple(role + "_" for role in ROLES)))


WIRED = role_variables(yaml.safe_load(SITE_VARS.read_text()))


def show(tmp_path, host_vars, names, vars_files=(), roles=False):
    """The values ``names`` take on a django_web and django_db host whose
    inventory sets ``host_vars``: with ``vars_files`` loaded as the site does,
    or (``roles``) in a role whose defaults and vars are the five roles' own,
    at the very precedence Ansible gives them."""
    inventory = tmp_path / "hosts.yml"
    inventory.write_text(
        yaml.safe_dump(
            {
                "all": {
                    "children": {"django_db": {"hosts": {"target": None}}, "django_web": {"hosts": {"target": None}}},
                    "vars": dict(
                        {
                            "ansible_connection": "local",
                            "ansible_python_interpreter": sys.executable,
                            "app_name": "blog",
                            "app_private_address": "10.0.0.5",
                        },
                        **host_vars
                    ),
                }
            }
        )
    )
    out = tmp_path / "values.json"
    task = {
        "ansible.builtin.copy": {"content": "{{ _values | to_json }}", "dest": str(out), "mode": "0644"},
        "vars": {"_values": "{{ {%s} }}" % ", ".join("'%s': %s" % (name, name) for name in names)},
    }
    play = {"hosts": "all", "gather_facts": False, "vars_files": [str(path) for path in vars_files]}
    if roles:
        probe = tmp_path / "roles" / "probe"
        for part in ("defaults", "vars", "tasks"):
            (probe / part).mkdir(parents=True)
        for part in ("defaults", "vars"):
            merged = {}
            for role in ROLES:
                merged.update(yaml.safe_load((ROOT / "roles" / role / part / "main.yml").read_text()))
            (probe / part / "main.yml").write_text(yaml.safe_dump(merged))
        (probe / "tasks" / "main.yml").write_text(yaml.safe_dump([task]))
        play["roles"] = ["probe"]
    else:
        play["tasks"] = [task]
    playbook = tmp_path / "show.yml"
    playbook.write_text(yaml.safe_dump([play]))
    env = dict(os.environ, ANSIBLE_LOCALHOST_WARNING="false", ANSIBLE_STDOUT_CALLBACK="ansible.builtin.default")
    done = subprocess.run(
        ["ansible-playbook", "-i", str(inventory), str(playbook)], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(out.read_text())


def test_the_site_wires_role_variables_at_all():
    # The test below would pass on an empty list.
    assert {"nginx_static_forwarded_proto", "nginx_static_tls", "postgres_app_networks"} <= set(WIRED)


def test_every_role_variable_the_site_sets_gives_way_to_the_inventory(tmp_path):
    sentinels = {name: "from-inventory-%s" % name for name in WIRED}
    assert show(tmp_path, sentinels, WIRED, [SITE_VARS]) == sentinels


def test_without_the_inventory_the_site_answers_from_its_shape(tmp_path):
    values = show(tmp_path, {}, WIRED, [SITE_VARS])
    assert values["nginx_static_forwarded_proto"] == "$scheme"
    assert values["nginx_static_tls"] in (False, "False")
    # One host is web and database host: loopback only.
    assert values["postgres_listen_addresses"] == ["localhost"]
    assert values["postgres_app_networks"] == ["127.0.0.1/32", "::1/128"]
    assert values["django_release_healthcheck_url"] == "http://127.0.0.1:80"


LAYOUT = [
    "python_app_home",
    "python_app_env_file",
    "gunicorn_service_name",
    "gunicorn_chdir",
    "gunicorn_env_file",
    "gunicorn_socket_path",
    "gunicorn_read_write_paths",
    "nginx_static_upstream_socket",
    "django_release_home",
    "django_release_env_file",
    "django_release_service",
    "django_release_socket_path",
]
NAMES = ["python_app_name", "gunicorn_app_name", "nginx_static_site_name", "django_release_app_name"]


def test_the_app_name_said_once_names_every_role_and_one_layout(tmp_path):
    values = show(tmp_path, {"app_wsgi_app": "blog.wsgi:application"}, NAMES + LAYOUT + ["gunicorn_wsgi_app", "django_release_wsgi_app"], roles=True)
    assert {values[name] for name in NAMES} == {"blog"}
    assert values["gunicorn_wsgi_app"] == values["django_release_wsgi_app"] == "blog.wsgi:application"
    assert values["python_app_home"] == values["django_release_home"] == "/srv/blog"
    assert values["gunicorn_chdir"] == "/srv/blog/%i"
    assert values["gunicorn_read_write_paths"] == ["/srv/blog/shared"]
    assert {values[name] for name in ("python_app_env_file", "gunicorn_env_file", "django_release_env_file")} == {"/etc/blog/blog.env"}
    assert values["gunicorn_service_name"] == values["django_release_service"] == "gunicorn-blog"
    assert {values[name] for name in ("gunicorn_socket_path", "nginx_static_upstream_socket", "django_release_socket_path")} == {
        "/run/gunicorn-blog/gunicorn.sock"
    }


def test_a_moved_home_or_renamed_service_is_said_once_for_every_role(tmp_path):
    moved = {"app_home": "/opt/blog", "app_service_name": "blog-web", "app_env_file": "/etc/blog.env"}
    values = show(tmp_path, moved, LAYOUT, roles=True)
    assert values["python_app_home"] == values["django_release_home"] == "/opt/blog"
    assert values["gunicorn_chdir"] == "/opt/blog/%i"
    assert values["gunicorn_read_write_paths"] == ["/opt/blog/shared"]
    assert {values[name] for name in ("python_app_env_file", "gunicorn_env_file", "django_release_env_file")} == {"/etc/blog.env"}
    assert values["gunicorn_service_name"] == values["django_release_service"] == "blog-web"
    assert {values[name] for name in ("gunicorn_socket_path", "nginx_static_upstream_socket", "django_release_socket_path")} == {
        "/run/blog-web/gunicorn.sock"
    }


@pytest.mark.parametrize(
    "name, value",
    [("gunicorn_app_name", "other"), ("django_release_home", "/data/blog"), ("nginx_static_upstream_socket", "/run/x.sock")],
)
def test_a_role_variable_in_the_inventory_beats_the_shared_input(tmp_path, name, value):
    assert show(tmp_path, {name: value}, [name], roles=True)[name] == value
