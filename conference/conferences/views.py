"""Public pages of one conference."""

from flask import Blueprint, render_template

from conference.accounts.permissions import public
from conference.conferences.services import get_conference

bp = Blueprint("conferences", __name__)


@bp.get("/<code>/")
@public("a session's public page")
def home(code: str):
    conference = get_conference(code)
    return render_template("public/conference.html", conference=conference)
