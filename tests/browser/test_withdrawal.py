"""Withdrawing, in the real browser: the participant is asked to confirm and why, and is told by e-mail."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from conference.core.models import OutgoingMail
from conference.registration.models import EntityType, RegionalGroup, Registration, RegistrationStatus
from tests.factories import make_delegation, make_entity, make_registration
from tests.test_registration import future_conference

pytestmark = pytest.mark.browser


def test_the_participant_withdraws_after_confirming_with_a_reason(page, db_session, assert_accessible):
    c = future_conference("cop62")
    d = make_delegation(c, make_entity(EntityType.STATE_PARTY, "Austria", "AUT", RegionalGroup.WEOG))
    r = make_registration(d, status=RegistrationStatus.SUBMITTED, email="kaethe@example.org")
    db_session.commit()

    page.goto(f"/cop62/registration/{r.status_token}")
    page.get_by_role("link", name="Withdraw my registration").click()
    # A page that asks first: nothing is withdrawn yet.
    assert page.get_by_role("heading", name="Withdraw the registration").is_visible()
    db_session.rollback()
    assert db_session.get(Registration, r.id).status == RegistrationStatus.SUBMITTED
    assert_accessible(page, "the withdrawal page")

    page.get_by_role("button", name="Withdraw the registration").click()
    assert "Say why the registration is withdrawn" in page.locator("#reason-error").inner_text()
    # Changing one's mind leads back, still registered.
    page.get_by_role("link", name="Keep the registration").click()
    assert "Submitted" in page.locator("#status").inner_text()

    page.get_by_role("link", name="Withdraw my registration").click()
    page.get_by_label("Why is the registration withdrawn?").fill("My flight was cancelled.")
    page.get_by_role("button", name="Withdraw the registration").click()
    page.wait_for_url(re.compile(rf"/cop62/registration/{r.status_token}$"))
    assert "Withdrawn" in page.locator("#status").inner_text()
    assert "My flight was cancelled." in page.locator(".reason").inner_text()
    db_session.rollback()
    mail = db_session.scalars(select(OutgoingMail).where(OutgoingMail.recipient == "kaethe@example.org")).one()
    assert "withdrawn" in mail.subject and "My flight was cancelled." in mail.body_text
