"""Withdrawing and reopening, in the real browser: the participant, the focal point and the secretariat are each asked
to confirm and why, and the person is told by e-mail; a rejected registration reopened tells the person too."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from conference.accounts.models import Role
from conference.core.models import OutgoingMail
from conference.registration.models import EntityType, RegionalGroup, Registration, RegistrationStatus
from tests.browser.conftest import browsing
from tests.factories import make_delegation, make_entity, make_registration, make_user
from tests.test_registration import future_conference

pytestmark = pytest.mark.browser


def _mails_to(db_session, address: str) -> list[OutgoingMail]:
    db_session.rollback()  # a fresh snapshot: the browser wrote through other connections
    return db_session.scalars(select(OutgoingMail).where(OutgoingMail.recipient == address)
                              .order_by(OutgoingMail.id)).all()


def test_the_participant_withdraws_after_confirming_with_a_reason(page, db_session, assert_accessible):
    c = future_conference("cop62")
    d = make_delegation(c, make_entity(EntityType.STATE, "Austria", "AUT", RegionalGroup.WEOG))
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
    mail = _mails_to(db_session, "kaethe@example.org")[-1]
    assert "withdrawn" in mail.subject and "My flight was cancelled." in mail.body_text


@pytest.fixture
def ngo(db_session):
    c = future_conference("cop65")
    d = make_delegation(c, make_entity(EntityType.NGO_ECOSOC, "Friends of Justice"), quota=5)
    submitted, rejected = RegistrationStatus.SUBMITTED, RegistrationStatus.REJECTED
    people = {name: make_registration(d, family_name=name, given_names="Sam", email=f"{name.lower()}@example.org",
                                      status=status)
              for name, status in (("Okafor", submitted), ("Lindqvist", submitted), ("Haddad", rejected))}
    make_user("fp@example.org", roles=[Role.FOCAL_POINT], delegation_id=d.id)
    make_user("officer@example.org", roles=[Role.REGISTRATION_OFFICER])
    db_session.commit()
    return people


def test_the_focal_point_and_the_secretariat_confirm_with_a_reason_and_the_person_is_told(
        page, ngo, db_session, sign_in, browser, live_server):
    # The focal point, from the delegation's list.
    sign_in("fp@example.org")
    page.goto("/focal/")
    page.get_by_role("row", name=re.compile("Okafor")).get_by_role("link", name="Withdraw").click()
    assert page.get_by_role("heading", name="Withdraw the registration").is_visible()
    assert "withdraw the registration of Sam Okafor" in page.locator("main").inner_text()
    page.get_by_role("button", name="Withdraw the registration").click()
    assert "Say why the registration is withdrawn" in page.locator("#reason-error").inner_text()
    assert _mails_to(db_session, "okafor@example.org") == []
    page.get_by_label("Why is the registration withdrawn?").fill("Not travelling after all.")
    page.get_by_role("button", name="Withdraw the registration").click()
    assert "Sam Okafor: the registration is now withdrawn" in page.locator(".flash").inner_text()
    assert "Withdrawn" in page.get_by_role("row", name=re.compile("Okafor")).inner_text()
    assert "Not travelling after all." in _mails_to(db_session, "okafor@example.org")[-1].body_text

    # The secretariat, from the registration's page, at another desk.
    with browsing(browser, live_server) as officer:
        sign_in("officer@example.org", on=officer)
        officer.goto(f"/admin/cop65/registrations/{ngo['Lindqvist'].id}")
        officer.get_by_role("link", name="Withdraw", exact=True).click()
        # "Keep the registration" leads back with nothing done.
        officer.get_by_role("link", name="Keep the registration").click()
        assert "Status: Submitted" in officer.locator(".status").inner_text()
        officer.get_by_role("link", name="Withdraw", exact=True).click()
        officer.get_by_label("Why is the registration withdrawn?").fill("A duplicate of another registration.")
        officer.get_by_role("button", name="Withdraw the registration").click()
        assert "Sam Lindqvist: the registration is now withdrawn" in officer.locator(".flash").inner_text()
        assert "Status: Withdrawn" in officer.locator(".status").inner_text()
    (mail,) = _mails_to(db_session, "lindqvist@example.org")
    assert "withdrawn" in mail.subject and "A duplicate of another registration." in mail.body_text


def test_reopening_a_rejected_registration_tells_the_person(page, ngo, db_session, sign_in):
    rejected = ngo["Haddad"]
    sign_in("officer@example.org")
    page.goto(f"/admin/cop65/registrations/{rejected.id}")
    page.get_by_label(re.compile("Reason")).fill("The letter of the organization arrived after all.")
    page.get_by_role("button", name="Reopen").click()
    assert "Status: Submitted" in page.locator(".status").inner_text()
    (mail,) = _mails_to(db_session, "haddad@example.org")
    assert "under review again" in mail.subject and "The letter of the organization arrived" in mail.body_text
    # The link in the e-mail shows the person where their registration stands now.
    link = re.search(r"https?://\S+/(cop65/registration/\S+)", mail.body_text).group(1)
    page.goto("/" + link)
    assert "Submitted" in page.locator("#status").inner_text()
