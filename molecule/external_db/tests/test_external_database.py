"""The app works against a database it did not set up, over TLS."""

testinfra_hosts = ["extdb"]


def test_the_app_migrated_into_the_external_database(host):
    out = host.check_output(
        "runuser -u postgres -- psql -d notes_external -tAc "
        "\"select tableowner from pg_tables where tablename = 'notes_note'\""
    )
    assert out == "notes_owner"


def test_the_app_connects_over_tls(host):
    out = host.check_output(
        "runuser -u postgres -- psql -tAc "
        "\"select bool_and(s.ssl), count(*) > 0 from pg_stat_activity a join pg_stat_ssl s using (pid) "
        "where a.usename = 'notes_owner'\""
    )
    assert out == "t|t"


def test_the_collection_did_not_manage_this_server(host):
    assert not host.file("/etc/systemd/system/gunicorn-notes@.service").exists
    assert "the application role" not in host.file("/etc/postgresql/17/main/pg_hba.conf").content_string


def test_the_server_is_newer_than_the_web_hosts_client(host):
    # As a managed provider's often is: the web host (Debian 12) has pg_dump 15.
    assert host.check_output("runuser -u postgres -- psql -tAc 'show server_version_num'").startswith("17")
