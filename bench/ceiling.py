"""The ceiling: a minimal Flask app with one JSON route, no auth, no database."""

from flask import Flask, jsonify
from werkzeug.wrappers import Response

app = Flask(__name__)


@app.get("/api/v1/server_settings")
def server_settings() -> Response:
    return jsonify(result="success", msg="")
