"""Feed versions: every change a calendar feed shows bumps its conference's version, and a feed's ETag is decided
from that version, so a 304 is answered without building the feed and the per-process cache follows the database."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from flask_babel import refresh
from sqlalchemy import update

from conference.core.db import utcnow
from conference.extensions import db
from conference.feeds import services as feeds
from conference.programme import services
from conference.programme.models import OrganizerRole, Session, SessionOrganizer, SessionSignup
from conference.programme.models import SessionStatus as St
from conference.registration.models import EntityType, RegionalGroup
from tests.factories import make_conference, make_delegation, make_entity, make_registration, make_room, make_session


@pytest.fixture
def cop(db_session):
    c = make_conference("cop91", starts_on=date(2024, 10, 25), ends_on=date(2024, 10, 29))
    other = make_conference("cop92", starts_on=date(2025, 10, 25), ends_on=date(2025, 10, 29))
    m1, m2 = make_room(c, "m1", 120), make_room(c, "m2", 80)
    published = utcnow() - timedelta(days=3)
    lead = make_entity(EntityType.IGO, "UNODC")
    s = make_session(c, m1, title="Published", day=date(2024, 10, 25), start=time(13, 15), end=time(14, 45),
                     published_at=published, capacity=50)
    db.session.add(SessionOrganizer(session_id=s.id, entity_id=lead.id, role=OrganizerRole.LEAD))
    draft = make_session(c, m2, title="Scheduled, not published", day=date(2024, 10, 26), status=St.SCHEDULED)
    person = make_registration(make_delegation(c, make_entity(EntityType.STATE, "Italy", "ITA",
                                                              RegionalGroup.WEOG)), email="p@example.org")
    db_session.commit()
    return {"c": c, "other": other, "s": s, "draft": draft, "m1": m1, "lead": lead, "person": person}


def versions(conference) -> tuple[int, int]:
    db.session.expire_all()
    return conference.programme_version, conference.agenda_version


def _sign_up(cop):
    services.sign_up(cop["s"], cop["person"])


def _new_organizer(cop):
    db.session.add(SessionOrganizer(session_id=cop["s"].id, entity_id=make_entity(EntityType.NGO_ECOSOC).id,
                                    role=OrganizerRole.CO_ORGANIZER))


# Each: what changes, and which version it must bump ("programme": the public feeds too; "agenda": personal only).
CHANGES = {
    "session created": ("programme", lambda cop: make_session(cop["c"], cop["m1"], day=date(2024, 10, 27))),
    "session edited": ("programme", lambda cop: services.update_session(cop["s"], title="New title", actor="t")),
    "session published": ("programme", lambda cop: services.review(cop["draft"], "publish", actor="t")),
    "session cancelled": ("programme", lambda cop: services.review(cop["s"], "cancel", reason="No flights",
                                                                  actor="t")),
    "session moved": ("programme", lambda cop: services.schedule(
        cop["s"], cop["m1"], cop["c"].at_venue(date(2024, 10, 28), time(13, 15)),
        cop["c"].at_venue(date(2024, 10, 28), time(14, 45)), actor="t")),
    "seats changed": ("programme", lambda cop: services.update_session(cop["s"], capacity=20, actor="t")),
    "room renamed": ("programme", lambda cop: setattr(cop["m1"], "name", "Plenary hall M1")),
    "organizer added": ("programme", _new_organizer),
    "organizer renamed": ("programme", lambda cop: setattr(cop["lead"], "name", "UN Office on Drugs and Crime")),
    "conference settings": ("programme", lambda cop: setattr(cop["c"], "venue", "Another venue")),
    "session deleted": ("programme", lambda cop: db.session.delete(cop["draft"])),
    "bulk update of sessions": ("programme", lambda cop: db.session.execute(
        update(Session).where(Session.id == cop["s"].id).values(title="Bulk"))),
    "sign-up": ("agenda", _sign_up),
    "participant renamed": ("agenda", lambda cop: setattr(cop["person"], "family_name", "Rossi-Bianchi")),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_every_kind_of_change_is_a_new_version_and_a_new_etag(client, cop, db_session, change):
    kind, apply = CHANGES[change]
    c, agenda = cop["c"], f"/cop91/agenda/{cop['person'].agenda_token}.ics"
    before, other_before = versions(c), versions(cop["other"])
    tags = {url: client.get(url).headers["ETag"] for url in ("/cop91/programme.ics", agenda)}
    apply(cop)
    db_session.commit()
    after = versions(c)
    if kind == "programme":
        assert after[0] == before[0] + 1
        assert client.get("/cop91/programme.ics").headers["ETag"] != tags["/cop91/programme.ics"]
    else:
        assert after == (before[0], before[1] + 1)  # the public feeds' version (and cache) stays
        assert client.get("/cop91/programme.ics").headers["ETag"] == tags["/cop91/programme.ics"]
    assert client.get(agenda).headers["ETag"] != tags[agenda]
    if not change.startswith("bulk"):
        assert versions(cop["other"]) == other_before  # another session's feeds are not touched


def test_nothing_changed_or_rolled_back_is_no_new_version(client, cop, db_session):
    before = versions(cop["c"])
    services.update_session(cop["s"], title=cop["s"].title, actor="t")  # the same value
    db_session.commit()
    cop["m1"].name = "Not kept"
    db_session.flush()
    db_session.rollback()
    db_session.commit()
    assert versions(cop["c"]) == before


def _forbidden(*args, **kwargs):
    raise AssertionError("the feed was built")


def test_a_304_is_answered_without_building_the_feed(client, cop, monkeypatch):
    urls = ["/cop91/programme.ics", "/cop91/programme.ics?kind=SIDE_EVENT", f"/cop91/sessions/{cop['s'].id}.ics",
            f"/cop91/agenda/{cop['person'].agenda_token}.ics"]
    tags = {url: client.get(url).headers["ETag"] for url in urls}
    assert len(set(tags.values())) == len(urls)  # each feed its own tag
    for name in ("programme_feed", "session_feed", "agenda_feed", "_finish"):
        monkeypatch.setattr(feeds, name, _forbidden)
    for url, tag in tags.items():
        response = client.get(url, headers={"If-None-Match": tag})
        assert response.status_code == 304 and response.data == b"" and response.headers["ETag"] == tag


def test_the_etag_names_version_feed_language_and_public_address(app, cop):
    c = cop["c"]
    with app.test_request_context():
        refresh()  # the test's application context outlives each request context: choose the language again
        tag = feeds.etag(c, "programme")
        assert feeds.etag(c, "session", 1) != tag and feeds.etag(c, "programme", None, "m1") != tag
        c.programme_version += 1
        assert feeds.etag(c, "programme") != tag
        c.programme_version -= 1
        app.config["PUBLIC_URL"], public = "https://other.example", app.config["PUBLIC_URL"]
        try:
            assert feeds.etag(c, "programme") != tag
        finally:
            app.config["PUBLIC_URL"] = public
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        refresh()
        assert feeds.etag(c, "programme") != tag
    db.session.rollback()


def test_the_process_cache_follows_the_version_not_the_clock(app, client, cop, db_session, monkeypatch):
    monkeypatch.setitem(app.config, "FEED_CACHE_SIZE", 256)
    app.extensions.pop("plenary_feed_cache", None)
    try:
        first = client.get("/cop91/programme.ics")
        build = feeds.programme_feed
        monkeypatch.setattr(feeds, "programme_feed", _forbidden)
        assert client.get("/cop91/programme.ics").data == first.data  # from the cache: nothing was built
        services.update_session(cop["s"], title="Renamed while cached", actor="t")
        db_session.commit()
        monkeypatch.setattr(feeds, "programme_feed", build)
        second = client.get("/cop91/programme.ics")
        assert b"Renamed while cached" in second.data and second.headers["ETag"] != first.headers["ETag"]
        assert client.get("/cop91/programme.ics", headers={"If-None-Match": first.headers["ETag"]}).status_code == 200
    finally:
        app.extensions.pop("plenary_feed_cache", None)


def test_a_renewed_agenda_address_stops_at_once_even_with_the_old_tag(client, cop, db_session):
    r = cop["person"]
    old = f"/cop91/agenda/{r.agenda_token}.ics"
    tag = client.get(old).headers["ETag"]
    feeds.renew_agenda_token(r)
    db_session.commit()
    assert client.get(old, headers={"If-None-Match": tag}).status_code == 404


def test_signups_of_one_session_bump_only_its_conference(cop, db_session):
    other_room = make_room(cop["other"], "x1", 10)
    s = make_session(cop["other"], other_room, day=date(2025, 10, 27), published_at=utcnow())
    db_session.commit()
    before = versions(cop["c"])
    db.session.add(SessionSignup(session_id=s.id, registration_id=cop["person"].id, status="CONFIRMED"))
    db_session.commit()
    assert versions(cop["c"]) == before


def test_a_savepoint_rolled_back_keeps_the_change_made_before_it(cop, db_session):
    before = versions(cop["c"])
    cop["m1"].name = "Renamed before the savepoint"
    db_session.flush()
    savepoint = db_session.begin_nested()
    cop["person"].family_name = "Not kept"
    db_session.flush()
    savepoint.rollback()
    db_session.commit()
    assert versions(cop["c"])[0] == before[0] + 1
