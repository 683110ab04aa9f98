"""Names as readers fold them, in the real browser: the back office's search finds "Łukasiewicz" from
"Lukasiewicz", and its duplicate check takes "ПЕТРОВ андрей" for Андрей Петров but "Андреи" for another person
(issue 17)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from conference.accounts.models import Role
from conference.registration.models import EntityType, RegionalGroup, Registration
from tests.browser.conftest import fill_form
from tests.factories import make_delegation, make_entity, make_registration, make_user
from tests.test_registration import future_conference

pytestmark = pytest.mark.browser


@pytest.fixture
def officer(db_session, sign_in):
    c = future_conference("cop66")
    poland = make_delegation(c, make_entity(EntityType.STATE, "Poland", "POL", RegionalGroup.EASTERN_EUROPEAN))
    russia = make_delegation(c, make_entity(EntityType.STATE, "Russian Federation", "RUS",
                                            RegionalGroup.EASTERN_EUROPEAN))
    make_registration(poland, family_name="Łukasiewicz", given_names="Jan")
    make_registration(poland, family_name="Lukas", given_names="Anna")
    make_registration(russia, family_name="Петров", given_names="Андрей", date_of_birth=date(1975, 2, 3))
    make_user("officer@example.org", roles=[Role.REGISTRATION_OFFICER])
    db_session.commit()
    sign_in("officer@example.org")


def test_the_queue_finds_lukasiewicz_typed_without_the_stroke(page, officer):
    page.goto("/admin/cop66/registrations")
    page.get_by_label("Name or e-mail").fill("Lukasiewicz")
    page.get_by_role("button", name="Filter").click()
    assert page.get_by_role("status").inner_text() == "1 registration"
    assert page.get_by_role("link", name="Łukasiewicz, Jan").is_visible()
    assert page.get_by_role("link", name="Lukas, Anna").count() == 0


def test_the_duplicate_check_folds_case_but_keeps_short_i_apart(page, officer, db_session):
    page.goto("/admin/cop66/registrations/new")
    fill_form(page, {"Delegation or organization": "Russian Federation", "Role in the delegation": "Adviser",
                     "Family name": "ПЕТРОВ", "Given names": " андрей ", "Gender": "Male",
                     "Date of birth": "1975-02-03", "Passport or ID number": "RU7654321",
                     "Passport or ID valid until": "2034-05-31", "E-mail": "a.petrov@example.org",
                     "Participation": "Online, as an observer"})
    page.get_by_role("button", name=re.compile("Send registration")).click()
    # The same person in other case and spacing: said at the name.
    assert "name and date of birth is already registered" in page.locator("#family_name-error").inner_text()

    page.get_by_label("Given names").fill("Андреи")  # и, not й: another name, so another person
    page.get_by_role("button", name=re.compile("Send registration")).click()
    assert "is registered" in page.locator(".flash").inner_text()
    db_session.rollback()
    assert db_session.scalar(select(Registration.given_names).where(Registration.email == "a.petrov@example.org")) \
        == "Андреи"
