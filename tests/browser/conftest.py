"""Browser tests: the real Chromium (Debian's, /usr/bin/chromium) driven by Playwright against a live server.

The server runs the test application in a thread, on the same database as
the test, so a test can prepare data with the factories and check the
database after the browser acted.
"""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from datetime import time, timedelta
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from conference.accounts.models import Role
from conference.core.db import utcnow
from conference.programme.models import SessionKind
from conference.registration.models import EntityType, RegionalGroup, RegistrationStatus
from tests.factories import (
    PASSWORD,
    make_delegation,
    make_entity,
    make_registration,
    make_room,
    make_session,
    make_user,
)
from tests.test_registration import future_conference

CHROMIUM = os.environ.get("PLENARY_CHROMIUM", "/usr/bin/chromium")


@contextmanager
def serving(app):
    """Serve `app` in a thread for as long as the block lasts; gives its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture
def live_server(app):
    with serving(app) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"browser tests: no Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # The flags keep Chromium from reaching out to the network, which this machine does not have.
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"])
        yield browser
        browser.close()


@contextmanager
def browsing(browser, base_url: str):
    """A page of a new browser context (its own cookies) on `base_url`, in British English."""
    context = browser.new_context(base_url=base_url, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def page(browser, live_server):
    with browsing(browser, live_server) as page:
        yield page


def fill_form(page, fields: dict[str, str]) -> None:
    """Type or choose each value at the field of that label, as a person does (a list's option by what it says)."""
    for label, value in fields.items():
        field = page.get_by_label(label, exact=True)
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(label=value)
        else:
            field.fill(value)


@pytest.fixture
def sign_in(page):
    """Sign in on the login page as a person does: `sign_in("officer@example.org")` (the factories' password), on
    the test's page or, for a second person at their own browser, on `on`."""
    def go(email: str, on=None) -> None:
        p = on or page
        p.goto("/login")
        p.get_by_label("E-mail", exact=True).fill(email)
        p.get_by_label("Password", exact=True).fill(PASSWORD)
        p.get_by_role("button", name="Sign in").click()
        p.wait_for_url(lambda url: "/login" not in url)
    return go


@pytest.fixture
def side_events(db_session):
    """A session open for side-event applications: a plenary hall (with the 1st plenary meeting on the first day),
    rooms M1 (120 seats) and M4 (40), Italy and Uganda, an approved participant of Italy who applies
    (it@example.org), and a side-event coordinator (coord@example.org). Tests add what else they need."""
    now = utcnow()
    c = future_conference("cop80", side_events_open_at=now - timedelta(days=1),
                          side_events_close_at=now + timedelta(days=9))
    plenary_hall = make_room(c, "plenary", 900)
    make_room(c, "m1", 120)
    make_room(c, "m4", 40)
    make_session(c, plenary_hall, kind=SessionKind.PLENARY, title="Plenary, 1st meeting", day=c.starts_on,
                 start=time(10), end=time(13), published_at=now)
    italy = make_delegation(c, make_entity(EntityType.STATE, "Italy", "ITA", RegionalGroup.WEOG))
    uganda = make_delegation(c, make_entity(EntityType.STATE, "Uganda", "UGA", RegionalGroup.AFRICAN))
    applicant = make_registration(italy, email="it@example.org", status=RegistrationStatus.APPROVED)
    make_user("coord@example.org", roles=[Role.SIDE_EVENT_COORDINATOR])
    db_session.commit()
    return {"c": c, "italy": italy, "uganda": uganda, "applicant": applicant}


# --- Accessibility: axe-core (npm, pinned in tests/browser/package-lock.json), injected into the page ---------------

AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
# The rules of WCAG 2.0 and 2.1, levels A and AA; axe's "best practice" rules are not failures of the standard.
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE.exists():
        pytest.fail(f"axe-core is not installed at {AXE}: run `npm ci --prefix tests/browser` (`make test` does)")
    return AXE.read_text(encoding="utf-8")


def axe_findings(page, source: str) -> list[dict]:
    """Run axe-core on the page as it is now and return its serious and critical WCAG 2.1 AA findings."""
    # evaluate(), not a <script> tag: our Content-Security-Policy rightly refuses inline scripts, and a test
    # must not loosen it to check the page.
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(source)
    result = page.evaluate("""async (tags) => {
        const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                       nodes: v.nodes.map(n => n.target.join(' ') + ' :: ' + n.failureSummary)}));
    }""", WCAG_AA)
    return [v for v in result if v["impact"] in ("serious", "critical")]


@pytest.fixture
def assert_accessible(axe_source):
    def check(page, what: str = ""):
        findings = axe_findings(page, axe_source)
        assert not findings, f"axe-core on {what or page.url}:\n" + "\n".join(
            f"- {f['impact']} {f['id']}: {f['help']}\n    " + "\n    ".join(f["nodes"][:5]) for f in findings)
    return check
