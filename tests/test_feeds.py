"""Calendar feeds, read back by the icalendar package and by an independent parser (vobject)."""

from __future__ import annotations

import re
from datetime import UTC, date, time, timedelta

import pytest
import vobject
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from icalendar import Calendar
from sqlalchemy import event, select

from conference.core.db import utcnow
from conference.extensions import db
from conference.feeds import services as feeds
from conference.programme import services
from conference.programme.models import Session, SessionKind, SessionSignup
from conference.programme.models import SessionStatus as St
from conference.registration.models import EntityType, RegionalGroup, Registration
from tests.conftest import csrf_token
from tests.factories import make_conference, make_delegation, make_entity, make_registration, make_room, make_session


@pytest.fixture
def cop(db_session):
    # Across the end of summer time in Vienna (27 October 2024): the feed must stay right on both sides.
    c = make_conference("cop90", starts_on=date(2024, 10, 25), ends_on=date(2024, 10, 29))
    m1, m2 = make_room(c, "m1", 120), make_room(c, "m2", 80)
    published = utcnow() - timedelta(days=3)
    before = make_session(c, m1, title="Before the change", day=date(2024, 10, 25), start=time(13, 15),
                          end=time(14, 45), published_at=published, capacity=50)
    after = make_session(c, m2, title="After the change", day=date(2024, 10, 28), start=time(13, 15),
                         end=time(14, 45), published_at=published, kind=SessionKind.ROUNDTABLE)
    closed = make_session(c, m1, title="Donors only", day=date(2024, 10, 28), start=time(18, 15),
                          end=time(19, 45), published_at=published, is_closed=True, kind=SessionKind.ROUNDTABLE)
    draft = make_session(c, m1, title="Not yet published", day=date(2024, 10, 29), status=St.SCHEDULED)
    for s in (before, after, closed):
        s.updated_at = published  # last touched when published, as a session published three days ago would be
    italy = make_delegation(c, make_entity(EntityType.STATE, "Italy", "ITA", RegionalGroup.WEOG))
    person = make_registration(italy, email="p@example.org")
    db_session.commit()
    return {"c": c, "before": before, "after": after, "closed": closed, "draft": draft, "person": person}


def events(body: bytes) -> dict[str, object]:
    cal = Calendar.from_ical(body)
    return {str(e["uid"]): e for e in cal.walk("VEVENT")}


def vevents(body: bytes) -> dict[str, object]:
    cal = vobject.readOne(body.decode("utf-8"))
    return {e.uid.value: e for e in cal.vevent_list} if hasattr(cal, "vevent_list") else {}


def test_the_programme_feed(client, cop):
    response = client.get("/cop90/programme.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert "max-age=300" in response.headers["Cache-Control"]
    body = response.data
    cal = Calendar.from_ical(body)
    assert str(cal["x-wr-calname"]) == "COP90 programme" and str(cal["name"]) == "COP90 programme"
    assert cal["refresh-interval"].to_ical() == b"PT1H" and cal["x-published-ttl"].to_ical() == b"PT1H"
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT1H" in body
    assert [tz["tzid"] for tz in cal.walk("VTIMEZONE")] == ["Europe/Vienna"]
    found = events(body)
    assert set(found) == {str(cop["before"].uid), str(cop["after"].uid)}  # no closed, no unpublished
    e = found[str(cop["before"].uid)]
    assert e["summary"] == "Before the change" and int(e["sequence"]) == 0
    assert "M1, Vienna International Centre, Vienna" == str(e["location"])
    assert str(e["url"]).endswith(f"/cop90/sessions/{cop['before'].id}")
    assert e["status"] == "CONFIRMED" and e.categories == ["Side Event"]
    for name in ("dtstamp", "last-modified", "dtstart", "dtend"):
        assert name in e
    # The independent parser agrees, and the times are right on both sides of the change of hour.
    parsed = vevents(body)
    assert parsed[str(cop["before"].uid)].dtstart.value.astimezone(UTC) == cop["before"].starts_at
    assert parsed[str(cop["after"].uid)].dtstart.value.astimezone(UTC) == cop["after"].starts_at
    assert cop["before"].starts_at.hour == 11 and cop["after"].starts_at.hour == 12  # CEST, then CET


def test_filters_by_kind_and_room(client, cop):
    by_kind = events(client.get("/cop90/programme.ics?kind=ROUNDTABLE").data)
    assert set(by_kind) == {str(cop["after"].uid)}
    by_room = events(client.get("/cop90/programme.ics?room=m1").data)
    assert set(by_room) == {str(cop["before"].uid)}


def test_one_session_and_what_is_not_public(client, cop):
    body = client.get(f"/cop90/sessions/{cop['before'].id}.ics").data
    assert set(events(body)) == {str(cop["before"].uid)}
    assert client.get(f"/cop90/sessions/{cop['closed'].id}.ics").status_code == 404
    assert client.get(f"/cop90/sessions/{cop['draft'].id}.ics").status_code == 404


def test_a_rescheduled_session_keeps_its_uid_with_a_higher_sequence(client, cop, db_session):
    s = cop["before"]
    first = events(client.get("/cop90/programme.ics").data)[str(s.uid)]
    services.schedule(s, s.room, cop["c"].at_venue(date(2024, 10, 25), time(18, 15)),
                      cop["c"].at_venue(date(2024, 10, 25), time(19, 45)), actor="t")
    db_session.commit()
    second = events(client.get("/cop90/programme.ics").data)[str(s.uid)]
    assert int(second["sequence"]) == int(first["sequence"]) + 1
    assert second["dtstart"].dt.hour == 18 and second["last-modified"].dt > first["last-modified"].dt


def test_a_cancelled_session_stays_marked_cancelled(client, cop, db_session):
    services.review(cop["after"], "cancel", actor="t", reason="The minister cannot travel")
    db_session.commit()
    e = events(client.get("/cop90/programme.ics").data)[str(cop["after"].uid)]
    assert e["status"] == "CANCELLED" and int(e["sequence"]) == 1
    assert "The minister cannot travel" in str(e["description"])


def test_conditional_requests(client, cop, db_session):
    first = client.get("/cop90/programme.ics")
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert client.get("/cop90/programme.ics").headers["ETag"] == etag  # same content, same tag
    again = client.get("/cop90/programme.ics", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert client.get("/cop90/programme.ics", headers={"If-Modified-Since": modified}).status_code == 304
    services.update_session(cop["before"], title="Renamed event", actor="t")
    cop["before"].changed_at = utcnow()
    db_session.commit()
    changed = client.get("/cop90/programme.ics", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_the_personal_agenda_and_its_renewal(client, cop, db_session):
    r = cop["person"]
    services.invite(cop["closed"], r, actor="t")
    db_session.execute(SessionSignup.__table__.insert().values(
        session_id=cop["before"].id, registration_id=r.id, status="CONFIRMED", created_at=utcnow()))
    db_session.commit()
    old = f"/cop90/agenda/{r.agenda_token}.ics"
    response = client.get(old)
    assert "private" in response.headers["Cache-Control"]
    assert set(events(response.data)) == {str(cop["closed"].uid), str(cop["before"].uid)}  # closed one included
    page = f"/cop90/registration/{r.status_token}/programme"
    assert r.agenda_token in client.get(page).get_data(as_text=True)
    client.post(f"/cop90/registration/{r.status_token}/agenda/renew", data={"csrf_token": csrf_token(client, page)})
    db_session.refresh(r)
    assert client.get(old).status_code == 404
    assert client.get(f"/cop90/agenda/{r.agenda_token}.ics").status_code == 200


def test_pages_offer_subscribe_links(client, cop):
    body = client.get("/cop90/programme?kind=SIDE_EVENT").get_data(as_text=True)
    assert "webcal://localhost/cop90/programme.ics?kind=SIDE_EVENT" in body
    assert "https://calendar.google.com/calendar/render?cid=webcal%3A%2F%2Flocalhost%2Fcop90%2Fprogramme.ics" in body
    session_page = client.get(f"/cop90/sessions/{cop['before'].id}").get_data(as_text=True)
    assert f"webcal://localhost/cop90/sessions/{cop['before'].id}.ics" in session_page
    assert "action=TEMPLATE" in session_page and "dates=20241025T111500Z%2F20241025T124500Z" in session_page


def test_pages_offer_the_feed_to_download(client, cop):
    # Subscribe (webcal://) does nothing in a browser without a calendar application: the same feed over http(s),
    # saved as a file, is offered beside it on the programme page and a session's page.
    session_id = cop["before"].id
    for page, feed in (("/cop90/programme?kind=SIDE_EVENT", "/cop90/programme.ics?kind=SIDE_EVENT"),
                       (f"/cop90/sessions/{session_id}", f"/cop90/sessions/{session_id}.ics")):
        body = client.get(page).get_data(as_text=True)
        link = re.search(r'<a href="(https?://localhost([^"]+))" download>Download \(\.ics\)</a>', body)
        assert link and link.group(2) == feed, body
        response = client.get(link.group(2))
        assert response.status_code == 200 and response.mimetype == "text/calendar"
    french = client.get("/cop90/programme", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "download>Télécharger (.ics)</a>" in french


def test_a_feed_costs_the_same_queries_for_few_or_many_sessions(app, cop, db_session):
    def queries() -> int:
        count = 0

        def counter(*_):
            nonlocal count
            count += 1

        event.listen(db.engine, "before_cursor_execute", counter)
        try:
            feeds.programme_feed(cop["c"])
        finally:
            event.remove(db.engine, "before_cursor_execute", counter)
        return count

    db_session.expire_all()
    few = queries()
    room = cop["before"].room
    for i in range(40):
        make_session(cop["c"], room, title=f"Extra {i}", day=date(2024, 10, 26), start=time(8, 0),
                     end=time(8, 30), published_at=utcnow())
    db_session.commit()
    db_session.expire_all()
    assert queries() == few


scripts = st.sampled_from(list("abcé ÄÖß абвгд αβγ مرحبا 中文字 日本語 한국어 ,;:\\\"'\n<>&"))
hostile = st.lists(scripts, min_size=1, max_size=60).map("".join).filter(lambda t: t.strip())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=hostile, description=hostile)
def test_text_in_any_script_round_trips(cop, title, description):
    s = cop["before"]
    s.title, s.description = title, description
    db.session.flush()
    body = feeds.session_feed(cop["c"], s.id).body
    assert all(len(line) <= 75 for line in body.split(b"\r\n"))  # folded at 75 octets
    e = events(body)[str(s.uid)]
    assert str(e["summary"]) == title
    assert str(e["description"]).startswith(description.strip())
    v = vevents(body)[str(s.uid)]
    assert v.summary.value == title
    db.session.rollback()


# -- every change is a new version; a place on the waiting list is not a seat ------------------------------------------

def _backdate(db_session, s):
    """Make the session's last change an hour old, so that a new one shows at the second's resolution of iCalendar."""
    db_session.execute(Session.__table__.update().where(Session.id == s.id)
                       .values(updated_at=utcnow() - timedelta(hours=1)))
    db_session.commit()
    db_session.expire_all()


@pytest.mark.parametrize("change", [{"title": "A new title for the event"}, {"description": "Another text."},
                                    {"capacity": 75}])
def test_any_change_to_a_published_session_is_a_new_version(client, cop, db_session, change):
    s = cop["before"]
    _backdate(db_session, s)
    first = events(client.get("/cop90/programme.ics").data)[str(s.uid)]
    services.update_session(s, **change, actor="t")
    db_session.commit()
    second = events(client.get("/cop90/programme.ics").data)[str(s.uid)]
    assert int(second["sequence"]) == int(first["sequence"]) + 1
    assert second["last-modified"].dt > first["last-modified"].dt and second["dtstamp"].dt > first["dtstamp"].dt
    # Not a move: the programme says "Changed: moved to" only when the time or the room changed.
    assert "moved to" not in client.get("/cop90/programme").get_data(as_text=True)


def test_saving_the_same_values_or_editing_an_unpublished_session_is_no_new_version(cop, db_session):
    s = cop["before"]
    services.update_session(s, title=s.title, capacity=s.capacity, actor="t")
    services.update_session(cop["draft"], title="Still not published", actor="t")
    assert (s.sequence, cop["draft"].sequence) == (0, 0)


def test_a_place_on_the_waiting_list_is_never_a_confirmed_event(client, cop, db_session):
    r = cop["person"]
    s = cop["before"]
    services.update_session(s, capacity=1, actor="t")
    services.sign_up(s, make_registration(cop["person"].delegation, email="first@example.org"))
    assert services.sign_up(s, r).status.value == "WAITLISTED"
    db_session.commit()
    _backdate(db_session, s)
    waiting = events(client.get(f"/cop90/agenda/{r.agenda_token}.ics").data)[str(s.uid)]
    assert waiting["status"] == "TENTATIVE" and str(waiting["summary"]) == f"Waiting list: {s.title}"
    assert "waiting list" in str(waiting["description"])
    services.cancel_signup(s, db_session.scalar(select(Registration).where(Registration.email == "first@example.org")))
    db_session.commit()
    seat = events(client.get(f"/cop90/agenda/{r.agenda_token}.ics").data)[str(s.uid)]
    assert seat["status"] == "CONFIRMED" and str(seat["summary"]) == s.title
    assert seat["last-modified"].dt > waiting["last-modified"].dt
