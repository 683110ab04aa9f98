"""The rooms of a session's venue: added, renamed, resized, retired; deleted only when no session ever used them."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from conference.conferences.models import Conference, Room
from conference.core import audit
from conference.core.db import utcnow
from conference.core.errors import Invalid, NotFound, RuleViolation
from conference.core.i18n import _
from conference.extensions import db
from conference.programme.models import Session

MAX_CAPACITY = 100_000


@dataclass
class RoomData:
    """A room as the secretariat types it."""

    name: str
    capacity: int | None
    building: str = ""


def get_room(conference: Conference, room_id: int) -> Room:
    room = db.session.get(Room, room_id)
    if room is None or room.conference_id != conference.id:
        raise NotFound(_("There is no such room at this venue."))
    return room


def _slug(conference: Conference, name: str) -> str:
    """A stable address part for the programme's room filter (?room=board-room-b), unique in the session."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:34] or "room"
    taken = set(db.session.scalars(select(Room.slug).where(Room.conference_id == conference.id)))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _checked(conference: Conference, data: RoomData, room: Room | None = None) -> tuple[str, str, int]:
    errors: dict[str, list[str]] = {}
    name = " ".join((data.name or "").split())
    building = (data.building or "").strip()
    if not name:
        errors["name"] = [_("Name the room.")]
    elif len(name) > 120:
        errors["name"] = [_("At most %(most)d characters.", most=120)]
    elif db.session.scalar(select(Room.id).where(Room.conference_id == conference.id,
                                                 func.lower(Room.name) == name.lower(),
                                                 Room.id != (room.id if room else -1))) is not None:
        errors["name"] = [_("This venue already has a room called %(name)s.", name=name)]
    if len(building) > 80:
        errors["building"] = [_("At most %(most)d characters.", most=80)]
    if data.capacity is None:
        errors["capacity"] = [_("Enter the number of seats.")]
    elif not 1 <= data.capacity <= MAX_CAPACITY:
        errors["capacity"] = [_("Enter a whole number of seats from 1 to %(most)d.", most=MAX_CAPACITY)]
    if errors:
        raise Invalid(errors)
    return name, building, data.capacity


def add_room(conference: Conference, data: RoomData, *, actor=None) -> Room:
    """A new room of the venue. Flushes, does not commit."""
    name, building, capacity = _checked(conference, data)
    room = Room(conference_id=conference.id, slug=_slug(conference, name), name=name, building=building,
                capacity=capacity)
    db.session.add(room)
    db.session.flush()
    audit.record("room.added", room, actor=actor, after={"name": name, "building": building, "capacity": capacity})
    return room


def update_room(room: Room, data: RoomData, *, actor=None) -> bool:
    """Rename a room, move it to another building, change its seats (its address on the programme stays).
    Returns whether anything changed. Flushes, does not commit."""
    name, building, capacity = _checked(room.conference, data, room)
    before = {"name": room.name, "building": room.building, "capacity": room.capacity}
    after = {"name": name, "building": building, "capacity": capacity}
    if before == after:
        return False
    room.name, room.building, room.capacity = name, building, capacity
    db.session.flush()
    changed = [k for k in after if before[k] != after[k]]
    audit.record("room.changed", room, actor=actor, before={k: before[k] for k in changed},
                 after={k: after[k] for k in changed})
    return True


def room_usage(conference: Conference) -> dict[int, int]:
    """Sessions placed in each room of the session (rooms never used are missing)."""
    return dict(db.session.execute(select(Session.room_id, func.count()).where(
        Session.conference_id == conference.id, Session.room_id.is_not(None)).group_by(Session.room_id)).all())


def sessions_in(room: Room) -> int:
    """How many sessions (of any status) have been placed in the room."""
    return db.session.scalar(select(func.count()).select_from(Session).where(Session.room_id == room.id)) or 0


def retire_room(room: Room, *, actor=None) -> None:
    """No longer offer the room for scheduling; the sessions it holds stay where they are."""
    if room.retired_at is not None:
        raise RuleViolation(_("%(name)s is already retired.", name=room.name))
    room.retired_at = utcnow()
    audit.record("room.retired", room, actor=actor)


def reinstate_room(room: Room, *, actor=None) -> None:
    if room.retired_at is None:
        raise RuleViolation(_("%(name)s is in use already.", name=room.name))
    room.retired_at = None
    audit.record("room.reinstated", room, actor=actor)


def delete_room(room: Room, *, actor=None) -> None:
    """Delete a room that no session ever used; a room with sessions can only be retired. The database refuses
    too (the sessions' foreign key restricts), should a session be placed there meanwhile."""
    used = sessions_in(room)
    if used:
        raise RuleViolation(_("%(name)s has sessions on the programme: it cannot be deleted, only retired.",
                              name=room.name))
    audit.record("room.deleted", room, actor=actor, before={"name": room.name, "capacity": room.capacity})
    try:
        with db.session.begin_nested():
            db.session.delete(room)
            db.session.flush()
    except IntegrityError:
        raise RuleViolation(_("%(name)s has sessions on the programme: it cannot be deleted, only retired.",
                              name=room.name)) from None
