"""API endpoints."""

from flask import Blueprint, g, jsonify
from werkzeug.wrappers import Response

from app.api.auth import require_key

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.get("/users/me")
@require_key
def users_me() -> Response:
    principal = g.principal
    return jsonify(
        result="success",
        msg="",
        user_id=principal.user_id,
        email=principal.email,
        full_name=principal.full_name,
        is_bot=principal.is_bot,
        is_active=True,
    )
