"""Browser tests: the real Chromium (Debian's, /usr/bin/chromium) driven by Playwright against a live server.

The server runs the test application in a thread, on the same database as
the test, so a test can prepare data with the factories and check the
database after the browser acted.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("PLENARY_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


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


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


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
