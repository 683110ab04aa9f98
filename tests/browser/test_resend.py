"""A participant who lost their private link gets it again, in the real browser."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from conference.core.models import OutgoingMail
from conference.registration.models import EntityType
from tests.factories import make_delegation, make_entity, make_registration
from tests.test_registration import future_conference

pytestmark = pytest.mark.browser


def test_a_lost_link_comes_again_by_email(page, db_session, assert_accessible):
    c = future_conference("cop63", contact_email="cop63@secretariat.example")
    r = make_registration(make_delegation(c, make_entity(EntityType.NGO_ECOSOC, "Friends of Justice")),
                          email="amina@example.org")
    db_session.commit()

    page.goto("/cop63/register")
    assert page.get_by_role("link", name="cop63@secretariat.example").get_attribute("href") == \
        "mailto:cop63@secretariat.example"
    page.get_by_role("link", name="get it again").click()
    assert_accessible(page, "the page to ask for one's link")
    page.get_by_label("E-mail", exact=True).fill("Amina@example.org")
    page.get_by_role("button", name="Send me my link").click()
    page.wait_for_url(re.compile(r"/cop63/registration/resend$"))
    assert "is on its way to it" in page.locator(".flash").inner_text()
    db_session.rollback()
    mail = db_session.scalars(select(OutgoingMail)).one()
    assert mail.recipient == "amina@example.org" and r.status_token in mail.body_text
    # The link in the e-mail opens the private page.
    link = re.search(r"https?://\S+/cop63/registration/\S+", mail.body_text).group(0)
    page.goto("/" + link.split("/", 3)[3])
    assert page.locator("#status").is_visible()
