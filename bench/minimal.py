"""The minimal design `make bench` compares Keyfob with: Flask, an HMAC digest of the key,
one SELECT by digest on a connection kept per thread (sqlite3 or psycopg, by
KEYFOB_DATABASE_URL), a constant-time email comparison and a small JSON answer. No limits,
no expiry, no deactivation, no last use, no headers: what the key check costs at least."""

import base64
import binascii
import hashlib
import hmac
import os
import threading
from typing import Any

from flask import Flask, jsonify, request
from werkzeug.wrappers import Response

from app.core import config

_SQL = (
    "SELECT u.id, u.email FROM api_keys k JOIN users u ON u.id = k.user_id"
    " WHERE k.digest = {mark} AND k.revoked_at IS NULL"
)
_settings = config.load(os.environ["KEYFOB_INSTANCE_PATH"], None)
_URL: str = _settings["DATABASE_URL"]
_PEPPER = str(_settings["KEY_PEPPER"]).encode()
_local = threading.local()
app = Flask(__name__)


def _connection() -> Any:
    connection = getattr(_local, "connection", None)
    if connection is None:
        if _URL.startswith("sqlite"):
            import sqlite3

            connection = sqlite3.connect(_URL.removeprefix("sqlite:///"), check_same_thread=False)
        else:
            import psycopg

            connection = psycopg.connect(
                _URL.replace("postgresql+psycopg://", "postgresql://"), autocommit=True
            )
        _local.connection = connection
    return connection


@app.get("/api/v1/users/me")
def users_me() -> Response | tuple[Response, int]:
    try:
        _scheme, _, token = request.environ.get("HTTP_AUTHORIZATION", "").partition(" ")
        email, _, key = base64.b64decode(token).decode().partition(":")
    except (ValueError, binascii.Error):
        return jsonify(result="error"), 401
    digest = hmac.new(_PEPPER, key.encode(), hashlib.sha256).hexdigest()
    connection = _connection()
    mark = "?" if _URL.startswith("sqlite") else "%s"
    row = connection.execute(_SQL.format(mark=mark), (digest,)).fetchone()
    if row is None or not hmac.compare_digest(row[1].encode(), email.lower().encode()):
        return jsonify(result="error"), 401
    return jsonify(result="success", msg="", user_id=row[0], email=row[1])
