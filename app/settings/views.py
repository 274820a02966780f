"""The settings shell and its two tabs."""

from flask import Blueprint, redirect, render_template, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

bp = Blueprint("settings", __name__, url_prefix="/settings")


@bp.get("/")
@login_required
def index() -> Response:
    return redirect(url_for("settings.account"))


@bp.get("/account")
@login_required
def account() -> str:
    return render_template("settings/account.html", tab="account")


@bp.get("/bots")
@login_required
def bots() -> str:
    return render_template("settings/bots.html", tab="bots")
