"""The nginx site the collection renders, checked by gixy-ng (an nginx
configuration analyser nobody here wrote): no findings, for a web host and
for a balancer, with and without TLS. The TLS set-up itself is checked
against Mozilla's profile by sslyze on a live host (Molecule, trixie)."""

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
    "nginx_static_static_kept_root": "/srv/notes/static-kept",
    "nginx_static_media_root": "/srv/notes/shared/media",
}
BALANCER = {
    "nginx_static_site_name": "notes",
    "nginx_static_server_names": ["www.example.com"],
    "nginx_static_upstream_servers": ["10.0.0.11:80", "10.0.0.12:80"],
    "nginx_static_balancer_cache_static": True,
    "nginx_static_backend_header": "",
}


TLS = {"nginx_static_tls": True}
# An ASGI project: websockets pass, here and on the balancer.
ASGI = {"app_asgi_app": "mysite.asgi:application"}


def render(tmp_path, overrides):
    """Render the site with Ansible itself, from the role's defaults (and the
    internal variables they read)."""
    out = tmp_path / "site.conf"
    playbook = tmp_path / "render.yml"
    playbook.write_text(
        "- hosts: localhost\n"
        "  gather_facts: false\n"
        "  vars_files: [%s, %s]\n"
        "  tasks:\n"
        "    - ansible.builtin.template: {src: %s, dest: %s, mode: '0644'}\n"
        % (ROOT / "roles" / "nginx_static" / "defaults" / "main.yml", ROOT / "roles" / "nginx_static" / "vars" / "main.yml", TEMPLATE, out)
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


@pytest.mark.parametrize(
    "overrides",
    [WEB_HOST, BALANCER, dict(WEB_HOST, **TLS), dict(BALANCER, **TLS), dict(WEB_HOST, **ASGI), dict(BALANCER, **TLS, **ASGI)],
    ids=["web-host", "balancer", "web-host-tls", "balancer-tls", "web-host-asgi", "balancer-tls-asgi"],
)
def test_gixy_finds_nothing_in_the_site(tmp_path, overrides):
    gixy = shutil.which("gixy") or str(pathlib.Path(sys.executable).parent / "gixy")
    config = render(tmp_path, overrides)
    result = subprocess.run([gixy, str(config)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No issues found" in result.stdout, result.stdout


def blocks(text):
    """The add_header lines of each block ({...}) that has any, by the
    block's first line."""
    stack, found = [], {}
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.endswith("{"):
            stack.append((stripped, []))
        elif stripped == "}":
            head, headers = stack.pop()
            if headers:
                found[head] = headers
        elif stripped.startswith("add_header") and stack:
            stack[-1][1].append(stripped)
    return found


@pytest.mark.parametrize("overrides", [WEB_HOST, BALANCER], ids=["web-host", "balancer"])
def test_with_tls_every_answer_carries_one_hsts_header(tmp_path, overrides):
    site = (render(tmp_path, dict(overrides, **TLS)).parent / "site.conf").read_text()
    # nginx drops inherited add_header lines in a block that adds its own.
    for head, headers in blocks(site).items():
        hsts = [h for h in headers if "Strict-Transport-Security" in h]
        assert hsts == ['add_header Strict-Transport-Security "max-age=63072000" always;'], head
    # The app's own header is replaced, not doubled.
    assert "proxy_hide_header Strict-Transport-Security;" in site
    assert "ssl_protocols TLSv1.2 TLSv1.3;" in site


def test_with_tls_plain_http_only_redirects(tmp_path):
    site = (render(tmp_path, dict(WEB_HOST, nginx_static_tls_port=8443, **TLS)).parent / "site.conf").read_text()
    plain = site[site.index("server {"): site.index("}\n}\n") + 4]
    assert "listen 80 default_server;" in plain
    assert "return 301 https://$host:8443$request_uri;" in plain
    assert "proxy_pass" not in plain and "alias" not in plain
    assert "listen 8443 ssl default_server;" in site


def test_without_tls_nothing_of_it(tmp_path):
    site = (render(tmp_path, WEB_HOST).parent / "site.conf").read_text()
    assert "ssl" not in site
    assert "Strict-Transport-Security" not in site
    assert "return 301" not in site


def test_a_static_file_the_live_release_lacks_is_looked_for_among_the_kept_ones_only(tmp_path):
    text = render(tmp_path, WEB_HOST).parent.joinpath("site.conf").read_text()
    static = text[text.index("location /static/ {"):]
    static = static[: static.index("}")]
    assert "alias /srv/notes/current/staticfiles/;" in static
    assert "error_page 404 = @django_notes_kept_static;" in static
    kept = text[text.index("location @django_notes_kept_static {"):]
    kept = kept[: kept.index("}")]
    assert "rewrite ^/static/(.*)$ /$1 break;" in kept
    assert "root /srv/notes/static-kept;" in kept
    without = render(tmp_path, dict(WEB_HOST, nginx_static_static_kept_root="")).parent.joinpath("site.conf").read_text()
    assert "kept_static" not in without


def test_files_in_an_object_store_get_no_location(tmp_path):
    # What django_release reports for S3 storages: no folders, full URLs.
    remote = dict(
        WEB_HOST,
        nginx_static_static_root="",
        nginx_static_static_kept_root="",
        nginx_static_media_root="",
        nginx_static_static_url="https://bucket.example.com/static/",
        nginx_static_media_url="https://bucket.example.com/media/",
    )
    site = render(tmp_path, remote).parent.joinpath("site.conf").read_text()
    assert "bucket.example.com" not in site
    assert "alias" not in site and "kept_static" not in site
    assert "location / {" in site


def app_location(text):
    location = text[text.index("    location / {"):]
    return location[: location.index("\n    }\n")]


@pytest.mark.parametrize("overrides", [WEB_HOST, BALANCER], ids=["web-host", "balancer"])
def test_an_asgi_app_gets_websocket_upgrades_and_a_long_read_timeout(tmp_path, overrides):
    site = render(tmp_path, dict(overrides, **ASGI)).parent.joinpath("site.conf").read_text()
    # An upgrade passes on; any other request keeps the connection to the
    # upstream reusable (Connection emptied, as without websockets).
    assert "map $http_upgrade $django_notes_connection {\n    default upgrade;\n    \"\" \"\";\n}" in site
    location = app_location(site)
    assert "proxy_set_header Upgrade $http_upgrade;" in location
    assert "proxy_set_header Connection $django_notes_connection;" in location
    assert 'Connection ""' not in location
    assert "proxy_read_timeout 3600s;" in location


def test_a_wsgi_app_gets_no_upgrade(tmp_path):
    site = render(tmp_path, WEB_HOST).parent.joinpath("site.conf").read_text()
    location = app_location(site)
    assert "Upgrade" not in site and "$http_upgrade" not in site
    assert 'proxy_set_header Connection "";' in location
    assert "proxy_read_timeout 60s;" in location
    # Asked for, a WSGI site passes them too, with the timeout it is given.
    site = render(tmp_path, dict(WEB_HOST, nginx_static_websockets=True, nginx_static_proxy_read_timeout=300)).parent
    location = app_location(site.joinpath("site.conf").read_text())
    assert "proxy_set_header Upgrade $http_upgrade;" in location and "proxy_read_timeout 300s;" in location


ACME = {"nginx_static_tls": True, "nginx_static_tls_acme": True}


def test_every_site_answers_acme_challenges_and_no_other_dotted_path(tmp_path):
    for overrides in (WEB_HOST, dict(WEB_HOST, **TLS), dict(BALANCER, **ACME)):
        site = render(tmp_path, overrides).parent.joinpath("site.conf").read_text()
        plain = site[site.index("server {"):]
        plain = plain[: plain.index("\n}\n")]
        assert "listen 80 default_server;" in plain
        # A prefix location with ^~: the dotfile rule (a regular expression)
        # is not even looked at for it, and still answers every other path.
        challenge = "    location ^~ /.well-known/acme-challenge/ {\n        root /var/lib/deployment-django/acme-challenge;\n"
        assert challenge in plain, overrides
        assert site.count("location ^~ /.well-known/acme-challenge/") == 1
        assert "location ~ /\\. {\n        return 404;" in site


def test_acme_serves_https_only_once_certbot_holds_the_certificate(tmp_path):
    waiting = render(tmp_path, dict(BALANCER, _nginx_static_tls_ready=False, **ACME)).parent.joinpath("site.conf").read_text()
    assert "ssl" not in waiting and "proxy_pass" not in waiting
    assert "return 301 https://$host$request_uri;" in waiting
    ready = render(tmp_path, dict(BALANCER, **ACME)).parent.joinpath("site.conf").read_text()
    assert "ssl_certificate /etc/letsencrypt/live/notes/fullchain.pem;" in ready
    assert "ssl_certificate_key /etc/letsencrypt/live/notes/privkey.pem;" in ready
    assert "listen 443 ssl default_server;" in ready


@pytest.mark.parametrize("ready", [True, False], ids=["certificate-held", "waiting-for-it"])
def test_gixy_finds_nothing_in_an_acme_site(tmp_path, ready):
    gixy = shutil.which("gixy") or str(pathlib.Path(sys.executable).parent / "gixy")
    config = render(tmp_path, dict(BALANCER, _nginx_static_tls_ready=ready, **ACME))
    result = subprocess.run([gixy, str(config)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def names(tmp_path, server_names):
    out = tmp_path / "names.json"
    playbook = tmp_path / "names.yml"
    playbook.write_text(
        "- hosts: localhost\n"
        "  gather_facts: false\n"
        "  vars_files: [%s]\n"
        "  tasks:\n"
        "    - ansible.builtin.copy: {content: '{{ nginx_static_acme_domains | to_json }}', dest: %s, mode: '0644'}\n"
        % (ROOT / "roles" / "nginx_static" / "defaults" / "main.yml", out)
    )
    subprocess.run(
        ["ansible-playbook", "-e", json.dumps({"nginx_static_server_names": server_names, "nginx_static_site_name": "notes"}), str(playbook)],
        check=True,
        capture_output=True,
        env=dict(os.environ, ANSIBLE_LOCALHOST_WARNING="false", ANSIBLE_INVENTORY_UNPARSED_WARNING="false"),
    )
    return json.loads(out.read_text())


def test_the_certificate_names_are_the_server_names_an_authority_can_check(tmp_path):
    server_names = ["www.example.com", "example.com", "lb", "localhost", "_", "127.0.0.1", "[::1]", "*.example.org", "~^app\\d+$", "api.localhost"]
    assert names(tmp_path, server_names) == ["www.example.com", "example.com", "lb"]
