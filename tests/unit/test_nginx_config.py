"""The nginx site the collection renders, checked by gixy-ng (an nginx
configuration analyser nobody here wrote): no findings, for a web host and
for a balancer."""

import json
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "roles" / "nginx_static" / "templates" / "site.conf.j2"

WEB_HOST = {
    "nginx_static_site_name": "notes",
    "nginx_static_server_names": ["www.example.com"],
    "nginx_static_static_root": "/srv/notes/current/staticfiles",
    "nginx_static_media_root": "/srv/notes/shared/media",
}
BALANCER = {
    "nginx_static_site_name": "notes",
    "nginx_static_server_names": ["www.example.com"],
    "nginx_static_upstream_servers": ["10.0.0.11:80", "10.0.0.12:80"],
    "nginx_static_balancer_cache_static": True,
    "nginx_static_backend_header": "",
}


def render(tmp_path, overrides):
    """Render the site with Ansible itself, from the role's defaults."""
    out = tmp_path / "site.conf"
    playbook = tmp_path / "render.yml"
    playbook.write_text(
        "- hosts: localhost\n"
        "  gather_facts: false\n"
        "  vars_files: [%s]\n"
        "  tasks:\n"
        "    - ansible.builtin.template: {src: %s, dest: %s, mode: '0644'}\n"
        % (ROOT / "roles" / "nginx_static" / "defaults" / "main.yml", TEMPLATE, out)
    )
    env = dict(os.environ, ANSIBLE_LOCALHOST_WARNING="false", ANSIBLE_INVENTORY_UNPARSED_WARNING="false")
    subprocess.run(
        ["ansible-playbook", "-e", json.dumps(overrides), str(playbook)],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    )
    wrapper = tmp_path / "nginx.conf"
    wrapper.write_text("events {}\nhttp {\n    include %s;\n}\n" % out)
    return wrapper


@pytest.mark.parametrize("overrides", [WEB_HOST, BALANCER], ids=["web-host", "balancer"])
def test_gixy_finds_nothing_in_the_site(tmp_path, overrides):
    gixy = shutil.which("gixy") or str(pathlib.Path(sys.executable).parent / "gixy")
    config = render(tmp_path, overrides)
    result = subprocess.run([gixy, str(config)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No issues found" in result.stdout, result.stdout
