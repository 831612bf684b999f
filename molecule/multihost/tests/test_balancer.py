"""The balancer: it holds the site's certificate, from the ACME authority,
and renews it without Ansible."""

testinfra_hosts = ["lb"]


def test_certbot_holds_the_certificate_and_its_timer_renews_it(host):
    assert host.service("certbot.timer").is_enabled
    assert host.service("certbot.timer").is_running
    renewal = host.file("/etc/letsencrypt/renewal/notes.conf").content_string
    # What a renewal without Ansible needs: the authority, the challenge
    # folder nginx serves, and the hook that puts the new one in service.
    assert "server = https://acme:14000/dir" in renewal
    assert "webroot_path = /var/lib/deployment-django/acme-challenge" in renewal
    assert "renew_hook = nginx -t -q && systemctl reload nginx" in renewal
    # The timer's unit trusts the private authority's root, and only it.
    dropin = host.file("/etc/systemd/system/certbot.service.d/deployment-django.conf").content_string
    assert "Environment=REQUESTS_CA_BUNDLE=/etc/letsencrypt/deployment-django/authority.pem" in dropin
    assert host.file("/etc/letsencrypt/deployment-django/authority.pem").content_string.startswith("-----BEGIN CERTIFICATE-----")


def test_nginx_serves_certbots_live_certificate(host):
    site = host.file("/etc/nginx/sites-available/notes.conf").content_string
    assert "ssl_certificate /etc/letsencrypt/live/notes/fullchain.pem;" in site
    assert "ssl_certificate_key /etc/letsencrypt/live/notes/privkey.pem;" in site
    key = host.file("/etc/letsencrypt/live/notes/privkey.pem")
    assert key.is_symlink
    assert host.file(key.linked_to).mode & 0o077 == 0
