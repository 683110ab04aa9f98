"""Attendance statistics, computed in a few aggregate queries.

Definitions (stated on the report too, `report.definitions`):
- a participant is a person whose registration is APPROVED, in any category;
- a participant attended when at least one scan admitted them (gate or session) during the session's days and the
  venue's hours: a rehearsal scan before the opening or a test scan at night is not attendance;
- States are States parties, signatories and non-signatory States represented by at least one participant, counted
  by ISO code, each in the category of its delegation's treaty status at this session (an earlier session keeps the
  status it had then). The European Union is a party but not a State: a kind of its own (`REIO`, a regional economic
  integration organization), it is counted on a row of its own, never among States parties;
- IGOs are the UN Secretariat's units and bodies (funds and programmes included), the specialized agencies and
  related organizations, and the other intergovernmental organizations; NGOs are those in consultative status with
  ECOSOC and the others admitted;
- a session's attendees are the distinct participants admitted at its door.

Every table adds up to the totals beside it: the categories to `participants`, the regional groups (with a row for
States in no group) to the participants of the three State categories.
"""

from __future__ import annotations

import statistics
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Integer, and_, case, distinct, exists, false, func, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from conference.checkin.models import GATE, CheckIn, CheckInResult
from conference.conferences.models import Conference
from conference.core.db import utcnow
from conference.core.i18n import _, format_number, ngettext
from conference.extensions import db
from conference.programme.models import (
    OrganizerRole,
    Session,
    SessionKind,
    SessionOrganizer,
    SessionSignup,
    SessionSpeaker,
    SessionStatus,
    SignupStatus,
)
from conference.programme.services import is_balanced_counts
from conference.registration.categories import STATE_CATEGORIES as _STATE_CATEGORIES
from conference.registration.categories import Category, TreatyStatus, category_of
from conference.registration.models import (
    IGO_TYPES,
    NGO_TYPES,
    CredentialsStatus,
    Delegation,
    DelegationRole,
    EntityType,
    Gender,
    ParticipatingEntity,
    RegionalGroup,
    Registration,
    RegistrationStatus,
)

# Sessions the report lists one by one (sittings are counted at the gate).
LISTED_KINDS = (SessionKind.SIDE_EVENT, SessionKind.ROUNDTABLE, SessionKind.NETWORKING, SessionKind.BRIEFING)

# The report's categories, in the order of UN lists of participants: a State's is its treaty status at the session.
CATEGORIES = [c.value for c in Category]
STATE_CATEGORIES = [c.value for c in _STATE_CATEGORIES]
IGO_CATEGORIES = [t.value for t in IGO_TYPES]
NGO_CATEGORIES = [t.value for t in NGO_TYPES]
# The row of the regional table for States that belong to no UN regional group.
NO_GROUP = "NO_GROUP"
GROUPS = [*(g.value for g in RegionalGroup), NO_GROUP]


def in_session(conference: Conference, moment):
    """SQL condition: `moment` (a UTC column) falls on one of the session's days, within the venue's hours."""
    windows = [and_(moment >= conference.at_venue(day, conference.venue_opens),
                    moment < conference.at_venue(day, conference.venue_closes)) for day in conference.days]
    return or_(*windows) if windows else false()


def _participants(conference: Conference):
    """Approved registrations of the conference, joined to their delegation (its treaty status at this session) and
    entity."""
    return (
        select(Registration.id, Registration.gender, Registration.delegation_role,
               ParticipatingEntity.id.label("entity_id"), ParticipatingEntity.name, ParticipatingEntity.entity_type,
               Delegation.treaty_status, ParticipatingEntity.regional_group)
        .join(Delegation, Delegation.id == Registration.delegation_id)
        .join(ParticipatingEntity, ParticipatingEntity.id == Delegation.entity_id)
        .where(Registration.conference_id == conference.id,
               Registration.status == RegistrationStatus.APPROVED)
        .subquery()
    )


def _zeros(keys) -> dict:
    return {k: 0 for k in keys}


def compute(conference: Conference) -> dict:
    """Every figure of the attendance report for `conference`, as plain JSON-ready data."""
    cut_off = utcnow()  # the figures describe the data as they stood at this moment
    p = _participants(conference)
    # Those admitted at least once, found in one pass over the scans and joined (rather than a lookup per person).
    came = (select(CheckIn.registration_id)
            .where(CheckIn.conference_id == conference.id, CheckIn.result == CheckInResult.ADMITTED,
                   in_session(conference, CheckIn.scanned_at))
            .distinct().subquery())
    admitted = came.c.registration_id.is_not(None)
    female = p.c.gender == Gender.FEMALE
    head = p.c.delegation_role == DelegationRole.HEAD

    # 1. One row per entity represented: everything by category and by regional group is added up from these rows,
    # so the tables cannot disagree with each other.
    entities = db.session.execute(
        select(p.c.entity_id, p.c.name, p.c.entity_type, p.c.treaty_status, p.c.regional_group, func.count(),
               func.sum(case((female, 1), else_=0)), func.sum(case((admitted, 1), else_=0)),
               func.sum(case((head, 1), else_=0)), func.sum(case((and_(head, female), 1), else_=0)))
        .select_from(p).outerjoin(came, came.c.registration_id == p.c.id)
        .group_by(p.c.entity_id, p.c.name, p.c.entity_type, p.c.treaty_status, p.c.regional_group)
        .order_by(func.count().desc(), p.c.name)
    ).all()
    by_category, entities_by_category = _zeros(CATEGORIES), _zeros(CATEGORIES)
    attended_by_category, women_by_category = _zeros(CATEGORIES), _zeros(CATEGORIES)
    sizes: dict[str, list[int]] = {c: [] for c in CATEGORIES}
    by_group = {g: {"states": 0, "participants": 0, "women": 0, "heads": 0, "women_heads": 0} for g in GROUPS}
    largest = []
    for _id, name, entity_type, status, group, n, women, attended, heads, women_heads in entities:
        cat = category_of(entity_type, status).value
        by_category[cat] += n
        entities_by_category[cat] += 1
        attended_by_category[cat] += int(attended or 0)
        women_by_category[cat] += int(women or 0)
        sizes[cat].append(n)
        if len(largest) < 5:
            largest.append({"name": name, "participants": n})
        if cat in STATE_CATEGORIES:
            row = by_group[group.value if group else NO_GROUP]
            row["states"] += 1
            row["participants"] += n
            row["women"] += int(women or 0)
            row["heads"] += int(heads or 0)
            row["women_heads"] += int(women_heads or 0)

    # 2. Gender: of everyone, of the delegates of States and of their heads.
    by_gender, delegates_gender, heads_gender = _zeros(g.value for g in Gender), _zeros(
        g.value for g in Gender), _zeros(g.value for g in Gender)
    is_state = p.c.entity_type == EntityType.STATE
    for gender, state, is_head, n in db.session.execute(
            select(p.c.gender, is_state, head, func.count()).group_by(p.c.gender, is_state, head)):
        by_gender[gender.value] += n
        if state:
            delegates_gender[gender.value] += n
            if is_head:
                heads_gender[gender.value] += n

    # 3. Sessions: seats, sign-ups, attendees and the States they came from.
    sessions = _sessions(conference)

    # 4. Credentials of the States parties represented.
    credentials = {c.value: 0 for c in CredentialsStatus if c != CredentialsStatus.NOT_REQUIRED}
    for status, n in db.session.execute(
            select(Delegation.credentials_status, func.count()).join(ParticipatingEntity)
            .where(Delegation.conference_id == conference.id, ParticipatingEntity.entity_type == EntityType.STATE,
                   Delegation.treaty_status == TreatyStatus.PARTY,
                   exists().where(Registration.delegation_id == Delegation.id,
                                  Registration.status == RegistrationStatus.APPROVED))
            .group_by(Delegation.credentials_status)):
        # A party's delegation left at "not required" has not sent credentials either: it counts as pending, so that
        # the rows add up to the States parties represented.
        key = CredentialsStatus.PENDING if status == CredentialsStatus.NOT_REQUIRED else status
        credentials[key.value] += n

    # 5. Side-event panels and organizers.
    panels = _panels(conference)

    # 6. Time: registrations submitted per day (whatever became of them), participants at the gate per session day.
    registrations_per_day = _registrations_per_day(conference)
    checkins_per_day = {day.isoformat(): 0 for day in conference.days}
    # A person is admitted at the gate once a day (the unique index uq_check_in_admitted_once_per_door_and_day):
    # counting the rows counts the people, without the sort that DISTINCT costs over every scan of the session.
    for day, n in db.session.execute(
            select(CheckIn.venue_day, func.count())
            .where(CheckIn.conference_id == conference.id, CheckIn.door == GATE,
                   CheckIn.result == CheckInResult.ADMITTED, in_session(conference, CheckIn.scanned_at))
            .group_by(CheckIn.venue_day)):
        checkins_per_day[day.isoformat()] = n

    participants = sum(by_category.values())
    attended = sum(attended_by_category.values())
    states = sum(entities_by_category[c] for c in STATE_CATEGORIES)
    igos = sum(entities_by_category[c] for c in IGO_CATEGORIES)
    ngos = sum(entities_by_category[c] for c in NGO_CATEGORIES)
    all_sizes = sorted(n for values in sizes.values() for n in values)
    return {
        "conference": conference.code,
        "title": conference.title,
        "cut_off": cut_off.isoformat(timespec="seconds"),
        "participants": participants,
        "attended": attended,
        "states": states,
        "igos": igos,
        "ngos": ngos,
        "side_events": sum(1 for s in sessions if s["kind"] == SessionKind.SIDE_EVENT.value),
        "side_events_co_organized_by_ngos": panels.pop("co_organized_by_ngos"),
        "headline": headline(participants, states, igos, ngos),
        "by_category": by_category,
        "entities_by_category": entities_by_category,
        "attended_by_category": attended_by_category,
        "women_by_category": women_by_category,
        "by_regional_group": {g: v["participants"] for g, v in by_group.items()},
        "regional_groups": by_group,
        "by_gender": by_gender,
        "heads_of_delegation": sum(g["heads"] for g in by_group.values()),
        "delegates_by_gender": delegates_gender,
        "heads_by_gender": heads_gender,
        "delegations": {
            "count": len(entities),
            "largest": largest,
            "median": _median(all_sizes),
            "by_category": {c: {"delegations": len(v), "median": _median(sorted(v)), "largest": max(v)}
                            for c, v in sizes.items() if v},
        },
        "credentials": credentials,
        "panels": panels,
        "registrations_per_day": registrations_per_day,
        "registrations_per_week": per_week(registrations_per_day),
        "checkins_per_day": checkins_per_day,
        "sessions": sessions,
    }


class _QuarterHour(FunctionElement):
    """The quarter of an hour (since 1970, UTC) a moment falls in, as an integer: every time zone's offset is a whole
    number of quarters, so a quarter falls on one day at the venue, and the days are counted from a few thousand
    groups rather than from every row."""

    type = Integer()
    inherit_cache = True


@compiles(_QuarterHour)
def _quarter_hour_sqlite(element, compiler, **kw):
    # SQLite keeps moments as UTC text (core.db.UTCDateTime).
    return f"CAST(strftime('%s', {compiler.process(element.clauses, **kw)}) AS INTEGER) / 900"


@compiles(_QuarterHour, "postgresql")
def _quarter_hour_postgresql(element, compiler, **kw):
    return f"CAST(floor(extract(epoch FROM {compiler.process(element.clauses, **kw)}) / 900) AS INTEGER)"


def _registrations_per_day(conference: Conference) -> dict[str, int]:
    """Registrations submitted each day at the venue's time zone, every day from the first to the last one shown
    (days without any as zero)."""
    quarter = _QuarterHour(Registration.submitted_at)
    counts: dict[date, int] = {}
    for number, n in db.session.execute(
            select(quarter, func.count()).where(Registration.conference_id == conference.id,
                                                Registration.submitted_at.is_not(None)).group_by(quarter)):
        day = datetime.fromtimestamp(number * 900, UTC).astimezone(conference.tz).date()
        counts[day] = counts.get(day, 0) + n
    if not counts:
        return {}
    first, last = min(counts), max(counts)
    return {(first + timedelta(days=i)).isoformat(): counts.get(first + timedelta(days=i), 0)
            for i in range((last - first).days + 1)}


def per_week(per_day: dict[str, int]) -> dict[str, int]:
    """Daily counts added up by week, keyed by the ISO date of the week's Monday."""
    weeks: dict[str, int] = {}
    for iso, n in per_day.items():
        day = date.fromisoformat(iso)
        monday = (day - timedelta(days=day.weekday())).isoformat()
        weeks[monday] = weeks.get(monday, 0) + n
    return weeks


def _panels(conference: Conference) -> dict:
    """Gender balance of published side-event panels, and side events by the type of their lead organizer."""
    rows = db.session.execute(
        select(SessionSpeaker.session_id,
               func.sum(case((SessionSpeaker.gender == Gender.FEMALE.value, 1), else_=0)),
               func.sum(case((SessionSpeaker.gender == Gender.MALE.value, 1), else_=0)), func.count())
        .join(Session, Session.id == SessionSpeaker.session_id)
        .where(Session.conference_id == conference.id, Session.kind == SessionKind.SIDE_EVENT,
               Session.status == SessionStatus.PUBLISHED)
        .group_by(SessionSpeaker.session_id)).all()
    balanced = sum(1 for _s, women, men, _n in rows if is_balanced_counts(int(women or 0), int(men or 0)))
    speakers = {"female": sum(int(w or 0) for _s, w, _m, _n in rows),
                "male": sum(int(m or 0) for _s, _w, m, _n in rows)}
    speakers["other or undisclosed"] = sum(n for *_, n in rows) - speakers["female"] - speakers["male"]
    by_organizer = _zeros(CATEGORIES)
    # Organizers are accredited entities: each has its delegation to the session, which holds its treaty status.
    for entity_type, status, n in db.session.execute(
            select(ParticipatingEntity.entity_type, Delegation.treaty_status, func.count())
            .join(SessionOrganizer, SessionOrganizer.entity_id == ParticipatingEntity.id)
            .join(Session, Session.id == SessionOrganizer.session_id)
            .outerjoin(Delegation, and_(Delegation.entity_id == ParticipatingEntity.id,
                                        Delegation.conference_id == Session.conference_id))
            .where(Session.conference_id == conference.id, Session.kind == SessionKind.SIDE_EVENT,
                   Session.status == SessionStatus.PUBLISHED, SessionOrganizer.role == OrganizerRole.LEAD)
            .group_by(ParticipatingEntity.entity_type, Delegation.treaty_status)):
        by_organizer[category_of(entity_type, status).value] += n
    # Side events that civil society organized or co-organized (the press release's figure).
    co_organized = db.session.scalar(
        select(func.count(distinct(Session.id)))
        .join(SessionOrganizer, SessionOrganizer.session_id == Session.id)
        .join(ParticipatingEntity, ParticipatingEntity.id == SessionOrganizer.entity_id)
        .where(Session.conference_id == conference.id, Session.kind == SessionKind.SIDE_EVENT,
               Session.status == SessionStatus.PUBLISHED, ParticipatingEntity.entity_type.in_(NGO_TYPES)))
    return {"with_speakers": len(rows), "balanced": balanced, "speakers": speakers,
            "side_events_by_organizer": {k: v for k, v in by_organizer.items() if v},
            "co_organized_by_ngos": co_organized or 0}


def _sessions(conference: Conference) -> list[dict]:
    signups = (
        select(SessionSignup.session_id,
               func.count().filter(SessionSignup.status == SignupStatus.CONFIRMED).label("confirmed"),
               func.count().filter(SessionSignup.status == SignupStatus.INVITED).label("invited"),
               func.count().filter(SessionSignup.status == SignupStatus.WAITLISTED).label("waitlisted"))
        .group_by(SessionSignup.session_id)
        .subquery()
    )
    attendance = (
        select(CheckIn.session_id,
               func.count(distinct(CheckIn.registration_id)).label("attendees"),
               func.count(distinct(case((ParticipatingEntity.entity_type == EntityType.STATE,
                                         ParticipatingEntity.id)))).label("states"))
        .join(Registration, Registration.id == CheckIn.registration_id)
        .join(Delegation, Delegation.id == Registration.delegation_id)
        .join(ParticipatingEntity, ParticipatingEntity.id == Delegation.entity_id)
        .where(CheckIn.conference_id == conference.id, CheckIn.session_id.is_not(None),
               CheckIn.result == CheckInResult.ADMITTED, in_session(conference, CheckIn.scanned_at))
        .group_by(CheckIn.session_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Session.id, Session.title, Session.kind, Session.starts_at, Session.ends_at, Session.capacity,
               Session.is_closed,
               func.coalesce(signups.c.confirmed, 0), func.coalesce(signups.c.invited, 0),
               func.coalesce(signups.c.waitlisted, 0),
               func.coalesce(attendance.c.attendees, 0), func.coalesce(attendance.c.states, 0))
        .outerjoin(signups, signups.c.session_id == Session.id)
        .outerjoin(attendance, attendance.c.session_id == Session.id)
        .where(Session.conference_id == conference.id, Session.kind.in_(LISTED_KINDS),
               Session.status == SessionStatus.PUBLISHED)
        .order_by(Session.starts_at, Session.id)
    ).all()
    return [
        {"id": sid, "title": title, "kind": kind.value,
         "starts": _venue(conference, starts), "ends": _venue(conference, ends), "seats": capacity, "closed": closed,
         "signups": confirmed, "invited": invited, "waitlisted": waitlisted,
         "attendees": attendees, "states": n_states}
        for (sid, title, kind, starts, ends, capacity, closed, confirmed, invited, waitlisted, attendees,
             n_states) in rows
    ]


def headline(participants: int, states: int, igos: int, ngos: int) -> str:
    """The sentence of press releases: "1,400 participants from 131 States, 15 ... and 212 ...", in the language of
    the request (English on the command line)."""
    # Four counts, each with its own plural forms: each count is a phrase of its own, and one sentence puts them in
    # the order the language wants.
    # TRANSLATORS: the headline of the attendance report; each placeholder is a count with its noun, e.g.
    # "1,400 participants from 131 States, 15 intergovernmental organizations and 212 non-governmental organizations".
    return _(
        "%(participants)s from %(states)s, %(igos)s and %(ngos)s",
        participants=ngettext("%(count)s participant", "%(count)s participants", participants,
                              count=format_number(participants)),
        states=ngettext("%(count)s State", "%(count)s States", states, count=format_number(states)),
        igos=ngettext("%(count)s intergovernmental organization", "%(count)s intergovernmental organizations", igos,
                      count=format_number(igos)),
        ngos=ngettext("%(count)s non-governmental organization", "%(count)s non-governmental organizations", ngos,
                      count=format_number(ngos)),
    )


def _venue(conference: Conference, moment) -> str | None:
    """A moment as ISO 8601 with the venue's offset (the programme's JSON writes them so too)."""
    return conference.local(moment).isoformat() if moment else None


def _median(values: list[int]) -> int | float:
    if not values:
        return 0
    value = statistics.median(values)
    return int(value) if float(value).is_integer() else value
