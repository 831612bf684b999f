"""What anyone on the network sees: the outsider's point of view."""

import collections
import json
import os
import re

testinfra_hosts = ["outsider"]

GREETING = "Rolled out to every web host"


def get(host, url):
    out = host.check_output("curl -sS --max-time 10 -D - %s" % url)
    # A redirect has no body (and check_output strips the blank line).
    head, blank, body = out.partition("\r\n\r\n")
    lines = head.split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), {k.lower(): v for k, v in headers.items()}, body


def test_the_balancer_serves_the_new_release_end_to_end(host):
    status, body = get(host, "https://lb/")[::2]
    assert status == 200
    assert GREETING in body
    status, body = get(host, "https://lb/admin/login/")[::2]
    assert status == 200
    assert "Django administration" in body


def test_https_ends_on_the_balancer_and_http_only_redirects(host):
    # curl checks the certificate against the test's authority, which the
    # outsider trusts as a browser trusts a public one.
    status, headers = get(host, "http://lb/notes/?page=2")[:2]
    assert status == 301
    assert headers["location"] == "https://lb/notes/?page=2"
    for path in ("/", "/admin/login/"):
        status, headers = get(host, "https://lb" + path)[:2]
        assert status == 200
        assert headers["strict-transport-security"] == "max-age=63072000"


def test_the_app_learns_the_scheme_from_the_balancer(host):
    # The project redirects any request it believes plain HTTP
    # (SECURE_SSL_REDIRECT): asked directly, a web host's app does so; the
    # 200s through the balancer above show its X-Forwarded-Proto arrives.
    status, headers = get(host, "-H 'Host: lb' http://web1/")[:2]
    assert status == 301
    assert headers["location"] == "https://lb/"


def test_requests_through_the_balancer_reach_both_web_hosts(host):
    served_by = collections.Counter(get(host, "https://lb/")[1].get("x-served-by") for attempt in range(12))
    assert set(served_by) == {"web1", "web2"}, served_by


def test_static_files_are_served_from_the_balancer_cache(host):
    body = get(host, "https://lb/")[2]
    css = body.split('href="', 1)[1].split('"', 1)[0]
    get(host, "https://lb" + css)  # fills the cache if it was not yet
    status, headers, content = get(host, "https://lb" + css)
    assert status == 200
    assert ".greeting" in content
    assert "immutable" in headers["cache-control"]
    assert headers["x-cache-status"] == "HIT"


def test_the_rolling_release_under_load_lost_no_request(host):
    lines = host.file("/var/lib/load-codes").content_string.split("\n")
    codes = collections.Counter(line.split(" ")[0] for line in lines if line)
    assert sum(codes.values()) > 50, codes
    assert set(codes) == {"200"}, codes


def test_every_stylesheet_a_page_linked_during_the_rollout_answered(host):
    lines = [line.split(" ") for line in host.file("/var/lib/load-assets").content_string.splitlines() if line]
    codes = collections.Counter(code for code, css in lines)
    assert set(codes) == {"200"}, [line for line in lines if line[0] != "200"][:10]
    # Release one's stylesheet and release two's: the rollout changed it.
    assert len(set(css for code, css in lines)) == 2, set(css for code, css in lines)


def test_the_database_refuses_the_outsider(host):
    attempt = host.run(
        "PGCONNECT_TIMEOUT=5 psql 'host=db dbname=notes user=notes password=wrong sslmode=require' -c 'select 1'"
    )
    assert attempt.rc != 0
    assert "no pg_hba.conf entry" in attempt.stderr


def test_the_web_hosts_do_not_expose_postgres_or_gunicorn(host):
    for web in ("web1", "web2"):
        assert host.run("timeout 3 bash -c 'echo > /dev/tcp/%s/5432'" % web).rc != 0
        assert host.run("timeout 3 bash -c 'echo > /dev/tcp/%s/8000'" % web).rc != 0


def test_a_failing_batch_stopped_the_rollout_naming_host_and_stage(host):
    log = host.file("/var/lib/release-three.log").content_string
    assert "failed on web1 while checking that the release answers" in log
    assert "Switched back to release" in log
    # The second batch never ran (each batch prints the play's header):
    # web2 was not switched.
    assert log.count("PLAY [Switch the web hosts in batches]") == 1
    assert "PLAY [Record the worker hosts' release as served]" not in log
    assert re.search(r"web1\s+: ok=\d+\s+changed=\d+\s+unreachable=0\s+failed=1", log)
    assert re.search(r"web2\s+: ok=\d+\s+changed=\d+\s+unreachable=0\s+failed=0", log)
    status, body = get(host, "https://lb/")[::2]
    assert status == 200
    assert GREETING in body


def stopped_early_instances(log):
    """The hosts whose early-started idle instance the failed deploy stopped."""
    task = log.split("TASK [Stop the idle instances that started the release on hosts that never switched]", 1)[1]
    task = task.split("TASK [", 1)[0]
    return sorted(set(re.findall(r"changed: \[[\w-]+ -> ([\w-]+)", task)))


def test_a_failed_rollout_stopped_the_release_on_the_host_that_had_started_it(host):
    # Release three, with app_start_early: both web hosts started it as
    # their build ended. web1's own switch failed and its rescue stopped its
    # new instance; web2 never switched, and the deploy's failure stopped it.
    assert stopped_early_instances(host.file("/var/lib/release-three.log").content_string) == ["web2"]


def live_release(host):
    return host.check_output("curl -sS --max-time 10 https://lb/release/").strip()


def test_the_task_running_during_the_rollout_finished_on_release_one(host):
    record = json.loads(host.file("/var/lib/tasks-release-two.json").content_string)
    held = record["held"]
    assert held["state"] == "SUCCESS", held
    result = held["result"]
    # Started on release one, still running when the worker host moved to
    # release two (the worker then stopped with a warm shutdown), finished.
    assert result["saw_switch"] is True
    assert result["release"] == result["live_at_start"] != result["live_at_end"]
    assert result["live_at_end"] == live_release(host)
    assert result["host"] == "db"


def test_tasks_queued_after_the_rollout_ran_on_release_two(host):
    record = json.loads(host.file("/var/lib/tasks-release-two.json").content_string)
    live = live_release(host)
    assert [(t["state"], t["result"]["release"], t["result"]["host"]) for t in record["after"]] == [("SUCCESS", live, "db")] * 3


def test_a_worker_failing_at_import_failed_the_release_and_work_went_on(host):
    log = host.file("/var/lib/release-broken-worker.log").content_string
    assert "notes-worker@1.service" in log and "does not stay up" in log
    assert "Switched the processes back to release" in log
    # The worker's own words, from its journal.
    assert "No module named 'notes_reports_backend'" in log
    # The worker host moved first; no web host started the release.
    assert "Send new connections to instance" not in log
    assert "Start the release on the idle instance" not in log
    task = json.loads(host.file("/var/lib/task-after-broken-worker.json").content_string)
    assert task["state"] == "SUCCESS"
    assert task["result"]["release"] == live_release(host)


def test_rollback_moved_web_and_worker_back_together(host):
    record = json.loads(host.file("/var/lib/tasks-rollback.json").content_string)
    assert record["task"]["state"] == "SUCCESS"
    assert record["queued_by"] == record["task"]["result"]["release"] != record["release_two"]
    assert record["release_two"] == live_release(host)


def test_the_deploy_hooks_ran_once_at_each_point_with_what_the_deploy_did(host):
    # The hook of molecule/resources/hooks records each call's deploy_hook
    # on the controller. The first deploy, release two, the release whose
    # worker failed, release three; the idempotence run, the rollback and
    # the roll forward call none.
    with open(os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "deploy-hooks.log")) as handle:
        calls = [json.loads(line) for line in handle]
    assert [call["stage"] for call in calls] == ["before_build", "after_switch"] * 2 + ["before_build", "after_failure"] * 2
    one, one_live, two, two_live, worker, worker_failed, three, three_failed = calls
    app_hosts = ["db", "web1", "web2"]
    assert one["previous"] == "" and sorted(one["building"]) == sorted(one["hosts"]) == app_hosts
    assert one_live["release"] == one["release"] and sorted(one_live["switched"]) == app_hosts
    assert two["previous"] == one["release"] != two["release"]
    assert two_live["release"] == two["release"] and two_live["previous"] == one["release"]
    assert worker_failed["step"] == "workers" and worker_failed["failed_host"] == "db"
    assert worker_failed["release"] == worker["release"]
    assert "Release %s failed on db" % worker["release"] in worker_failed["error"]
    assert three_failed["step"] == "switch" and three_failed["failed_host"] == "web1"
    assert three_failed["release"] == three["release"]
    assert "Release %s failed on web1" % three["release"] in three_failed["error"]
    assert three["previous"] == two["release"] == live_release(host)


def ws(host, url, *args):
    """The websocket client (molecule/resources/files/ws_client.py), one-shot."""
    return host.run("python3 /usr/local/lib/ws_client.py %s --origin https://lb %s" % (url, " ".join(args)))


def test_a_websocket_echoes_through_the_balancer_and_through_a_web_host(host):
    # The app is ASGI (gunicorn with uvicorn's worker, Channels): the
    # balancer's nginx and each web host's pass the upgrade on.
    live = live_release(host)
    for url, extra in (("wss://lb/ws/echo/", ""), ("ws://web1/ws/echo/", "--host lb"), ("ws://web2/ws/echo/", "--host lb")):
        answer = ws(host, url, extra, "--say hello", "--say 'two words'")
        assert answer.rc == 0, (url, answer.stderr)
        assert json.loads(answer.stdout) == {"replies": ["%s hello" % live, "%s two words" % live], "close": 1000}, url


def test_a_websocket_from_another_site_is_refused(host):
    answer = host.run("python3 /usr/local/lib/ws_client.py wss://lb/ws/echo/ --origin https://elsewhere.example --say hello")
    assert answer.rc != 0
    assert "handshake answered 'HTTP/1.1 403 Forbidden'" in answer.stderr


def test_a_websocket_held_through_the_rollout_was_closed_cleanly_and_reconnected(host):
    events = [json.loads(line) for line in host.file("/var/lib/ws-held.log").content_string.splitlines()]
    kinds = collections.Counter(event["event"] for event in events)
    # Never cut without a close frame, never refused: each old instance
    # closed its connection with 1012 (service restart) when it stopped at
    # the end of its drain, and the client connected again at once.
    assert kinds["cut"] == kinds["refused"] == 0, [e for e in events if e["event"] in ("cut", "refused")]
    closes = [event for event in events if event["event"] == "close"]
    by_server = [event for event in closes if event["by"] == "server"]
    assert by_server and all(event["code"] == 1012 for event in by_server), closes
    assert closes[-1]["by"] == "client" and closes[-1]["code"] == 1000
    assert kinds["open"] == len(closes)
    # Every answer whole and to its own message, from release one, then
    # from release two only once the connection was made again.
    echoes = [event for event in events if event["event"] == "echo"]
    releases = [event["got"].split(" ")[0] for event in echoes]
    assert all(event["got"].split(" ", 1)[1] == event["sent"] for event in echoes)
    assert releases[-1] == live_release(host) != releases[0]
    assert set(releases) == {releases[0], releases[-1]}
    assert kinds["echo"] > 50, kinds
    # A connection stays on the release it reached.
    connections, current = [], None
    for event in events:
        if event["event"] == "open":
            current = set()
            connections.append(current)
        elif event["event"] == "echo":
            current.add(event["got"].split(" ")[0])
    assert all(len(seen) <= 1 for seen in connections), connections


def served_certificate(host, name="lb"):
    return host.check_output(
        "openssl s_client -connect %s:443 -servername %s -verify_return_error < /dev/null 2> /dev/null"
        " | openssl x509 -noout -serial -issuer -ext subjectAltName" % (name, name)
    )


def test_the_balancer_serves_a_certificate_the_acme_authority_issued(host):
    # The outsider trusts Pebble's root as a browser trusts Let's Encrypt's;
    # the certificate names what the authority checked (lb, not localhost).
    served = served_certificate(host)
    assert "issuer=CN = Pebble Intermediate CA" in served, served  # and a random suffix
    assert "DNS:lb" in served and "localhost" not in served, served


def test_a_forced_renewal_from_certbots_own_unit_is_what_nginx_serves(host):
    record = json.loads(host.file("/var/lib/acme-renewal.json").content_string)
    before, after = record["before"], record["after"]
    assert before.startswith("serial=") and after[0].startswith("serial=")
    assert after[0] != before
    assert served_certificate(host).splitlines()[0] == after[0]
    assert "Pebble Intermediate CA" in after[1]


def test_only_acme_challenges_are_answered_under_a_dotted_path(host):
    # Port 80 answers the challenge folder itself (a missing token: 404, not
    # the redirect every other plain HTTP request gets); nothing else that
    # starts with a dot is served, over either scheme.
    assert get(host, "http://lb/.well-known/acme-challenge/no-such-token")[0] == 404
    status, headers = get(host, "http://lb/.well-known/security.txt")[:2]
    assert (status, headers["location"]) == (301, "https://lb/.well-known/security.txt")
    for path in ("/.well-known/security.txt", "/.well-known/acme-challenge/no-such-token", "/.env", "/.git/config"):
        assert get(host, "https://lb" + path)[0] == 404, path


def test_an_upload_through_web1_is_read_through_web2_from_the_bucket(host):
    # Made through web1 before the rollout (side effect), read now through
    # web2's app, on release two: both hosts' default storage is the bucket.
    upload = json.loads(host.file("/tmp/upload.json").content_string)
    assert upload["name"] == "attachments/through-web1.txt"
    out = host.check_output(
        "curl -sS --fail --max-time 10 -D - -H 'Host: lb' -H 'X-Forwarded-Proto: https' http://web2/notes/%d/attachment/"
        % upload["id"]
    )
    head, body = out.split("\r\n\r\n", 1)
    assert "x-read-by: web2" in head.lower()
    assert body == "uploaded through web1 on release one"
    # The page's link is the store's own, signed: it answers; unsigned, not.
    assert upload["url"].startswith("http://s3:5000/notes/media/attachments/through-web1.txt?")
    assert host.check_output("curl -sS --fail --max-time 10 '%s'" % upload["url"]) == body
    unsigned = upload["url"].split("?", 1)[0]
    assert host.check_output("curl -s -o /dev/null -w '%%{http_code}' --max-time 10 '%s'" % unsigned) == "403"
