"""The database host: listens where the web hosts reach it, admits only them."""

testinfra_hosts = ["db"]


def test_postgres_listens_on_loopback_and_the_private_address_only(host):
    listening = [s for s in host.socket.get_listening_sockets() if s.endswith(":5432")]
    address = host.interface("eth0").addresses[0]
    assert "tcp://%s:5432" % address in listening
    assert not [s for s in listening if "0.0.0.0" in s or "tcp://:::" in s], listening


def test_pg_hba_admits_the_app_role_from_each_web_host_over_tls_only(host):
    pg_hba = host.file("/etc/postgresql/15/main/pg_hba.conf").content_string
    rules = [line.split("#", 1)[0].split() for line in pg_hba.splitlines()]
    rules = [rule for rule in rules if rule]
    app_rules = [rule for rule in rules if rule[0].startswith("host")]
    web_addresses = {host.run("getent hosts %s" % web).stdout.split()[0] for web in ("web1", "web2")}
    assert {rule[3].split("/")[0] for rule in app_rules} == web_addresses
    assert all(rule[0] == "hostssl" and rule[1:3] == ["notes", "notes"] and rule[-1] == "scram-sha-256" for rule in app_rules)


def test_both_web_hosts_are_connected_over_tls(host):
    # A page from each web host opens its persistent database connection.
    for web in ("web1", "web2"):
        host.check_output("curl -sS --max-time 10 -o /dev/null -H 'Host: lb' -H 'X-Forwarded-Proto: https' http://%s/" % web)
    out = host.check_output(
        "runuser -u postgres -- psql -tAc "
        "\"select count(distinct a.client_addr), bool_and(s.ssl) from pg_stat_activity a "
        "join pg_stat_ssl s using (pid) where a.usename = 'notes'\""
    )
    count, all_ssl = out.split("|")
    assert int(count) == 2
    assert all_ssl == "t"


def test_migrations_ran_once_per_deploy(host):
    # Release one and release two both applied nothing twice: every migration
    # is recorded exactly once.
    out = host.check_output(
        "runuser -u postgres -- psql -d notes -tAc "
        "\"select count(*) = count(distinct (app, name)) from django_migrations\""
    )
    assert out == "t"
