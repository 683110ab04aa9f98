"""The programme: side-event applications and their review, scheduling with conflict checks,
publication, invitations to closed sessions, and sign-ups with a waiting list.

Every way of changing a session (the forms, the grid, an import, the command
line) goes through `schedule`/`update_session` here, so that the conflict
rules of domain.md hold whatever the door.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from conference.accounts.models import User
from conference.conferences.models import Conference, Room
from conference.core import audit
from conference.core.db import utcnow
from conference.core.errors import Invalid, NotFound, PermissionDenied, RuleViolation
from conference.core.i18n import (
    CLOCK,
    DAY,
    _,
    _l,
    force_locale,
    format_day,
    format_day_range,
    format_moment,
    format_number,
    language_of,
    ngettext,
)
from conference.core.templating import external_url
from conference.extensions import db
from conference.programme.models import (
    SITTING_KINDS,
    OrganizerRole,
    Session,
    SessionFormat,
    SessionKind,
    SessionOrganizer,
    SessionSignup,
    SessionSpeaker,
    SignupStatus,
)
from conference.programme.models import (
    SessionStatus as St,
)
from conference.registration.models import (
    STATE_TYPES,
    Delegation,
    Gender,
    ParticipatingEntity,
    Registration,
    RegistrationStatus,
)

MAX_PREFERRED_SLOTS = 3
MAX_SPEAKERS = 10
# A panel is gender-balanced when neither women nor men hold more than 60 % of the seats (our choice,
# after the UN's gender parity strategy; a panel of one is never balanced).
BALANCE_SHARE = 0.6
# Statuses in which a session still holds its room and time.
HOLDS_PLACE = (St.SCHEDULED, St.PUBLISHED)
ACTIVE_APPLICATION = (St.DRAFT, St.SUBMITTED, St.UNDER_REVIEW, St.ACCEPTED, St.WAITLISTED, St.SCHEDULED,
                      St.PUBLISHED)


# -- intervals ------------------------------------------------------------------------------------

def overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    """Half-open intervals [start, end): back-to-back use of a room is no overlap."""
    return a_start < b_end and b_start < a_end


# -- applications ---------------------------------------------------------------------------------

@dataclass
class Speaker:
    name: str
    gender: str
    function_title: str = ""


@dataclass
class Application:
    title: str = ""
    description: str = ""
    format: SessionFormat = SessionFormat.IN_PERSON
    expected_attendance: int | None = None
    languages: str = "en"
    # Up to three preferred slots, as (day, slot index in the conference's side-event slots).
    preferred: list[tuple[date, int]] = field(default_factory=list)
    co_organizer_ids: list[int] = field(default_factory=list)  # delegation ids
    speakers: list[Speaker] = field(default_factory=list)


def applications_open(conference: Conference, now: datetime | None = None) -> str | None:
    """Why side-event applications are closed now, or None when they are open."""
    now = now or utcnow()
    opens, closes = conference.side_events_open_at, conference.side_events_close_at
    if opens and now < opens:
        return _("Applications for side events open on %(day)s at %(time)s (%(timezone)s).",
                 day=format_moment(opens, conference, DAY), time=format_moment(opens, conference, CLOCK),
                 timezone=conference.timezone)
    if closes and now >= closes:
        return _("Applications for side events closed on %(day)s at %(time)s (%(timezone)s).",
                 day=format_moment(closes, conference, DAY), time=format_moment(closes, conference, CLOCK),
                 timezone=conference.timezone)
    return None


def slot_times(conference: Conference, day: date, index: int) -> tuple[datetime, datetime]:
    """The UTC start and end of a side-event slot on a day of the session."""
    slots = conference.side_event_slots or []
    if not 0 <= index < len(slots):
        raise RuleViolation(_("There is no slot number %(number)d on the programme.", number=index + 1))
    start = time.fromisoformat(slots[index]["starts"])
    end = time.fromisoformat(slots[index]["ends"])
    return conference.at_venue(day, start), conference.at_venue(day, end)


def _validate_application(conference: Conference, lead: Delegation, data: Application) -> Application:
    errors: dict[str, list[str]] = {}

    def error(name, message):
        errors.setdefault(name, []).append(message)

    data.title = " ".join((data.title or "").split())
    data.description = (data.description or "").strip()
    if not 10 <= len(data.title) <= 300:
        error("title", _("Give the event a title of 10 to 300 characters."))
    if len(data.description) < 50:
        error("description", _("Describe the event in at least 50 characters: its aim, its format, who speaks."))
    elif len(data.description) > 5000:
        error("description", _("Keep the description under %(limit)s characters.", limit=format_number(5000)))
    if data.expected_attendance is None or not 1 <= data.expected_attendance <= 2000:
        error("expected_attendance", _("Say how many people you expect (%(least)s to %(most)s).",
                                        least=format_number(1), most=format_number(2000)))
    if not data.preferred:
        error("preferred", _("Choose at least one preferred slot."))
    if len(data.preferred) > MAX_PREFERRED_SLOTS:
        error("preferred", ngettext("Choose at most %(num)d preferred slot.", "Choose at most %(num)d preferred slots.",
                                     MAX_PREFERRED_SLOTS))
    for day, index in data.preferred:
        if not conference.starts_on <= day <= conference.ends_on or not 0 <= index < len(
                conference.side_event_slots or []):
            error("preferred", _("Each preferred slot must be one of the slots offered."))
            break
    if len(set(data.preferred)) != len(data.preferred):
        error("preferred", _("Each preferred slot may be chosen once."))
    speakers = [Speaker(" ".join(s.name.split()), s.gender, s.function_title.strip()) for s in data.speakers
                if s.name.strip()]
    if not speakers:
        error("speakers", _("Name at least one speaker."))
    if len(speakers) > MAX_SPEAKERS:
        error("speakers", ngettext("A panel has at most %(num)d speaker.", "A panel has at most %(num)d speakers.",
                                    MAX_SPEAKERS))
    if any(s.gender not in {g.value for g in Gender} for s in speakers):
        error("speakers", _("Give each speaker's gender (you may choose not to disclose)."))
    if len({s.name.casefold() for s in speakers}) != len(speakers):
        error("speakers", _("A speaker is listed twice."))
    data.speakers = speakers
    co = list(dict.fromkeys(i for i in data.co_organizer_ids if i != lead.id))
    for delegation_id in co:
        d = db.session.get(Delegation, delegation_id)
        if d is None or d.conference_id != conference.id:
            error("co_organizers", _("Each co-organizer must be an entity accredited to this session."))
            break
    data.co_organizer_ids = co
    if errors:
        raise Invalid(errors)
    return data


def apply(conference: Conference, applicant: Registration, data: Application, *, submit: bool = True,
          now: datetime | None = None) -> Session:
    """A participant applies for a side event on behalf of their entity, its lead organizer.

    Refused outside the application window, for entities that are not
    accredited to the session, and beyond the number of events one lead
    organizer may hold (one, unless the session allows more).
    """
    if applicant.conference_id != conference.id:
        raise NotFound(_("No such registration at this session."))
    if applicant.status in (RegistrationStatus.REJECTED, RegistrationStatus.WITHDRAWN, RegistrationStatus.DRAFT):
        raise RuleViolation(_("Only participants with a registration in progress or approved may apply."))
    closed = applications_open(conference, now)
    if closed:
        raise RuleViolation(closed)
    lead = applicant.delegation
    data = _validate_application(conference, lead, data)
    _lock_entity_applications(lead)
    held = db.session.scalar(
        select(func.count()).select_from(SessionOrganizer).join(Session)
        .where(SessionOrganizer.entity_id == lead.entity_id, SessionOrganizer.role == OrganizerRole.LEAD,
               Session.conference_id == conference.id, Session.kind == SessionKind.SIDE_EVENT,
               Session.status.in_(ACTIVE_APPLICATION)))
    if held >= conference.side_events_per_organizer:
        raise RuleViolation(ngettext(
            "%(entity)s already leads %(num)d side-event application; this session allows %(allowed)d per lead "
            "organizer. Join another application as a co-organizer instead.",
            "%(entity)s already leads %(num)d side-event applications; this session allows %(allowed)d per lead "
            "organizer. Join another application as a co-organizer instead.",
            held, entity=lead.entity.display_name, allowed=conference.side_events_per_organizer))
    s = Session(conference_id=conference.id, kind=SessionKind.SIDE_EVENT, title=data.title,
                description=data.description, format=data.format, expected_attendance=data.expected_attendance,
                languages=data.languages or "en", applicant_id=applicant.id, status=St.DRAFT,
                preferred_slots=[{"day": d.isoformat(), "slot": i} for d, i in data.preferred])
    s.organizers.append(SessionOrganizer(entity_id=lead.entity_id, role=OrganizerRole.LEAD, position=0,
                                         confirmed_at=utcnow()))
    for position, delegation_id in enumerate(data.co_organizer_ids, start=1):
        s.organizers.append(SessionOrganizer(entity_id=db.session.get(Delegation, delegation_id).entity_id,
                                             role=OrganizerRole.CO_ORGANIZER, position=position))
    for position, sp in enumerate(data.speakers):
        s.speakers.append(SessionSpeaker(position=position, name=sp.name, gender=sp.gender,
                                         function_title=sp.function_title))
    db.session.add(s)
    db.session.flush()
    audit.record("session.apply", s, actor=applicant.email, after={"title": s.title})
    if submit:
        review(s, "submit", actor=applicant.email)
    return s


def _lock_entity_applications(lead: Delegation) -> None:
    # One lead organizer, one application at a time: serialize on its delegation row (PostgreSQL).
    db.session.execute(select(Delegation.id).where(Delegation.id == lead.id).with_for_update())


def confirm_co_organizer(s: Session, registration: Registration) -> None:
    """A co-organizer confirms, through a participant of theirs."""
    row = next((o for o in s.organizers if o.entity_id == registration.delegation.entity_id
                and o.role == OrganizerRole.CO_ORGANIZER), None)
    if row is None:
        raise PermissionDenied(_("Your organization is not a co-organizer of this event."))
    if row.confirmed_at is None:
        row.confirmed_at = utcnow()
        audit.record("session.co_organizer_confirmed", s, actor=registration.email,
                     after={"entity_id": row.entity_id})


# -- the review -----------------------------------------------------------------------------------

REVIEW: dict[str, tuple[frozenset[St], St, bool]] = {
    # action: (from, to, reason required)
    "submit": (frozenset({St.DRAFT}), St.SUBMITTED, False),
    "start_review": (frozenset({St.SUBMITTED}), St.UNDER_REVIEW, False),
    "accept": (frozenset({St.SUBMITTED, St.UNDER_REVIEW, St.WAITLISTED}), St.ACCEPTED, False),
    "reject": (frozenset({St.SUBMITTED, St.UNDER_REVIEW, St.WAITLISTED}), St.REJECTED, True),
    "waitlist": (frozenset({St.SUBMITTED, St.UNDER_REVIEW}), St.WAITLISTED, False),
    "ask_changes": (frozenset({St.SUBMITTED, St.UNDER_REVIEW}), St.DRAFT, True),
    "publish": (frozenset({St.SCHEDULED}), St.PUBLISHED, False),
    "cancel": (frozenset(set(St) - {St.DRAFT, St.CANCELLED, St.REJECTED}), St.CANCELLED, True),
}
REVIEW_LABELS = {"submit": _l("Submit"), "start_review": _l("Start the review"), "accept": _l("Accept"),
                 "reject": _l("Reject"), "waitlist": _l("Put on the waiting list"),
                 "ask_changes": _l("Ask for changes"), "publish": _l("Publish"), "cancel": _l("Cancel")}
REVIEW_MAIL = {"submit": "side_event_submitted", "accept": "side_event_accepted", "reject": "side_event_rejected",
               "waitlist": "side_event_waitlisted", "ask_changes": "side_event_changes", "cancel":
               "side_event_cancelled"}


def review(s: Session, action: str, *, actor, reason: str = "", now: datetime | None = None) -> Session:
    """Move a session through the states of domain.md; audited, and the organizer is told by e-mail."""
    if action not in REVIEW:
        raise RuleViolation(_("Unknown action “%(action)s”.", action=action))
    sources, target, needs_reason = REVIEW[action]
    if s.status not in sources:
        raise RuleViolation(_("The action “%(action)s” does not apply to a session with the status “%(status)s”.",
                              action=REVIEW_LABELS[action], status=s.status.label))
    reason = (reason or "").strip()
    if needs_reason and not reason:
        raise Invalid({"reason": [_("Give the organizer a reason (it is sent to them).")]})
    now = now or utcnow()
    before = s.status
    if action == "submit":
        s.submitted_at = s.submitted_at or now
    if action == "publish":
        s.published_at = s.published_at or now
    s.status = target
    s.status_reason = reason
    if before == St.PUBLISHED and target == St.CANCELLED:
        _changed(s, "Cancelled", now)  # a record, in English: pages say it from the status
    db.session.flush()
    audit.record(f"session.{action}", s, actor=actor, before={"status": before.value},
                 after={"status": target.value}, reason=reason)
    if action in REVIEW_MAIL and s.applicant is not None:
        _mail(s, REVIEW_MAIL[action], reason)
    return s


def _changed(s: Session, note: str, now: datetime) -> None:
    """A published session changed its time, room or status: calendars must see a new version.

    The note is a record for the secretariat, kept in English; public pages describe the change in the reader's
    language from the session's status, time and room.
    """
    s.sequence += 1
    s.changed_at = now
    s.change_note = note[:300]


def _mail(s: Session, template: str, reason: str = "", to: Registration | None = None) -> None:
    from conference.mail.services import queue_mail

    r = to or s.applicant
    queue_mail(r.email, template, r.language, registration=r, conference=s.conference, session=s, reason=reason,
               status_url=external_url("registration.status", code=s.conference.code, token=r.status_token))


def merge(keep: Session, other: Session, *, actor) -> Session:
    """Make two applications one joint event: the other's organizers and speakers join `keep`, and the
    other application is closed as merged."""
    if keep.id == other.id or keep.conference_id != other.conference_id:
        raise RuleViolation(_("Choose two different applications of the same session."))
    for s in (keep, other):
        if s.status not in (St.SUBMITTED, St.UNDER_REVIEW, St.WAITLISTED, St.ACCEPTED):
            raise RuleViolation(_("“%(title)s” has the status “%(status)s”: only applications under review merge.",
                                  title=s.title, status=s.status.label))
    known = {o.entity_id for o in keep.organizers}
    position = max((o.position for o in keep.organizers), default=0)
    for o in other.organizers:
        if o.entity_id not in known:
            position += 1
            keep.organizers.append(SessionOrganizer(entity_id=o.entity_id, role=OrganizerRole.CO_ORGANIZER,
                                                    position=position, confirmed_at=o.confirmed_at or utcnow()))
    names = {sp.name.casefold() for sp in keep.speakers}
    position = max((sp.position for sp in keep.speakers), default=-1)
    for sp in other.speakers:
        if sp.name.casefold() not in names:
            position += 1
            keep.speakers.append(SessionSpeaker(position=position, name=sp.name, gender=sp.gender,
                                                function_title=sp.function_title))
    keep.expected_attendance = max(keep.expected_attendance or 0, other.expected_attendance or 0) or None
    db.session.flush()
    # The reason is kept and sent to the merged application's applicant: in their language, not the coordinator's.
    with force_locale(language_of(other.applicant.language if other.applicant else None)):
        reason = _("Merged into the joint event “%(title)s” (#%(id)d).", title=keep.title, id=keep.id)
    review(other, "cancel", actor=actor, reason=reason)
    audit.record("session.merge", keep, actor=actor, after={"merged": other.id})
    return keep


@dataclass
class Priorities:
    """What domain.md gives priority to, for the review list."""

    state_co_organized: bool
    joint: bool
    balanced_panel: bool
    women_share: float | None
    regional_groups: int
    submitted_at: datetime | None


def priorities(s: Session) -> Priorities:
    organizers = [o.entity for o in s.organizers]
    genders = [sp.gender for sp in s.speakers if sp.gender in ("female", "male")]
    women = genders.count("female") / len(genders) if genders else None
    return Priorities(
        state_co_organized=any(e.entity_type in STATE_TYPES for e in organizers),
        joint=len(organizers) > 1,
        balanced_panel=is_balanced(s.speakers),
        women_share=women,
        regional_groups=len({e.regional_group for e in organizers if e.regional_group is not None}),
        submitted_at=s.submitted_at,
    )


def is_balanced(speakers) -> bool:
    genders = [sp.gender for sp in speakers if sp.gender in ("female", "male")]
    if len(genders) < 2:
        return False
    share = genders.count("female") / len(genders)
    return 1 - BALANCE_SHARE <= share <= BALANCE_SHARE


REVIEW_SORTS = {
    "arrival": lambda item: (item[1].submitted_at is None, item[1].submitted_at),
    "state": lambda item: (not item[1].state_co_organized, item[1].submitted_at),
    "joint": lambda item: (not item[1].joint, item[1].submitted_at),
    "balance": lambda item: (not item[1].balanced_panel, item[1].submitted_at),
    "regions": lambda item: (-item[1].regional_groups, item[1].submitted_at),
}


def review_list(conference: Conference, *, sort: str = "arrival", statuses=None) -> list[tuple[Session, Priorities]]:
    """Side-event applications with their priorities, sorted by one of REVIEW_SORTS, in three queries."""
    statuses = statuses or (St.SUBMITTED, St.UNDER_REVIEW, St.WAITLISTED, St.ACCEPTED, St.SCHEDULED)
    sessions = db.session.scalars(
        select(Session).options(selectinload(Session.organizers).joinedload(SessionOrganizer.entity),
                                selectinload(Session.speakers))
        .where(Session.conference_id == conference.id, Session.kind == SessionKind.SIDE_EVENT,
               Session.status.in_(statuses))).all()
    items = [(s, priorities(s)) for s in sessions]
    items.sort(key=REVIEW_SORTS.get(sort, REVIEW_SORTS["arrival"]))
    return items


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

    Changing the time or room of a published session raises its sequence and records the change.
    """
    if s.status not in (St.ACCEPTED, St.SCHEDULED, St.PUBLISHED):
        raise RuleViolation(_("Only accepted sessions are scheduled; the status of this one is “%(status)s”.",
                              status=s.status.label))
    _lock_room(room)
    reasons = conflicts(s, room, starts_at, ends_at)
    if reasons:
        raise RuleViolation(" ".join(reasons))
    before = {"room": s.room.name if s.room else None,
              "starts": s.starts_at.isoformat() if s.starts_at else None}
    moved = (s.room_id, s.starts_at, s.ends_at) != (room.id, starts_at, ends_at)
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
    return s


def _lock_room(room: Room) -> None:
    # Two coordinators placing events in one room at once: the second waits and then sees the first.
    db.session.execute(select(Room.id).where(Room.id == room.id).with_for_update())


def update_session(s: Session, *, title: str | None = None, description: str | None = None,
                   capacity: int | None = None, expected_attendance: int | None = None, actor) -> Session:
    """Edit what a coordinator may edit; a scheduled session's new expected attendance must fit its room."""
    if expected_attendance is not None and s.room is not None and s.status in HOLDS_PLACE \
            and expected_attendance > s.room.capacity:
        raise RuleViolation(_too_small(s.room, expected_attendance))
    if capacity is not None and capacity < 1:
        raise Invalid({"capacity": [_("A capacity is at least one seat.")]})
    before = {"title": s.title, "capacity": s.capacity}
    if title is not None:
        s.title = " ".join(title.split())
    if description is not None:
        s.description = description.strip()
    if expected_attendance is not None:
        s.expected_attendance = expected_attendance
    if capacity is not None:
        s.capacity = capacity
    db.session.flush()
    audit.record("session.update", s, actor=actor, before=before, after={"title": s.title, "capacity": s.capacity})
    if capacity is not None:
        _promote(s)
    return s


def grid(conference: Conference, day: date) -> tuple[list[Room], list[Session]]:
    """The rooms and the sessions holding a place on one day, for the rooms × slots grid."""
    start = conference.at_venue(day, time(0, 0))
    end = start + timedelta(days=1)
    rooms = db.session.scalars(select(Room).where(Room.conference_id == conference.id)
                               .order_by(Room.capacity.desc(), Room.name)).all()
    sessions = db.session.scalars(
        select(Session).options(selectinload(Session.organizers).joinedload(SessionOrganizer.entity))
        .where(Session.conference_id == conference.id, Session.status.in_(HOLDS_PLACE),
               Session.starts_at >= start, Session.starts_at < end).order_by(Session.starts_at)).all()
    return rooms, sessions


# -- closed sessions and sign-ups ------------------------------------------------------------------

def invite(s: Session, registration: Registration, *, actor) -> SessionSignup:
    """Invite a participant to a closed session (the coordinator manages the list)."""
    if not s.is_closed:
        raise RuleViolation(_("Only closed sessions have invitations; open ones take sign-ups."))
    if registration.conference_id != s.conference_id:
        raise NotFound(_("No such participant at this session."))
    existing = _signup(s, registration)
    if existing is not None:
        return existing
    signup = SessionSignup(session_id=s.id, registration_id=registration.id, status=SignupStatus.INVITED)
    db.session.add(signup)
    db.session.flush()
    audit.record("session.invite", s, actor=actor, after={"registration": registration.id})
    return signup


def invited_to(s: Session) -> list[Registration]:
    """Who holds a place at a closed session: the invited, and those who took up the invitation."""
    return db.session.scalars(select(Registration).join(SessionSignup, SessionSignup.registration_id == Registration.id)
                              .where(SessionSignup.session_id == s.id)).all()


def uninvite(s: Session, registration: Registration, *, actor) -> None:
    signup = _signup(s, registration)
    if signup is not None and signup.status == SignupStatus.INVITED:
        db.session.delete(signup)
        audit.record("session.uninvite", s, actor=actor, before={"registration": registration.id})


def _signup(s: Session, registration: Registration) -> SessionSignup | None:
    return db.session.scalar(select(SessionSignup).where(SessionSignup.session_id == s.id,
                                                         SessionSignup.registration_id == registration.id))


def visible_to(s: Session, registration: Registration | None) -> bool:
    """Closed sessions are seen only by the people invited to them."""
    if not s.is_closed:
        return True
    return registration is not None and _signup(s, registration) is not None


def sign_up(s: Session, registration: Registration) -> SessionSignup:
    """Take a seat, or a place on the waiting list when the session is full. Never overbooks.

    The session's row is locked while seats are counted, so that concurrent
    sign-ups on PostgreSQL queue up behind each other; the participant's row
    too, so that they cannot take two seats at the same time in two requests.
    """
    if registration.status != RegistrationStatus.APPROVED:
        raise RuleViolation(_("Only approved participants sign up for sessions."))
    if s.is_closed:
        raise RuleViolation(_("This session is by invitation only."))
    if s.status != St.PUBLISHED or s.capacity is None:
        raise RuleViolation(_("This session takes no sign-ups: it is open to all participants."))
    db.session.execute(select(Registration.id).where(Registration.id == registration.id).with_for_update())
    db.session.execute(select(Session.id).where(Session.id == s.id).with_for_update())
    existing = _signup(s, registration)
    if existing is not None:
        return existing
    clash = _clashing_seat(s, registration)
    confirmed = db.session.scalar(select(func.count()).select_from(SessionSignup).where(
        SessionSignup.session_id == s.id, SessionSignup.status == SignupStatus.CONFIRMED))
    if confirmed < s.capacity and clash is None:
        status = SignupStatus.CONFIRMED
    elif clash is not None and confirmed < s.capacity:
        raise RuleViolation(_("You already hold a seat at “%(title)s” at that time; give it up first.",
                               title=clash.title))
    else:
        status = SignupStatus.WAITLISTED
    signup = SessionSignup(session_id=s.id, registration_id=registration.id, status=status)
    db.session.add(signup)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        return _signup(s, registration)
    audit.record("session.sign_up", s, actor=registration.email, after={"status": status.value})
    return signup


def _clashing_seat(s: Session, registration: Registration) -> Session | None:
    return db.session.scalar(
        select(Session).join(SessionSignup, SessionSignup.session_id == Session.id)
        .where(SessionSignup.registration_id == registration.id, SessionSignup.status == SignupStatus.CONFIRMED,
               Session.id != s.id, Session.status == St.PUBLISHED,
               Session.starts_at < s.ends_at, Session.ends_at > s.starts_at).limit(1))


def cancel_signup(s: Session, registration: Registration) -> None:
    """Give up a seat (or a place on the waiting list); the next in line gets the seat and an e-mail."""
    db.session.execute(select(Session.id).where(Session.id == s.id).with_for_update())
    signup = _signup(s, registration)
    if signup is None or signup.status == SignupStatus.INVITED:
        return
    db.session.delete(signup)
    db.session.flush()
    audit.record("session.cancel_signup", s, actor=registration.email, before={"status": signup.status.value})
    if signup.status == SignupStatus.CONFIRMED:
        _promote(s)


def _promote(s: Session) -> list[SessionSignup]:
    """Fill free seats from the waiting list in order of arrival, skipping people now busy elsewhere."""
    if s.capacity is None:
        return []
    promoted = []
    confirmed = db.session.scalar(select(func.count()).select_from(SessionSignup).where(
        SessionSignup.session_id == s.id, SessionSignup.status == SignupStatus.CONFIRMED))
    waiting = db.session.scalars(
        select(SessionSignup).options(joinedload(SessionSignup.registration))
        .where(SessionSignup.session_id == s.id, SessionSignup.status == SignupStatus.WAITLISTED)
        .order_by(SessionSignup.created_at, SessionSignup.id)).all()
    for signup in waiting:
        if confirmed >= s.capacity:
            break
        if _clashing_seat(s, signup.registration) is not None:
            continue
        signup.status = SignupStatus.CONFIRMED
        signup.promoted_at = utcnow()
        confirmed += 1
        promoted.append(signup)
        audit.record("session.promoted", s, actor="system", after={"registration": signup.registration_id})
        _mail(s, "session_seat_promoted", to=signup.registration)
    db.session.flush()
    return promoted


def signups_of(registration: Registration) -> list[SessionSignup]:
    return db.session.scalars(select(SessionSignup).where(SessionSignup.registration_id == registration.id)).all()


def seats(s: Session) -> dict[str, int]:
    counts = dict(db.session.execute(select(SessionSignup.status, func.count()).where(
        SessionSignup.session_id == s.id).group_by(SessionSignup.status)).all())
    return {status.value: counts.get(status, 0) for status in SignupStatus}


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
        start = conference.at_venue(filters.day, time(0, 0))
        conditions += [Session.starts_at >= start, Session.starts_at < start + timedelta(days=1)]
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
