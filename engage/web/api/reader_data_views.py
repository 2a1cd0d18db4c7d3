"""A reader's data rights from the widget: download everything tied to the token, or erase it."""
from __future__ import annotations

import dataclasses
import json

from flask import current_app, jsonify

from engage.extensions import db, limiter
from engage.models.types import utcnow
from engage.services import reader_data
from engage.web.api.openapi import documented
from engage.web.api.responses import Erasure, ReaderData
from engage.web.api.views import accepted, bp
from engage.web.keys import reader_id, reader_or_network_key

_LIMIT = limiter.limit(lambda: current_app.config["LIMIT_READER_DATA"],
                       key_func=reader_or_network_key, deduct_when=accepted)


@bp.get("/reader/data")
@documented(responses={200: ReaderData}, auth="reader", errors=(429,), tag="reader data")
@_LIMIT
def download_reader_data():
    """Everything stored under the reader's token, as a JSON file to keep.

    Comments (raw text and HTML, with status), votes, likes and reports, each naming its site
    and article; the reader's hashed IP network (never an address).
    """
    body = json.dumps(reader_data.export_reader_data(db.session, reader_id()),
                      ensure_ascii=False, indent=1)
    response = current_app.response_class(body, mimetype="application/json")
    response.headers["Content-Disposition"] = 'attachment; filename="engage-my-data.json"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.delete("/reader")
@documented(responses={200: Erasure}, auth="reader", errors=(429,), tag="reader data")
@_LIMIT
def erase_reader():
    """Erase everything tied to the reader's token and revoke the token.

    Comments become "deleted" placeholders (published replies stay), votes, likes and reports
    are removed with the counts they fed, in one transaction; the token then answers 401.
    """
    result = reader_data.erase_reader(db.session, reader_id(), utcnow())
    return jsonify({"erased": dataclasses.asdict(result)})
