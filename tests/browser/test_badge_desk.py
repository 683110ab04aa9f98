"""The badge desk in the real browser: warned of every name it could not print whole in ordinary type, and told
why online participants get no printed badge, until they change to in person (issue 17)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import func, select

from conference.accounts.models import Role
from conference.core.models import Job
from conference.registration.models import BadgeState, EntityType, Modality, Registration
from tests.browser.conftest import browsing
from tests.factories import make_conference, make_delegation, make_entity, make_registration, make_user
from tests.test_badges import LONG, photo_file

pytestmark = pytest.mark.browser


@pytest.fixture
def desk(app, db_session, monkeypatch, tmp_path, sign_in):
    """The badge desk of a session with an NGO's delegation, signed in; the runs' PDFs go to a temporary folder."""
    monkeypatch.setitem(app.config, "BADGE_RUNS_FOLDER", str(tmp_path))
    c = make_conference("cop67")
    ngo = make_delegation(c, make_entity(EntityType.NGO_ECOSOC, "Friends of the Earth"))
    make_user("desk@example.org", roles=[Role.BADGE_DESK])
    db_session.commit()
    return {"c": c, "ngo": ngo, "sign_in": lambda: sign_in("desk@example.org")}


def _finished(page):
    """Wait for the run's page (it reloads itself) to offer the PDF."""
    expect(page.get_by_role("link", name="Download the PDF")).to_be_visible(timeout=60_000)


def test_the_desk_is_warned_of_every_name_that_did_not_fit_whole(page, desk, app, db_session):
    shortened = make_registration(desk["ngo"], badge_name=LONG, photo=photo_file(app))
    tiny = make_registration(desk["ngo"], badge_name=LONG.replace("María", "Ana"), photo=photo_file(app))
    make_registration(desk["ngo"], badge_name="Zoë Dvořák", photo=photo_file(app))
    db_session.commit()
    desk["sign_in"]()
    # The pass office gives one of the long names its short form.
    page.goto(f"/admin/cop67/badges/{shortened.id}")
    page.get_by_label(re.compile("Short form of the name")).fill("M. Á. Fernández-Castellanos")
    page.get_by_role("button", name="Save the short form").click()
    assert "short form saved" in page.locator(".flash").inner_text()

    page.goto("/admin/cop67/badges")
    page.get_by_role("button", name="Print badges").click()
    _finished(page)
    warning = page.get_by_role("note")
    assert "Names that did not fit whole on the badge" in warning.inner_text()
    items = warning.get_by_role("listitem")
    assert items.count() == 2  # Zoë Dvořák fits: not listed
    text = warning.inner_text()
    assert f"{LONG}: printed as the short form “M. Á. Fernández-Castellanos”" in text
    assert f"{tiny.badge_name}: printed whole in very small type (give it a short form at the pass office)" in text


def test_online_participants_get_no_printed_badge_and_the_desk_is_told_why(page, desk, app, db_session):
    online = make_registration(desk["ngo"], family_name="Chen", given_names="Wei", badge_name="Chen Wei",
                               modality=Modality.ONLINE_OBSERVER)
    in_person = make_registration(desk["ngo"], badge_name="Amina Diallo", photo=photo_file(app))
    db_session.commit()
    desk["sign_in"]()
    page.goto("/admin/cop67/badges")
    # Asked for by number: refused, with the reason, and no run started.
    page.get_by_label("One registration (its number)").fill(str(online.id))
    page.get_by_role("button", name="Print badges").click()
    assert "Chen Wei takes part online (Online, as an observer): no printed badge" in page.locator("main").inner_text()
    db_session.rollback()
    assert db_session.scalar(select(func.count()).select_from(Job)) == 0

    # Everyone: the one in person is printed, and the run's page says who was left out and why.
    page.get_by_label("One registration (its number)").fill("")
    page.get_by_role("button", name="Print badges").click()
    _finished(page)
    assert "1 participant who matches takes part online: no printed badge unless they change to in person" in \
        page.locator("main").inner_text()
    assert "1 of 1 badge" in page.get_by_role("status").inner_text()
    db_session.rollback()
    assert db_session.get(Registration, in_person.id).badge_state == BadgeState.PRINTED
    assert db_session.get(Registration, online.id).badge_serial is None


def test_an_online_participant_who_changes_to_in_person_gets_a_printed_badge(page, desk, app, db_session, sign_in,
                                                                             browser, live_server, tmp_path):
    online = make_registration(desk["ngo"], family_name="Chen", given_names="Wei", badge_name="Chen Wei",
                               modality=Modality.ONLINE_OBSERVER, date_of_birth=date(1985, 3, 14),
                               passport_number="E12345678", passport_expiry=date(2035, 3, 13))
    make_user("officer@example.org", roles=[Role.REGISTRATION_OFFICER])
    db_session.commit()
    photo = tmp_path / "wei.jpg"
    Image.new("RGB", (700, 900), (210, 200, 190)).save(photo)
    # An approved registration changes only through the secretariat: it reopens it, the person changes to in
    # person (with a photo for the badge) on their private page, and the secretariat approves it again.
    with browsing(browser, live_server) as officer:
        sign_in("officer@example.org", on=officer)
        officer.goto(f"/admin/cop67/registrations/{online.id}")
        officer.get_by_label(re.compile("Reason")).fill("Coming to Vienna in person after all.")
        officer.get_by_role("button", name="Reopen").click()
        assert "Status: Submitted" in officer.locator(".status").inner_text()

        page.goto(f"/cop67/registration/{online.status_token}")
        page.get_by_role("link", name="Change your registration").click()
        page.get_by_label("Participation").select_option(label="In person")
        page.get_by_label("Photo for the badge").set_input_files(str(photo))
        page.get_by_role("button", name="Send registration").click()
        assert "Your changes are saved" in page.locator(".flash").inner_text()

        officer.reload()
        officer.get_by_role("button", name="Approve").click()
        assert "Status: Approved" in officer.locator(".status").inner_text()

    desk["sign_in"]()
    page.goto("/admin/cop67/badges")
    page.get_by_label("One registration (its number)").fill(str(online.id))
    page.get_by_role("button", name="Print badges").click()
    _finished(page)
    assert "takes part online" not in page.locator("main").inner_text()
    db_session.rollback()
    assert db_session.get(Registration, online.id).badge_state == BadgeState.PRINTED
