"""Request identity for limits and records: client IP network hash and the reader token."""
from __future__ import annotations

from flask import current_app, g, request

from engage.domain.errors import EngageError, Unauthorized
from engage.domain.identity import hash_network, verify_reader_token
from engage.extensions import db
from engage.services import reader_data

READER_HEADER = "X-Engage-Reader"


def network_hash() -> str:
    """Keyed hash of the client's IP network (after ProxyFix's trusted hops; never a raw IP)."""
    if "network_hash" not in g:
        g.network_hash = hash_network(current_app.extensions["engage_keys"]["ip"],
                                      request.remote_addr or "")
    return g.network_hash


def reader_claim() -> str:
    """The reader id a valid ``X-Engage-Reader`` token names, once per request — its signature
    checked, not whether the reader has since erased their data (:func:`reader_id` checks
    that; a write that checks it itself, like the vote, uses this and saves a query).

    :raises engage.domain.errors.Unauthorized: missing or forged token.
    """
    if "reader_claim" not in g:
        g.reader_claim = verify_reader_token(current_app.extensions["engage_keys"]["reader"],
                                             request.headers.get(READER_HEADER))
    return g.reader_claim


def reader_id() -> str:
    """The reader id from the ``X-Engage-Reader`` header, once per request.

    A token is valid when this server signed it and its reader was not erased: erasure
    deletes the ``reader`` row, which revokes the token (one primary-key read per request).

    :raises engage.domain.errors.Unauthorized: missing, forged or revoked token.
    """
    if "reader_id" not in g:
        found = reader_claim()
        fast = current_app.extensions.get("engage_fastpath")
        active = fast.reader_active(found) if fast is not None else None
        if active is None:
            active = reader_data.is_active(db.session, found)
        if not active:
            raise Unauthorized("reader_token_invalid")
        g.reader_id = found
    return g.reader_id


def reader_or_network_key() -> str:
    """Rate-limit key: the reader token when its signature is valid, otherwise the client's IP
    network.

    Readers behind one carrier NAT get separate buckets; token cycling is bounded because token
    issuance itself is limited per network (``network_key``).  An erased reader's token keeps
    its own bucket: its writes are refused (401) and refused writes use up no quota.
    """
    try:
        return "r:" + reader_claim()
    except EngageError:
        return "n:" + network_hash()


def network_key() -> str:
    """Rate-limit key: the client's IP network (/24 IPv4, /64 IPv6), hashed."""
    return "n:" + network_hash()
