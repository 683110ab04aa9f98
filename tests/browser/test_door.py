"""The door page in the real browser: door staff type a serial and see the answer, large, with the name."""

from __future__ import annotations

import re
from datetime import time

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from conference.accounts.models import Role
from conference.badges import services as badges
from conference.checkin import services as checkin_services
from conference.checkin.models import CheckIn, CheckInResult
from conference.registration.models import EntityType, RegionalGroup
from tests.factories import PASSWORD, make_conference, make_delegation, make_entity, make_registration, make_user
from tests.test_badges import photo_file

pytestmark = pytest.mark.browser


@pytest.fixture
def door_site(app, db_session):
    c = make_conference("cop77")
    delegation = make_delegation(c, make_entity(EntityType.STATE, "Japan", "JPN", RegionalGroup.ASIA_PACIFIC))
    person = make_registration(delegation, badge_name="山田 花子", photo=photo_file(app))
    badges.issue_badge(person, actor="test")
    make_user("door@example.org", roles=[Role.DOOR_STAFF])
    db_session.commit()
    return c, person


def test_door_staff_check_a_typed_serial(page, door_site, db_session, monkeypatch):
    conference, person = door_site
    # The doors admit during the session only: the live server's clock is a Monday morning of the session.
    monkeypatch.setattr(checkin_services, "utcnow", lambda: conference.at_venue(conference.starts_on, time(9, 30)))
    page.goto("/login?next=/door/")
    page.get_by_label("E-mail").fill("door@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Building gate").click()
    expect(page.locator("#verdict")).to_have_text("Ready to scan")

    # A typed serial shows the photo and waits for the officer: nothing is admitted until "Admit" is pressed.
    page.get_by_label("Badge serial").fill(person.badge_serial.lower())
    page.get_by_role("button", name="Check").click()
    expect(page.locator("#verdict")).to_have_text(re.compile("compare the person with the photo"))
    expect(page.locator("#answer")).to_have_class(re.compile("tone-look"))
    expect(page.locator("#answer-name")).to_have_text("山田 花子")
    expect(page.locator("#answer-photo")).to_be_visible()
    assert page.locator("#answer-photo").evaluate("img => img.complete && img.naturalWidth > 0")
    db_session.rollback()
    assert db_session.scalars(select(CheckIn)).all() == []
    # "Do not admit" goes back to scanning, still nothing written.
    page.get_by_role("link", name="Do not admit").click()
    expect(page.locator("#verdict")).to_have_text("Ready to scan")
    expect(page.locator("#confirm")).to_be_hidden()

    page.get_by_label("Badge serial").fill(person.badge_serial.lower())
    page.get_by_role("button", name="Check").click()
    page.get_by_role("button", name="Admit", exact=True).click()
    expect(page.locator("#verdict")).to_have_text("Admitted")
    expect(page.locator("#answer")).to_have_class(re.compile("tone-go"))
    expect(page.locator("#answer-name")).to_have_text("山田 花子")
    expect(page.locator("#confirm")).to_be_hidden()
    # The answer came from the script (no reload): the field is cleared for the next badge.
    expect(page.get_by_label("Badge serial")).to_have_value("")

    page.get_by_label("Badge serial").fill(person.badge_serial)
    page.get_by_role("button", name="Check").click()
    expect(page.locator("#verdict")).to_have_text(re.compile("Already admitted"))

    page.get_by_label("Badge serial").fill("0000000000")
    page.get_by_role("button", name="Check").click()
    expect(page.locator("#verdict")).to_have_text("Unknown badge")
    expect(page.locator("#answer")).to_have_class(re.compile("tone-stop"))

    db_session.rollback()
    rows = db_session.scalars(select(CheckIn).order_by(CheckIn.id)).all()
    assert [r.result for r in rows] == [CheckInResult.ADMITTED, CheckInResult.ALREADY_ADMITTED, CheckInResult.UNKNOWN]
    assert all(r.typed for r in rows)
