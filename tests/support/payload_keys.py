"""Fixed payload keys for the tests and the recorded histories (test keys, fine to commit):
the suite's processes encrypt with KEYS, a rotation adds KEY_2 at the end."""

from __future__ import annotations

from aduan.config import parse_payload_keys

KEY_1 = "test-1:lY8ayEBFzoDFSEJMTHfIp41ijZgGzLj/ZNNJn0seOHQ="
KEY_2 = "test-2:yeLBfYZ3NNd4S+DcQRACUeGCdT3PgUyL0bSIXdSWvuU="
KEYS = KEY_1  # ADUAN_PAYLOAD_KEYS of the whole suite (tests/conftest.py)
ROTATED = f"{KEY_1},{KEY_2}"  # the same, once key 2 is added: new payloads under test-2

TEST_KEYRING = parse_payload_keys(KEYS)
ROTATED_KEYRING = parse_payload_keys(ROTATED)
