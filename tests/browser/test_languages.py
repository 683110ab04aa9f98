"""Six languages in the real browser: the public pages in each, checked with axe-core (WCAG 2.1 AA), right to left in
Arabic, the switcher remembered, and a whole registration made in Arabic."""

from __future__ import annotations

import re
from datetime import time

import pytest
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import select

from conference.accounts.models import Role
from conference.badges import services as badges
from conference.core.db import utcnow
from conference.core.models import OutgoingMail
from conference.programme.models import SessionKind
from conference.registration.models import EntityType, RegionalGroup, Registration
from tests.factories import (
    PASSWORD,
    make_delegation,
    make_entity,
    make_registration,
    make_room,
    make_session,
    make_user,
)
from tests.test_badges import photo_file
from tests.test_registration import future_conference

pytestmark = pytest.mark.browser

SIX = ["ar", "zh", "en", "fr", "ru", "es"]
ARABIC = re.compile(r"[\u0600-\u06FF]")


@pytest.fixture
def site(app, db_session):
    c = future_conference("cop70")
    hall = make_room(c, "plenary", 900)
    now = utcnow()
    make_session(c, hall, kind=SessionKind.PLENARY, title="Plenary, 1st meeting", day=c.starts_on,
                 start=time(10), end=time(13), published_at=now)
    make_session(c, make_room(c, "m1", 120), title="Cybercrime and the Convention", day=c.starts_on,
                 start=time(13, 15), end=time(14, 45), published_at=now)
    austria = make_delegation(c, make_entity(EntityType.STATE, "Austria", "AUT", RegionalGroup.WEOG),
                              nomination_document="documents/nv.pdf")
    austria.entity.names = {"ar": "النمسا", "fr": "Autriche"}  # official names, as the secretariat loads them
    make_delegation(c, make_entity(EntityType.STATE, "United Kingdom of Great Britain and Northern Ireland",
                                   "GBR", RegionalGroup.WEOG), nomination_document="documents/nv.pdf")
    # A Latin name, to be read inside Arabic text.
    person = make_registration(austria, family_name="Schröder", given_names="Käthe", badge_name="Käthe Schröder Jr.",
                               email="kaethe.schroeder@example.org", photo=photo_file(app))
    badges.issue_badge(person, actor="test")
    make_user("door@example.org", roles=[Role.DOOR_STAFF])
    db_session.commit()
    return {"c": c, "token": person.status_token}


@pytest.fixture
def in_language(browser, live_server):
    """A new browser whose preferred language is `code`, as a phone set to that language would ask."""
    contexts = []

    def open_page(code: str):
        context = browser.new_context(base_url=live_server, locale=code)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.mark.parametrize("code", SIX)
def test_public_pages_in_each_language_are_accessible(code, site, in_language, assert_accessible):
    page = in_language(code)
    token = site["token"]
    expected_dir = "rtl" if code == "ar" else "ltr"
    for path, what in [("/cop70/register/state", "registration form"), (f"/cop70/registration/{token}", "status"),
                       ("/cop70/programme", "programme")]:
        page.goto(path)
        html = page.locator("html")
        expect(html).to_have_attribute("lang", code)
        expect(html).to_have_attribute("dir", expected_dir)
        assert page.title().strip(), f"{what}: the page has no title"
        if code != "en":  # the switcher marks the page's language as the current one
            expect(page.locator(f'.languages [aria-current][lang="{code}"]')).to_have_count(1)
        assert_accessible(page, f"{what} in {code}")

    # The form sent empty: errors listed at the top, each tied to its field, and still accessible.
    page.goto("/cop70/register/state")
    page.locator("form [type=submit]").last.click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    assert summary.get_attribute("role") == "alert"
    family = page.locator("#family_name")
    assert family.get_attribute("aria-invalid") == "true"
    assert "family_name-error" in family.get_attribute("aria-describedby")
    assert_accessible(page, f"registration form with errors in {code}")


def test_public_pages_are_translated(site, in_language):
    """Not only the attributes: the words themselves change with the language."""
    headings = {}
    for code in SIX:
        page = in_language(code)
        page.goto("/cop70/register/state")
        headings[code] = page.locator("label[for=family_name]").inner_text()
    assert len(set(headings.values())) == 6, headings
    assert ARABIC.search(headings["ar"]) and re.search(r"[\u4e00-\u9fff]", headings["zh"])
    assert re.search(r"[\u0400-\u04FF]", headings["ru"])


def test_the_language_switcher_is_remembered_and_works_by_keyboard(site, page):
    page.goto("/cop70/programme")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    # Keyboard: the first Tab reaches the skip link, which is visible when focused and leads to the content.
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    expect(skip).to_be_focused()
    assert skip.bounding_box()["x"] >= 0
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()

    # From the top again, Tab by Tab to "Français", and Enter.
    page.goto("/cop70/programme")
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.getAttribute('lang')") == "fr":
            break
    else:
        pytest.fail("the keyboard never reaches the link to the French pages")
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # focus is visible
    page.keyboard.press("Enter")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    assert page.url.endswith("/cop70/programme")  # back on the same page
    page.goto(f"/cop70/registration/{site['token']}")
    expect(page.locator("html")).to_have_attribute("lang", "fr")  # remembered, over the browser's English
    page.locator('.languages a[lang="ar"]').click()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")


# Where the words of an element actually are on the screen (not where its box is): the rectangle of its text.
TEXT_BOX = """el => { const r = document.createRange(); r.selectNodeContents(el); const t = r.getBoundingClientRect();
                      const b = el.getBoundingClientRect();
                      return {left: t.left, right: t.right, boxLeft: b.left, boxRight: b.right}; }"""
WORD_X = """(el, word) => { const walk = document.createTreeWalker(el, NodeFilter.SHOW_TEXT); let node;
                      while ((node = walk.nextNode())) { const i = node.data.indexOf(word);
                        if (i >= 0) { const r = document.createRange(); r.setStart(node, i);
                                      r.setEnd(node, i + word.length); return r.getBoundingClientRect().left; } }
                      return null; }"""


@pytest.mark.parametrize("code", ["en", "ar"])
def test_public_pages_fit_a_phone_screen(site, browser, live_server, code):
    context = browser.new_context(base_url=live_server, locale=code, viewport={"width": 360, "height": 740})
    try:
        page = context.new_page()
        for path in ("/cop70/", "/cop70/register/state", f"/cop70/registration/{site['token']}", "/cop70/programme"):
            page.goto(path)
            wide, screen = page.evaluate("() => [document.documentElement.scrollWidth, "
                                         "document.documentElement.clientWidth]")
            assert wide <= screen, f"{path} in {code} is {wide}px wide on a {screen}px screen"
    finally:
        context.close()


@pytest.mark.parametrize(("code", "side"), [("ar", "right"), ("en", "left")])
def test_arabic_reads_right_to_left_with_latin_names_intact(site, in_language, code, side):
    page = in_language(code)
    page.goto(f"/cop70/registration/{site['token']}?new=1")
    heading = page.locator("main h1").evaluate(TEXT_BOX)
    # The heading's words sit at the start of the line: the right in Arabic, the left in English.
    if side == "right":
        assert abs(heading["right"] - heading["boxRight"]) < 2 and heading["left"] > heading["boxLeft"] + 20
    else:
        assert abs(heading["left"] - heading["boxLeft"]) < 2 and heading["right"] < heading["boxRight"] - 20
    # A Latin address inside the sentence around it keeps its own left-to-right order on the screen, in Arabic too.
    address = page.locator("bdi", has_text="kaethe.schroeder@example.org").first
    sentence = address.locator("xpath=..").inner_text()
    assert bool(ARABIC.search(sentence)) == (code == "ar")
    assert address.evaluate(WORD_X, "kaethe") < address.evaluate(WORD_X, "example")
    # The classic failure: a Latin name ending in a full stop, in a right-to-left line, without isolation shows as
    # ".Käthe Schröder Jr"; isolated, the full stop stays after "Jr".
    name = page.locator("bdi", has_text="Schröder Jr.").first
    assert name.evaluate(WORD_X, "Käthe") < name.evaluate(WORD_X, "Schröder") < name.evaluate(WORD_X, "Jr")
    assert name.evaluate(WORD_X, ".") > name.evaluate(WORD_X, "Jr")


def test_complete_a_registration_in_arabic(site, in_language, db_session, tmp_path, assert_accessible):
    photo = tmp_path / "portrait.jpg"
    Image.new("RGB", (700, 900), (200, 190, 180)).save(photo)
    page = in_language("ar")
    page.goto("/cop70/register")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    page.locator("a[href$='/cop70/register/state']").click()
    page.locator("#delegation_id").select_option(label="النمسا")  # Austria, by its official Arabic name
    page.locator("#delegation_role").select_option("ADVISER")
    page.locator("#family_name").fill("المصري")
    page.locator("#given_names").fill("ليلى")
    page.locator("#badge_name").fill("Leila El-Masri")
    page.locator("#gender").select_option("female")
    page.locator("#nationality").select_option("EGY")
    page.locator("#date_of_birth").fill("1984-07-09")
    page.locator("#passport_number").fill("A09876543")
    page.locator("#passport_expiry").fill("2035-01-31")
    page.locator("#email").fill("leila@example.org")
    page.locator("#photo").set_input_files(str(photo))
    # The e-mails' language follows the page's: Arabic, without anyone choosing it.
    expect(page.locator("#language")).to_have_value("ar")
    page.locator("#consent").check()
    page.locator("form [type=submit]").last.click()

    page.wait_for_url(re.compile(r"/cop70/register/received$"))
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    assert ARABIC.search(page.locator(".flash").inner_text())
    # The private link comes by e-mail (the page after the form says nothing of who is registered): follow it.
    db_session.rollback()
    sent = db_session.scalars(select(OutgoingMail).where(OutgoingMail.recipient == "leila@example.org")).one()
    page.goto("/" + re.search(r"https?://\S+/(cop70/registration/\S+)", sent.body_text).group(1))
    status = page.locator("#status").inner_text()
    assert ARABIC.search(status), status
    assert_accessible(page, "status page after an Arabic registration")

    db_session.rollback()  # a fresh snapshot: the browser wrote through other connections
    r = db_session.scalars(select(Registration).where(Registration.email == "leila@example.org")).one()
    assert (r.family_name, r.given_names, r.language) == ("المصري", "ليلى", "ar")
    mail = db_session.scalars(select(OutgoingMail).where(OutgoingMail.registration_id == r.id)).one()
    assert mail.language == "ar" and ARABIC.search(mail.subject) and "ليلى" in mail.body_text


@pytest.mark.parametrize("code", ["en", "ar"])
def test_door_page_is_accessible(code, site, in_language, assert_accessible):
    page = in_language(code)
    page.goto("/login?next=/door/")
    page.locator("#email").fill("door@example.org")
    page.locator("#password").fill(PASSWORD)
    page.locator("form [type=submit]").last.click()
    page.locator("a[href*='/door/cop70/']").first.click()
    expect(page.locator("html")).to_have_attribute("lang", code)
    expect(page.locator(".languages a")).to_have_count(5)  # the switcher, here too
    assert_accessible(page, f"door page in {code}")
