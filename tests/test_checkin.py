"""Check-in at the doors: every answer, one admission per door and day, the JSON endpoint, attendance."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import delete, func, select

from conference.accounts.models import Role
from conference.badges import services as badges
from conference.badges.models import Badge
from conference.badges.services import qr_value
from conference.checkin import services
from conference.checkin.models import GATE, CheckIn, CheckInResult
from conference.core.errors import NotFound
from conference.programme.models import SessionSignup, SignupStatus
from conference.registration import services as registration_services
from conference.registration.models import BadgeState, DelegationRole, EntityType, RegionalGroup, RegistrationStatus
from conference.registration.services import Actor
from tests.conftest import csrf_token
from tests.factories import (
    PASSWORD,
    make_conference,
    make_delegation,
    make_entity,
    make_registration,
    make_room,
    make_session,
    make_user,
)
from tests.test_badges import photo_file

MONDAY = datetime(2024, 10, 14, 7, 30, tzinfo=UTC)  # 09:30 in Vienna, the first day
TUESDAY = datetime(2024, 10, 15, 7, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def door_clock(monkeypatch):
    """Pages and the JSON endpoint scan "now": a Monday morning of the session, when the doors are open."""
    monkeypatch.setattr(services, "utcnow", lambda: MONDAY)


@pytest.fixture
def site(app, db_session):
    c = make_conference("cop99")
    state = make_delegation(c, make_entity(EntityType.STATE, "Austria", "AUT", RegionalGroup.WEOG))
    ngo = make_delegation(c, make_entity(EntityType.NGO_OTHER, "Transparency Now"))
    delegate = make_registration(state, badge_name="Käthe Schröder", photo=photo_file(app))
    observer = make_registration(ngo, badge_name="Олег Петров", role=DelegationRole.REPRESENTATIVE)
    for r in (delegate, observer):
        badges.issue_badge(r, actor="test")
    db_session.commit()
    return c, delegate, observer


def scan(conference, value, door=GATE, now=MONDAY, confirm=True, **kw):
    """A scan; for a typed serial, followed by the officer's confirmation (unless `confirm` is False)."""
    outcome = services.check_in(conference, code_or_serial=value, door=door, now=now, device="test", **kw)
    if outcome.to_confirm and confirm:
        outcome = services.check_in(conference, code_or_serial=value, door=door, now=now, device="test",
                                    confirmation=outcome.to_confirm, **kw)
    return outcome


def admitted_rows(db_session, registration=None) -> int:
    stmt = select(func.count()).select_from(CheckIn).where(CheckIn.result == CheckInResult.ADMITTED)
    if registration is not None:
        stmt = stmt.where(CheckIn.registration_id == registration.id)
    return db_session.scalar(stmt)


def test_a_second_scan_is_not_counted_twice(site, db_session):
    conference, delegate, _ = site
    first = scan(conference, qr_value(delegate.badge_serial))
    second = scan(conference, qr_value(delegate.badge_serial))
    db_session.commit()
    assert first.result == CheckInResult.ADMITTED and first.registration.id == delegate.id
    assert second.result == CheckInResult.ALREADY_ADMITTED
    assert admitted_rows(db_session, delegate) == 1
    assert db_session.scalar(select(func.count()).select_from(CheckIn)) == 2  # every scan is kept
    # The next day at the gate counts again.
    assert scan(conference, qr_value(delegate.badge_serial), now=TUESDAY).result == CheckInResult.ADMITTED
    assert services.daily_attendance(conference) == {date(2024, 10, 14): 1, date(2024, 10, 15): 1}


def test_two_scanners_at_the_same_instant_admit_once(site, db_session, monkeypatch):
    """The check before inserting can race; the unique index then decides, and the loser hears ALREADY_ADMITTED."""
    conference, delegate, _ = site
    assert scan(conference, delegate.badge_serial).result == CheckInResult.ADMITTED
    monkeypatch.setattr(services, "_admitted_already", lambda row: False)  # as if the other scan was not visible yet
    racing = scan(conference, delegate.badge_serial)
    db_session.commit()
    assert racing.result == CheckInResult.ALREADY_ADMITTED
    assert admitted_rows(db_session, delegate) == 1
    assert db_session.scalar(select(func.count()).select_from(CheckIn)) == 2


def test_a_typed_serial_is_accepted_as_door_staff_type_it(site, db_session):
    conference, delegate, _ = site
    typed = f" {delegate.badge_serial[:5].lower()}-{delegate.badge_serial[5:].lower()} "
    assert scan(conference, typed).result == CheckInResult.ADMITTED


def test_a_typed_serial_admits_only_once_the_officer_confirms(site, db_session, monkeypatch):
    """A typed serial proves nothing by itself: the officer compares the person with the photo, then admits."""
    conference, delegate, observer = site
    officer = make_user("door@example.org", roles=[Role.DOOR_STAFF])
    colleague = make_user("door2@example.org", roles=[Role.DOOR_STAFF])
    asked = scan(conference, delegate.badge_serial, confirm=False, user=officer)
    assert asked.result is None and asked.to_confirm and asked.registration.id == delegate.id
    assert not asked.admitted and "compare the person with the photo" in asked.message
    assert db_session.scalar(select(func.count()).select_from(CheckIn)) == 0  # nothing admitted, nothing written
    # The pass confirms that serial, at that door, for that officer, for a few minutes: nothing else.
    roundtable = make_session(conference, title="Open briefing")
    for other in (dict(value=observer.badge_serial, user=officer), dict(value=delegate.badge_serial, user=colleague),
                  dict(value=delegate.badge_serial, user=officer, door=f"session-{roundtable.id}"),
                  dict(value=delegate.badge_serial, user=officer, confirmation="forged.pass")):
        value = other.pop("value")
        again = scan(conference, value, confirm=False, **({"confirmation": asked.to_confirm} | other))
        assert again.result is None and again.to_confirm  # asked again, not admitted
    monkeypatch.setattr(services, "CONFIRM_SECONDS", -1)
    assert scan(conference, delegate.badge_serial, confirm=False, user=officer,
                confirmation=asked.to_confirm).result is None
    monkeypatch.undo()
    admitted = scan(conference, delegate.badge_serial, confirm=False, user=officer, confirmation=asked.to_confirm)
    db_session.commit()
    assert admitted.result == CheckInResult.ADMITTED and admitted.check_in.typed
    # The signed QR code admits at once, and is recorded as read, not typed; refusals need no confirmation.
    read = scan(conference, qr_value(observer.badge_serial), confirm=False, user=officer)
    assert read.result == CheckInResult.ADMITTED and not read.check_in.typed
    assert scan(conference, "0000000000", confirm=False).result == CheckInResult.UNKNOWN
    assert scan(conference, delegate.badge_serial, confirm=False, user=officer).result == \
        CheckInResult.ALREADY_ADMITTED
    assert admitted_rows(db_session) == 2


def test_forged_replaced_and_unknown_codes_are_refused(site, db_session):
    conference, delegate, _ = site
    value = qr_value(delegate.badge_serial)
    prefix, serial, mac = value.split(".")
    forged = scan(conference, f"{prefix}.{serial}.{'A' * len(mac) if mac[0] != 'A' else 'B' * len(mac)}")
    other_key = scan(conference, qr_value(serial, "another key entirely, from another conference"))
    unknown = scan(conference, qr_value("ZZZZZZZZZZ"))
    unknown_typed = scan(conference, "0000000000")
    old = delegate.badge_serial
    badges.issue_badge(delegate, actor="test")  # a reprint
    replaced = scan(conference, qr_value(old))
    replaced_typed = scan(conference, old)
    db_session.commit()
    assert (forged.result, other_key.result) == (CheckInResult.FORGED, CheckInResult.FORGED)
    assert forged.registration is None
    assert (unknown.result, unknown_typed.result) == (CheckInResult.UNKNOWN, CheckInResult.UNKNOWN)
    assert (replaced.result, replaced_typed.result) == (CheckInResult.BADGE_REPLACED, CheckInResult.BADGE_REPLACED)
    assert replaced.registration.id == delegate.id
    assert admitted_rows(db_session) == 0
    rows = db_session.scalars(select(CheckIn).order_by(CheckIn.id)).all()
    assert len(rows) == 6 and all(r.device == "test" and r.door == GATE for r in rows)
    assert scan(conference, qr_value(delegate.badge_serial)).result == CheckInResult.ADMITTED


def test_a_registration_no_longer_approved_is_refused(site, db_session):
    conference, delegate, _ = site
    # Withdrawn after printing: the badge is no longer "printed" for the registration (a CHECK constraint), but the
    # paper badge still exists and its serial stays in `badge`.
    delegate.status = RegistrationStatus.WITHDRAWN
    delegate.badge_state = BadgeState.NOT_PRINTED
    db_session.flush()
    outcome = scan(conference, delegate.badge_serial)
    assert outcome.result == CheckInResult.NOT_APPROVED and outcome.registration.id == delegate.id


def test_only_the_serial_the_registration_holds_now_with_a_printed_badge_opens_doors(site, db_session):
    conference, delegate, observer = site
    old = delegate.badge_serial
    # A badge row not marked superseded, but whose registration now holds another serial: refused all the same.
    delegate.badge_serial = "ZZZZZZZZZZ"
    db_session.flush()
    assert db_session.scalar(select(Badge.superseded_at).where(Badge.serial == old)) is None
    assert scan(conference, qr_value(old)).result == CheckInResult.BADGE_REPLACED
    # Left "approved" and came back: the same serial, but no badge printed since, opens nothing until printed again.
    observer_serial = observer.badge_serial
    officer = make_user("officer@example.org", roles=[Role.REGISTRATION_OFFICER])
    registration_services.transition(observer, "withdraw", actor=Actor.SECRETARIAT, user=officer,
                                     reason="Left the delegation")
    assert scan(conference, qr_value(observer_serial)).result == CheckInResult.NOT_APPROVED
    observer.status, observer.approved_at = RegistrationStatus.APPROVED, MONDAY
    db_session.flush()
    assert observer.badge_serial == observer_serial and observer.badge_state == BadgeState.NOT_PRINTED
    refused = scan(conference, qr_value(observer_serial))
    assert refused.result == CheckInResult.NOT_PRINTED and "badge desk" in refused.message
    badges.issue_badge(observer, actor="test")  # printed again
    assert scan(conference, qr_value(observer.badge_serial)).result == CheckInResult.ADMITTED
    assert admitted_rows(db_session) == 1


@pytest.mark.parametrize("moment", [
    datetime(2024, 10, 13, 9, 0, tzinfo=UTC),   # the day before the session, at 11:00 in Vienna
    datetime(2024, 10, 19, 9, 0, tzinfo=UTC),   # the day after
    datetime(2024, 10, 14, 5, 59, tzinfo=UTC),  # 07:59 in Vienna: the venue opens at 08:00
    datetime(2024, 10, 14, 18, 0, tzinfo=UTC),  # 20:00 in Vienna: it closes
    datetime(2024, 10, 14, 22, 30, tzinfo=UTC),  # 00:30 on the 15th in Vienna, still the 14th in UTC
])
def test_doors_admit_only_on_the_sessions_days_during_the_venues_hours(site, db_session, moment):
    conference, delegate, _ = site
    refused = scan(conference, qr_value(delegate.badge_serial), now=moment)
    db_session.commit()
    assert refused.result == CheckInResult.CLOSED and "Door closed" in refused.message
    row = db_session.scalar(select(CheckIn))
    assert row.result == CheckInResult.CLOSED and row.registration_id == delegate.id  # recorded
    assert admitted_rows(db_session) == 0 and services.daily_attendance(conference) == {}  # not attendance
    # The first and last minutes of the venue's hours admit.
    assert scan(conference, qr_value(delegate.badge_serial),
                now=datetime(2024, 10, 14, 6, 0, tzinfo=UTC)).result == CheckInResult.ADMITTED
    assert scan(conference, qr_value(delegate.badge_serial),
                now=datetime(2024, 10, 18, 17, 59, tzinfo=UTC)).result == CheckInResult.ADMITTED


def test_a_meetings_door_admits_on_the_meetings_day_only(site, db_session):
    conference, delegate, _ = site
    tuesday_meeting = make_session(conference, day=date(2024, 10, 15), title="Working group")
    door = f"session-{tuesday_meeting.id}"
    assert scan(conference, qr_value(delegate.badge_serial), door=door).result == CheckInResult.CLOSED
    assert scan(conference, qr_value(delegate.badge_serial), door=door, now=TUESDAY).result == \
        CheckInResult.ADMITTED
    assert services.session_attendance(tuesday_meeting) == 1


def test_a_full_meetings_door_admits_only_those_with_a_seat(site, db_session):
    conference, delegate, observer = site
    briefing = make_session(conference, make_room(conference), title="Briefing on the review mechanism",
                            capacity=1)
    db_session.add(SessionSignup(session_id=briefing.id, registration_id=delegate.id, status=SignupStatus.CONFIRMED))
    db_session.add(SessionSignup(session_id=briefing.id, registration_id=observer.id,
                                 status=SignupStatus.WAITLISTED))
    db_session.flush()
    door = f"session-{briefing.id}"
    no_seat = scan(conference, qr_value(observer.badge_serial), door=door)
    assert no_seat.result == CheckInResult.NO_SEAT and "full" in no_seat.message
    assert scan(conference, qr_value(delegate.badge_serial), door=door).result == CheckInResult.ADMITTED
    assert services.session_attendance(briefing) == 1
    # A seat frees: the session is no longer full, and its door admits whoever comes.
    db_session.execute(delete(SessionSignup).where(SessionSignup.registration_id == delegate.id))
    assert scan(conference, qr_value(observer.badge_serial), door=door).result == CheckInResult.ADMITTED


def test_closed_sessions_admit_the_invited_only(site, db_session):
    conference, delegate, observer = site
    roundtable = make_session(conference, make_room(conference), is_closed=True, title="Partners' roundtable")
    db_session.add(SessionSignup(session_id=roundtable.id, registration_id=delegate.id, status=SignupStatus.INVITED))
    db_session.flush()
    door = f"session-{roundtable.id}"
    assert scan(conference, observer.badge_serial, door=door).result == CheckInResult.NOT_INVITED
    assert scan(conference, delegate.badge_serial, door=door).result == CheckInResult.ADMITTED
    assert services.session_attendance(roundtable) == 1
    # Admission at a session's door is separate from the gate's.
    assert scan(conference, delegate.badge_serial).result == CheckInResult.ADMITTED


def test_meetings_restricted_to_parties_refuse_observers(site, db_session):
    conference, delegate, observer = site
    committee = make_session(conference, restricted_to_parties=True, title="Committee of the Whole",
                             start=time(10, 0), end=time(13, 0))
    door = f"session-{committee.id}"
    assert scan(conference, observer.badge_serial, door=door).result == CheckInResult.NOT_INVITED
    assert scan(conference, delegate.badge_serial, door=door).result == CheckInResult.ADMITTED


def test_doors_are_the_gate_and_the_sessions_of_the_conference(site, db_session):
    conference, delegate, _ = site
    other = make_conference("cop98")
    foreign = make_session(other)
    for door in ("nowhere", f"session-{foreign.id}", "session-x", "session-²", "session-" + "9" * 30):
        with pytest.raises(NotFound):
            scan(conference, delegate.badge_serial, door=door)
    assert services.doors(conference)[0] == (GATE, "Building gate")


# --------------------------------------------------------------------------------------------------------------------
# The door page and the JSON endpoint


def login(client, email):
    client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": csrf_token(client, "/login")})


def test_the_scan_endpoint_needs_door_staff_and_a_csrf_token(site, client, db_session):
    conference, delegate, _ = site
    make_user("door@example.org", roles=[Role.DOOR_STAFF])
    make_user("desk@example.org", roles=[Role.BADGE_DESK])
    url = "/door/cop99/gate/scan"
    value = qr_value(delegate.badge_serial)
    assert client.post(url, data={"code": value}).status_code in (302, 400)
    login(client, "desk@example.org")
    token = csrf_token(client, "/admin/")
    assert client.post(url, data={"code": value}, headers={"X-CSRFToken": token}).status_code == 403
    client.post("/logout", data={"csrf_token": token})

    login(client, "door@example.org")
    assert client.post(url, json={"code": value}).status_code == 400  # no CSRF token
    assert db_session.scalar(select(func.count()).select_from(CheckIn)) == 0
    token = csrf_token(client, "/door/cop99/gate")
    answer = client.post(url, json={"code": value, "device": "north-1"}, headers={"X-CSRFToken": token})
    assert answer.status_code == 200
    data = answer.get_json()
    assert data["result"] == "ADMITTED" and data["name"] == "Käthe Schröder" and data["entity"] == "Austria"
    assert data["photo_url"].startswith("/door/cop99/photo/")
    assert data["photo_url"] != f"/door/cop99/photo/{delegate.id}"
    with client.get(data["photo_url"]) as photo:
        assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    again = client.post(url, data={"code": value, "csrf_token": token}).get_json()
    assert again["result"] == "ALREADY_ADMITTED"
    forged = client.post(url, json={"code": value[:-2] + "AA" if not value.endswith("AA") else value[:-2] + "BB"},
                         headers={"X-CSRFToken": token}).get_json()
    assert forged["result"] == "FORGED" and forged["name"] is None and forged["photo_url"] is None
    row = db_session.scalar(select(CheckIn).where(CheckIn.result == CheckInResult.ADMITTED))
    assert row.device == "north-1" and row.scanned_by_id is not None
    for door in ("nowhere", "session-" + "9" * 30):
        assert client.post(f"/door/cop99/{door}/scan", json={"code": value}, headers={"X-CSRFToken": token}
                           ).status_code == 404
    assert client.get("/door/cop99/photo/" + "9" * 30).status_code == 404


def test_door_staff_see_a_photo_only_for_a_badge_they_just_scanned(site, client, db_session, monkeypatch):
    conference, delegate, observer = site
    observer.photo = delegate.photo
    door_user = make_user("door@example.org", roles=[Role.DOOR_STAFF])
    other_user = make_user("other-door@example.org", roles=[Role.DOOR_STAFF])
    db_session.commit()
    login(client, "door@example.org")
    token = csrf_token(client, "/door/cop99/gate")
    # No photo by a participant's id, whatever the id.
    for registration in (delegate, observer):
        assert client.get(f"/door/cop99/photo/{registration.id}").status_code == 404
    answer = client.post("/door/cop99/gate/scan", json={"code": delegate.badge_serial},
                         headers={"X-CSRFToken": token}).get_json()
    photo_url = answer["photo_url"]
    with client.get(photo_url) as shown:
        assert shown.status_code == 200 and shown.headers["Cache-Control"] == "private, no-store"
    # The pass opens that photo only: another door officer, another conference, an altered pass, a late one.
    assert client.get(photo_url[:-3] + ("aaa" if not photo_url.endswith("aaa") else "bbb")).status_code == 404
    make_conference("cop98")
    db_session.commit()
    assert client.get(photo_url.replace("/cop99/", "/cop98/")).status_code == 404
    monkeypatch.setattr(services, "PHOTO_PASS_SECONDS", -1)
    assert client.get(photo_url).status_code == 404
    monkeypatch.undo()
    pass_token = photo_url.rsplit("/", 1)[1]
    assert services.photo_by_pass(conference, pass_token, door_user).id == delegate.id
    with pytest.raises(NotFound):
        services.photo_by_pass(conference, pass_token, other_user)
    # A refused scan shows no photo.
    observer.status, observer.badge_state = RegistrationStatus.WITHDRAWN, BadgeState.NOT_PRINTED
    db_session.commit()
    refused = client.post("/door/cop99/gate/scan", json={"code": observer.badge_serial},
                          headers={"X-CSRFToken": token}).get_json()
    assert refused["result"] == "NOT_APPROVED" and refused["photo_url"] is None


@pytest.mark.parametrize("body", ['["P1.X.Y"]', '"a string"', "42", "null", '{"code": "\\ud800"}',
                                  '{"code": "ABCDE\\udfffFGHIJ"}', '{"code": 12}', '{"code": {"a": 1}}',
                                  '{"code": "ABCDEFGHJK", "device": "\\ud83d"}',
                                  '{"code": "ABCDEFGHJK", "device": []}'])
def test_a_scan_that_cannot_be_read_is_a_json_400(site, client, db_session, body):
    make_user("door@example.org", roles=[Role.DOOR_STAFF])
    login(client, "door@example.org")
    token = csrf_token(client, "/door/cop99/gate")
    response = client.post("/door/cop99/gate/scan", data=body, content_type="application/json",
                           headers={"X-CSRFToken": token})
    assert response.status_code == 400 and response.is_json, (response.status_code, response.get_data(as_text=True))
    assert response.get_json()["error"] in ("not an object", "not text", "no code")
    assert response.get_json()["message"]
    assert db_session.scalar(select(func.count()).select_from(CheckIn)) == 0


def test_a_typed_serial_at_the_json_endpoint_asks_the_officer_first(site, client, db_session):
    conference, delegate, _ = site
    make_user("door@example.org", roles=[Role.DOOR_STAFF])
    login(client, "door@example.org")
    headers = {"X-CSRFToken": csrf_token(client, "/door/cop99/gate")}
    asked = client.post("/door/cop99/gate/scan", json={"code": delegate.badge_serial.lower()}, headers=headers)
    data = asked.get_json()
    assert data["result"] == "CONFIRM" and data["tone"] == "look" and data["name"] == "Käthe Schröder"
    assert data["code"] == delegate.badge_serial and data["confirm"] and data["photo_url"]
    assert db_session.scalar(select(func.count()).select_from(CheckIn)) == 0
    done = client.post("/door/cop99/gate/scan", json={"code": data["code"], "confirm": data["confirm"]},
                       headers=headers).get_json()
    assert done["result"] == "ADMITTED" and "confirm" not in done
    row = db_session.scalar(select(CheckIn))
    assert row.result == CheckInResult.ADMITTED and row.typed


def test_the_door_page_works_without_javascript(site, client, db_session):
    conference, delegate, _ = site
    make_user("door@example.org", roles=[Role.DOOR_STAFF])
    login(client, "door@example.org")
    picker = client.get("/door/").get_data(as_text=True)
    assert "/door/cop99/gate" in picker
    page = client.get("/door/cop99/gate").get_data(as_text=True)
    assert "<script" in page and "js/door.js" in page and "Ready to scan" in page
    assert "<script>" not in page  # no inline script: the page runs under a strict Content-Security-Policy
    token = csrf_token(client, "/door/cop99/gate")
    asked = client.post("/door/cop99/gate", data={"csrf_token": token, "code": delegate.badge_serial})
    body = asked.get_data(as_text=True)
    # A typed serial: the photo and the name, and a button to admit once the officer has compared them.
    assert asked.status_code == 200 and "compare the person with the photo" in body and "Käthe Schröder" in body
    assert "/door/cop99/photo/" in body and 'id="confirm-admit"' in body and admitted_rows(db_session) == 0
    confirm = re.search(r'name="confirm" id="confirm-pass" value="([^"]+)"', body).group(1)
    answer = client.post("/door/cop99/gate", data={"csrf_token": token, "code": delegate.badge_serial,
                                                    "confirm": confirm})
    body = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "Admitted" in body and "Käthe Schröder" in body and "tone-go" in body
    assert 'id="confirm" class="confirm" hidden' in body
    again = client.post("/door/cop99/gate", data={"csrf_token": token, "code": delegate.badge_serial})
    assert "Already admitted" in again.get_data(as_text=True)
    assert admitted_rows(db_session) == 1
