"""The back office's newer screens as a secretariat officer meets them in Arabic on a phone (390 px wide): the strings
they show are translated, and a wide table scrolls within itself instead of widening the whole page (which, right to
left, pushed the page's start out of sight)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from conference.accounts.models import Role
from conference.registration import services
from conference.registration.services import Actor
from conference.registration.uploads import store
from tests.factories import PASSWORD, make_user
from tests.test_participants_csv import csv_bytes, row, world  # noqa: F401 (world is a fixture)
from tests.test_uploads import minimal_pdf

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def officer_on_a_phone(app, world, db_session, browser, live_server):  # noqa: F811
    """An admin signed in, in Arabic, on a phone-sized screen; France has two versions of its note verbale."""
    make_user("admin@example.org", roles=[Role.ADMIN])
    folder = Path(app.config["UPLOAD_FOLDER"])
    pdf = minimal_pdf()
    services.attach_nomination(world["france"], store(folder, "documents", pdf, "pdf"), actor=Actor.SECRETARIAT,
                               filename="Note verbale 12-2026.pdf")
    services.attach_nomination(world["france"], store(folder, "documents", pdf + b"\n% v2\n", "pdf"),
                               actor=Actor.SECRETARIAT, filename="Note verbale 12-2026, revised.pdf")
    db_session.commit()
    context = browser.new_context(base_url=live_server, locale="ar", viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto("/login")
    page.locator("#email").fill("admin@example.org")
    page.locator("#password").fill(PASSWORD)
    page.locator("#submit").click()
    page.wait_for_url(lambda url: "/login" not in url)
    page.goto("/language/ar?next=/")
    yield page
    context.close()


def _page_width(page) -> int:
    return page.evaluate("() => document.documentElement.scrollWidth")


def _main_text(page) -> str:
    return page.locator("main").inner_text()


def test_the_delegation_page_fits_a_phone_in_arabic(officer_on_a_phone, world, assert_accessible):  # noqa: F811
    page = officer_on_a_phone
    page.goto(f"/admin/cop99/delegations/{world['france'].id}")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("#documents table").count() == 1  # the versions' table, wider than the screen
    assert _page_width(page) <= PHONE["width"]
    text = _main_text(page)
    for english in ("Places", "place used", "no quota", "document received", "secretariat"):
        assert english not in text, english
    assert "الأماكن" in text
    assert_accessible(page, "the delegation page on a phone in Arabic")


def test_an_import_preview_fits_a_phone_in_arabic(officer_on_a_phone, tmp_path, assert_accessible):
    page = officer_on_a_phone
    upload = tmp_path / "registrations.csv"
    upload.write_bytes(csv_bytes(row(), row(entity="KEN"), row(gender="x")))
    page.goto("/admin/cop99/registrations/import")
    page.locator("input[type=file]").set_input_files(str(upload))
    page.locator("main form[enctype] button[type=submit]").click()
    page.locator("#problems").wait_for()
    assert page.locator("main table").count() == 2  # the problems, and the lines without any
    assert _page_width(page) <= PHONE["width"]
    assert "Preview" not in _main_text(page) and "Line" not in _main_text(page)
    assert_accessible(page, "the registrations import preview on a phone")  # a table that scrolls takes the focus


def test_the_treaty_status_import_says_its_problems_in_arabic(officer_on_a_phone, tmp_path):
    page = officer_on_a_phone
    upload = tmp_path / "statuses.csv"
    buffer = io.StringIO()
    csv.writer(buffer).writerows([("iso3", "status"), ("FRA", "party"), ("XXX", "party")])
    upload.write_text(buffer.getvalue(), encoding="utf-8")
    page.goto("/admin/cop99/states/import")
    page.locator("input[type=file]").set_input_files(str(upload))
    page.locator("main form[enctype] button[type=submit]").click()
    problems = page.locator("#problems")
    problems.wait_for()
    text = problems.inner_text()
    assert "nothing is imported" not in text and "Line" not in text, text
    assert "السطر" in text
    assert _page_width(page) <= PHONE["width"]


def test_the_reference_tables_fit_a_phone(officer_on_a_phone, assert_accessible):
    page = officer_on_a_phone
    for url in ("/admin/entities/", "/admin/cop99/states/", "/admin/cop99/ngos/import"):
        page.goto(url)
        assert _page_width(page) <= PHONE["width"], url
        assert_accessible(page, url)
    assert "Import the NGO roster" not in _main_text(page)
