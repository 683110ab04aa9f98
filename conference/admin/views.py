"""The back office's front page."""

from flask import Blueprint, render_template
from sqlalchemy import func, select

from conference.accounts.permissions import Permission, permission_required
from conference.conferences.models import Conference
from conference.extensions import db
from conference.registration.models import Registration, RegistrationStatus

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/")
@permission_required(Permission.VIEW_BACK_OFFICE)
def index():
    counts = db.session.execute(
        select(Registration.conference_id, Registration.status, func.count())
        .group_by(Registration.conference_id, Registration.status)
    ).all()
    by_conference: dict[int, dict[str, int]] = {}
    for conference_id, status, n in counts:
        by_conference.setdefault(conference_id, {})[status.value] = n
    conferences = db.session.scalars(select(Conference).order_by(Conference.starts_on.desc())).all()
    return render_template("admin/index.html", conferences=conferences, counts=by_conference,
                           statuses=list(RegistrationStatus))
