"""Routes that belong to no domain: the home page and the health check."""

from flask import Blueprint, redirect, render_template, request, url_for
from sqlalchemy import text

from conference.accounts.permissions import public
from conference.accounts.views import safe_next
from conference.conferences.services import all_conferences
from conference.core.i18n import COOKIE, LANGUAGES
from conference.extensions import db

bp = Blueprint("core", __name__)


@bp.get("/healthz")
@public("load balancers and monitors probe it")
def healthz():
    db.session.execute(text("SELECT 1"))
    return "ok", 200, {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}


@bp.get("/")
@public("the list of sessions is public")
def index():
    return render_template("public/index.html", conferences=all_conferences())


@bp.get("/language/<code>")
@public("anyone may choose the language of the pages")
def choose_language(code: str):
    """Remember the visitor's language for a year and go back to the page they were on."""
    target = safe_next(request.args.get("next")) or url_for("core.index")
    response = redirect(target)
    if code in LANGUAGES:
        response.set_cookie(COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True,
                            secure=request.is_secure)
    return response
