"""A lost private link sent again, to the registered address only, with the same answer for any address; the
secretariat's address on the session's pages and in its e-mails."""

from __future__ import annotations

import re
import uuid

import pytest
from sqlalchemy import select

from conference import create_app
from conference.core.models import OutgoingMail
from conference.extensions import db, limiter
from conference.registration.models import EntityType
from tests.conftest import _clean, csrf_token
from tests.factories import make_delegation, make_entity, make_registration
from tests.test_registration import future_conference

PATH = "/cop91/registration/resend"


@pytest.fixture
def known(db_session):
    c = future_conference("cop91", contact_email="cop91@secretariat.example")
    d = make_delegation(c, make_entity(EntityType.NGO_ECOSOC, "Friends of Justice"))
    r = make_registration(d, email="amina@example.org", language="fr")
    db_session.commit()
    return r


def _ask(client, email: str):
    return client.post(PATH, data={"csrf_token": csrf_token(client, PATH), "email": email})


def _answer(client, email: str) -> tuple[int, str, str]:
    """What the person sees: the status, where it leads, and the page it leads to (their address taken out)."""
    response = _ask(client, email)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    page = re.sub(r'name="csrf_token"[^>]*>', "", page)
    return response.status_code, response.headers["Location"], page.replace(email, "EMAIL")


def test_the_link_goes_to_the_registered_address_and_the_answer_says_nothing(client, known, db_session):
    page = client.get(PATH)
    assert page.status_code == 200 and 'name="email"' in page.get_data(as_text=True)
    answer_known = _answer(client, "Amina@Example.org")
    answer_unknown = _answer(client, "nobody@example.org")
    assert answer_known == answer_unknown  # the same answer, word for word
    assert answer_known[0] == 302 and "is on its way to it" in answer_known[2]
    mails = db_session.scalars(select(OutgoingMail)).all()
    assert [m.recipient for m in mails] == ["amina@example.org"]  # nothing to the unknown address
    assert known.status_token in mails[0].body_text and "lien personnel" in mails[0].subject  # in her language
    assert "cop91@secretariat.example" in mails[0].body_text


def test_an_address_that_is_not_one_is_said_at_the_field(client, known):
    response = _ask(client, "not an address")
    assert response.status_code == 422 and 'id="email-error"' in response.get_data(as_text=True)


def test_the_start_page_and_the_footer_lead_to_the_link_and_the_secretariat(client, known):
    page = client.get("/cop91/register").get_data(as_text=True)
    assert f'href="{PATH}"' in page
    assert 'href="mailto:cop91@secretariat.example"' in page


@pytest.fixture
def limited(database, tmp_path):
    url, engine_options = database
    enabled = limiter.enabled
    app = create_app({"PLENARY_ENV": "testing", "DATABASE_URL": url,
                      "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, **engine_options},
                      "MAIL_OUTBOX": str(tmp_path / "outbox"), "RATELIMIT_ENABLED": True,
                      "RATELIMIT_STORAGE_URI": "memory://", "RATELIMIT_KEY_PREFIX": uuid.uuid4().hex})
    with app.app_context():
        db.create_all()
        c = future_conference("cop91")
        make_registration(make_delegation(c, make_entity(EntityType.NGO_ECOSOC, "Friends")),
                          email="amina@example.org")
        db.session.commit()
        try:
            yield app
        finally:
            db.session.remove()
            _clean(app)
            db.engine.dispose()
            limiter.enabled = enabled


def test_asking_is_rate_limited_known_or_not(limited):
    client = limited.test_client()
    codes = [_ask(client, email).status_code for email in ["amina@example.org", "x@example.org"] * 3]
    assert codes == [302] * 5 + [429]
    assert client.get(PATH).status_code == 200  # reading the page is not limited
