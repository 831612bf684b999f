"""scram_verifier_of: a stored SCRAM-SHA-256 verifier against a password.

The computation is checked against RFC 7677's example; the other verifiers
are built with it to vary one part at a time. The molecule scenarios check
it against real servers' verifiers (the postgres role skips setting a
password its server already holds).
"""

import base64

import pytest

from ansible_collections.deployment.django.plugins.test.scram_verifier_of import scram_keys, scram_verifier_of

SALT = base64.b64decode("c2FsdHNhbHRzYWx0c2FsdA==")


def verifier(password, salt=SALT, iterations=4096):
    stored_key, server_key = scram_keys(password, salt, iterations)
    return "SCRAM-SHA-256$%d:%s$%s:%s" % (
        iterations,
        base64.b64encode(salt).decode(),
        base64.b64encode(stored_key).decode(),
        base64.b64encode(server_key).decode(),
    )


# RFC 7677's example (user "user", password "pencil") gives these keys for
# its salt and 4096 iterations: a check of the computation against an
# outside source, not against itself.
RFC7677 = "SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU="


def test_a_known_verifier():
    assert scram_verifier_of(RFC7677, "pencil") is True
    assert scram_verifier_of(RFC7677, "pencil ") is False


def test_the_same_password_matches():
    assert scram_verifier_of(verifier("correct horse battery staple"), "correct horse battery staple") is True
    assert scram_verifier_of(verifier("p@ss:w/rd?#% é"), "p@ss:w/rd?#% é") is True


@pytest.mark.parametrize(
    "stored,password",
    [
        (verifier("old password 123"), "new password 456"),
        (verifier("secret", iterations=4096).replace("$4096:", "$4097:"), "secret"),
        ("md5" + "0" * 32, "secret"),
        ("", "secret"),
        (None, "secret"),
        ("SCRAM-SHA-256$4096:!!$x:y", "secret"),
        ("SCRAM-SHA-256$0:c2FsdA==$eA==:eQ==", "secret"),
    ],
    ids=["other-password", "other-iterations", "md5", "empty", "none", "malformed", "zero-iterations"],
)
def test_anything_else_does_not_match(stored, password):
    assert scram_verifier_of(stored, password) is False
