"""The floor: a bare Flask app under the same gunicorn settings as Engage.

Nothing built on Flask + gunicorn can answer faster than this, so Engage's figures are reported
as ratios to it, measured in the same run (absolute req/s on a shared 2-core machine drift by
±20 % between runs; ratios measured together do not).

  GET  /json  a fixed ~1 KB JSON body built with jsonify per request
  POST /echo  parse a JSON body, answer a small JSON reply
"""
from flask import Flask, jsonify, request

app = Flask(__name__)

BODY = {
    "article": "a-1",
    "rating": {"count": 1234, "average": 4.2, "distribution": {"1": 10, "2": 20, "3": 80,
                                                                "4": 300, "5": 824}},
    "comments": [{"id": i, "author_name": f"reader{i}", "html": "<p>short comment text</p>",
                  "created_at": "2026-11-30T12:00:00Z"} for i in range(10)],
}


@app.get("/json")
def json_route():
    """About 1 KB of JSON."""
    return jsonify(BODY)


@app.post("/echo")
def echo():
    """Parse the body, answer how many items it had."""
    data = request.get_json(force=True, silent=True)
    return jsonify({"ok": True, "items": len(data) if isinstance(data, (list, dict)) else 0})
