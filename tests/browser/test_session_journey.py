"""A secretariat runs its next session from the back office alone (issue 14, "Done when"): from an empty database
with only an admin account, through the pages, COP13 is created, gets its rooms and its States, a focal point is
invited and registers two delegates with their photos and a note verbale, the secretariat reads the note verbale,
approves both and prints their badges, and a delegate who lost the private link gets it again.

One browser context per person (the admin, the focal point, the delegate), no sleeps: every wait is for something
the page shows. The e-mails are read from the outbox folder, as the people would read them in their mailboxes.
"""

from __future__ import annotations

import email
import re
from datetime import date, timedelta
from email import policy
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import expect
from pypdf import PdfReader
from sqlalchemy import select

from conference.accounts.models import Role
from conference.conferences.models import Conference
from tests.browser.conftest import browsing, fill_form
from tests.factories import PASSWORD, make_user
from tests.test_uploads import minimal_pdf

pytestmark = pytest.mark.browser

ADMIN = "admin@secretariat.example"
FOCAL = "focal@mfa.gov.gh.example"
FOCAL_PASSWORD = "Akwaaba to the thirteenth session"
DELEGATES = [("Head of delegation", "Mensah", "Ama", "ama.mensah@mfa.gov.gh.example"),
             ("Adviser", "Owusu", "Kwame", "kwame.owusu@mfa.gov.gh.example")]


@pytest.fixture
def empty_installation(app, db_session, monkeypatch, tmp_path):
    """An installation as `users ensure-admin` leaves it: one admin account and nothing else. Its mail goes to an
    outbox folder of this test's own, its badge runs to a folder of their own."""
    monkeypatch.setitem(app.config, "MAIL_OUTBOX", str(tmp_path / "outbox"))
    monkeypatch.setitem(app.config, "BADGE_RUNS_FOLDER", str(tmp_path / "badges"))
    make_user(ADMIN, roles=[Role.ADMIN])
    assert db_session.scalar(select(Conference.id)) is None
    return tmp_path


def outbox(folder: Path, to: str) -> list[email.message.EmailMessage]:
    """The e-mails delivered to `to`, oldest first, read back from the outbox's .eml files."""
    found = []
    for path in sorted((folder / "outbox").glob("*.eml"), key=lambda p: int(p.name.split("-")[0])):
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        if message["To"] == to:
            found.append(message)
    return found


def link_in(message, pattern: str) -> str:
    """The path of the link in an e-mail's text that matches `pattern` (the host is PUBLIC_URL's, not the test's)."""
    return re.search(rf"https?://[^\s/]+(/{pattern}\S*)", message.get_content()).group(1)


def sign_in_as(page, address: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("E-mail", exact=True).fill(address)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/login" not in url)


def flash(page) -> str:
    return page.locator(".flash").first.inner_text()


def test_a_secretariat_sets_up_cop13_and_runs_its_registration_from_the_pages_alone(
        browser, live_server, empty_installation):
    files = empty_installation
    first_day = date.today() + timedelta(days=120)
    note_verbale = files / "note-verbale-ghana.pdf"
    note_verbale.write_bytes(minimal_pdf())
    photos = []
    for i, colour in enumerate([(200, 180, 160), (150, 130, 120)]):
        photos.append(files / f"photo{i}.jpg")
        Image.new("RGB", (700, 900), colour).save(photos[-1])

    with browsing(browser, live_server) as admin:
        # 1. The admin creates COP13 from nothing (there is no earlier session to copy).
        sign_in_as(admin, ADMIN, PASSWORD)
        admin.goto("/admin/")
        admin.get_by_role("link", name="New session").click()
        fill_form(admin, {
            "Code": "cop13",
            "Title (English)": "Conference of the Parties to the United Nations Convention against Transnational "
                               "Organized Crime, thirteenth session",
            "Short title (English)": "UNTOC COP13",
            "Venue": "Vienna International Centre", "City": "Vienna", "Time zone of the venue": "Europe/Vienna",
            "First day": first_day.isoformat(), "Last day": (first_day + timedelta(days=4)).isoformat(),
            "The secretariat's e-mail address": "cop13@secretariat.example"})
        admin.get_by_role("button", name="Create the session").click()
        admin.wait_for_url(re.compile(r"/admin/cop13/settings$"))
        assert "Session cop13 created." in flash(admin)

        # 2. Two rooms, from the settings page.
        admin.get_by_role("link", name="Rooms", exact=True).click()
        for name, seats in (("Plenary hall", "900"), ("Board room M1", "60")):
            add = admin.locator("section", has=admin.get_by_role("heading", name="Add a room"))
            fill_form(add, {"Name of the room": name, "Seats": seats})
            add.get_by_role("button", name="Add").click()
            assert f"{name} added." in flash(admin)
        expect(admin.get_by_role("heading", level=2, name="Plenary hall")).to_be_visible()
        expect(admin.get_by_role("heading", level=2, name="Board room M1")).to_be_visible()

        # 3. The States with their status for the session. The UN list came with the session (every new session
        # loads it); loading it again from its page adds nothing.
        admin.goto("/admin/")
        admin.get_by_role("link", name="States and organizations").click()
        admin.get_by_role("button", name="Load the UN list").click()
        assert "The UN list is loaded: 0 added" in flash(admin)
        states = admin.get_by_role("table").filter(has=admin.get_by_role("columnheader", name="ISO code"))
        expect(states.get_by_role("row").filter(has=admin.get_by_role("cell", name="GHA", exact=True))).to_contain_text(
            "Ghana")
        # Each State's status at COP13, from a CSV file: previewed, then imported.
        statuses = files / "statuses.csv"
        statuses.write_text("iso3,status\nGHA,party\nAUT,signatory\n", encoding="utf-8")
        admin.goto("/admin/")
        admin.get_by_role("link", name="States", exact=True).click()
        admin.get_by_role("link", name="Import the treaty statuses (CSV)").click()
        admin.get_by_label("Treaty statuses (CSV, UTF-8)").set_input_files(str(statuses))
        admin.get_by_role("button", name="Preview").click()
        admin.get_by_role("button", name="Change 2 treaty statuses").click()
        assert "2 treaty statuses changed." in flash(admin)
        for state, status in (("Ghana", "PARTY"), ("Austria", "SIGNATORY")):
            expect(admin.get_by_label(f"Treaty status of {state}")).to_have_value(status)

        # 4. The focal point of Ghana is invited, from the delegation's page (Ghana's name on the States page).
        admin.get_by_role("link", name="Ghana", exact=True).click()
        invite = admin.locator("#focal-points")
        fill_form(invite, {"E-mail": FOCAL, "Name": "Kofi Boateng"})
        invite.get_by_role("button", name="Send the invitation").click()
        assert f"Invitation sent to {FOCAL}" in flash(admin)

        with browsing(browser, live_server) as focal:
            # 5. The invitation's link sets the focal point's password; they sign in and register two delegates.
            (invitation,) = outbox(files, FOCAL)
            focal.goto(link_in(invitation, "password/set/"))
            fill_form(focal, {"New password": FOCAL_PASSWORD, "The new password again": FOCAL_PASSWORD})
            focal.get_by_role("button", name="Set the password").click()
            focal.wait_for_url(re.compile(r"/login"))
            assert "Your password is set." in flash(focal)
            assert focal.get_by_label("E-mail", exact=True).input_value() == FOCAL
            focal.get_by_label("Password", exact=True).fill(FOCAL_PASSWORD)
            focal.get_by_role("button", name="Sign in").click()
            focal.wait_for_url(re.compile(r"/focal/$"))  # a focal point's home: their delegation
            for (role, family, given, address), photo in zip(DELEGATES, photos, strict=True):
                focal.get_by_role("link", name="Register a member of the delegation").click()
                fill_form(focal, {"Role in the delegation": role, "Family name": family, "Given names": given,
                                  "Gender": "Female" if given == "Ama" else "Male", "Nationality": "Ghana",
                                  "Date of birth": "1980-05-17", "Passport or ID number": f"G{len(family)}0123456",
                                  "Passport or ID valid until": "2034-12-31", "E-mail": address})
                focal.get_by_label("Photo for the badge").set_input_files(str(photo))
                focal.get_by_role("button", name="Send registration").click()
                focal.wait_for_url(re.compile(r"/focal/$"))
                assert "is registered and pre-approved" in flash(focal)
            # The note verbale that nominates them.
            nomination = focal.locator("form", has=focal.get_by_label("Nominating document (PDF)"))
            nomination.get_by_label("Nominating document (PDF)").set_input_files(str(note_verbale))
            nomination.get_by_role("button", name="Send").click()
            assert "Version 1, received" in focal.locator("main").inner_text()

        # 6. The secretariat reads the note verbale from the delegation's page, approves both, prints their badges.
        admin.goto("/admin/")
        admin.get_by_role("link", name="pre-approved by focal points").click()
        expect(admin.get_by_role("status")).to_have_text("2 registrations")
        admin.get_by_role("link", name="Ghana").first.click()
        documents = admin.locator("#documents")
        with admin.expect_download() as download:
            documents.get_by_role("link", name="note-verbale-ghana.pdf").click()
        assert Path(download.value.path()).read_bytes() == note_verbale.read_bytes()

        for _role, family, _given, _address in DELEGATES:
            admin.get_by_role("link", name=re.compile(family)).click()
            admin.get_by_role("button", name="Approve").click()
            assert "now approved" in flash(admin)
            admin.get_by_role("link", name="Ghana").first.click()

        admin.goto("/admin/")
        admin.get_by_role("link", name="Badges").click()
        admin.get_by_role("button", name="Print badges").click()
        expect(admin.get_by_role("link", name="Download the PDF")).to_be_visible(timeout=60_000)
        with admin.expect_download() as download:
            admin.get_by_role("link", name="Download the PDF").click()
        badges = PdfReader(download.value.path())
        assert len(badges.pages) == 2
        text = " ".join(p.extract_text() for p in badges.pages)
        assert "Mensah" in text and "Owusu" in text

    # 7. A delegate who lost the private link asks for it again, at their own browser.
    address = DELEGATES[1][3]
    with browsing(browser, live_server) as delegate:
        delegate.goto("/cop13/register")
        delegate.get_by_role("link", name="get it again").click()
        delegate.get_by_label("E-mail", exact=True).fill(address)
        delegate.get_by_role("button", name="Send me my link").click()
        assert "is on its way to it" in flash(delegate)
        again = outbox(files, address)[-1]
        delegate.goto(link_in(again, "cop13/registration/"))
        assert "Approved" in delegate.locator("#status").inner_text()
