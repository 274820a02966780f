"""The REST API under /api/v1, authenticated by HTTP Basic email:key only (Zulip's shapes)."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from app.api import bots, views  # noqa: E402, F401  (routes register on bp)
