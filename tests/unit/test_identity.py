"""Reader tokens and IP network hashing."""
import pytest

from engage.domain.errors import Unauthorized
from engage.domain.identity import (
    derive_key, hash_network, issue_reader_token, network_of, verify_reader_token)

KEY = derive_key("s" * 64, "reader-token")


def test_issued_token_verifies_to_its_reader_id():
    reader_id, token = issue_reader_token(KEY)
    assert verify_reader_token(KEY, token) == reader_id
    assert len(reader_id) == 22


def test_tokens_are_unique():
    assert len({issue_reader_token(KEY)[0] for _ in range(200)}) == 200


@pytest.mark.parametrize("token", [None, "", "abc", "x" * 22 + "." + "y" * 43])
def test_missing_or_malformed_tokens_are_refused(token):
    with pytest.raises(Unauthorized):
        verify_reader_token(KEY, token)


def test_token_signed_with_another_key_is_forged():
    _, token = issue_reader_token(derive_key("other" * 10, "reader-token"))
    with pytest.raises(Unauthorized) as err:
        verify_reader_token(KEY, token)
    assert err.value.code == "reader_token_invalid"


def test_tampered_reader_id_is_refused():
    reader_id, token = issue_reader_token(KEY)
    other = ("A" if reader_id[0] != "A" else "B") + token[1:]
    with pytest.raises(Unauthorized):
        verify_reader_token(KEY, other)


def test_purposes_give_different_keys():
    assert derive_key("s", "reader-token") != derive_key("s", "ip-hash")


@pytest.mark.parametrize("address,network", [
    ("203.0.113.77", "203.0.113.0/24"),
    ("::ffff:203.0.113.77", "203.0.113.0/24"),
    ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
    ("2001:db8:1:2::9", "2001:db8:1:2::/64"),
])
def test_network_of(address, network):
    assert network_of(address) == network


def test_hash_is_per_network_and_keyed():
    ip_key = derive_key("s" * 64, "ip-hash")
    assert hash_network(ip_key, "198.51.100.1") == hash_network(ip_key, "198.51.100.200")
    assert hash_network(ip_key, "198.51.100.1") != hash_network(ip_key, "198.51.101.1")
    assert hash_network(ip_key, "198.51.100.1") != hash_network(
        derive_key("t" * 64, "ip-hash"), "198.51.100.1")
    assert "198.51" not in hash_network(ip_key, "198.51.100.1")
