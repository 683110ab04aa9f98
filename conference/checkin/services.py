"""Checking people in at the doors: the building gate and each session's room.

Every scan is one CheckIn row, whatever its answer, for the audit of the doors.
A person is admitted once per door and venue day: the database enforces it
with a partial unique index, so two scanners reading the same badge at the
same instant give one ADMITTED and one ALREADY_ADMITTED, never two admissions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import distinct, func, select
from sqlalchemy.exc import IntegrityError

from conference.badges.models import Badge
from conference.badges.services import Forged, is_qr_value, normalize_serial, read_qr
from conference.checkin.models import GATE, CheckIn, CheckInResult
from conference.conferences.models import Conference
from conference.core.db import utcnow, violated_constraint
from conference.core.errors import NotFound
from conference.core.i18n import CLOCK, WEEKDAY_SHORT, _, _l, format_moment
from conference.extensions import db
from conference.programme.models import Session, SessionSignup, SignupStatus
from conference.programme.services.seats import confirmed_seats, has_own_seat
from conference.registration.categories import PARTY_MEETING_STATUSES
from conference.registration.models import BadgeState, Registration, RegistrationStatus

# What the door page shows and announces for each answer, in the language of the door's page.
MESSAGES = {
    CheckInResult.ADMITTED: _l("Admitted"),
    CheckInResult.ALREADY_ADMITTED: _l("Already admitted here today"),
    CheckInResult.NOT_INVITED: _l("Not invited: this session is by invitation only"),
    CheckInResult.BADGE_REPLACED: _l("Badge replaced: this badge was reprinted, the old one is no longer valid"),
    CheckInResult.NOT_APPROVED: _l("Not approved: the registration is not approved"),
    CheckInResult.NOT_PRINTED: _l("Badge not valid: no badge was printed since the registration was approved; "
                                  "send them to the badge desk"),
    CheckInResult.CLOSED: _l("Door closed: it admits only on the days of the session, during the venue's hours"),
    CheckInResult.NO_SEAT: _l("No seat: the session is full and this person has no seat"),
    CheckInResult.UNKNOWN: _l("Unknown badge"),
    CheckInResult.FORGED: _l("Forged code: not issued by this conference"),
}
# A badge opens doors once printed (and stays valid when collected at the pass office).
PRINTED = (BadgeState.PRINTED, BadgeState.COLLECTED)


# A typed serial that would admit asks the officer first: what the door page shows then.
TO_CONFIRM = _l("Typed serial: compare the person with the photo, then admit")
# Long enough to look at the person and the photo; a confirmation cannot be kept for later.
CONFIRM_SECONDS = 300


@dataclass
class CheckInOutcome:
    """The answer at the door: the result, whom it concerns (when known), the message to show, the row written.

    For a typed serial that would admit, `to_confirm` holds the pass that confirms it (see `check_in`): nothing
    is admitted nor written yet, `result` is None and `check_in` is the row that confirming would write.
    """

    result: CheckInResult | None
    registration: Registration | None
    message: str
    check_in: CheckIn
    to_confirm: str | None = None

    @property
    def admitted(self) -> bool:
        return self.result == CheckInResult.ADMITTED


def door_session(conference: Conference, door: str) -> Session | None:
    """The session a door belongs to: None for the gate; NotFound for a door that is neither."""
    if door == GATE:
        return None
    prefix, _sep, ident = door.partition("-")
    if prefix != "session" or not (ident.isascii() and ident.isdigit()) or len(ident) > 9:
        raise NotFound(_("no door %(door)s: the doors are \"gate\" and \"session-<id>\"", door=repr(door)))
    session = db.session.scalar(select(Session).where(Session.id == int(ident),
                                                      Session.conference_id == conference.id))
    if session is None:
        raise NotFound(_("no session %(id)s in %(code)s", id=ident, code=conference.code))
    return session


def door_label(conference: Conference, door: str) -> str:
    """What the door is called, for the page's heading."""
    session = door_session(conference, door)
    return _("Building gate") if session is None else session.title


def check_in(conference: Conference, *, code_or_serial: str, door: str, user=None, device: str = "",
             now: datetime | None = None, confirmation: str = "") -> CheckInOutcome:
    """Check a scanned QR value, or a serial typed by door staff, at `door` ("gate" or "session-<id>").

    Writes exactly one CheckIn row, whatever the answer, and flushes it (the caller commits). A QR value whose
    signature is wrong is FORGED; a serial nobody holds UNKNOWN; a serial that is not the one its registration
    holds now (a reprinted badge) BADGE_REPLACED; a registration not approved NOT_APPROVED; one approved but
    without a badge printed since (it left "approved" and came back) NOT_PRINTED; a scan outside the session's
    days and the venue's hours CLOSED (the session's door: its day only); a closed meeting's door admits only
    those INVITED and a meeting restricted to parties only States parties and signatories (else NOT_INVITED); a
    full meeting's door only those with a seat (else NO_SEAT). ADMITTED happens once per person, door and venue
    day; later scans, even at the same instant on another device, are ALREADY_ADMITTED. Only ADMITTED counts
    as attendance.

    A typed serial carries no signature: one that would admit writes nothing and returns `to_confirm`, a pass
    the officer sends back as `confirmation` after comparing the person with the photo; only then is the person
    admitted, and the row says the serial was typed.
    """
    session = door_session(conference, door)
    now = now or utcnow()
    row = CheckIn(conference_id=conference.id, session_id=session.id if session else None, door=door,
                  scanned_at=now, venue_day=conference.local(now).date(), device=(device or "")[:120],
                  scanned_by_id=getattr(user, "id", None))
    value = (code_or_serial or "").strip()
    row.typed = not is_qr_value(value)

    if not row.typed:
        try:
            serial = read_qr(value)
        except Forged:
            row.serial = value[:64]
            return _write(row, CheckInResult.FORGED, None)
    else:
        serial = normalize_serial(value)
    row.serial = serial[:64]

    registration, replaced = _holder(conference, serial)
    if registration is None:
        return _write(row, CheckInResult.UNKNOWN, None)
    row.registration_id = registration.id
    if replaced:
        return _write(row, CheckInResult.BADGE_REPLACED, registration)
    if registration.status != RegistrationStatus.APPROVED:
        return _write(row, CheckInResult.NOT_APPROVED, registration)
    if registration.badge_state not in PRINTED:
        return _write(row, CheckInResult.NOT_PRINTED, registration)
    if not door_open(conference, session, now):
        return _write(row, CheckInResult.CLOSED, registration)
    if session is not None and not _may_enter(session, registration):
        return _write(row, CheckInResult.NOT_INVITED, registration)
    if session is not None and not _has_seat(session, registration):
        return _write(row, CheckInResult.NO_SEAT, registration)
    if _admitted_already(row):
        return _write(row, CheckInResult.ALREADY_ADMITTED, registration)
    if row.typed and not _confirmed(confirmation, row):
        return CheckInOutcome(None, registration, str(TO_CONFIRM), row, to_confirm=_confirmation_for(row))
    try:
        with db.session.begin_nested():
            row.result = CheckInResult.ADMITTED
            db.session.add(row)
    except IntegrityError as exc:
        # Another scanner admitted the same person at this door a moment ago: the unique index said no. Any other
        # refusal is a bug, not a second admission.
        if violated_constraint(exc) != "uq_check_in_admitted_once_per_door_and_day":
            raise
        fresh = CheckIn(conference_id=row.conference_id, session_id=row.session_id, door=row.door,
                        scanned_at=row.scanned_at, venue_day=row.venue_day, device=row.device,
                        scanned_by_id=row.scanned_by_id, serial=row.serial, registration_id=registration.id,
                        typed=row.typed)
        return _write(fresh, CheckInResult.ALREADY_ADMITTED, registration)
    return CheckInOutcome(CheckInResult.ADMITTED, registration, str(MESSAGES[CheckInResult.ADMITTED]), row)


def _confirmer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="plenary door typed serial v1")


def _confirmation_for(row: CheckIn) -> str:
    return _confirmer().dumps([row.serial, row.conference_id, row.door, row.scanned_by_id or 0])


def _confirmed(confirmation: str, row: CheckIn) -> bool:
    """Whether `confirmation` is the pass given for this serial, at this door, to this officer, minutes ago."""
    if not confirmation:
        return False
    try:
        said = _confirmer().loads(confirmation, max_age=CONFIRM_SECONDS)
    except (BadSignature, ValueError, TypeError):
        return False
    return said == [row.serial, row.conference_id, row.door, row.scanned_by_id or 0]


def _write(row: CheckIn, result: CheckInResult, registration: Registration | None) -> CheckInOutcome:
    row.result = result
    db.session.add(row)
    db.session.flush()
    return CheckInOutcome(result, registration, str(MESSAGES[result]), row)


def _holder(conference: Conference, serial: str) -> tuple[Registration | None, bool]:
    """Who holds the badge with `serial` in `conference`, and whether that badge no longer opens doors: superseded
    by a reprint, or simply not the serial the registration holds now."""
    if not serial:
        return None, False
    badge = db.session.scalar(
        select(Badge).join(Registration, Registration.id == Badge.registration_id)
        .where(Badge.serial == serial, Registration.conference_id == conference.id))
    if badge is not None:
        registration = badge.registration
        return registration, badge.superseded_at is not None or registration.badge_serial != serial
    return None, False


def door_open(conference: Conference, session: Session | None, now: datetime) -> bool:
    """Whether a door admits at `now`: on the days of the session (the conference), during the venue's hours,
    in the venue's time zone; a meeting's door on the meeting's own day(s) too."""
    local = conference.local(now)
    if not conference.starts_on <= local.date() <= conference.ends_on:
        return False
    if not conference.venue_opens <= local.time() < conference.venue_closes:
        return False
    if session is not None and session.starts_at is not None and session.ends_at is not None:
        return conference.local(session.starts_at).date() <= local.date() <= conference.local(session.ends_at).date()
    return True


def _has_seat(session: Session, registration: Registration) -> bool:
    """A meeting with a capacity that is full admits those with a seat only: a confirmed sign-up, or their own
    seat at their own event (the applicant, the speakers)."""
    if session.capacity is None or session.is_closed or confirmed_seats(session) < session.capacity:
        return True
    seated = db.session.scalar(select(SessionSignup.id).where(
        SessionSignup.session_id == session.id, SessionSignup.registration_id == registration.id,
        SessionSignup.status == SignupStatus.CONFIRMED))
    return seated is not None or has_own_seat(session, registration)


def _may_enter(session: Session, registration: Registration) -> bool:
    if session.restricted_to_parties and registration.delegation.treaty_status not in PARTY_MEETING_STATUSES:
        return False
    if session.is_closed:
        invited = db.session.scalar(select(SessionSignup.id).where(
            SessionSignup.session_id == session.id, SessionSignup.registration_id == registration.id,
            SessionSignup.status == SignupStatus.INVITED))
        return invited is not None
    return True


def _admitted_already(row: CheckIn) -> bool:
    return db.session.scalar(select(CheckIn.id).where(
        CheckIn.registration_id == row.registration_id, CheckIn.door == row.door,
        CheckIn.venue_day == row.venue_day, CheckIn.result == CheckInResult.ADMITTED)) is not None


# --------------------------------------------------------------------------------------------------------------------
# The photo shown at the door: only for a badge just scanned there, by the person who scanned it

# Long enough to load the photo and look at it; too short to keep a link to anyone's photo.
PHOTO_PASS_SECONDS = 120


def _photo_signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="plenary door photo v1")


def photo_pass(row: CheckIn) -> str:
    """A short-lived signed pass to the photo of the person of a scan, bound to that scan's door and scanner."""
    return _photo_signer().dumps([row.registration_id, row.conference_id, row.door, row.scanned_by_id or 0])


def photo_by_pass(conference: Conference, token: str, user) -> Registration:
    """The registration whose photo `token` opens for `user`; NotFound when the pass is forged, expired, for
    another conference or another user (door staff cannot fetch a photo by a participant's id)."""
    try:
        registration_id, conference_id, door, user_id = _photo_signer().loads(token, max_age=PHOTO_PASS_SECONDS)
    except (BadSignature, ValueError, TypeError):
        raise NotFound(_("This photo is no longer shown: scan the badge again.")) from None
    if conference_id != conference.id or user_id != (getattr(user, "id", None) or 0):
        raise NotFound(_("This photo is no longer shown: scan the badge again."))
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.conference_id != conference.id or not registration.photo:
        raise NotFound(_("No photo."))
    return registration


# --------------------------------------------------------------------------------------------------------------------
# Attendance, from the rows of the doors (the statistics read the same rows)


def session_attendance(session: Session) -> int:
    """The distinct participants admitted at the door of `session`."""
    return db.session.scalar(select(func.count(distinct(CheckIn.registration_id))).where(
        CheckIn.session_id == session.id, CheckIn.result == CheckInResult.ADMITTED)) or 0


def daily_attendance(conference: Conference) -> dict[date, int]:
    """For each venue day with scans, the distinct participants admitted at the building gate."""
    rows = db.session.execute(
        select(CheckIn.venue_day, func.count(distinct(CheckIn.registration_id)))
        .where(CheckIn.conference_id == conference.id, CheckIn.door == GATE,
               CheckIn.result == CheckInResult.ADMITTED)
        .group_by(CheckIn.venue_day).order_by(CheckIn.venue_day)).all()
    return {day: count for day, count in rows}


def doors(conference: Conference) -> list[tuple[str, str]]:
    """The doors staff can pick: the gate, then every scheduled session by start time, as (door, label)."""
    sessions = db.session.scalars(
        select(Session).where(Session.conference_id == conference.id, Session.starts_at.is_not(None))
        .order_by(Session.starts_at, Session.id)).all()
    out = [(GATE, _("Building gate"))]
    for s in sessions:
        when = format_moment(s.starts_at, conference, WEEKDAY_SHORT + CLOCK)
        # The title isolated (FSI ... PDI, like <bdi>): a Latin title after an Arabic date keeps its order.
        out.append((f"session-{s.id}", f"{when} · \u2068{s.title}\u2069"))
    return out
