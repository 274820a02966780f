"""The account pages: registration, login and logout, the "This wasn't me" link and the
password reset. Their routes register on ``bp``, defined here so that each page module
imports it from the package and nothing imports back."""

from flask import Blueprint

bp = Blueprint("accounts", __name__)

from app.web.accounts import not_me, password_reset, second_step, views  # noqa: E402, F401  (routes register on bp)
