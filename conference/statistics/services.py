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

from sqlalchemy import and_, case, distinct, exists, func, select

from conference.checkin.models import CheckIn, CheckInResult
from conference.conferences.models import Conference
from conference.core.db import utcnow
from conference.extensions import db
from conference.programme.models import Session, SessionKind, SessionSignup, SessionStatus, SignupStatus
from conference.registration.models import (
    IGO_TYPES,
    NGO_TYPES,
    STATE_TYPES,
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
        "sessions": sessions,
    }


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
    """The sentence of press releases: "1,400 participants from 131 States, 15 ... and 212 ..."."""
    def plural(n: int, one: str, many: str) -> str:
        return f"{n:,} {one if n == 1 else many}"

    return (f"{plural(participants, 'participant', 'participants')} from {plural(states, 'State', 'States')}, "
            f"{plural(igos, 'intergovernmental organization', 'intergovernmental organizations')} and "
            f"{plural(ngos, 'non-governmental organization', 'non-governmental organizations')}")
