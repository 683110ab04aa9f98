"""Scheduling with conflict checks, the secretariat's own sessions, and edits to a session.

Every way of changing a session (the forms, the grid, an import, the command
line) goes through `schedule`/`update_session` here, so that the conflict
rules of domain.md hold whatever the door.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from conference.conferences.models import Conference, Room
from conference.core import audit
from conference.core.db import utcnow
from conference.core.errors import Invalid, RuleViolation
from conference.core.i18n import (
    CLOCK,
    _,
    format_day,
    format_day_range,
    format_moment,
    format_number,
    ngettext,
)
from conference.extensions import db
from conference.programme.models import (
    SITTING_KINDS,
    Session,
    SessionKind,
    SessionOrganizer,
)
from conference.programme.models import (
    SessionStatus as St,
)
from conference.programme.services.review import _changed, _mail
from conference.programme.services.seats import _promote, confirmed_seats, lock_session, move_back_to_waiting_list

# Statuses in which a session still holds its room and time.
HOLDS_PLACE = (St.SCHEDULED, St.PUBLISHED)


# -- intervals ------------------------------------------------------------------------------------

def overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    """Half-open intervals [start, end): back-to-back use of a room is no overlap."""
    return a_start < b_end and b_start < a_end


# -- scheduling -----------------------------------------------------------------------------------

def conflicts(s: Session, room: Room | None, starts_at: datetime, ends_at: datetime) -> list[str]:
    """Every reason why `s` cannot take `room` from `starts_at` to `ends_at`, in words that name the conflict."""
    c = s.conference
    reasons: list[str] = []
    local_start, local_end = c.local(starts_at), c.local(ends_at)
    if ends_at <= starts_at:
        return [_("The session must end after it starts.")]
    if not (c.starts_on <= local_start.date() <= c.ends_on and local_end.date() == local_start.date()):
        reasons.append(_("%(day)s is outside the session (%(dates)s).", day=format_day(local_start.date()),
                         dates=format_day_range(c.starts_on, c.ends_on)))
    elif local_start.time() < c.venue_opens or local_end.time() > c.venue_closes:
        day = local_start.date()
        reasons.append(_("The venue is open from %(opens)s to %(closes)s; %(start)s–%(end)s is outside its hours.",
                         opens=_clock(datetime.combine(day, c.venue_opens)),
                         closes=_clock(datetime.combine(day, c.venue_closes)),
                         start=_clock(local_start), end=_clock(local_end)))
    if room is not None:
        if room.conference_id != c.id:
            reasons.append(_("This room belongs to another session's venue."))
        elif s.expected_attendance and room.capacity < s.expected_attendance:
            reasons.append(_too_small(room, s.expected_attendance))
    others = db.session.scalars(
        select(Session).options(selectinload(Session.speakers), joinedload(Session.room))
        .where(Session.conference_id == c.id, Session.id != (s.id or -1), Session.status.in_(HOLDS_PLACE),
               Session.starts_at < ends_at, Session.ends_at > starts_at)).all()
    speakers = {" ".join(sp.name.casefold().split()): sp.name for sp in s.speakers}
    for other in others:
        start, end = _clock(other.starts_at, c), _clock(other.ends_at, c)
        if room is not None and other.room_id == room.id:
            reasons.append(_("%(room)s is taken by “%(title)s” (%(start)s–%(end)s).", room=room.name,
                             title=other.title, start=start, end=end))
        if s.kind not in SITTING_KINDS and other.kind in SITTING_KINDS:
            if other.room:
                reasons.append(_("It falls in a sitting: “%(title)s” (%(start)s–%(end)s, %(room)s).",
                                 title=other.title, start=start, end=end, room=other.room.name))
            else:
                reasons.append(_("It falls in a sitting: “%(title)s” (%(start)s–%(end)s).", title=other.title,
                                 start=start, end=end))
        if s.kind in SITTING_KINDS and other.kind not in SITTING_KINDS:
            reasons.append(_("Another session is scheduled then: “%(title)s” (%(kind)s, %(start)s–%(end)s).",
                             title=other.title, kind=other.kind.label, start=start, end=end))
        for sp in other.speakers:
            key = " ".join(sp.name.casefold().split())
            if key in speakers:
                reasons.append(_("%(speaker)s is speaking at “%(title)s” at that time (%(start)s–%(end)s).",
                                 speaker=speakers[key], title=other.title, start=start, end=end))
    return list(dict.fromkeys(reasons))


def _clock(moment: datetime, conference: Conference | None = None) -> str:
    """A time of day at the venue, written the way the page's language writes it."""
    return format_moment(moment, conference, CLOCK)


def _too_small(room: Room, expected: int) -> str:
    return ngettext("%(room)s seats %(seats)s, fewer than the %(num)d expected.",
                    "%(room)s seats %(seats)s, fewer than the %(num)d expected.", expected,
                    room=room.name, seats=format_number(room.capacity))


def schedule(s: Session, room: Room, starts_at: datetime, ends_at: datetime, *, actor) -> Session:
    """Give an accepted (or already scheduled) session its room and time, refusing every conflict.

    Changing the time or room of a published session raises its sequence and records the change. The organizer
    (the applicant of a side event) is told by e-mail when the event gets its room and time, and when either changes.
    """
    if s.status not in (St.ACCEPTED, St.SCHEDULED, St.PUBLISHED):
        raise RuleViolation(_("Only accepted sessions are scheduled; the status of this one is “%(status)s”.",
                              status=s.status.label))
    _lock_room(room)
    # Read under the lock: a room retired a moment ago is not offered any more.
    if db.session.scalar(select(Room.retired_at).where(Room.id == room.id)) is not None:
        raise RuleViolation(_("%(room)s is retired: choose another room.", room=room.name))
    reasons = conflicts(s, room, starts_at, ends_at)
    if reasons:
        raise RuleViolation(" ".join(reasons))
    before = {"room": s.room.name if s.room else None,
              "starts": s.starts_at.isoformat() if s.starts_at else None}
    moved = (s.room_id, s.starts_at, s.ends_at) != (room.id, starts_at, ends_at)
    first = s.status == St.ACCEPTED
    s.room_id, s.room = room.id, room
    s.starts_at, s.ends_at = starts_at, ends_at
    if s.status == St.ACCEPTED:
        s.status = St.SCHEDULED
    elif s.status == St.PUBLISHED and moved:
        c = s.conference
        # A record, in English (see `_changed`).
        _changed(s, f"Moved to {c.local(starts_at):%A %d %B, %H:%M}, {room.name}", utcnow())
    db.session.flush()
    audit.record("session.schedule", s, actor=actor, before=before,
                 after={"room": room.name, "starts": starts_at.isoformat()})
    if (first or moved) and s.applicant is not None:
        _mail(s, "side_event_scheduled", moved=not first)
    return s


def suggest_room(conference: Conference, expected: int | None) -> Room | None:
    """The room to offer first when scheduling: the smallest that seats the expected attendance (never the plenary
    hall for a panel of eighty), else the largest there is; any room when nothing is expected."""
    rooms = sorted(conference.rooms, key=lambda r: (r.capacity, r.name))
    if not rooms:
        return None
    if not expected:
        return rooms[0]
    return next((r for r in rooms if r.capacity >= expected), rooms[-1])


def _lock_room(room: Room) -> None:
    # Two coordinators placing events in one room at once: the second waits and then sees the first.
    db.session.execute(select(Room.id).where(Room.id == room.id).with_for_update())


# What to do when a session is given fewer seats than people already hold: refuse the change, or move the last
# people to get a seat back to the waiting list (they are told by e-mail). The coordinator chooses, every time.
OVER_CAPACITY = ("refuse", "waitlist")


def update_session(s: Session, *, title: str | None = None, description: str | None = None,
                   capacity: int | None = None, expected_attendance: int | None = None,
                   over_capacity: str = "refuse", actor) -> Session:
    """Edit what a coordinator may edit; a scheduled session's new expected attendance must fit its room.

    Fewer seats than confirmed people is refused unless `over_capacity` is "waitlist": then the last confirmed go
    back to the waiting list. More seats promote people from the waiting list.
    """
    if expected_attendance is not None and s.room is not None and s.status in HOLDS_PLACE \
            and expected_attendance > s.room.capacity:
        raise RuleViolation(_too_small(s.room, expected_attendance))
    if capacity is not None and capacity < 1:
        raise Invalid({"capacity": [_("A capacity is at least one seat.")]})
    if over_capacity not in OVER_CAPACITY:
        raise Invalid({"over_capacity": [_("Choose what happens to the people who would lose their seat.")]})
    demoted = []
    if capacity is not None:
        lock_session(s)  # counted and moved one change at a time, as sign-ups and cancellations do
        confirmed = confirmed_seats(s)
        # Only a lowering is refused or moves people: the event's own people may hold seats beyond the capacity.
        lowered = s.capacity is not None and capacity < s.capacity and capacity < confirmed
        if lowered and over_capacity == "refuse":
            raise Invalid({"capacity": [ngettext(
                "%(num)d person holds a confirmed seat, more than %(seats)s. Keep at least %(num)d seats, or "
                "choose to move the last people to get a seat back to the waiting list.",
                "%(num)d people hold a confirmed seat, more than %(seats)s. Keep at least %(num)d seats, or "
                "choose to move the last people to get a seat back to the waiting list.",
                confirmed, seats=format_number(capacity))]})
        if lowered:
            demoted = move_back_to_waiting_list(s, confirmed - capacity, actor=actor)
    before = {"title": s.title, "description": s.description, "capacity": s.capacity}
    if title is not None:
        s.title = " ".join(title.split())
    if description is not None:
        s.description = description.strip()
    if expected_attendance is not None:
        s.expected_attendance = expected_attendance
    if capacity is not None:
        s.capacity = capacity
    if s.status == St.PUBLISHED and (s.title, s.description, s.capacity) != (
            before["title"], before["description"], before["capacity"]):
        # What the programme and the calendars show changed: a new version, so calendars replace the old one (the
        # row's updated_at is their LAST-MODIFIED). Not a "move": the programme's "Changed" notice stays for those.
        s.sequence += 1
    db.session.flush()
    before.pop("description")
    audit.record("session.update", s, actor=actor, before=before,
                 after={"title": s.title, "capacity": s.capacity, "moved_to_waiting_list": len(demoted)})
    if capacity is not None and not demoted:
        _promote(s)
    return s


def grid(conference: Conference, day: date) -> tuple[list[Room], list[Session]]:
    """The rooms and the sessions holding a place on one day, for the rooms × slots grid."""
    start, end = conference.day_window(day)
    rooms = db.session.scalars(select(Room).where(Room.conference_id == conference.id)
                               .order_by(Room.capacity.desc(), Room.name)).all()
    sessions = db.session.scalars(
        select(Session).options(selectinload(Session.organizers).joinedload(SessionOrganizer.entity))
        .where(Session.conference_id == conference.id, Session.status.in_(HOLDS_PLACE),
               Session.starts_at >= start, Session.starts_at < end).order_by(Session.starts_at)).all()
    # A retired room shows only on the days it still holds something.
    used = {s.room_id for s in sessions}
    return [r for r in rooms if r.retired_at is None or r.id in used], sessions


def create_session(conference: Conference, kind: SessionKind, title: str, *, actor, description: str = "",
                   capacity: int | None = None, expected_attendance: int | None = None, is_closed: bool = False,
                   restricted_to_parties: bool = False) -> Session:
    """A session the secretariat puts on the programme itself (a sitting, a roundtable, a briefing):
    accepted at once, ready to be scheduled."""
    title = " ".join((title or "").split())
    if len(title) < 3:
        raise Invalid({"title": [_("Give the session a title.")]})
    if is_closed and kind not in (SessionKind.ROUNDTABLE, SessionKind.NETWORKING, SessionKind.BRIEFING):
        raise Invalid({"is_closed": [_("Only roundtables, networking sessions and briefings are closed.")]})
    s = Session(conference_id=conference.id, kind=kind, title=title, description=description or "",
                capacity=capacity, expected_attendance=expected_attendance, is_closed=is_closed,
                restricted_to_parties=restricted_to_parties, status=St.ACCEPTED, submitted_at=utcnow())
    db.session.add(s)
    db.session.flush()
    audit.record("session.create", s, actor=actor, after={"title": title, "kind": kind.value})
    return s
