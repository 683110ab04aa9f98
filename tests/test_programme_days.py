"""A day of the programme is a day at the venue: 23 or 25 hours long when the clocks change that night."""

from __future__ import annotations

import json
from datetime import date, time, timedelta

import pytest

from conference.core.db import utcnow
from conference.programme import services
from conference.programme.models import SessionKind
from tests.factories import make_conference, make_room, make_session

AUTUMN, SPRING = date(2026, 10, 25), date(2026, 3, 29)  # Vienna: summer time ends, and begins


@pytest.fixture
def vienna(db_session):
    autumn = make_conference("dst1", starts_on=AUTUMN - timedelta(days=1), ends_on=AUTUMN + timedelta(days=1))
    spring = make_conference("dst2", starts_on=SPRING - timedelta(days=1), ends_on=SPRING + timedelta(days=1))
    rooms = {c.code: make_room(c, "m1", 100) for c in (autumn, spring)}
    # Late on the 25-hour day: 23:30 local is 22:30 UTC, after the 24th hour from midnight (22:00 UTC).
    late = make_session(autumn, rooms["dst1"], title="Late on the long day", day=AUTUMN, start=time(23, 30),
                        end=time(23, 50), kind=SessionKind.NETWORKING, published_at=utcnow())
    # Across the change itself: 01:30 summer time to 03:30 winter time.
    night = make_session(autumn, rooms["dst1"], title="Across the change", day=AUTUMN, start=time(1, 30),
                         end=time(3, 30), kind=SessionKind.NETWORKING, published_at=utcnow())
    # Just after midnight following the 23-hour day: 22:30 UTC, inside a fixed 24 hours from its midnight.
    early = make_session(spring, rooms["dst2"], title="Early on the next day", day=SPRING + timedelta(days=1),
                         start=time(0, 30), end=time(1, 0), kind=SessionKind.NETWORKING, published_at=utcnow())
    db_session.commit()
    return {"autumn": autumn, "spring": spring, "late": late, "night": night, "early": early}


def titles(sessions) -> set[str]:
    return {s.title for s in sessions}


def test_a_day_window_is_midnight_to_midnight_at_the_venue(vienna):
    start, end = vienna["autumn"].day_window(AUTUMN)
    assert end - start == timedelta(hours=25)
    start, end = vienna["spring"].day_window(SPRING)
    assert end - start == timedelta(hours=23)


def test_the_long_day_keeps_its_last_hour(vienna):
    c = vienna["autumn"]
    on_the_day = services.public_sessions(c, services.ProgrammeFilters(day=AUTUMN))
    assert titles(on_the_day) == {"Late on the long day", "Across the change"}
    assert titles(services.public_sessions(c, services.ProgrammeFilters(day=AUTUMN + timedelta(days=1)))) == set()
    assert titles(services.grid(c, AUTUMN)[1]) == {"Late on the long day", "Across the change"}


def test_the_short_day_does_not_take_the_next_day_s_first_hour(vienna):
    c = vienna["spring"]
    assert titles(services.public_sessions(c, services.ProgrammeFilters(day=SPRING))) == set()
    assert titles(services.grid(c, SPRING + timedelta(days=1))[1]) == {"Early on the next day"}
    assert titles(services.grid(c, SPRING)[1]) == set()


def test_the_programme_of_the_day_shows_a_session_across_the_change_in_venue_time(client, vienna):
    data = json.loads(client.get(f"/dst1/programme.json?day={AUTUMN.isoformat()}").get_data(as_text=True))
    night = next(s for s in data["sessions"] if s["title"] == "Across the change")
    assert night["starts"] == "2026-10-25T01:30:00+02:00" and night["ends"] == "2026-10-25T03:30:00+01:00"
    assert {s["title"] for s in data["sessions"]} == {"Late on the long day", "Across the change"}
