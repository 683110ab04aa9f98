"""The public form's rate limit: it counts registrations that went through, and says how long to wait."""

from __future__ import annotations

import re
import uuid

import pytest

from conference import create_app
from conference.extensions import db, limiter
from conference.registration.models import EntityType, RegionalGroup
from tests.conftest import _clean, csrf_token
from tests.factories import make_delegation, make_entity
from tests.test_registration import future_conference


@pytest.fixture
def limited(database, tmp_path):
    """An application whose public form allows two registrations an hour per address, on the test database."""
    url, engine_options = database
    enabled = limiter.enabled
    app = create_app({"PLENARY_ENV": "testing", "DATABASE_URL": url,
                      "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, **engine_options},
                      "UPLOAD_FOLDER": str(tmp_path / "uploads"), "MAIL_OUTBOX": str(tmp_path / "outbox"),
                      "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://",
                      "RATELIMIT_KEY_PREFIX": uuid.uuid4().hex, "RATELIMIT_PUBLIC_FORM": "2 per hour"})
    with app.app_context():
        db.create_all()
        c = future_conference("cop70")
        delegation = make_delegation(c, make_entity(EntityType.STATE, "Chile", "CHL", RegionalGroup.GRULAC),
                                     nomination_document="documents/nv.pdf")
        db.session.commit()
        try:
            yield app, delegation.id
        finally:
            db.session.remove()
            _clean(app)
            db.engine.dispose()
            limiter.enabled = enabled  # the limiter is one object: give the other tests theirs back


def _send(client, delegation_id: int, n: int, **overrides):
    path = "/cop70/register/state"
    data = {"csrf_token": csrf_token(client, path), "delegation_id": str(delegation_id), "family_name": "Rojas",
            "given_names": f"Ana {n}", "gender": "female", "date_of_birth": f"1980-05-{n + 1:02d}",
            "passport_number": f"C{n:07d}", "passport_expiry": "2036-01-01", "email": f"ana{n}@example.org",
            "delegation_role": "ADVISER", "modality": "ONLINE_OBSERVER", "language": "es", "consent": "y"}
    data.update(overrides)
    return client.post(path, data=data)


def test_mistakes_cost_nothing_and_the_refusal_says_how_long_to_wait(limited):
    app, delegation_id = limited
    client = app.test_client()
    # Five forms sent back with an error: fixing one's mistakes is never throttled.
    assert [_send(client, delegation_id, n, family_name="").status_code for n in range(5)] == [422] * 5
    # Two registrations go through; the third is refused, with the time to wait.
    assert [_send(client, delegation_id, n).status_code for n in (1, 2)] == [302, 302]
    refused = _send(client, delegation_id, 3)
    body = refused.get_data(as_text=True)
    assert refused.status_code == 429
    assert re.search(r"Try again in (59|60) minutes\.", body), body
    assert 0 < int(refused.headers["Retry-After"]) <= 3600
    # Once the limit is reached, a form with a mistake is refused as well (the check comes first).
    assert _send(client, delegation_id, 4, family_name="").status_code == 429
    # Reading the form is never limited.
    assert client.get("/cop70/register/state").status_code == 200


def test_the_wait_is_said_in_the_readers_language(limited):
    app, delegation_id = limited
    client = app.test_client()
    client.get("/language/ru?next=/")
    assert [_send(client, delegation_id, n).status_code for n in (1, 2)] == [302, 302]
    body = _send(client, delegation_id, 3).get_data(as_text=True)
    assert re.search(r"Повторите попытку через (59|60) минут\.", body), body
