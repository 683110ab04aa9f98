"""Files on the public form, in the real browser: a file over its limit is said in the form with everything kept,
never the generic 413 page; a photo and a document each at its limit go through together (issue 17)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from conference.registration.document_models import DelegationDocument
from conference.registration.models import EntityType, RegionalGroup, Registration
from conference.registration.uploads import DOCUMENT_MAX_BYTES, PHOTO_MAX_BYTES
from tests.browser.conftest import fill_form
from tests.factories import make_delegation, make_entity
from tests.test_registration import future_conference
from tests.test_upload_sizes import photo_of_size
from tests.test_uploads import _pdf_of_size

pytestmark = pytest.mark.browser


@pytest.fixture
def kenya(db_session):
    """A delegation with no nominating document yet: its first participant's form asks for one."""
    c = future_conference("cop64")
    d = make_delegation(c, make_entity(EntityType.STATE, "Kenya", "KEN", RegionalGroup.AFRICAN))
    db_session.commit()
    return d


def _fill(page):
    fill_form(page, {"Delegation or organization": "Kenya", "Role in the delegation": "Adviser",
                     "Family name": "Ünal", "Given names": "Wanjiru", "Gender": "Female", "Date of birth": "1981-04-09",
                     "Passport or ID number": "AK123456", "Passport or ID valid until": "2035-06-30",
                     "E-mail": "wanjiru@example.org"})


def test_files_over_their_limits_are_said_in_the_form_and_files_at_their_limits_go_through(
        page, kenya, db_session, tmp_path, assert_accessible):
    big_photo, big_document = tmp_path / "big.jpg", tmp_path / "big.pdf"
    big_photo.write_bytes(photo_of_size(PHOTO_MAX_BYTES + 1024 * 1024))
    big_document.write_bytes(_pdf_of_size(DOCUMENT_MAX_BYTES + 1024 * 1024))
    photo, document = tmp_path / "me.jpg", tmp_path / "nv.pdf"
    photo.write_bytes(photo_of_size(PHOTO_MAX_BYTES))
    document.write_bytes(_pdf_of_size(DOCUMENT_MAX_BYTES))

    page.goto("/cop64/register/state")
    _fill(page)
    page.get_by_label("Photo for the badge").set_input_files(str(big_photo))
    page.get_by_label("Nominating document (PDF)").set_input_files(str(big_document))
    page.get_by_label(re.compile("I agree")).check()
    page.get_by_role("button", name="Send registration").click()
    # The form again, each file's limit at its field, not the generic "too large" page; what was typed is kept.
    assert re.search(r"The photo is 6(\.0)? MB; the limit is 5 MB", page.locator("#photo-error").inner_text())
    assert re.search(r"The nominating document is 11(\.0)? MB; the limit is 10 MB",
                     page.locator("#document-error").inner_text())
    assert page.get_by_label("Family name").input_value() == "Ünal"
    assert page.get_by_label("Passport or ID number").input_value() == "AK123456"
    assert_accessible(page, "the form with files over their limits")

    page.get_by_label("Photo for the badge").set_input_files(str(photo))
    page.get_by_label("Nominating document (PDF)").set_input_files(str(document))
    page.get_by_label(re.compile("I agree")).check()
    page.get_by_role("button", name="Send registration").click()
    page.wait_for_url(re.compile(r"/cop64/register/received$"))
    db_session.rollback()  # a fresh snapshot: the browser wrote through other connections
    r = db_session.scalars(select(Registration)).one()
    assert r.family_name == "Ünal" and r.photo
    [kept] = db_session.scalars(select(DelegationDocument.path).where(DelegationDocument.delegation_id == kenya.id))
    assert kept.startswith("documents/")


def test_files_too_large_to_read_come_back_to_the_form_with_a_message(page, kenya, db_session, tmp_path, app):
    huge = tmp_path / "scan.pdf"
    huge.write_bytes(b"%PDF-" + b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1024 * 1024))
    page.goto("/cop64/register/state")
    _fill(page)
    page.get_by_label("Nominating document (PDF)").set_input_files(str(huge))
    page.get_by_label(re.compile("I agree")).check()
    page.get_by_role("button", name="Send registration").click()
    page.wait_for_load_state()
    # Back on the form, told what to send; the body was never read, so nothing typed could be kept.
    assert page.url.endswith("/cop64/register/state")
    flash = page.locator(".flash").inner_text()
    assert "more than this site reads at once (40 MB)" in flash and "at most 10 MB" in flash
    assert page.get_by_role("button", name="Send registration").is_visible()
    db_session.rollback()
    assert db_session.scalar(select(func.count()).select_from(Registration)) == 0
