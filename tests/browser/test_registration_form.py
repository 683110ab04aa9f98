"""The registration form's journeys in the real browser: a delegation left unchosen (on the public form and in the
back office), the marks, the date format."""

from __future__ import annotations

import re

import pytest
from PIL import Image
from sqlalchemy import select

from conference.accounts.models import Role
from conference.core.models import OutgoingMail
from conference.registration.models import EntityType, RegionalGroup, Registration
from tests.browser.conftest import fill_form
from tests.factories import make_delegation, make_entity, make_user
from tests.test_registration import future_conference

pytestmark = pytest.mark.browser


@pytest.fixture
def session_open(db_session):
    c = future_conference("cop61")
    make_delegation(c, make_entity(EntityType.STATE, "Austria", "AUT", RegionalGroup.WEOG),
                    nomination_document="documents/nv.pdf")
    db_session.commit()
    return c


def test_a_delegation_left_at_choose_is_said_at_the_field_and_nothing_is_lost(page, session_open, db_session,
                                                                              tmp_path, assert_accessible):
    photo = tmp_path / "portrait.png"
    Image.new("RGB", (700, 900), (220, 210, 200)).save(photo)
    page.goto("/cop61/register/state")
    # Required fields say so, beside their label; the date fields say how to write a date.
    assert page.locator("label[for=family_name] + .required").inner_text() == "(required)"
    assert page.get_by_label("Family name").get_attribute("aria-required") == "true"
    assert page.locator("label[for=nationality] + .required").count() == 0
    assert "Year-month-day" in page.locator("#date_of_birth-hint").inner_text()
    assert "Year-month-day" in page.locator("#passport_expiry-hint").inner_text()
    # Nationalities under the UN's short names, as the delegation list writes the States.
    nationality = page.get_by_label("Nationality", exact=True)
    assert nationality.locator("option[value=TUR]").inner_text() == "Türkiye"
    assert nationality.locator("option[value=BOL]").inner_text() == "Bolivia (Plurinational State of)"
    assert nationality.locator("option[value=AUT]").inner_text() == \
        page.get_by_label("Delegation or organization").locator("option", has_text="Austria").inner_text()

    fill_form(page, {"Role in the delegation": "Adviser", "Family name": "Łukasiewicz", "Given names": "Jan",
                     "Gender": "Male", "Nationality": "United Kingdom of Great Britain and Northern Ireland",
                     "Date of birth": "1978-12-21", "Passport or ID number": "PL998877",
                     "Passport or ID valid until": "2036-01-31", "E-mail": "jan@example.org"})
    page.get_by_label("Photo for the badge").set_input_files(str(photo))
    page.get_by_label(re.compile("I agree")).check()
    page.get_by_role("button", name="Send registration").click()

    # Not a dead end: the same form, the error at the field and in the summary, everything typed still there.
    assert "Choose your delegation or organization" in page.locator("#delegation_id-error").inner_text()
    assert page.locator("#error-summary a[href='#delegation_id']").count() == 1
    assert page.get_by_label("Family name").input_value() == "Łukasiewicz"
    assert page.get_by_label("Date of birth").input_value() == "1978-12-21"
    assert page.get_by_label("Nationality", exact=True).input_value() == "GBR"
    assert page.locator("#photo-kept").count() == 1  # the photo was kept too
    assert_accessible(page, "the form with a delegation left unchosen")

    page.get_by_label("Delegation or organization").select_option(label="Austria")
    page.get_by_label(re.compile("I agree")).check()
    page.get_by_role("button", name="Send registration").click()
    page.wait_for_url(re.compile(r"/cop61/register/received$"))
    assert "on its way to" in page.locator(".flash").inner_text()
    # The private link comes by e-mail: follow it.
    db_session.rollback()
    mail = db_session.scalars(select(OutgoingMail)).one()
    page.goto("/" + re.search(r"https?://\S+/(cop61/registration/\S+)", mail.body_text).group(1))
    db_session.rollback()
    r = db_session.scalars(select(Registration)).one()
    assert r.family_name == "Łukasiewicz" and r.photo and r.nationality == "GBR"


def test_the_back_office_form_says_the_delegation_is_missing_and_keeps_the_rest(page, session_open, db_session,
                                                                                sign_in):
    make_user("officer@example.org", roles=[Role.REGISTRATION_OFFICER])
    sign_in("officer@example.org")
    page.goto("/admin/cop61/registrations")
    page.get_by_role("link", name="Register a participant").click()
    fill_form(page, {"Role in the delegation": "Expert", "Family name": "Wiśniewska", "Given names": "Zofia",
                     "Gender": "Female", "Nationality": "Poland", "Date of birth": "1984-07-22",
                     "Passport or ID number": "EW4455667", "Passport or ID valid until": "2033-03-31",
                     "E-mail": "zofia@example.org", "Participation": "Online, as an observer"})
    page.get_by_role("button", name=re.compile("Send registration|Register")).click()

    # The same form, the one error at its field, everything typed still there.
    assert "Choose your delegation or organization" in page.locator("#delegation_id-error").inner_text()
    assert page.locator("#error-summary").inner_text().startswith("Please correct 1 field")
    assert page.get_by_label("Family name").input_value() == "Wiśniewska"
    assert page.get_by_label("Passport or ID valid until").input_value() == "2033-03-31"
    assert page.get_by_label("Nationality", exact=True).input_value() == "POL"
    assert page.get_by_label("Participation").input_value() == "ONLINE_OBSERVER"
    page.get_by_label("Delegation or organization").select_option(label="Austria")
    page.get_by_role("button", name=re.compile("Send registration|Register")).click()
    assert "Zofia Wiśniewska is registered" in page.locator(".flash").inner_text()
    db_session.rollback()
    r = db_session.scalars(select(Registration)).one()
    assert (r.family_name, r.email, r.delegation.entity.name) == ("Wiśniewska", "zofia@example.org", "Austria")
