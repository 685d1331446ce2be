"""Writes crates/sim/tests/fixtures/flask_cookies.json: session cookies made by real Flask, which
Scalelab's cookie code must reproduce byte for byte and verify. Run by hand after `pip install
flask`; the fixture is committed, so the tests need no Python.

    python3 scripts/flask_cookie_vectors.py > crates/sim/tests/fixtures/flask_cookies.json
"""
import json
from importlib.metadata import version
from unittest import mock

from flask import Flask
from flask.sessions import SecureCookieSessionInterface


def cookie(secret, payload, timestamp):
    app = Flask("vectors")
    app.secret_key = secret
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    with mock.patch("time.time", return_value=timestamp):
        return serializer.dumps(payload)


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
    ],
}, indent=2, ensure_ascii=False))
