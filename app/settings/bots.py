"""The Your bots tab."""

from flask import render_template
from flask_login import login_required

from app.settings import bp


@bp.get("/bots")
@login_required
def bots() -> str:
    return render_template("settings/bots.html", tab="bots")
