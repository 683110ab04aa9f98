"""Hostile input on the public forms: whatever is sent, no 500 and nothing half-written."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from conference.registration.models import EntityType, RegionalGroup, Registration
from tests.conftest import csrf_token
from tests.factories import make_delegation, make_entity
from tests.test_registration import future_conference

FIELDS = ["delegation_id", "title", "family_name", "given_names", "badge_name", "gender", "nationality",
          "date_of_birth", "passport_number", "passport_expiry", "function_title", "organization", "email",
          "phone", "delegation_role", "modality", "attendance_from", "attendance_to", "language", "consent"]

hostile = st.one_of(
    st.text(max_size=300),
    st.sampled_from(["", " ", "0", "-1", "99999999999999999999", "1980-02-30", "2035-01-01", "null",
                     "<script>alert(1)</script>", "' OR 1=1 --", "=HYPERLINK(\"x\")", "\u202eevil", "\x00",
                     "a" * 5000, "female", "HEAD", "IN_PERSON", "FRA", "x@example.org"]),
)


@pytest.fixture
def open_session(db_session):
    c = future_conference("cop66")
    d = make_delegation(c, make_entity(EntityType.STATE_PARTY, "France", "FRA", RegionalGroup.WEOG),
                        nomination_document="documents/nv.pdf")
    db_session.commit()
    return c, d


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.fixed_dictionaries({}, optional={name: hostile for name in FIELDS}))
def test_the_registration_form_never_fails(client, open_session, db_session, values):
    path = "/cop66/register/state"
    before = db_session.scalar(select(func.count()).select_from(Registration))
    data = {"csrf_token": csrf_token(client, path), **values}
    response = client.post(path, data=data)
    assert response.status_code in (200, 302, 422), response.status_code
    after = db_session.scalar(select(func.count()).select_from(Registration))
    assert after == before + (1 if response.status_code == 302 else 0)
    db_session.rollback()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=st.text(max_size=200), status=hostile, page=hostile, group=hostile)
def test_the_public_pages_take_any_query(client, open_session, q, status, page, group):
    for path in ("/cop66/programme", "/cop66/programme.json", "/cop66/programme.ics"):
        response = client.get(path, query_string={"kind": status, "room": q, "organizer": page, "day": group})
        assert response.status_code == 200
