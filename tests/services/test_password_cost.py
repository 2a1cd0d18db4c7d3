"""Moderator passwords and API keys are hashed with argon2id at RFC 9106's second recommended
parameter set (64 MiB, 3 passes, 4 lanes).  The rest of the suite hashes at a lower cost
(``cheap_password_hashing`` in conftest.py); this checks what production uses."""
from engage.services import accounts, api_keys

PRODUCTION = "$argon2id$v=19$m=65536,t=3,p=4$"


def test_production_hashes_use_rfc_9106s_second_parameter_set(monkeypatch):
    monkeypatch.undo()  # the module's own hasher again, not the suite's cheap one
    assert accounts._hasher is api_keys._hasher
    assert accounts.hash_password("mật-khẩu-dài-đủ").startswith(PRODUCTION)
    assert accounts._DUMMY_HASH.startswith(PRODUCTION)  # unknown usernames cost the same


def test_the_suite_hashes_cheaply_with_the_same_algorithm():
    assert accounts._hasher is api_keys._hasher is not None
    cheap = accounts.hash_password("mật-khẩu-dài-đủ")
    assert cheap.startswith("$argon2id$v=19$m=1024,t=1,p=1$")
