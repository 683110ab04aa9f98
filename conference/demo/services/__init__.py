"""The demonstration session: UNTOC COP12 as domain.md describes it, built deterministically.

Everything is drawn from one seeded random generator, so two loads give the
same people, programme and figures. Only the secret tokens (status page,
agenda feed) come from `secrets`: they are secrets even in a demonstration.

The builder's steps live by what they make: `people` (entities, delegations,
registrations), `programme` (sittings and side events), `attendance` (sign-ups,
badges, scans); `figures` holds the numbers the demonstration reproduces.
"""

from __future__ import annotations

import random
from datetime import date, time

from sqlalchemy import insert, select

from conference.badges.models import Badge
from conference.checkin.models import CheckIn
from conference.conferences.models import Conference, Room
from conference.core import audit
from conference.core.errors import RuleViolation
from conference.core.i18n import _
from conference.demo import data
from conference.demo.services.attendance import Attendance
from conference.demo.services.figures import (
    CODE,
    DEFAULT_PARTICIPANTS,
    DONOR_STATES,
    GATHERING,
    GATHERING_ATTENDEES,
    GATHERING_COUNTRIES,
    MIN_PARTICIPANTS,
    MINISTERIAL_EVENT,
    NGO_BRIEFING,
    REVIEW_MECHANISM_ATTENDEES,
    REVIEW_MECHANISM_EVENT,
    ROUNDTABLE,
    ROUNDTABLE_ATTENDEES,
    ROUNDTABLE_INVITED,
    ROUNDTABLE_STATES,
    SEED,
    SIDE_EVENT_ROOMS,
    SIDE_EVENTS,
    SLOTS,
)
from conference.demo.services.people import People, Person, allocate
from conference.demo.services.programme import Programme
from conference.extensions import db
from conference.programme.models import SessionSignup

__all__ = [
    "CODE", "DEFAULT_PARTICIPANTS", "DONOR_STATES", "GATHERING", "GATHERING_ATTENDEES", "GATHERING_COUNTRIES",
    "MIN_PARTICIPANTS", "MINISTERIAL_EVENT", "NGO_BRIEFING",
    "REVIEW_MECHANISM_ATTENDEES", "REVIEW_MECHANISM_EVENT", "ROUNDTABLE", "ROUNDTABLE_ATTENDEES",
    "ROUNDTABLE_INVITED", "ROUNDTABLE_STATES", "SEED", "SIDE_EVENT_ROOMS", "SIDE_EVENTS", "SLOTS", "DemoBuilder",
    "Person", "allocate", "load_demo",
]


class DemoBuilder(People, Programme, Attendance):
    def __init__(self, participants: int, seed: int = SEED):
        self.n = participants
        self.rng = random.Random(seed)
        self.people: list[Person] = []
        self.by_entity: dict[int, list[Person]] = {}
        self.serial = 0
        self.count = 0
        self.identities: set[tuple[str, date]] = set()
        self.names_in: dict[int, set[tuple[str, str]]] = {}

    def conference(self) -> Conference:
        c = Conference(
            code=CODE,
            title="Conference of the Parties to the United Nations Convention against Transnational "
                  "Organized Crime, twelfth session",
            short_title="UNTOC COP12",
            venue="Vienna International Centre",
            city="Vienna",
            contact_email="secretariat@cop12.example",
            timezone="Europe/Vienna",
            starts_on=date(2024, 10, 14),
            ends_on=date(2024, 10, 18),
            venue_opens=time(8, 0),
            venue_closes=time(20, 0),
            retention_days=365,
            ngo_quota=10,
            side_events_per_organizer=1,
            badge_scheme={},
        )
        c.opening_at = c.at_venue(date(2024, 10, 14), time(10, 0))
        c.side_event_slots = [{"starts": f"{a:%H:%M}", "ends": f"{b:%H:%M}"} for a, b in SLOTS.values()]
        c.registration_opens_at = c.at_venue(date(2024, 7, 1), time(9, 0))
        c.registration_closes_at = c.at_venue(date(2024, 10, 4), time(18, 0))
        c.side_events_open_at = c.at_venue(date(2024, 7, 15), time(9, 0))
        c.side_events_close_at = c.at_venue(date(2024, 8, 30), time(18, 0))
        db.session.add(c)
        for slug, name, building, capacity in data.ROOMS:
            db.session.add(Room(conference=c, slug=slug, name=name, building=building, capacity=capacity))
        db.session.flush()
        self.c = c
        self.rooms = {r.slug: r for r in c.rooms}
        return c


def load_demo(participants: int = DEFAULT_PARTICIPANTS, seed: int = SEED) -> tuple[Conference, bool]:
    """Build the demonstration session `cop12`, or return it as it is when it exists.

    Returns the conference and whether it was created. Flushes, does not commit:
    the caller commits, so a failure leaves nothing behind.
    """
    existing = db.session.scalar(select(Conference).where(Conference.code == CODE))
    if existing is not None:
        return existing, False
    if participants < MIN_PARTICIPANTS:
        raise RuleViolation(_("the demonstration needs at least %(least)d participants for its 131 States, 15 IGOs "
                              "and 212 NGOs (asked for %(asked)d)", least=MIN_PARTICIPANTS, asked=participants))
    b = DemoBuilder(participants, seed)
    c = b.conference()
    b.entities()
    b.delegations()
    b.participants()
    b.other_registrations()
    b.no_shows()
    db.session.add_all(p.registration for p in b.people)
    b.sittings()
    b.side_events()
    db.session.flush()
    signups, session_scans = b.attendance()
    badges, gate_scans = b.badges_and_gate()
    db.session.flush()
    if badges:
        db.session.execute(insert(Badge), badges)
    if signups:
        db.session.execute(insert(SessionSignup), signups)
    db.session.execute(insert(CheckIn), gate_scans + session_scans)
    audit.record("conference.demo_loaded", c, actor="command line",
                 after={"participants": participants, "seed": seed})
    return c, True
