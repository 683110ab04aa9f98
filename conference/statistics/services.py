"""Attendance statistics, computed in a few aggregate queries.

Definitions (stated on the report too):
- a participant is a person whose registration is APPROVED, in any category;
- a participant attended when at least one scan admitted them (gate or session);
- States are States parties, signatories and non-signatory States represented
  by at least one participant, counted by ISO code: the European Union is a
  party but not a State, so it is counted in its category and not among States;
- IGOs are intergovernmental organizations and UN entities; NGOs are those in
  consultative status with ECOSOC and the others admitted;
- a session's attendees are the distinct participants admitted at its door.
"""

from __future__ import annotations

import statistics

from sqlalchemy import and_, case, distinct, exists, func, select

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
from conference.registration.models import (
    IGO_TYPES,
    NGO_TYPES,
    STATE_TYPES,
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


def _participants(conference: Conference):
    """Approved registrations of the conference, joined to their entity."""
    return (
        select(Registration.id, Registration.gender, Registration.delegation_role,
               ParticipatingEntity.id.label("entity_id"), ParticipatingEntity.entity_type,
               ParticipatingEntity.iso3, ParticipatingEntity.regional_group)
        .join(Delegation, Delegation.id == Registration.delegation_id)
        .join(ParticipatingEntity, ParticipatingEntity.id == Delegation.entity_id)
        .where(Registration.conference_id == conference.id,
               Registration.status == RegistrationStatus.APPROVED)
        .subquery()
    )


def compute(conference: Conference) -> dict:
    """Every figure of the attendance report for `conference`, as plain JSON-ready data."""
    cut_off = utcnow()  # the figures describe the data as they stood at this moment
    p = _participants(conference)
    admitted = exists().where(CheckIn.registration_id == p.c.id, CheckIn.result == CheckInResult.ADMITTED)
    is_state = and_(p.c.entity_type.in_(STATE_TYPES), p.c.iso3.is_not(None))

    # 1. By category: participants, entities, attended.
    rows = db.session.execute(
        select(p.c.entity_type, func.count(), func.count(distinct(p.c.entity_id)),
               func.sum(case((admitted, 1), else_=0)),
               func.count(distinct(case((is_state, p.c.entity_id)))))
        .group_by(p.c.entity_type)
    ).all()
    by_category = {t.value: 0 for t in EntityType}
    entities_by_category = {t.value: 0 for t in EntityType}
    attended_by_category = {t.value: 0 for t in EntityType}
    states = 0
    for entity_type, n, entities, attended, state_entities in rows:
        by_category[entity_type.value] = n
        entities_by_category[entity_type.value] = entities
        attended_by_category[entity_type.value] = int(attended or 0)
        states += state_entities

    # 2. By regional group: States, participants, women, heads and women heads.
    female = p.c.gender == Gender.FEMALE
    head = p.c.delegation_role == DelegationRole.HEAD
    group_rows = db.session.execute(
        select(p.c.regional_group, func.count(distinct(p.c.entity_id)), func.count(),
               func.sum(case((female, 1), else_=0)), func.sum(case((head, 1), else_=0)),
               func.sum(case((and_(head, female), 1), else_=0)))
        .where(is_state, p.c.regional_group.is_not(None))
        .group_by(p.c.regional_group)
    ).all()
    by_group = {g.value: {"states": 0, "participants": 0, "women": 0, "heads": 0, "women_heads": 0}
                for g in RegionalGroup}
    for group, n_states, n, women, heads, women_heads in group_rows:
        by_group[group.value] = {"states": n_states, "participants": n, "women": int(women or 0),
                                 "heads": int(heads or 0), "women_heads": int(women_heads or 0)}

    # 3. Gender.
    by_gender = {g.value: 0 for g in Gender}
    for gender, n in db.session.execute(select(p.c.gender, func.count()).group_by(p.c.gender)):
        by_gender[gender.value] = n

    # 4. Sessions: seats, sign-ups, attendees and the States they came from.
    sessions = _sessions(conference)

    # 5. Gender of State delegates and of heads of delegation.
    delegates_gender = {g.value: 0 for g in Gender}
    heads_gender = {g.value: 0 for g in Gender}
    for gender, is_head, n in db.session.execute(
            select(p.c.gender, head, func.count()).where(is_state).group_by(p.c.gender, head)):
        delegates_gender[gender.value] += n
        if is_head:
            heads_gender[gender.value] += n

    # 6. Delegation sizes.
    sizes = db.session.execute(
        select(ParticipatingEntity.name, func.count(p.c.id)).join(p, p.c.entity_id == ParticipatingEntity.id)
        .group_by(ParticipatingEntity.id, ParticipatingEntity.name).order_by(func.count(p.c.id).desc(),
                                                                            ParticipatingEntity.name)).all()
    counts = sorted(n for _name, n in sizes)
    delegations = {
        "count": len(sizes),
        "largest": [{"name": name, "participants": n} for name, n in sizes[:5]],
        "median": _whole(statistics.median(counts)) if counts else 0,
    }

    # 7. Credentials of the States parties represented.
    credentials = {c.value: 0 for c in CredentialsStatus if c != CredentialsStatus.NOT_REQUIRED}
    for status, n in db.session.execute(
            select(Delegation.credentials_status, func.count()).join(ParticipatingEntity)
            .where(Delegation.conference_id == conference.id, ParticipatingEntity.entity_type == EntityType.STATE_PARTY,
                   ParticipatingEntity.iso3.is_not(None),
                   exists().where(Registration.delegation_id == Delegation.id,
                                  Registration.status == RegistrationStatus.APPROVED))
            .group_by(Delegation.credentials_status)):
        credentials[status.value] = credentials.get(status.value, 0) + n

    # 8. Side-event panels and organizers.
    panels = _panels(conference)

    # 9. Time: registrations per day before the session, admissions at the gate per day during it.
    registrations_per_day: dict[str, int] = {}
    for (submitted,) in db.session.execute(select(Registration.submitted_at).join(p, p.c.id == Registration.id)
                                           .where(Registration.submitted_at.is_not(None))):
        day = conference.local(submitted).date().isoformat()
        registrations_per_day[day] = registrations_per_day.get(day, 0) + 1
    checkins_per_day = {day.isoformat(): n for day, n in db.session.execute(
        select(CheckIn.venue_day, func.count(distinct(CheckIn.registration_id)))
        .where(CheckIn.conference_id == conference.id, CheckIn.door == GATE, CheckIn.result == CheckInResult.ADMITTED)
        .group_by(CheckIn.venue_day).order_by(CheckIn.venue_day))}

    participants = sum(by_category.values())
    attended = sum(attended_by_category.values())
    igos = sum(entities_by_category[t.value] for t in IGO_TYPES)
    ngos = sum(entities_by_category[t.value] for t in NGO_TYPES)
    heads = sum(g["heads"] for g in by_group.values())
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
        "headline": headline(participants, states, igos, ngos),
        "by_category": by_category,
        "entities_by_category": entities_by_category,
        "attended_by_category": attended_by_category,
        "by_regional_group": {g: v["participants"] for g, v in by_group.items()},
        "regional_groups": by_group,
        "by_gender": by_gender,
        "heads_of_delegation": heads,
        "delegates_by_gender": delegates_gender,
        "heads_by_gender": heads_gender,
        "delegations": delegations,
        "credentials": credentials,
        "panels": panels,
        "registrations_per_day": dict(sorted(registrations_per_day.items())),
        "checkins_per_day": checkins_per_day,
        "sessions": sessions,
    }


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
    by_organizer = {t.value: 0 for t in EntityType}
    for entity_type, n in db.session.execute(
            select(ParticipatingEntity.entity_type, func.count())
            .join(SessionOrganizer, SessionOrganizer.entity_id == ParticipatingEntity.id)
            .join(Session, Session.id == SessionOrganizer.session_id)
            .where(Session.conference_id == conference.id, Session.kind == SessionKind.SIDE_EVENT,
                   Session.status == SessionStatus.PUBLISHED, SessionOrganizer.role == OrganizerRole.LEAD)
            .group_by(ParticipatingEntity.entity_type)):
        by_organizer[entity_type.value] = n
    return {"with_speakers": len(rows), "balanced": balanced, "speakers": speakers,
            "side_events_by_organizer": {k: v for k, v in by_organizer.items() if v}}


def is_balanced_counts(women: int, men: int) -> bool:
    """Neither women nor men above 60 % of a panel's seats (the rule of the review list too)."""
    from conference.programme.services import BALANCE_SHARE

    total = women + men
    return total >= 2 and 1 - BALANCE_SHARE <= women / total <= BALANCE_SHARE


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
               func.count(distinct(case((and_(ParticipatingEntity.entity_type.in_(STATE_TYPES),
                                              ParticipatingEntity.iso3.is_not(None)),
                                         ParticipatingEntity.id)))).label("states"))
        .join(Registration, Registration.id == CheckIn.registration_id)
        .join(Delegation, Delegation.id == Registration.delegation_id)
        .join(ParticipatingEntity, ParticipatingEntity.id == Delegation.entity_id)
        .where(CheckIn.conference_id == conference.id, CheckIn.session_id.is_not(None),
               CheckIn.result == CheckInResult.ADMITTED)
        .group_by(CheckIn.session_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Session.id, Session.title, Session.kind, Session.starts_at, Session.capacity, Session.is_closed,
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
         "starts": starts.isoformat() if starts else None, "seats": capacity, "closed": closed,
         "signups": confirmed, "invited": invited, "waitlisted": waitlisted,
         "attendees": attendees, "states": n_states}
        for (sid, title, kind, starts, capacity, closed, confirmed, invited, waitlisted, attendees, n_states) in rows
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


def _whole(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value
