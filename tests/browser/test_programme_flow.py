"""Apply for a side event, accept it, meet a clash, schedule it, publish it and sign up: in the real browser."""

from __future__ import annotations

import re
from datetime import time, timedelta

import pytest
from sqlalchemy import select

from conference.accounts.models import Role
from conference.core.db import utcnow
from conference.programme.models import Session, SessionKind, SessionSignup, SignupStatus
from conference.registration.models import EntityType, RegionalGroup, RegistrationStatus
from tests.factories import (
    PASSWORD,
    make_delegation,
    make_entity,
    make_registration,
    make_room,
    make_session,
    make_user,
)
from tests.test_registration import future_conference

pytestmark = pytest.mark.browser


@pytest.fixture
def cop(db_session):
    now = utcnow()
    c = future_conference("cop80", side_events_open_at=now - timedelta(days=1),
                          side_events_close_at=now + timedelta(days=9))
    plenary_hall = make_room(c, "plenary", 900)
    make_room(c, "m1", 120)
    make_session(c, plenary_hall, kind=SessionKind.PLENARY, title="Plenary, 1st meeting", day=c.starts_on,
                 start=time(10), end=time(13), published_at=now)
    italy = make_delegation(c, make_entity(EntityType.STATE_PARTY, "Italy", "ITA", RegionalGroup.WEOG))
    make_delegation(c, make_entity(EntityType.STATE_PARTY, "Uganda", "UGA", RegionalGroup.AFRICAN))
    applicant = make_registration(italy, email="it@example.org", status=RegistrationStatus.APPROVED)
    delegate = make_registration(italy, email="delegate@example.org", status=RegistrationStatus.APPROVED)
    make_user("coord@example.org", roles=[Role.SIDE_EVENT_COORDINATOR])
    db_session.commit()
    return {"c": c, "applicant": applicant, "delegate": delegate}


def test_apply_accept_clash_schedule_publish_sign_up(page, cop, db_session):
    c = cop["c"]
    page.goto(f"/cop80/registration/{cop['applicant'].status_token}/programme")
    page.get_by_role("link", name="Apply for a side event").click()
    page.get_by_label("Title of the event").fill("Advancing responses to transnational organized crime")
    page.get_by_label("Description").fill("The strategic role of the review mechanism, with a panel of "
                                          "ministers and prosecutors, and questions from the floor.")
    page.get_by_label("Expected attendance").fill("100")
    page.get_by_label("Preferred slots (up to three)").select_option(f"{c.starts_on.isoformat()}/1")
    page.get_by_label("Co-organizers").select_option(label="Uganda")
    page.get_by_label("Speaker 1 name").fill("Ghada Waly")
    page.get_by_label("Speaker 1 gender").select_option("female")
    page.get_by_label("Speaker 2 name").fill("Kiryowa Kiwanuka")
    page.get_by_label("Speaker 2 gender").select_option("male")
    page.get_by_role("button", name="Send the application").click()
    assert "is sent" in page.locator(".flash").inner_text()

    page.goto("/login")
    page.get_by_label("E-mail", exact=True).fill("coord@example.org")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto("/admin/cop80/programme/")
    page.get_by_role("link", name=re.compile("Advancing responses")).click()
    page.get_by_role("button", name="Accept").click()
    assert "now has the status “Accepted”" in page.locator(".flash").inner_text()

    # A clash with the plenary is refused, and the reason names it.
    page.get_by_label("Room").select_option(label="M1 (120 seats)")
    page.get_by_label("Starts (HH:MM, venue time)").fill("12:30")
    page.get_by_label("Ends (HH:MM, venue time)").fill("13:45")
    page.get_by_role("button", name="Schedule").click()
    assert "falls in a sitting: “Plenary, 1st meeting”" in page.locator(".flash").inner_text()

    page.get_by_label("Starts (HH:MM, venue time)").fill("13:15")
    page.get_by_label("Ends (HH:MM, venue time)").fill("14:45")
    page.get_by_role("button", name="Schedule").click()
    assert "is in M1" in page.locator(".flash").inner_text()
    page.get_by_label("Seats for sign-up").fill("50")
    page.get_by_role("button", name="Save").click()
    page.get_by_role("button", name="Publish").click()
    assert "now has the status “Published”" in page.locator(".flash").inner_text()

    page.goto("/cop80/programme")
    assert page.get_by_role("link", name=re.compile("Advancing responses")).is_visible()

    page.goto(f"/cop80/registration/{cop['delegate'].status_token}/programme")
    page.get_by_role("button", name="Sign up").click()
    assert "You have a seat" in page.locator(".flash").inner_text()
    db_session.rollback()  # a fresh snapshot: the browser wrote through other connections
    s = db_session.scalar(select(Session).where(Session.kind == SessionKind.SIDE_EVENT))
    signup = db_session.scalar(select(SessionSignup).where(SessionSignup.session_id == s.id))
    assert signup.status == SignupStatus.CONFIRMED and signup.registration_id == cop["delegate"].id
