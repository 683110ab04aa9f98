"""Side-event applications: the window, the checks, the one-lead-organizer rule, co-organizers,
merging two applications, and the priorities of the review list."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from conference.accounts.models import User
from conference.conferences.models import Conference
from conference.core import audit
from conference.core.db import utcnow
from conference.core.errors import Invalid, NotFound, PermissionDenied, RuleViolation
from conference.core.i18n import (
    CLOCK,
    DAY,
    _,
    force_locale,
    format_moment,
    format_number,
    language_of,
    ngettext,
)
from conference.extensions import db
from conference.programme.models import (
    OrganizerRole,
    Session,
    SessionFormat,
    SessionKind,
    SessionOrganizer,
    SessionSpeaker,
)
from conference.programme.models import (
    SessionStatus as St,
)
from conference.programme.services.review import review
from conference.registration.models import (
    ACTIVE_STATUSES,
    Delegation,
    EntityType,
    Gender,
    Registration,
    RegistrationStatus,
)

MAX_PREFERRED_SLOTS = 3
MAX_SPEAKERS = 10
# A panel is gender-balanced when neither women nor men hold more than 60 % of the seats (our choice,
# after the UN's gender parity strategy; a panel of one is never balanced).
BALANCE_SHARE = 0.6


ACTIVE_APPLICATION = (St.DRAFT, St.SUBMITTED, St.UNDER_REVIEW, St.ACCEPTED, St.WAITLISTED, St.SCHEDULED,
                      St.PUBLISHED)


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
    if not acts_for_entity(applicant):
        raise RuleViolation(_not_acting(applicant))
    closed = applications_open(conference, now)
    if closed:
        raise RuleViolation(closed)
    lead = applicant.delegation
    data = _validate_application(conference, lead, data)
    _lock_entity_applications(lead)
    held = db.session.scalar(select(func.count()).select_from(_led_by(conference, lead).subquery()))
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


def acts_for_entity(registration: Registration) -> bool:
    """Whether `registration` may act for its entity (apply as lead organizer, confirm as co-organizer).

    An approved participant does, and so does the entity's focal point (an active focal-point account of the
    delegation, with the registration's e-mail) while their own registration is in progress; a registration
    nobody has approved yet does not: anyone can submit one, and must not use up the entity's application.
    """
    if registration.status == RegistrationStatus.APPROVED:
        return True
    if registration.status not in ACTIVE_STATUSES:
        return False
    focal_point = db.session.scalar(select(User.id).where(
        User.delegation_id == registration.delegation_id, User.active.is_(True),
        func.lower(User.email) == (registration.email or "").lower()))
    return focal_point is not None


def _not_acting(registration: Registration) -> str:
    return _("Your registration is not approved yet: only approved participants and the focal point of %(entity)s "
             "act on its behalf.", entity=registration.delegation.entity.display_name)


def confirm_co_organizer(s: Session, registration: Registration) -> None:
    """A co-organizer confirms, through a participant of theirs who acts for it (see acts_for_entity)."""
    row = next((o for o in s.organizers if o.entity_id == registration.delegation.entity_id
                and o.role == OrganizerRole.CO_ORGANIZER), None)
    if row is None:
        raise PermissionDenied(_("Your organization is not a co-organizer of this event."))
    if not acts_for_entity(registration):
        raise PermissionDenied(_not_acting(registration))
    if row.confirmed_at is None:
        row.confirmed_at = utcnow()
        audit.record("session.co_organizer_confirmed", s, actor=registration.email,
                     after={"entity_id": row.entity_id})


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
    genders = [sp.gender for sp in s.speakers if sp.gender in (Gender.FEMALE.value, Gender.MALE.value)]
    women = genders.count(Gender.FEMALE.value) / len(genders) if genders else None
    return Priorities(
        state_co_organized=any(e.entity_type == EntityType.STATE for e in organizers),
        joint=len(organizers) > 1,
        balanced_panel=is_balanced(s.speakers),
        women_share=women,
        regional_groups=len({e.regional_group for e in organizers if e.regional_group is not None}),
        submitted_at=s.submitted_at,
    )


def is_balanced(speakers) -> bool:
    genders = [sp.gender for sp in speakers]
    return is_balanced_counts(genders.count("female"), genders.count("male"))


def is_balanced_counts(women: int, men: int) -> bool:
    """The panel-balance rule, the one place it is written (the review list and the statistics report apply it): at
    least two panellists of known gender, neither women nor men above BALANCE_SHARE of them."""
    total = women + men
    return total >= 2 and 1 - BALANCE_SHARE <= women / total <= BALANCE_SHARE


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


def _led_by(conference: Conference, delegation: Delegation):
    return (select(Session).join(SessionOrganizer)
            .where(SessionOrganizer.entity_id == delegation.entity_id, SessionOrganizer.role == OrganizerRole.LEAD,
                   Session.conference_id == conference.id, Session.kind == SessionKind.SIDE_EVENT,
                   Session.status.in_(ACTIVE_APPLICATION)))


def led_by(conference: Conference, delegation: Delegation) -> list[Session]:
    """The side-event applications an entity leads at this session that count against its allowance
    (`side_events_per_organizer`): the rule `apply` enforces, and what the pages say before the form is filled."""
    return db.session.scalars(_led_by(conference, delegation).order_by(Session.id)).all()
