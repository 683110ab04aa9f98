"""The programme on the web: the public pages and JSON, applying, the coordinators' back office."""

from __future__ import annotations

import json
from datetime import time, timedelta

import pytest
from sqlalchemy import select

from conference.accounts.models import Role
from conference.core.db import utcnow
from conference.programme import services
from conference.programme.models import Session, SessionKind, SessionSignup, SignupStatus
from conference.programme.models import SessionStatus as St
from tests.conftest import csrf_token
from tests.factories import PASSWORD, make_registration, make_user
from tests.test_programme import accepted, application, at, cop  # noqa: F401  (fixture)


def login(client, email):
    client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": csrf_token(client, "/login")})


@pytest.fixture
def published(cop, db_session):  # noqa: F811
    s = accepted(cop)
    services.schedule(s, cop["rooms"]["m1"], at(cop, time(13, 15)), at(cop, time(14, 45)), actor="t")
    services.review(s, "publish", actor="t")
    services.update_session(s, capacity=1, actor="t")
    closed = services.create_session(cop["c"], SessionKind.ROUNDTABLE, "Donors' closed roundtable", actor="t",
                                     is_closed=True)
    services.schedule(closed, cop["rooms"]["m4"], at(cop, time(18, 15)), at(cop, time(19, 45)), actor="t")
    services.review(closed, "publish", actor="t")
    db_session.commit()
    return s


def test_public_programme_and_json(client, cop, published):  # noqa: F811
    body = client.get("/cop70/programme").get_data(as_text=True)
    assert published.title in body and "Plenary, 1st meeting" in body
    assert "Donors' closed roundtable" not in body
    data = json.loads(client.get("/cop70/programme.json").get_data(as_text=True))
    entry = next(s for s in data["sessions"] if s["id"] == published.id)
    assert entry["starts"].endswith(("+01:00", "+02:00")) and "T13:15:00" in entry["starts"]
    assert entry["organizers"] == ["Italy", "Uganda"] and entry["room"] == "M1"
    assert {"id", "kind", "title", "starts", "ends", "room", "organizers", "status"} <= set(entry)
    assert all("closed" not in s["title"] for s in data["sessions"])
    filtered = json.loads(client.get("/cop70/programme.json?kind=PLENARY").get_data(as_text=True))
    assert [s["kind"] for s in filtered["sessions"]] == ["PLENARY"]
    by_room = json.loads(client.get("/cop70/programme.json?room=m1").get_data(as_text=True))
    assert [s["id"] for s in by_room["sessions"]] == [published.id]


def test_changed_and_cancelled_sessions_are_marked(client, cop, published, db_session):  # noqa: F811
    services.schedule(published, cop["rooms"]["m1"], at(cop, time(18, 15)), at(cop, time(19, 45)), actor="t")
    db_session.commit()
    assert "Changed:" in client.get("/cop70/programme").get_data(as_text=True)
    services.review(published, "cancel", actor="t", reason="Speakers cannot travel")
    db_session.commit()
    body = client.get(f"/cop70/sessions/{published.id}").get_data(as_text=True)
    assert "Cancelled." in body and "Speakers cannot travel" in body


def test_a_closed_session_page_is_not_found(client, cop, published, db_session):  # noqa: F811
    closed = db_session.scalar(select(Session).where(Session.is_closed.is_(True)))
    assert client.get(f"/cop70/sessions/{closed.id}").status_code == 404


def test_sign_up_through_the_private_link(client, cop, published, db_session):  # noqa: F811
    a = make_registration(cop["uganda"], email="a@example.org")
    b = make_registration(cop["uganda"], email="b@example.org")
    db_session.commit()
    for r in (a, b):
        page = f"/cop70/registration/{r.status_token}/programme"
        assert published.title in client.get(page).get_data(as_text=True)
        client.post(f"/cop70/registration/{r.status_token}/sessions/{published.id}/signup",
                    data={"csrf_token": csrf_token(client, page)})
    assert "waiting list" in client.get(f"/cop70/registration/{b.status_token}/programme").get_data(as_text=True)
    statuses = dict(db_session.execute(select(SessionSignup.registration_id,
                                              SessionSignup.status)).all())
    assert statuses == {a.id: SignupStatus.CONFIRMED, b.id: SignupStatus.WAITLISTED}


def test_apply_through_the_form(client, cop, db_session):  # noqa: F811
    r = cop["applicant"]
    path = f"/cop70/registration/{r.status_token}/side-events/new"
    form = client.get(path).get_data(as_text=True)
    day = cop["day"].isoformat()
    assert f'value="{day}/1"' in form and "Uganda" in form
    data = {"csrf_token": csrf_token(client, path), "title": "Cybercrime and the Convention: next steps",
            "description": "A panel of prosecutors and researchers on the new convention against cybercrime.",
            "format": "HYBRID", "expected_attendance": "60", "languages": "English, French",
            "preferred": [f"{day}/1", f"{day}/2"], "co_organizers": [str(cop["uganda"].id)],
            "speakers-0-name": "Amina Diallo", "speakers-0-gender": "female",
            "speakers-1-name": "Jonas Petrauskas", "speakers-1-gender": "male"}
    response = client.post(path, data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    s = db_session.scalar(select(Session).where(Session.kind == SessionKind.SIDE_EVENT))
    assert s.status == St.SUBMITTED and s.format.value == "HYBRID" and len(s.preferred_slots) == 2
    assert [sp.name for sp in s.speakers] == ["Amina Diallo", "Jonas Petrauskas"]
    # Bad input comes back next to the fields (a second application, which this session now allows).
    cop["c"].side_events_per_organizer = 2
    db_session.commit()
    data.update(title="Short", expected_attendance="-3")
    body = client.post(path, data=data).get_data(as_text=True)
    assert 'id="expected_attendance-error"' in body and 'value="Short"' in body


def test_the_coordinator_reviews_schedules_and_sees_the_clash(client, cop, db_session):  # noqa: F811
    s = services.apply(cop["c"], cop["applicant"], application(cop))
    db_session.commit()
    login(client, "coord@example.org")
    listing = client.get("/admin/cop70/programme/").get_data(as_text=True)
    assert s.title in listing and "Gender-balanced panel" in listing
    detail = f"/admin/cop70/programme/sessions/{s.id}"
    token = csrf_token(client, detail)
    client.post(detail + "/review", data={"csrf_token": token, "action": "accept"})
    db_session.refresh(s)
    assert s.status == St.ACCEPTED
    day = cop["day"].isoformat()
    refused = client.post(detail + "/schedule", data={"csrf_token": token, "room": str(cop["rooms"]["m1"].id),
                                                      "day": day, "starts": "12:00", "ends": "13:30"})
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "Not scheduled: It falls in a sitting: “Plenary, 1st meeting”" in body
    assert 'value="12:00"' in body  # the form as it was filled in
    client.post(detail + "/schedule", data={"csrf_token": token, "room": str(cop["rooms"]["m1"].id), "day": day,
                                            "starts": "13:15", "ends": "14:45"})
    client.post(detail + "/review", data={"csrf_token": token, "action": "publish"})
    db_session.refresh(s)
    assert s.status == St.PUBLISHED and s.room.slug == "m1"
    grid = client.get(f"/admin/cop70/programme/grid?day={day}").get_data(as_text=True)
    assert s.title in grid and "Plenary, 1st meeting" in grid


def test_programme_back_office_by_role(client, cop, db_session):  # noqa: F811
    s = services.apply(cop["c"], cop["applicant"], application(cop))
    db_session.commit()
    pages = ["/admin/cop70/programme/", f"/admin/cop70/programme/sessions/{s.id}", "/admin/cop70/programme/grid",
             "/admin/cop70/programme/new"]
    for page in pages:
        assert client.get(page).status_code == 302
    make_user("officer@example.org", roles=[Role.REGISTRATION_OFFICER])
    login(client, "officer@example.org")
    for page in pages:
        assert client.get(page).status_code == 403, page
    client.post("/logout", data={"csrf_token": csrf_token(client, "/admin/")})
    login(client, "coord@example.org")
    for page in pages:
        assert client.get(page).status_code == 200, page


def test_applications_closed_says_when(client, cop, db_session):  # noqa: F811
    cop["c"].side_events_close_at = utcnow() - timedelta(days=1)
    db_session.commit()
    body = client.get(f"/cop70/registration/{cop['applicant'].status_token}/side-events/new").get_data(as_text=True)
    assert "Applications for side events closed on" in body and 'name="title"' not in body


@pytest.mark.parametrize("slot", ["   ", "2024-13-45/0", "not a slot", "/", "9999-01-01/" + "9" * 20])
def test_a_preferred_slot_that_is_not_offered_is_a_form_error(client, cop, db_session, slot):  # noqa: F811
    r = cop["applicant"]
    path = f"/cop70/registration/{r.status_token}/side-events/new"
    data = {"csrf_token": csrf_token(client, path), "title": "Cybercrime and the Convention: next steps",
            "description": "A panel of prosecutors and researchers on the new convention against cybercrime.",
            "format": "HYBRID", "expected_attendance": "60", "languages": "English",
            "preferred": [slot], "speakers-0-name": "Amina Diallo", "speakers-0-gender": "female"}
    response = client.post(path, data=data)
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="preferred-error"' in body
    assert "Cybercrime and the Convention" in body  # what was typed is kept
    assert db_session.scalar(select(Session).where(Session.kind == SessionKind.SIDE_EVENT)) is None
