"""From the public form with a photo to approval in the back office, in the real browser."""

from __future__ import annotations

import re

import pytest
from PIL import Image
from sqlalchemy import select

from conference.accounts.models import Role
from conference.core.models import OutgoingMail
from conference.registration.models import EntityType, RegionalGroup, Registration, RegistrationStatus
from tests.browser.conftest import fill_form
from tests.factories import make_delegation, make_entity, make_user
from tests.test_registration import future_conference

pytestmark = pytest.mark.browser


@pytest.fixture
def session_open(db_session):
    c = future_conference("cop60")
    make_delegation(c, make_entity(EntityType.STATE, "Austria", "AUT", RegionalGroup.WEOG),
                    nomination_document="documents/nv.pdf")
    make_user("officer@example.org", roles=[Role.REGISTRATION_OFFICER])
    db_session.commit()
    return c


def test_register_with_a_photo_then_approve(page, session_open, db_session, tmp_path, sign_in):
    photo = tmp_path / "portrait.png"
    Image.new("RGB", (700, 900), (220, 210, 200)).save(photo)

    page.goto("/cop60/register")
    page.get_by_role("link", name=re.compile("A State")).click()
    fill_form(page, {"Delegation or organization": "Austria", "Role in the delegation": "Adviser",
                     "Family name": "Schröder", "Given names": "Käthe", "Gender": "Female", "Nationality": "Austria",
                     "Date of birth": "1979-03-02", "Passport or ID number": "U1234567",
                     "Passport or ID valid until": "2034-12-31", "E-mail": "kaethe@example.org"})
    # First a wrong photo: the form says what to send, and keeps what was typed.
    wrong = tmp_path / "notes.txt"
    wrong.write_text("not a photo")
    page.get_by_label("Photo for the badge").set_input_files(str(wrong))
    page.get_by_label(re.compile("I agree")).check()
    page.get_by_role("button", name="Send registration").click()
    assert "JPEG or PNG" in page.locator("#photo-error").inner_text()
    assert page.get_by_label("Family name").input_value() == "Schröder"

    page.get_by_label("Photo for the badge").set_input_files(str(photo))
    page.get_by_label(re.compile("I agree")).check()
    page.get_by_role("button", name="Send registration").click()
    page.wait_for_url(re.compile(r"/cop60/register/received$"))
    assert "on its way to" in page.locator(".flash").inner_text()
    # The private link comes by e-mail: follow it.
    db_session.rollback()
    mail = db_session.scalars(select(OutgoingMail)).one()
    page.goto("/" + re.search(r"https?://\S+/(cop60/registration/\S+)", mail.body_text).group(1))
    assert "Submitted" in page.locator("#status").inner_text()
    private_link = page.url.split("?")[0]
    assert page.locator("img.photo").evaluate("img => img.naturalWidth") == 700

    # The registration officer approves it in the back office.
    sign_in("officer@example.org")
    page.goto("/admin/cop60/registrations?status=SUBMITTED")
    page.get_by_role("link", name=re.compile("Schröder")).click()
    page.get_by_role("button", name="Approve").click()
    assert "now approved" in page.locator(".flash").inner_text()

    # The participant's private link says so.
    page.goto(private_link)
    assert "Approved" in page.locator("#status").inner_text()
    db_session.rollback()  # a fresh snapshot: the browser wrote through other connections
    r = db_session.scalars(select(Registration)).one()
    assert r.status == RegistrationStatus.APPROVED and r.family_name == "Schröder"
