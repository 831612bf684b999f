# -*- coding: utf-8 -*-
# Copyright: deployment.django contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: scram_verifier_of
short_description: Whether a PostgreSQL SCRAM-SHA-256 verifier was made from a password
version_added: 0.1.0
description:
  - Tests a role's stored password (C(rolpassword) of C(pg_authid), in the form
    C(SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>)) against a
    password, computing the keys as PostgreSQL does (RFC 5802, RFC 7677).
  - Lets a play tell, from one read of the server, that a role's password is
    already the one it would set, without setting it again.
  - Anything else (an MD5 hash, no password, a malformed value) is not taken
    as a match, so the caller falls back to setting the password.
  - The password is normalised with Unicode NFKC, as SASLprep does for the
    common cases; a password SASLprep would treat otherwise is reported as
    not matching, which only costs setting it again.
options:
  _input:
    description: The stored verifier.
    type: str
    required: true
  password:
    description: The password it should verify.
    type: str
    required: true
"""

EXAMPLES = r"""
- name: Set the password only when the server holds another one
  community.postgresql.postgresql_user:
    name: mysite
    password: "{{ vault_db_password }}"
  when: stored_verifier is not deployment.django.scram_verifier_of(vault_db_password)
"""

RETURN = r"""
_value:
  description: Whether the verifier was made from the password.
  type: bool
"""

import base64
import binascii
import hashlib
import hmac
import re
import unicodedata

from ansible.module_utils.six import string_types

_VERIFIER = re.compile(r"^SCRAM-SHA-256\$(\d+):([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]+)$")


def scram_keys(password, salt, iterations):
    """(StoredKey, ServerKey) of PASSWORD for SALT (bytes) and ITERATIONS."""
    salted = hashlib.pbkdf2_hmac("sha256", unicodedata.normalize("NFKC", password).encode("utf-8"), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()
    return hashlib.sha256(client_key).digest(), server_key


def scram_verifier_of(stored, password):
    """Whether STORED (a SCRAM-SHA-256 verifier) was made from PASSWORD."""
    if not isinstance(stored, string_types) or not isinstance(password, string_types):
        return False
    found = _VERIFIER.match(stored)
    if not found:
        return False
    try:
        iterations = int(found.group(1))
        salt, stored_key, server_key = (base64.b64decode(found.group(n)) for n in (2, 3, 4))
    except (ValueError, binascii.Error):
        return False
    if not 0 < iterations <= 10000000:
        return False
    computed_stored, computed_server = scram_keys(password, salt, iterations)
    return hmac.compare_digest(computed_stored, stored_key) and hmac.compare_digest(computed_server, server_key)


class TestModule(object):
    """PostgreSQL password tests."""

    def tests(self):
        return {"scram_verifier_of": scram_verifier_of}
