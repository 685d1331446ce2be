"""Writes crates/sim/tests/fixtures/flask_cookies.json: session cookies made by real Flask, which
Scalelab's cookie code must reproduce byte for byte and verify. Run by hand after `pip install
flask`; the fixture is committed, so the tests need no Python.

    python3 scripts/flask_cookie_vectors.py > crates/sim/tests/fixtures/flask_cookies.json
"""
import json
from importlib.metadata import version
from unittest import mock

from flask import Flask, session
from flask.sessions import SecureCookieSessionInterface


def cookie(secret, payload, timestamp):
    app = Flask("vectors")
    app.secret_key = secret
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    # Inside a request, as a Flask app saves its session: the app's JSON provider then writes
    # the payload (sort_keys=True). Outside one, Flask falls back to json.dumps without sorting.
    with app.test_request_context(), mock.patch("time.time", return_value=timestamp):
        return serializer.dumps(payload)


def cookie_from_a_request(secret, payload, timestamp):
    """The Set-Cookie value a real request to a Flask view gets."""
    app = Flask("vectors")
    app.secret_key = secret

    @app.route("/")
    def view():
        session.update(payload)
        return "ok"

    with mock.patch("time.time", return_value=timestamp):
        header = app.test_client().get("/").headers["Set-Cookie"]
    return header.split(";")[0].removeprefix("session=")


CASES = [
    ("the issue's example", "dev-secret", {"user_id": 42}, 1700000000),
    ("sorted keys, nesting", "dev-secret", {"user_id": 7, "cart": {"sku": [3, 1], "coupon": None}, "admin": False}, 1700000123),
    ("non-ASCII escaped", "s3cr3t", {"name": "Zoë 😀", "city": "Zürich"}, 1710000000),
    ("compressed payload", "dev-secret", {"cart": ["apple"] * 60, "user_id": 9}, 1700000000),
    ("floats and strings", "another key", {"price": 12.5, "note": "a \"quoted\"\nline\t/", "ratio": 0.1}, 1690000000),
]

print(json.dumps({
    "made_with": f"Flask {version('flask')}, itsdangerous {version('itsdangerous')}",
    "salt": "cookie-session",
    "vectors": [
        {"case": name, "secret": secret, "payload": payload, "timestamp": ts, "cookie": cookie(secret, payload, ts)}
        for name, secret, payload, ts in CASES
    ] + [
        {"case": "set by a view", "secret": "dev-secret", "payload": {"user_id": 7, "cart": [1000, 1001]},
         "timestamp": 1767225600, "cookie": cookie_from_a_request("dev-secret", {"user_id": 7, "cart": [1000, 1001]}, 1767225600)},
    ],
}, indent=2, ensure_ascii=False))
