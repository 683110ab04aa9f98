"""Hostile input on the public forms: whatever is sent, no 500 and nothing half-written."""

from __future__ import annotations

import re

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


def answered(response, values, allowed) -> bool:
    """The status is one a user can act on; a NUL character anywhere is refused as such, with 400 and a message."""
    if any("\x00" in str(v) for v in values):
        return response.status_code == 400 and "(NUL)" in response.get_data(as_text=True)
    return response.status_code in allowed


@pytest.fixture
def open_session(db_session):
    c = future_conference("cop66")
    d = make_delegation(c, make_entity(EntityType.STATE, "France", "FRA", RegionalGroup.WEOG),
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
    assert answered(response, values.values(), (200, 302, 422)), response.status_code
    after = db_session.scalar(select(func.count()).select_from(Registration))
    assert after == before + (1 if response.status_code == 302 else 0)
    db_session.rollback()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=st.text(max_size=200), status=hostile, page=hostile, group=hostile)
def test_the_public_pages_take_any_query(client, open_session, q, status, page, group):
    for path in ("/cop66/programme", "/cop66/programme.json", "/cop66/programme.ics"):
        response = client.get(path, query_string={"kind": status, "room": q, "organizer": page, "day": group})
        assert answered(response, (status, q, page, group), (200,)), response.status_code


# -- every other form, and the CSV import -------------------------------------------------------------------------

APPLICATION = ["title", "description", "format", "expected_attendance", "languages", "preferred", "co_organizers",
               "speakers-0-name", "speakers-0-gender", "speakers-1-name", "speakers-1-function_title"]
FORMS = [
    # (path, fields, role that may post it); {token}, {session}, {delegation}, {registration} are filled in.
    ("/login", ["email", "password", "remember"], None),
    ("/cop66/registration/{token}/edit", FIELDS, None),
    ("/cop66/registration/{token}/side-events/new", APPLICATION, None),
    ("/cop66/registration/{token}/sessions/{session}/signup", [], None),
    ("/admin/cop66/registrations/{registration}/action", ["action", "reason"], "officer"),
    ("/admin/cop66/delegations/{delegation}", ["action", "reason"], "officer"),
    ("/admin/cop66/programme/sessions/{session}/schedule", ["room", "day", "starts", "ends"], "coordinator"),
    ("/admin/cop66/programme/sessions/{session}/review", ["action", "reason", "other"], "coordinator"),
    ("/admin/cop66/programme/sessions/{session}/edit", ["capacity"], "coordinator"),
    ("/admin/cop66/programme/sessions/{session}/invitations", ["email", "remove"], "coordinator"),
    ("/admin/cop66/badges", ["category", "delegation", "only_unprinted", "registration_id", "size", "reprint"],
     "badge"),
    ("/admin/cop66/badges/{registration}/collect", ["photo_checked"], "badge"),
    ("/door/cop66/gate/scan", ["code", "device"], "door"),
    ("/door/cop66/gate", ["code", "device"], "door"),
    ("/focal/register", FIELDS, "focal"),
    ("/admin/cop66/registrations/new", FIELDS, "officer"),
    ("/admin/cop66/registrations/bulk", ["ids", "action", "reason", "back"], "officer"),
    ("/admin/cop66/programme/new", ["kind", "title", "description", "capacity", "expected_attendance", "is_closed",
                                    "restricted_to_parties"], "coordinator"),
]


@pytest.fixture
def staff(open_session, db_session):
    from conference.accounts.models import Role
    from conference.programme.models import SessionKind
    from tests.factories import make_registration, make_room, make_session, make_user

    c, d = open_session
    make_user("officer@example.org", roles=[Role.REGISTRATION_OFFICER])
    make_user("coordinator@example.org", roles=[Role.SIDE_EVENT_COORDINATOR])
    make_user("focal@example.org", roles=[Role.FOCAL_POINT], delegation_id=d.id)
    make_user("badge@example.org", roles=[Role.BADGE_DESK])
    make_user("door@example.org", roles=[Role.DOOR_STAFF])
    r = make_registration(d, email="someone@example.org", photo="photos/x.jpg")
    s = make_session(c, make_room(c), kind=SessionKind.ROUNDTABLE, day=c.starts_on, capacity=5, is_closed=False)
    db_session.commit()
    return c, d, {"token": r.status_token, "session": s.id, "delegation": d.id, "registration": r.id}


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(form=st.sampled_from(FORMS), values=st.dictionaries(st.sampled_from(sorted({
    name for _path, names, _role in FORMS for name in names} | {"ids", "back"})), hostile, max_size=12))
def test_every_form_takes_hostile_input(app, staff, db_session, monkeypatch, form, values):
    from conference.badges import jobs
    from tests.factories import PASSWORD

    # A badge run the fuzzing starts stays queued: no thread outlives the example and its data.
    monkeypatch.setattr(jobs, "enqueue_badge_run", lambda job_id: None)

    path, _fields, role = form
    path = path.format(**staff[2])
    before = db_session.scalar(select(func.count()).select_from(Registration))
    # Each example is a new visitor: a fresh application context, so that nothing of the previous one
    # (Flask-Login's user, Flask-WTF's token, both kept in `g`) carries over, as between real requests.
    with app.app_context():
        client = app.test_client()
        if role:
            client.post("/login", data={"email": f"{role}@example.org", "password": PASSWORD,
                                        "csrf_token": csrf_token(client, "/login")})
        token = csrf_token(client, "/cop66/register/state")
        response = client.post(path, data={**values, "csrf_token": token})
        page = response.get_data(as_text=True)
    # 400 only from the scanners' JSON endpoint, for a request without a code: anything else is a bug.
    allowed = (200, 302, 403, 404, 422) + ((400,) if response.is_json else ())
    assert answered(response, values.values(), allowed), (
        path, response.status_code, values, re.findall(r"<h1>.*?</h1>|<p>[^<]{0,200}", page))
    db_session.rollback()  # a fresh snapshot: the requests wrote through a session of their own
    after = db_session.scalar(select(func.count()).select_from(Registration))
    assert after in (before, before + 1) and (after == before or response.status_code == 302)
    db_session.rollback()


cells = st.one_of(hostile, st.sampled_from(["FRA", "female", "ADVISER", "2035-01-01", "1980-01-01", "APPROVED",
                                            "x@example.org", "Dubois"]))
rows = st.lists(st.lists(cells, min_size=0, max_size=22), min_size=0, max_size=6)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(header=st.one_of(st.just(None), st.lists(hostile, max_size=5)), body=rows,
       raw=st.binary(max_size=200))
def test_the_csv_import_takes_any_file(app, open_session, db_session, header, body, raw):
    import csv
    import io

    from conference.registration.csvio import COLUMNS, import_csv

    c, _ = open_session
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header if header is not None else COLUMNS)
    for row in body:
        writer.writerow(row)
    before = db_session.scalar(select(func.count()).select_from(Registration))
    for data in (out.getvalue().encode("utf-8"), raw):
        result = import_csv(c, io.BytesIO(data))
        after = db_session.scalar(select(func.count()).select_from(Registration))
        if result.errors:
            assert result.created == 0 and after == before  # nothing half-written
        else:
            assert after == before + result.created
        db_session.rollback()
