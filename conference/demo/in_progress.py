"""The demonstration's session in progress: `wg11`, a small intersessional meeting whose days cover today.

cop12 was in 2024 and cop13 is months ahead, so at either the door answers "door closed" (a real rule: a door
admits only on the session's days, during the venue's hours). Beside them the demonstration keeps a meeting under
the same secretariat running from yesterday to the day after tomorrow, open at any hour, whose participants hold
printed badges: the door (`/door/`) admits them today. Run again on a later day, `demo --open-session` moves its
days to cover that day again.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, time, timedelta

from sqlalchemy import select

from conference.badges.services import prepare_badges
from conference.conferences.models import Conference
from conference.conferences.services import CopyRequest, copy_conference
from conference.core.db import utcnow
from conference.demo.services import CODE as HISTORY_CODE
from conference.extensions import db
from conference.registration.models import Delegation, Modality, Registration, RegistrationStatus
from conference.registration.services import PERSONAL_FIELDS

CODE = "wg11"
TITLE = "Working Group on Firearms, eleventh meeting"
SHORT_TITLE = "Firearms WG11"
CONTACT_EMAIL = f"secretariat@{CODE}.example"
PARTICIPANTS = 24
# Open all day, so that the door can be tried at any hour (the venue closes the last second of the day).
VENUE_OPENS, VENUE_CLOSES = time(0, 0), time(23, 59, 59)


@dataclass
class InProgress:
    conference: Conference
    created: bool
    moved: bool  # its days were moved to cover today

    def serials(self, count: int = 2) -> list[str]:
        """A few serials to type at the door, of participants admitted by it."""
        return list(db.session.scalars(
            select(Registration.badge_serial).where(Registration.conference_id == self.conference.id,
                                                    Registration.badge_serial.is_not(None))
            .order_by(Registration.id).limit(count)))


def days_around(today: date) -> tuple[date, date]:
    """From the day before `today` to two days after it."""
    return today - timedelta(days=1), today + timedelta(days=2)


def ensure_session_in_progress(today: date | None = None) -> InProgress | None:
    """The session in progress, copied from cop12 with participants and badges when it is missing (None without
    cop12), its days moved when they no longer cover `today` (the venue's today by default). Flushes, does not
    commit."""
    existing = db.session.scalar(select(Conference).where(Conference.code == CODE))
    if existing is not None:
        today = today or existing.local(utcnow()).date()
        if existing.starts_on <= today <= existing.ends_on:
            return InProgress(existing, False, False)
        _move(existing, days_around(today)[0] - existing.starts_on)
        return InProgress(existing, False, True)
    source = db.session.scalar(select(Conference).where(Conference.code == HISTORY_CODE))
    if source is None:
        return None
    today = today or source.local(utcnow()).date()
    first, last = days_around(today)
    conference = copy_conference(HISTORY_CODE, CopyRequest(code=CODE, title=TITLE, short_title=SHORT_TITLE,
                                                           starts_on=first, ends_on=last,
                                                           registration_closes_on=last),
                                 actor="demonstration")
    conference.contact_email = CONTACT_EMAIL
    conference.venue_opens, conference.venue_closes = VENUE_OPENS, VENUE_CLOSES
    conference.opening_at = conference.at_venue(first, time(10, 0))
    ids = _participants(source, conference)
    prepare_badges(conference, ids, actor="demonstration")
    return InProgress(conference, True, False)


def _participants(source: Conference, conference: Conference) -> list[int]:
    """Approved in-person participants of cop12's States taken over, approved, for the meeting's days."""
    delegations = {d.entity_id: d for d in db.session.scalars(
        select(Delegation).where(Delegation.conference_id == conference.id))}
    earlier = db.session.scalars(
        select(Registration).join(Delegation, Delegation.id == Registration.delegation_id)
        .where(Registration.conference_id == source.id, Registration.status == RegistrationStatus.APPROVED,
               Registration.modality == Modality.IN_PERSON)
        .order_by(Registration.id)).all()
    now = utcnow()
    copied = [name for name in PERSONAL_FIELDS if name not in ("attendance_from", "attendance_to")]
    made: list[Registration] = []
    for old in earlier:
        delegation = delegations.get(old.delegation.entity_id)
        if delegation is None:
            continue
        made.append(Registration(
            conference_id=conference.id, delegation_id=delegation.id, name_key=old.name_key,
            **{name: getattr(old, name) for name in copied},
            attendance_from=conference.starts_on, attendance_to=conference.ends_on,
            status=RegistrationStatus.APPROVED, submitted_at=now, consent_at=now, approved_at=now,
            status_token=secrets.token_urlsafe(32), agenda_token=secrets.token_urlsafe(32)))
        if len(made) == PARTICIPANTS:
            break
    db.session.add_all(made)
    db.session.flush()
    return [r.id for r in made]


def _move(conference: Conference, shift: timedelta) -> None:
    """Every day and window of the session `shift` later, its participants' days with it."""
    conference.starts_on += shift
    conference.ends_on += shift
    for name in ("opening_at", "registration_opens_at", "registration_closes_at", "side_events_open_at",
                 "side_events_close_at"):
        if getattr(conference, name) is not None:
            setattr(conference, name, getattr(conference, name) + shift)
    for r in db.session.scalars(select(Registration).where(Registration.conference_id == conference.id)):
        r.attendance_from = r.attendance_from + shift if r.attendance_from else None
        r.attendance_to = r.attendance_to + shift if r.attendance_to else None
    db.session.flush()
