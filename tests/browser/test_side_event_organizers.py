"""A side event's organizer in the real browser: told the one-application rule before the form, their event
placed in a room that fits, told by e-mail when it gets its room and time and when they change, and seated at their
own full event without queuing, as its speakers are."""

from __future__ import annotations

import re
from datetime import time

import pytest
from sqlalchemy import select

from conference.conferences.models import Room
from conference.core.db import utcnow
from conference.core.models import OutgoingMail
from conference.programme.models import Session, SessionKind, SessionSignup, SessionSpeaker, SignupStatus
from tests.factories import make_registration, make_session

pytestmark = pytest.mark.browser


@pytest.fixture
def cop(side_events, db_session):
    side_events["crowd"] = [make_registration(side_events["uganda"], email=f"u{i}@example.org") for i in range(2)]
    db_session.commit()
    return side_events


def test_an_organizer_from_the_rule_to_a_seat_at_their_own_full_event(page, cop, db_session, sign_in):
    c = cop["c"]
    mine = f"/cop80/registration/{cop['applicant'].status_token}/programme"
    page.goto(mine)
    assert "Italy may lead 1 side-event application at this session" in page.locator("#one-application").inner_text()
    page.get_by_role("link", name="Apply for a side event").click()
    assert "may lead 1 side-event application" in page.locator("#one-application").inner_text()
    page.get_by_label("Title of the event").fill("Prosecuting cybercrime across borders")
    page.get_by_label("Description").fill("Prosecutors from three regions on evidence in the cloud, with "
                                          "questions from the floor and a short briefing.")
    page.get_by_label("Expected attendance").fill("30")
    page.get_by_label("Preferred slots (up to three)").select_option(f"{c.starts_on.isoformat()}/1")
    page.get_by_label("Speaker 1 name").fill("Ana Peña")
    page.get_by_label("Speaker 1 gender").select_option("female")
    page.get_by_role("button", name="Send the application").click()
    assert "is sent" in page.locator(".flash").inner_text()
    # Now the page says the allowance is used, links to the application, and offers no second form.
    notice = page.locator("#one-application")
    assert "already leads 1 side-event application" in notice.inner_text()
    assert page.get_by_role("link", name="Apply for a side event").count() == 0
    notice.get_by_role("link", name=re.compile("Prosecuting cybercrime")).click()
    assert re.search(r"#application-\d+$", page.url)
    assert page.locator(":target").inner_text().startswith("“Prosecuting cybercrime")

    sign_in("coord@example.org")
    page.goto("/admin/cop80/programme/")
    page.get_by_role("link", name=re.compile("Prosecuting cybercrime")).click()
    page.get_by_role("button", name="Accept").click()
    # The form offers the smallest room that seats the 30 expected, not the plenary hall.
    room = page.get_by_label("Room")
    assert room.locator("option:checked").inner_text() == "M4 (40 seats)"
    assert "Suggested: M4" in page.locator("#room-hint").inner_text()
    page.get_by_role("button", name="Schedule").click()
    assert "is in M4" in page.locator(".flash").inner_text()
    page.get_by_label("Seats for sign-up").fill("2")
    page.get_by_role("button", name="Save").click()
    page.get_by_role("button", name="Publish").click()

    db_session.rollback()  # a fresh snapshot: the browser wrote through other connections
    told = db_session.scalars(select(OutgoingMail.subject).where(OutgoingMail.recipient == "it@example.org")).all()
    assert "COP80: your side event has its room and time" in told

    s = db_session.scalar(select(Session).where(Session.kind == SessionKind.SIDE_EVENT))
    for person in cop["crowd"]:  # the event fills up
        page.goto(f"/cop80/registration/{person.status_token}/programme")
        page.get_by_role("button", name="Sign up").click()
        assert "You have a seat" in page.locator(".flash").inner_text()
    page.goto(mine)
    page.get_by_role("button", name="Sign up").click()
    assert "You have a seat" in page.locator(".flash").inner_text()
    db_session.rollback()
    mine_ = db_session.scalar(select(SessionSignup).where(SessionSignup.session_id == s.id,
                                                          SessionSignup.registration_id == cop["applicant"].id))
    assert mine_.status == SignupStatus.CONFIRMED


def test_fewer_seats_than_people_asks_what_to_do(page, cop, db_session, sign_in):
    c = cop["c"]
    s = make_session(c, db_session.scalar(select(Room).where(Room.conference_id == c.id, Room.slug == "m1")),
                     title="Briefing on the review mechanism", kind=SessionKind.BRIEFING, published_at=utcnow(),
                     day=c.starts_on, start=time(13, 15), end=time(14, 45), capacity=2)
    for person in cop["crowd"]:
        db_session.add(SessionSignup(session_id=s.id, registration_id=person.id, status=SignupStatus.CONFIRMED))
    db_session.commit()
    sign_in("coord@example.org")
    page.goto(f"/admin/cop80/programme/sessions/{s.id}")
    page.get_by_label("Seats for sign-up").fill("1")
    page.get_by_role("button", name="Save").click()
    assert "2 people hold a confirmed seat" in page.locator(".flash").inner_text()
    assert page.get_by_label("Seats for sign-up").input_value() == "1"  # what was typed stays
    page.get_by_label("Move the last people to get a seat back to the waiting list").check()
    page.get_by_role("button", name="Save").click()
    assert "1 person is back on the waiting list" in page.locator(".flash").inner_text()
    db_session.rollback()
    told = db_session.scalars(select(OutgoingMail.recipient).where(OutgoingMail.subject.contains("back on the"))).all()
    assert told == [cop["crowd"][1].email]


def test_the_organizer_is_told_of_a_new_room_and_a_speaker_is_seated_at_the_full_event(page, cop, db_session,
                                                                                       sign_in):
    c = cop["c"]
    m1 = db_session.scalar(select(Room).where(Room.conference_id == c.id, Room.slug == "m1"))
    s = make_session(c, m1, title="Protecting witnesses across borders", published_at=utcnow(), day=c.starts_on,
                     start=time(13, 15), end=time(14, 45), capacity=2, expected_attendance=30,
                     applicant_id=cop["applicant"].id)
    db_session.add(SessionSpeaker(session_id=s.id, position=0, name="Ana Peña", gender="female"))
    speaker = make_registration(cop["uganda"], family_name="Peña", given_names="Ana", email="ana@example.org")
    for person in cop["crowd"]:  # the event is full
        db_session.add(SessionSignup(session_id=s.id, registration_id=person.id, status=SignupStatus.CONFIRMED))
    db_session.commit()

    sign_in("coord@example.org")
    page.goto(f"/admin/cop80/programme/sessions/{s.id}")
    page.get_by_label("Room").select_option(label="M4 (40 seats)")
    page.get_by_role("button", name="Schedule").click()
    assert "is in M4" in page.locator(".flash").inner_text()
    db_session.rollback()  # a fresh snapshot: the browser wrote through other connections
    (mail,) = db_session.scalars(select(OutgoingMail).where(OutgoingMail.recipient == "it@example.org")).all()
    assert mail.subject == "COP80: your side event has a new room or time"
    assert "Protecting witnesses across borders" in mail.body_text and "M4" in mail.body_text

    # A speaker of the event takes a seat beyond the capacity, without queuing.
    page.goto(f"/cop80/registration/{speaker.status_token}/programme")
    page.get_by_role("button", name="Sign up").click()
    assert "You have a seat" in page.locator(".flash").inner_text()
    db_session.rollback()
    assert db_session.scalar(select(SessionSignup.status).where(SessionSignup.session_id == s.id,
                                                                SessionSignup.registration_id == speaker.id)) \
        == SignupStatus.CONFIRMED
