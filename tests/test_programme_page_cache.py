"""The programme page kept per process by programme version: every kind of change shows at once, each language and
filter has its own copy, and visitors who are not signed in revalidate with an ETag."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from flask import g

from conference.core.db import utcnow
from conference.extensions import db
from conference.programme import services, views
from conference.programme.models import OrganizerRole, SessionKind, SessionOrganizer
from conference.programme.models import SessionStatus as St
from conference.registration.models import EntityType
from tests.factories import make_conference, make_entity, make_room, make_session, make_user
from tests.test_accounts import login

URL = "/cop93/programme"


@pytest.fixture
def cop(app, db_session, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_CACHE_SIZE", 256)
    app.extensions.pop("plenary_programme_page_cache", None)
    c = make_conference("cop93", starts_on=date(2024, 10, 25), ends_on=date(2024, 10, 29))
    m1, m2 = make_room(c, "m1", 120), make_room(c, "m2", 80)
    lead = make_entity(EntityType.IGO, "UNODC")
    s = make_session(c, m1, title="Published side event", day=date(2024, 10, 25), start=time(13, 15),
                     end=time(14, 45), published_at=utcnow() - timedelta(days=3))
    db.session.add(SessionOrganizer(session_id=s.id, entity_id=lead.id, role=OrganizerRole.LEAD))
    draft = make_session(c, m2, title="Not yet published", day=date(2024, 10, 26), status=St.SCHEDULED)
    db_session.commit()
    yield {"c": c, "s": s, "draft": draft, "m1": m1, "m2": m2, "lead": lead}
    app.extensions.pop("plenary_programme_page_cache", None)


def _forbidden(*args, **kwargs):
    raise AssertionError("the programme was built again")


# Each: a change the programme page shows, and a text that appears in it only after the change.
CHANGES = {
    "title": (lambda cop: services.update_session(cop["s"], title="Renamed side event", actor="t"),
              "Renamed side event"),
    "time": (lambda cop: services.schedule(cop["s"], cop["m1"], cop["c"].at_venue(date(2024, 10, 28), time(16, 40)),
                                           cop["c"].at_venue(date(2024, 10, 28), time(17, 50)), actor="t"), "16:40"),
    "room": (lambda cop: setattr(cop["m1"], "name", "Plenary hall M1"), "Plenary hall M1"),
    "cancel": (lambda cop: services.review(cop["s"], "cancel", reason="No flights", actor="t"), "Cancelled"),
    "new event published": (lambda cop: services.review(cop["draft"], "publish", actor="t"), "Not yet published"),
    "organizer renamed": (lambda cop: setattr(cop["lead"], "name", "UN Office on Drugs and Crime"),
                          "UN Office on Drugs and Crime"),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_the_kept_page_changes_right_after_every_kind_of_change(client, cop, db_session, monkeypatch, change):
    apply, text = CHANGES[change]
    first = client.get(URL).get_data(as_text=True)
    assert text not in first
    build = views._programme_body
    monkeypatch.setattr(views, "_programme_body", _forbidden)
    assert client.get(URL).get_data(as_text=True) == first  # kept: nothing was built
    apply(cop)
    db_session.commit()
    monkeypatch.setattr(views, "_programme_body", build)
    assert text in client.get(URL).get_data(as_text=True)


def test_each_language_and_filter_has_its_own_copy(client, cop):
    english = client.get(URL).get_data(as_text=True)
    french = client.get(URL, headers={"Accept-Language": "fr"}).get_data(as_text=True)
    arabic = client.get(URL, headers={"Accept-Language": "ar"}).get_data(as_text=True)
    assert "All kinds" in english and "Tous les types" in french and "جميع الأنواع" in arabic
    assert "Tous les types" not in client.get(URL).get_data(as_text=True)
    plenaries = client.get(URL + f"?kind={SessionKind.PLENARY.value}").get_data(as_text=True)
    assert "Published side event" in english and "Published side event" not in plenaries
    assert "Published side event" in client.get(URL + "?room=m1").get_data(as_text=True)
    assert "Published side event" not in client.get(URL + "?room=m2").get_data(as_text=True)


def test_visitors_revalidate_and_get_a_304_until_the_next_change(client, cop, db_session, monkeypatch):
    first = client.get(URL)
    tag = first.headers["ETag"]
    assert first.status_code == 200 and "no-cache" in first.headers["Cache-Control"]
    assert "Accept-Language" in first.headers["Vary"]
    client.get(URL, headers={"Accept-Language": "fr"})
    monkeypatch.setattr(views, "_programme_body", _forbidden)
    again = client.get(URL, headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.data == b""
    french = client.get(URL, headers={"If-None-Match": tag, "Accept-Language": "fr"})
    assert french.status_code == 200  # another language is another page (kept before, so nothing is built)
    services.update_session(cop["s"], title="Renamed side event", actor="t")
    db_session.commit()
    monkeypatch.undo()
    changed = client.get(URL, headers={"If-None-Match": tag})
    assert changed.status_code == 200 and "Renamed side event" in changed.get_data(as_text=True)
    assert changed.headers["ETag"] != tag


def test_signed_in_people_get_their_own_header_around_the_kept_content(app, client, cop, db_session):
    tag = client.get(URL).headers["ETag"]
    make_user("officer@example.org")
    db_session.commit()
    login(client, "officer@example.org")
    page = client.get(URL, headers={"If-None-Match": tag})
    assert page.status_code == 200 and "ETag" not in page.headers  # their page carries a CSRF token: never a 304
    html = page.get_data(as_text=True)
    assert "officer@example.org" in html and "Published side event" in html
    g.pop("_login_user", None)  # the test's application context outlives the requests: forget who signed in
    visitor = app.test_client().get(URL).get_data(as_text=True)  # the same kept content, without their header
    assert "officer@example.org" not in visitor and "Published side event" in visitor
