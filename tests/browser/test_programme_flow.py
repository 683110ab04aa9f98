"""Apply for a side event, accept it, meet a clash, schedule it, publish it and sign up: in the real browser."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from conference.programme.models import Session, SessionKind, SessionSignup, SignupStatus
from conference.registration.models import RegistrationStatus
from tests.factories import make_registration

pytestmark = pytest.mark.browser


@pytest.fixture
def cop(side_events, db_session):
    side_events["delegate"] = make_registration(side_events["italy"], email="delegate@example.org",
                                                status=RegistrationStatus.APPROVED)
    db_session.commit()
    return side_events


def test_apply_accept_clash_schedule_publish_sign_up(page, cop, db_session, sign_in):
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

    sign_in("coord@example.org")
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
