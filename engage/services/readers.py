"""Reader tokens: issue one (recording its id) and check one."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from engage.domain.identity import issue_reader_token
from engage.models import Reader
from engage.services.tx import write_transaction


def issue_reader(session: Session, token_key: bytes, network_hash: str, now: datetime) -> str:
    """Issue a new signed reader token and record its id with the hashed network it came from.

    :param token_key: ``derive_key(SECRET_KEY, "reader-token")``.
    :returns: the token string to hand to the widget.
    """
    reader_id, token = issue_reader_token(token_key)
    with write_transaction(session):
        session.add(Reader(id=reader_id, network_hash=network_hash, created_at=now))
    return token
