"""Personal data: its retention after the session, its purge, and a participant's own copy.

After the retention period of a session (Conference.retention_days after its
last day) the data that only served accreditation are erased: photos,
nominating documents and credentials, passport numbers and expiry dates, dates
of birth, telephone numbers, and the e-mails sent. What the statistics need
(category, role, gender, attendance) stays, so the figures of past sessions
can still be compared (UN Personal Data Protection and Privacy Principles, 2018).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from flask import current_app
from sqlalchemy import delete, select, update

from conference.checkin.models import CheckIn
from conference.conferences.models import Conference
from conference.core import audit
from conference.core.db import utcnow
from conference.core.errors import RuleViolation
from conference.core.i18n import _, format_day
from conference.core.models import OutgoingMail
from conference.extensions import db
from conference.programme.models import Session, SessionSignup
from conference.registration.models import Delegation, Registration
from conference.registration.uploads import delete_upload


def purge(conference: Conference, *, today: date | None = None, actor="command line") -> dict[str, int]:
    """Erase the personal data of a session whose retention period is over; refuse before that.

    Files are removed after the database has forgotten them, so a failure
    leaves at worst a file nobody points to, never a pointer to nothing.
    """
    today = today or utcnow().date()
    if today <= conference.retention_ends_on:
        raise RuleViolation(_("the retention period of %(code)s runs until %(day)s: nothing is erased before then",
                              code=conference.code, day=format_day(conference.retention_ends_on)))
    folder = Path(current_app.config["UPLOAD_FOLDER"])
    registrations = db.session.scalars(select(Registration).where(Registration.conference_id == conference.id,
                                                                  Registration.personal_data_purged_at.is_(None))).all()
    files = [r.photo for r in registrations if r.photo]
    for d in db.session.scalars(select(Delegation).where(Delegation.conference_id == conference.id)):
        files += [p for p in (d.nomination_document, d.credentials_document) if p]
        d.nomination_document = None
        d.credentials_document = None
    now = utcnow()
    db.session.execute(update(Registration).where(Registration.id.in_([r.id for r in registrations])).values(
        photo=None, passport_number=None, passport_expiry=None, date_of_birth=None, phone="",
        personal_data_purged_at=now))
    mails = db.session.execute(delete(OutgoingMail).where(OutgoingMail.conference_id == conference.id)).rowcount
    counts = {"registrations": len(registrations), "files": len(files), "mails": mails or 0}
    audit.record("conference.personal_data_purged", conference, actor=actor, after=counts)
    db.session.commit()
    for relative in files:
        delete_upload(folder, relative)
    return counts


def export(registration: Registration) -> dict:
    """Everything Plenary holds about a participant, for their own copy."""
    r = registration
    signups = db.session.execute(select(Session.title, Session.starts_at, SessionSignup.status)
                                 .join(Session, Session.id == SessionSignup.session_id)
                                 .where(SessionSignup.registration_id == r.id)).all()
    scans = db.session.execute(select(CheckIn.scanned_at, CheckIn.door, CheckIn.result)
                               .where(CheckIn.registration_id == r.id).order_by(CheckIn.scanned_at)).all()
    personal = {name: getattr(r, name) for name in (
        "title", "family_name", "given_names", "badge_name", "gender", "nationality", "date_of_birth",
        "passport_number", "passport_expiry", "function_title", "organization", "email", "phone", "language",
        "delegation_role", "modality", "attendance_from", "attendance_to", "status", "status_reason",
        "submitted_at", "approved_at", "consent_at", "badge_state", "badge_serial")}
    return {
        "conference": r.conference.code, "delegation": r.delegation.entity.name,
        "registration": {k: (v.isoformat() if hasattr(v, "isoformat") else (str(v) if v is not None else None))
                         for k, v in personal.items()},
        "photo_on_file": bool(r.photo),
        "sessions": [{"title": t, "starts": s.isoformat() if s else None, "status": st.value}
                     for t, s, st in signups],
        "scans": [{"at": at.isoformat(), "door": door, "result": result.value} for at, door, result in scans],
        "retained_until": r.conference.retention_ends_on.isoformat(),
    }
