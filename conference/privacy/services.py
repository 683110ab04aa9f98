"""Personal data: its retention after the session, its purge, and a participant's own copy.

After the retention period of a session (Conference.retention_days after its
last day) the data that only served accreditation are erased: photos,
nominating documents and credentials, passport numbers and expiry dates, dates
of birth, telephone numbers, the e-mails sent (and their outbox files), and the
PDFs of its badge runs. Files that serve no one (uploads no record points to,
badge-run PDFs past BADGE_PDF_RETENTION_HOURS) are erased by every purge and
by `flask purge-stale-files`. What the statistics need
(category, role, gender, attendance) stays, so the figures of past sessions
can still be compared (UN Personal Data Protection and Privacy Principles, 2018).
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import delete, or_, select, update

from conference.badges.jobs import KIND as BADGE_RUNS
from conference.badges.jobs import runs_folder as badge_runs_folder
from conference.checkin.models import CheckIn
from conference.conferences.models import Conference
from conference.core import audit
from conference.core.db import utcnow
from conference.core.errors import RuleViolation
from conference.core.i18n import _, format_day
from conference.core.models import Job, OutgoingMail
from conference.extensions import db
from conference.mail.services import outbox_folder, outbox_path
from conference.programme.models import Session, SessionSignup
from conference.registration.models import Delegation, Registration
from conference.registration.uploads import UNCLAIMED_FOR_SECONDS, delete_upload, stored_files


def purge(conference: Conference, *, today: date | None = None, actor="command line") -> dict[str, int]:
    """Erase the personal data of a session whose retention period is over; refuse before that.

    On disk: its photos, nominating documents and credentials, every badge-run PDF of the session, the outbox's
    `.eml` copies of its e-mails, and (for every session) the stale files `clean_stale_files` erases: uploads no
    record points to, badge-run PDFs past their retention. Files are removed after the database has forgotten
    them, so a failure leaves at worst a file nobody points to (which the next clean-up erases), never a pointer to
    nothing.
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

    runs = db.session.scalars(select(Job).where(Job.conference_id == conference.id, Job.kind == BADGE_RUNS)).all()
    run_pdfs = _badge_run_pdfs(runs)
    for job in runs:
        job.result_path = None
    sent = db.session.scalars(select(OutgoingMail).where(or_(
        OutgoingMail.conference_id == conference.id,
        OutgoingMail.registration_id.in_(select(Registration.id).where(Registration.conference_id == conference.id)),
    ))).all()
    mail_ids = [m.id for m in sent]
    outbox = _outbox_files(sent)
    mails = db.session.execute(delete(OutgoingMail).where(OutgoingMail.id.in_(mail_ids))).rowcount if mail_ids else 0
    counts = {"registrations": len(registrations), "files": len(files), "mails": mails or 0,
              "badge_run_pdfs": len(run_pdfs), "outbox_files": len(outbox)}
    audit.record("conference.personal_data_purged", conference, actor=actor, after=counts)
    db.session.commit()
    for relative in files:
        delete_upload(folder, relative)
    for path in run_pdfs + outbox:
        path.unlink(missing_ok=True)
    stale = clean_stale_files()
    counts.update(orphaned_uploads=stale["orphaned_uploads"],
                  badge_run_pdfs=counts["badge_run_pdfs"] + stale["badge_run_pdfs"])
    return counts


def clean_stale_files(now: datetime | None = None) -> dict[str, int]:
    """Erase the files that are kept no longer than they serve, whatever their session; return how many.

    - Uploads no record points to (a replaced photo, the files of a submission that failed or was abandoned), once
      older than `UNCLAIMED_FOR_SECONDS` and an hour: until then a form may still hold a signed reference to them.
    - Badge-run PDFs (names and photos of a whole run) older than `BADGE_PDF_RETENTION_HOURS`; their run forgets
      them, and the badge desk prints again if needed.

    Run by `flask purge-stale-files` (hourly, from a timer or cron: deploy/plenary-cleanup.timer) and by every purge.
    """
    now = now or utcnow()
    folder = Path(current_app.config["UPLOAD_FOLDER"])
    referenced = set()
    for column in (Registration.photo, Delegation.nomination_document, Delegation.credentials_document):
        referenced.update(db.session.scalars(select(column).where(column.is_not(None))))
    unclaimed_before = now.timestamp() - UNCLAIMED_FOR_SECONDS - 3600  # an hour's margin for a form being sent
    orphans = [path for relative, path in stored_files(folder).items()
               if relative not in referenced and path.stat().st_mtime < unclaimed_before]

    kept_before = now.timestamp() - current_app.config["BADGE_PDF_RETENTION_HOURS"] * 3600
    runs_folder = badge_runs_folder()
    expired = [p for p in runs_folder.glob("job-*.pdf") if p.is_file() and p.stat().st_mtime < kept_before] \
        if runs_folder.is_dir() else []
    if expired:
        names = [str(p) for p in expired]
        db.session.execute(update(Job).where(Job.result_path.in_(names)).values(result_path=None))
        db.session.commit()
    for path in orphans + expired:
        path.unlink(missing_ok=True)
    return {"orphaned_uploads": len(orphans), "badge_run_pdfs": len(expired)}


def _badge_run_pdfs(runs) -> list[Path]:
    """The PDF files of these badge runs: the one each finished run points to, and any its rendering left behind."""
    folder = badge_runs_folder()
    paths = {Path(job.result_path) for job in runs if job.result_path}
    if folder.is_dir():
        for job in runs:
            paths.update(folder.glob(f"job-{job.id}-*.pdf"))
    return sorted(p for p in paths if p.is_file())


def _outbox_files(mails) -> list[Path]:
    """The `.eml` files (and any half-written temporary file) the outbox holds for these e-mails."""
    folder = outbox_folder(current_app.config)
    if not mails or not folder.is_dir():
        return []
    paths = []
    for mail in mails:
        paths.append(outbox_path(mail, current_app.config))
        paths += folder.glob(f".{mail.id}-*.tmp")
    return [p for p in paths if p.is_file()]


def export(registration: Registration) -> dict:
    """Everything Plenary holds about a participant, for their own copy."""
    r = registration
    signups = db.session.execute(select(Session.title, Session.starts_at, SessionSignup.status)
                                 .join(Session, Session.id == SessionSignup.session_id)
                                 .where(SessionSignup.registration_id == r.id)).all()
    scans = db.session.execute(select(CheckIn.scanned_at, CheckIn.door, CheckIn.result)
                               .where(CheckIn.registration_id == r.id).order_by(CheckIn.scanned_at)).all()
    personal = {name: getattr(r, name) for name in (
        "title", "family_name", "given_names", "badge_name", "badge_short_name", "gender", "nationality",
        "date_of_birth",
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
