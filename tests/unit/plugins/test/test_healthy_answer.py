"""healthy_answer: which answers prove a release healthy."""

import pytest

from ansible_collections.deployment.django.plugins.test.healthy_answer import healthy_answer


@pytest.mark.parametrize(
    "result,expected",
    [
        ({"status": 200}, True),
        ({"status": 500}, False),
        ({"status": 404}, False),
        ({"status": -1, "msg": "Connection refused"}, False),
        ({}, False),
        # The login redirect of a site that wants a user first.
        ({"status": 302, "location": "/accounts/login/?next=/"}, True),
        ({"status": 302, "location": "accounts/login/"}, True),
        ({"status": 301, "location": "https://example.org/"}, True),
        ({"status": 308, "location": "http://EXAMPLE.org:8443/en/"}, True),
        # Away from the site: not proof of anything.
        ({"status": 302, "location": "https://sso.example.com/login"}, False),
        ({"status": 302, "location": "//evil.example.net/"}, False),
        ({"status": 302}, False),
        ({"status": 302, "location": ""}, False),
        ({"status": 304, "location": "/"}, False),
    ],
)
def test_answers(result, expected):
    assert healthy_answer(result, [200], "example.org") is expected


def test_a_location_made_absolute_from_the_url_asked_is_the_same_site():
    # The uri module turns "/accounts/login/" into an absolute URL on the
    # host it connected to, here nginx on the loopback address.
    result = {"status": 302, "url": "http://127.0.0.1/", "location": "http://127.0.0.1/accounts/login/?next=/"}
    assert healthy_answer(result, [200], "www.example.org")
    result = {"status": 302, "url": "http://[::1]:8080/", "location": "http://[::1]:8080/login/"}
    assert healthy_answer(result, [200], "www.example.org")
    result = {"status": 302, "url": "http://127.0.0.1/", "location": "https://other.example.net/"}
    assert not healthy_answer(result, [200], "www.example.org")


def test_listed_statuses_count_whatever_the_location():
    assert healthy_answer({"status": 302, "location": "https://sso.example.com/"}, [200, 302], "example.org")


def test_redirects_can_be_refused():
    assert not healthy_answer({"status": 302, "location": "/login/"}, [200], "example.org", redirects=False)


def test_statuses_given_as_text_from_an_inventory():
    assert healthy_answer({"status": 204}, ["200", "204"], "example.org")
