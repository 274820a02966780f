"""The settings pages: the Account & privacy, Your bots and Organization tabs."""

from flask import Blueprint

bp = Blueprint("settings", __name__, url_prefix="/settings")

from app.web.settings import (  # noqa: E402, F401  (routes register on bp)
    account,
    bot_offers,
    bots,
    bots_edit,
    decoys,
    named,
    notices,
    organization,
    passkeys,
    password,
    restrictions,
    tokens,
    two_factor,
    usage,
)
