"""The back office's downloads of registrations (the CSV file of `participants export`)."""

from __future__ import annotations

import io
import re

from flask import Blueprint, Response, abort, request
from flask_login import current_user

from conference.accounts.permissions import Permission, can, permission_required
from conference.conferences.services import get_conference
from conference.core import audit
from conference.core.i18n import _
from conference.extensions import db
from conference.registration.csvio import write_csv
from conference.registration.web import queue_filters

bp = Blueprint("registration_exports", __name__, url_prefix="/admin/<code>")


@bp.get("/registrations.csv")
@permission_required(Permission.REVIEW_REGISTRATIONS)
def registrations_csv(code: str):
    """The registrations of the session as CSV, in the columns `participants import` reads: those the queue
    shows with the same query string (status, category, group, badge, delegation, name), every one without.

    Passport numbers, their expiry and dates of birth only with `?sensitive=1`, for an account
    that may see them; asking without that permission is refused rather than quietly ignored.
    """
    conference = get_conference(code)
    sensitive = request.args.get("sensitive") == "1"
    if sensitive and not can(current_user, Permission.VIEW_SENSITIVE_DATA):
        abort(403, description=_("Your account may not see passport numbers and dates of birth: "
                                 "download the list without them."))
    buffer = io.StringIO(newline="")
    write_csv(conference, buffer, include_sensitive=sensitive, filters=queue_filters())
    if sensitive:
        # Who took passport numbers and dates of birth out of the system, and when.
        audit.record("registrations.export_sensitive", conference, actor=current_user, conference_id=conference.id)
        db.session.commit()
    filename = re.sub(r"[^a-z0-9._-]", "_", conference.code)  # codes are lower case; nothing else may slip in
    return Response(buffer.getvalue().encode("utf-8"), headers={
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": f'attachment; filename="{filename}-registrations.csv"',
        # Personal data: kept by no cache on the way, nor by the browser's.
        "Cache-Control": "no-store",
    })
