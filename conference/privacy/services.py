"""Personal data: its retention after the session, its purge, and a participant's own copy.

After the retention period of a session (Conference.retention_days after its
last day) the data that only served accreditation are erased: photos,
nominating documents and credentials, passport numbers and expiry dates, dates
of birth, telephone numbers, the e-mails sent (and their outbox files), the
PDFs of its badge runs and the files of its lists of participants, wherever
STORAGE_URL keeps them (local folders or the object store). Files that serve no one (uploads no record points to,
badge-run PDFs past BADGE_PDF_RETENTION_HOURS) are erased by every purge and
by `flask purge-stale-files`. What the statistics need
(category, role, gender, attendance) stays, so the figures of past sessions
can still be compared (UN Personal Data Protection and Privacy Principles, 2018).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import delete, or_, select, update

from conference.badges.jobs import KIND as BADGE_RUNS
from conference.badges.jobs import run_pdf_key, run_pdf_prefix, runs_storage
from conference.checkin.models import CheckIn
from conference.conferences.models import Conference
from conference.core import audit
from conference.core.db import utcnow
from conference.core.errors import RuleViolation
from conference.core.i18n import _, format_day
from conference.core.models import Job, OutgoingMail
from conference.extensions import db
from conference.mail.services import outbox_folder, outbox_path
from conference.participants_list.jobs import KIND as LIST_RUNS
from conference.participants_list.jobs import list_file_prefix, lists_storage
from conference.programme.models import Session, SessionSignup
from conference.registration.document_models import DelegationDocument
from conference.registration.models import Delegation, Registration
from conference.registration.request_models import OrganizationRequest
from conference.registration.uploads import UNCLAIMED_FOR_SECONDS, delete_upload, stored_files, upload_storage


def purge(conference: Conference, *, today: date | None = None, actor="command line") -> dict[str, int]:
    """Erase the personal data of a session whose retention period is over; refuse before that.

    In storage: its photos, nominating documents and credentials, every badge-run PDF of the session and every file
    of its lists of participants; on disk, the outbox's `.eml` copies of its e-mails; and (for every session) the
    stale files `clean_stale_files` erases: uploads no record points to, badge-run PDFs past their retention. Files
    are removed after the database has forgotten them, so a failure leaves at worst a file nobody points to (which
    the next clean-up erases), never a pointer to nothing.
    """
    today = today or utcnow().date()
    if today <= conference.retention_ends_on:
        raise RuleViolation(_("the retention period of %(code)s runs until %(day)s: nothing is erased before then",
                              code=conference.code, day=format_day(conference.retention_ends_on)))
    registrations = db.session.scalars(select(Registration).where(Registration.conference_id == conference.id,
                                                                  Registration.personal_data_purged_at.is_(None))).all()
    files = [r.photo for r in registrations if r.photo]
    # Every version of every document, not only those that count; the rows stay (kind, version, date received)
    # without the file, its name or the sender's address.
    of_session = select(Delegation.id).where(Delegation.conference_id == conference.id)
    files += db.session.scalars(select(DelegationDocument.path).where(
        DelegationDocument.delegation_id.in_(of_session), DelegationDocument.path.is_not(None))).all()
    db.session.execute(update(DelegationDocument).where(DelegationDocument.delegation_id.in_(of_session)).values(
        path=None, original_filename="", sent_by_email=""))
    now = utcnow()
    db.session.execute(update(Registration).where(Registration.id.in_([r.id for r in registrations])).values(
        photo=None, passport_number=None, passport_expiry=None, date_of_birth=None, phone="",
        personal_data_purged_at=now))
    # Who asked for an organization to be put on the list: the request stays (what was asked, what was decided).
    asked = db.session.execute(update(OrganizationRequest).where(
        OrganizationRequest.conference_id == conference.id, OrganizationRequest.email != "").values(
        contact_name="", email="", message="")).rowcount or 0

    runs = db.session.scalars(select(Job).where(Job.conference_id == conference.id,
                                                Job.kind.in_((BADGE_RUNS, LIST_RUNS)))).all()
    run_files = _run_files(runs)
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
              "badge_run_pdfs": len(run_files[BADGE_RUNS]), "participants_lists": len(run_files[LIST_RUNS]),
              "outbox_files": len(outbox), "organization_requests": asked}
    audit.record("conference.personal_data_purged", conference, actor=actor, after=counts)
    db.session.commit()
    uploads = upload_storage()
    for relative in files:
        delete_upload(uploads, relative)
    for storage, keys in ((runs_storage(), run_files[BADGE_RUNS]), (lists_storage(), run_files[LIST_RUNS])):
        for key in keys:
            storage.delete(key)
    for path in outbox:
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
    now = _utc(now or utcnow())
    uploads = upload_storage()
    referenced = set()
    for column in (Registration.photo, DelegationDocument.path):
        referenced.update(db.session.scalars(select(column).where(column.is_not(None))))
    unclaimed_before = now - timedelta(seconds=UNCLAIMED_FOR_SECONDS + 3600)  # an hour's margin for a form being sent
    orphans = [key for key, f in stored_files(uploads).items()
               if key not in referenced and _utc(f.modified) < unclaimed_before]

    kept_before = now - timedelta(hours=current_app.config["BADGE_PDF_RETENTION_HOURS"])
    badges = runs_storage()
    expired = [f.key for f in badges.list("job-") if _utc(f.modified) < kept_before]
    if expired:
        # Runs recorded before storage kept the absolute path of their PDF: matched by its file name.
        expired_names = set(expired)
        stale_runs = [job for job in db.session.scalars(select(Job).where(Job.kind == BADGE_RUNS,
                                                                          Job.result_path.is_not(None)))
                      if run_pdf_key(job) in expired_names]
        for job in stale_runs:
            job.result_path = None
        db.session.commit()
    for key in orphans:
        uploads.delete(key)
    for key in expired:
        badges.delete(key)
    return {"orphaned_uploads": len(orphans), "badge_run_pdfs": len(expired)}


def _utc(moment: datetime) -> datetime:
    """`moment` with its time zone (UTC when it has none), so a storage's times and the clock's compare."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _run_files(runs) -> dict[str, list[str]]:
    """The keys of the files of these runs, by kind: the one each finished run points to, and any that an attempt
    left behind (a badge run's keys begin with its prefix)."""
    found: dict[str, set[str]] = {BADGE_RUNS: set(), LIST_RUNS: set()}
    badges, lists = runs_storage(), lists_storage()
    for job in runs:
        if job.kind == BADGE_RUNS:
            found[BADGE_RUNS].update(f.key for f in badges.list(run_pdf_prefix(job)))
            key = run_pdf_key(job)
            if key and badges.exists(key):
                found[BADGE_RUNS].add(key)
        else:
            found[LIST_RUNS].update(f.key for f in lists.list(list_file_prefix(job)))
    return {kind: sorted(keys) for kind, keys in found.items()}


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
