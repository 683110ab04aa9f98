"""Routes that belong to no domain: the home page and the health check."""

from flask import Blueprint, render_template
from sqlalchemy import select, text

from conference.accounts.permissions import public
from conference.conferences.models import Conference
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
    conferences = db.session.scalars(select(Conference).order_by(Conference.starts_on.desc())).all()
    return render_template("public/index.html", conferences=conferences)
