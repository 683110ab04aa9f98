"""The public form's rate limit in the real browser: mistakes cost nothing, and the refusal says how long to wait
(issue 17)."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import browsing, fill_form, serving
from tests.test_registration_limits import limited  # noqa: F401 - the fixture

pytestmark = pytest.mark.browser


@pytest.fixture
def limited_page(limited, browser):  # noqa: F811
    """A page on an application whose public form lets one registration an hour through per address."""
    app, _ = limited
    app.config["RATELIMIT_PUBLIC_FORM"] = "1 per hour"
    with serving(app) as url, browsing(browser, url) as page:
        yield page


def _fill(page, given: str, email: str, passport: str):
    fill_form(page, {"Delegation or organization": "Chile", "Role in the delegation": "Adviser", "Given names": given,
                     "Gender": "Female", "Date of birth": "1980-05-02", "Passport or ID number": passport,
                     "Passport or ID valid until": "2036-01-01", "E-mail": email,
                     "Participation": "Online, as an observer"})  # online: no photo needed
    page.get_by_label(re.compile("I agree")).check()


def test_mistakes_are_not_counted_and_the_refusal_says_how_long_to_wait(limited_page):
    page = limited_page
    page.goto("/cop70/register/state")
    _fill(page, "Ana", "ana@example.org", "C0000001")
    # Twice sent without the family name: sent back to be corrected, never throttled for it.
    for _ in range(2):
        page.get_by_role("button", name="Send registration").click()
        assert "Family name" in page.locator("#error-summary").inner_text()
        page.get_by_label(re.compile("I agree")).check()
    page.get_by_label("Family name").fill("Rojas")
    page.get_by_role("button", name="Send registration").click()
    page.wait_for_url(re.compile(r"/cop70/register/received$"))

    # The next registration from the same address within the hour is refused, with the time to wait.
    page.goto("/cop70/register/state")
    page.get_by_label("Family name").fill("Rojas")
    _fill(page, "Beatriz", "beatriz@example.org", "C0000002")
    page.get_by_role("button", name="Send registration").click()
    assert re.search(r"Try again in (59|60) minutes\.", page.locator("main").inner_text())
