"""What the pages read: the public programme, one session, a participant's applications."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import joinedload, selectinload

from conference.accounts.models import User
from conference.conferences.models import Conference, Room
from conference.core.errors import NotFound
from conference.core.i18n import (
    _,
)
from conference.extensions import db
from conference.programme.models import (
    Session,
    SessionKind,
    SessionOrganizer,
)
from conference.programme.models import (
    SessionStatus as St,
)
from conference.registration.models import (
    ParticipatingEntity,
    Registration,
)

# -- the public programme ---------------------------------------------------------------------------

@dataclass
class ProgrammeFilters:
    kind: SessionKind | None = None
    room: str | None = None  # room slug
    organizer: int | None = None  # entity id
    day: date | None = None


def public_sessions(conference: Conference, filters: ProgrammeFilters | None = None) -> list[Session]:
    """Published sessions (and published ones since cancelled), never closed ones, in two queries."""
    filters = filters or ProgrammeFilters()
    conditions = [Session.conference_id == conference.id, Session.published_at.is_not(None),
                  Session.status.in_([St.PUBLISHED, St.CANCELLED]), Session.is_closed.is_(False),
                  Session.starts_at.is_not(None)]
    if filters.kind is not None:
        conditions.append(Session.kind == filters.kind)
    if filters.room:
        conditions.append(Session.room.has(Room.slug == filters.room))
    if filters.organizer:
        conditions.append(Session.organizers.any(SessionOrganizer.entity_id == filters.organizer))
    if filters.day:
        start, end = conference.day_window(filters.day)
        conditions += [Session.starts_at >= start, Session.starts_at < end]
    return db.session.scalars(
        select(Session).options(joinedload(Session.room),
                                selectinload(Session.organizers).joinedload(SessionOrganizer.entity))
        .where(and_(*conditions)).order_by(Session.starts_at, Session.room_id, Session.id)).all()


def organizers_on_programme(conference: Conference) -> list[ParticipatingEntity]:
    return db.session.scalars(
        select(ParticipatingEntity).join(SessionOrganizer, SessionOrganizer.entity_id == ParticipatingEntity.id)
        .join(Session).where(Session.conference_id == conference.id, Session.published_at.is_not(None),
                             Session.is_closed.is_(False)).distinct().order_by(ParticipatingEntity.name)).all()


def get_session(conference: Conference, session_id: int) -> Session:
    s = db.session.get(Session, session_id)
    if s is None or s.conference_id != conference.id:
        raise NotFound(_("No such session at this conference."))
    return s


def as_json(conference: Conference, s: Session) -> dict:
    """A session as the contract's programme.json has it: times in ISO 8601 with the venue's offset."""
    return {
        "id": s.id, "uid": str(s.uid), "kind": s.kind.value, "title": s.title,
        "starts": conference.local(s.starts_at).isoformat(), "ends": conference.local(s.ends_at).isoformat(),
        "room": s.room.name if s.room else None, "room_slug": s.room.slug if s.room else None,
        "organizers": [o.entity.name for o in s.organizers], "status": s.status.value,
        "sequence": s.sequence, "changed": s.changed_at.isoformat() if s.changed_at else None,
        "capacity": s.capacity,
    }


def sessions_of_applicant(registration: Registration) -> list[Session]:
    """The side events a participant applied for, or that their entity co-organizes."""
    return db.session.scalars(
        select(Session).options(selectinload(Session.organizers).joinedload(SessionOrganizer.entity))
        .where(Session.conference_id == registration.conference_id,
               or_(Session.applicant_id == registration.id,
                   Session.organizers.any(SessionOrganizer.entity_id == registration.delegation.entity_id)))
        .order_by(Session.id)).all()


def user_label(user: User | None) -> str:
    return user.email if user is not None else "system"
