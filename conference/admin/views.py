"""The back office's front page."""

from flask import Blueprint, render_template

from conference.accounts.permissions import Permission, permission_required
from conference.conferences.services import all_conferences
from conference.registration.models import RegistrationStatus
from conference.registration.services import status_counts

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/")
@permission_required(Permission.VIEW_BACK_OFFICE)
def index():
    return render_template("admin/index.html", conferences=all_conferences(), counts=status_counts(),
                           statuses=list(RegistrationStatus))
