"""An admin loads the UN list from the back office, in the real browser: the States with their regional groups."""

from __future__ import annotations

import pytest

from conference.accounts.models import Role
from tests.factories import make_user

pytestmark = pytest.mark.browser


def test_an_admin_loads_the_un_list_and_reads_it(page, db_session, sign_in, assert_accessible):
    make_user("admin@example.org", roles=(Role.ADMIN,))
    sign_in("admin@example.org")
    page.goto("/admin/")
    page.get_by_role("link", name="States and organizations").click()
    assert page.get_by_text("No State yet: load the UN list.").is_visible()
    page.get_by_role("button", name="Load the UN list").click()
    assert page.get_by_text("added, 0 brought up to date").is_visible()
    states = page.get_by_role("table", name="195 States")
    def row(code: str) -> str:
        return states.get_by_role("row").filter(has=page.get_by_role("cell", name=code, exact=True)).inner_text()

    turkiye = row("TUR")
    assert "Türkiye" in turkiye and "Western European and other States" in turkiye
    usa = row("USA")
    assert "United States of America" in usa and "Western European and other States" in usa
    assert "Not a member of a regional group" in row("KIR")
    assert page.get_by_role("table", name="organizations").get_by_text("INTERPOL", exact=True).is_visible()
    assert_accessible(page, "the States and organizations")
    # Again: nothing more to do.
    page.get_by_role("button", name="Load the UN list").click()
    assert page.get_by_text("0 added, 0 brought up to date").is_visible()
