"""The back office's session pages: a new session from nothing or copied, and its settings."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import func, select

from conference.accounts.models import Role
from conference.conferences.models import Conference, Room
from conference.core.models import AuditLog
from tests.conftest import csrf_token
from tests.factories import PASSWORD, make_conference, make_delegation, make_entity, make_room, make_user


def login(client, email):
    client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": csrf_token(client, "/login")})


@pytest.fixture
def admin(client, db_session):
    make_user("admin@example.org", (Role.ADMIN,))
    login(client, "admin@example.org")


def settings_data(**overrides) -> dict:
    data = {"title_en": "Conference of the Parties, thirteenth session", "short_title_en": "COP13",
            "title_fr": "Conférence des Parties, treizième session", "short_title_fr": "CdP13",
            "venue": "Vienna International Centre", "city": "Vienna", "timezone": "Europe/Vienna",
            "starts_on": "2027-10-11", "ends_on": "2027-10-15", "venue_opens": "08:00", "venue_closes": "20:00",
            "registration_opens": "2027-06-01T09:00", "registration_closes": "2027-09-27T18:00",
            "side_events_open": "2027-06-01T09:00", "side_events_close": "2027-08-27T18:30",
            "retention_days": "365", "ngo_quota": "10", "side_events_per_organizer": "1",
            "languages": ["en", "fr", "es"]}
    data.update(overrides)
    return data


def post_new(client, **overrides):
    data = {"csrf_token": csrf_token(client, "/admin/sessions/new"), "code": "cop13", **settings_data(**overrides)}
    return client.post("/admin/sessions/new", data=data)


def test_an_admin_creates_a_session_from_nothing(client, db_session, admin):
    response = post_new(client)
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/cop13/settings")
    c = db_session.scalar(select(Conference).where(Conference.code == "cop13"))
    assert (c.title, c.short_title, c.titles, c.short_titles) == (
        "Conference of the Parties, thirteenth session", "COP13",
        {"fr": "Conférence des Parties, treizième session"}, {"fr": "CdP13"})
    # Windows are typed at the venue's wall-clock time (Vienna is UTC+2 in summer) and stored in UTC.
    assert c.registration_closes_at == datetime(2027, 9, 27, 16, 0, tzinfo=UTC)
    assert c.side_events_close_at == datetime(2027, 8, 27, 16, 30, tzinfo=UTC)
    assert (c.venue_opens, c.retention_days, c.ngo_quota, c.languages) == (time(8, 0), 365, 10, ["en", "fr", "es"])
    entry = db_session.scalar(select(AuditLog).where(AuditLog.action == "conference.created"))
    assert entry.conference_id == c.id and entry.actor == "admin@example.org" and entry.after["code"] == "cop13"
    # The public page speaks the reader's language, English when the title is missing in it.
    client.set_cookie("plenary_lang", "fr")
    assert "Conférence des Parties, treizième session" in client.get("/cop13/").get_data(as_text=True)
    client.set_cookie("plenary_lang", "es")
    assert "Conference of the Parties, thirteenth session" in client.get("/cop13/").get_data(as_text=True)


@pytest.mark.parametrize("overrides, field, message", [
    ({"code": "cop 13"}, "code", "The code must be 2 to 32 characters"),
    ({"code": "admin"}, "code", "used by Plenary itself"),
    ({"title_en": ""}, "title_en", "Give the session a title in English."),
    ({"timezone": "Europe/Atlantis"}, "timezone", "is not a time zone"),
    ({"ends_on": "2027-10-10"}, "ends_on", "The last day must not be before the first day."),
    ({"ends_on": "2027-10-1x"}, "ends_on", "Not a valid date value."),
    ({"venue_closes": "07:00"}, "venue_closes", "The venue must close after it opens."),
    ({"registration_closes": "2027-05-01T09:00"}, "registration_closes", "The window must close after it opens."),
    ({"registration_closes": "2027-10-16T09:00"}, "registration_closes",
     "Registration must close by the end of the last day"),
    ({"side_events_close": "2027-10-12T09:00"}, "side_events_close",
     "Side-event applications must close before the session opens"),
    ({"side_events_open": "2024-06-01T09:00"}, "side_events_open", "more than two years before the first day"),
    ({"registration_opens": "2027-06-01 9h"}, "registration_opens", "Not a valid datetime value."),
    ({"retention_days": "-5"}, "retention_days", "Enter a whole number from 0 to 3650."),
    ({"ngo_quota": "0"}, "ngo_quota", "Enter a whole number from 1 to 1000."),
    ({"side_events_per_organizer": "abc"}, "side_events_per_organizer", "Not a valid integer value."),
    ({"languages": []}, "languages", "Choose at least one language."),
    ({"contact_email": "secretariat at un.org"}, "contact_email", "is not a valid e-mail address"),
])
def test_bad_settings_are_named_at_the_field_and_keep_what_was_typed(client, db_session, admin, overrides, field,
                                                                     message):
    response = post_new(client, **overrides)
    page = response.get_data(as_text=True)
    assert response.status_code == 422, page[:500]
    assert message in page
    assert f'id="{field}-error"' in page
    assert 'value="Vienna International Centre"' in page  # what was typed stays
    assert db_session.scalar(select(func.count()).select_from(Conference)) == 0


def test_a_duplicate_code_is_refused_at_the_field(client, db_session, admin):
    make_conference("cop13")
    db_session.commit()
    page = post_new(client).get_data(as_text=True)
    assert "A session with the code cop13 already exists." in page and 'id="code-error"' in page


def test_a_code_taken_by_a_racing_request_is_refused_at_the_field(client, db_session, admin, monkeypatch):
    """Past the check in Python, the unique constraint decides; it is told by its name, on PostgreSQL too."""
    make_conference("cop13")
    db_session.commit()
    monkeypatch.setattr("conference.conferences.services.settings.check_new_code", lambda code: code.strip().lower())
    response = post_new(client)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "A session with the code cop13 already exists." in page and 'id="code-error"' in page
    assert db_session.scalar(select(func.count()).select_from(Conference)) == 1


def test_settings_are_shown_changed_and_audited(client, db_session, admin):
    c = make_conference("cop13", starts_on=date(2027, 10, 11), ends_on=date(2027, 10, 15))
    c.registration_closes_at = c.at_venue(date(2027, 9, 27), time(18, 0))
    db_session.commit()
    page = client.get("/admin/cop13/settings").get_data(as_text=True)
    assert 'value="2027-09-27T18:00"' in page and 'value="Europe/Vienna"' in page
    data = {"csrf_token": csrf_token(client, "/admin/cop13/settings"),
            **settings_data(registration_closes="2027-09-30T12:15", ngo_quota="")}
    response = client.post("/admin/cop13/settings", data=data)
    assert response.status_code == 302
    db_session.expire_all()
    c = db_session.get(Conference, c.id)
    assert c.local(c.registration_closes_at) == datetime(2027, 9, 30, 12, 15, tzinfo=c.tz)
    assert c.ngo_quota is None
    entry = db_session.scalar(select(AuditLog).where(AuditLog.action == "conference.settings_changed"))
    assert entry.before["ngo_quota"] == 10 and entry.after["ngo_quota"] is None
    assert entry.after["registration_closes_at"].startswith("2027-09-30T10:15")
    assert json.loads(entry.after["titles"]) == {"fr": "Conférence des Parties, treizième session"}
    # The same again: nothing changes, nothing is logged.
    data["csrf_token"] = csrf_token(client, "/admin/cop13/settings")
    client.post("/admin/cop13/settings", data=data)
    assert db_session.scalar(select(func.count()).select_from(AuditLog)
                             .where(AuditLog.action == "conference.settings_changed")) == 1


def test_a_refused_change_saves_nothing(client, db_session, admin):
    c = make_conference("cop13", starts_on=date(2027, 10, 11), ends_on=date(2027, 10, 15))
    db_session.commit()
    data = {"csrf_token": csrf_token(client, "/admin/cop13/settings"),
            **settings_data(venue="Somewhere else", timezone="Mars/Olympus")}
    response = client.post("/admin/cop13/settings", data=data)
    assert response.status_code == 422 and 'value="Somewhere else"' in response.get_data(as_text=True)
    db_session.expire_all()
    assert db_session.get(Conference, c.id).venue == "Vienna International Centre"


def test_copy_from_the_page(client, db_session, admin):
    source = make_conference("cop12")
    make_room(source, "plenary", capacity=1200)
    make_delegation(source, make_entity(name="Austria", iso3="AUT"), quota=12)
    db_session.commit()
    form = {"csrf_token": csrf_token(client, "/admin/sessions/new"), "copy-source": "cop12", "copy-code": "cop13",
            "copy-title": "Thirteenth session", "copy-starts_on": "2027-10-11", "copy-ends_on": "2027-10-15"}
    response = client.post("/admin/sessions/new", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    c = db_session.scalar(select(Conference).where(Conference.code == "cop13"))
    assert [r.slug for r in c.rooms] == ["plenary"]
    entry = db_session.scalar(select(AuditLog).where(AuditLog.action == "conference.copied"))
    assert entry.actor == "admin@example.org"
    # Bad input: the message at the field, what was typed kept, nothing saved.
    form.update({"csrf_token": csrf_token(client, "/admin/sessions/new"), "copy-code": "cop14",
                 "copy-ends_on": "2027-10-01"})
    response = client.post("/admin/sessions/new", data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="copy-ends_on-error"' in page and 'value="cop14"' in page
    assert db_session.scalar(select(func.count()).select_from(Room)) == 2


@pytest.mark.parametrize("role", [Role.REGISTRATION_OFFICER, Role.SIDE_EVENT_COORDINATOR, Role.BADGE_DESK])
def test_only_admins_set_up_sessions(client, db_session, role):
    make_conference("cop13")
    make_user("staff@example.org", (role,))
    login(client, "staff@example.org")
    assert client.get("/admin/sessions/new").status_code == 403
    assert client.get("/admin/cop13/settings").status_code == 403


def test_the_pages_speak_french(client, db_session, admin):
    make_conference("cop13")
    db_session.commit()
    client.set_cookie("plenary_lang", "fr")
    assert "Copier depuis une session antérieure" in client.get("/admin/sessions/new").get_data(as_text=True)
    assert "Fuseau horaire du lieu" in client.get("/admin/cop13/settings").get_data(as_text=True)


def test_new_days_may_not_leave_scheduled_sessions_out(client, db_session, admin):
    from tests.factories import make_session

    c = make_conference("cop13", starts_on=date(2027, 10, 11), ends_on=date(2027, 10, 15))
    make_session(c, make_room(c, "m1"), day=date(2027, 10, 11))
    db_session.commit()
    token = csrf_token(client, "/admin/cop13/settings")
    response = client.post("/admin/cop13/settings", data={"csrf_token": token, **settings_data(starts_on="2027-10-12")})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="starts_on-error"' in page
    assert "1 session on the programme would fall outside these days" in page
    db_session.expire_all()
    assert db_session.get(Conference, c.id).starts_on == date(2027, 10, 11)
    # Days that still hold it are fine.
    response = client.post("/admin/cop13/settings", data={"csrf_token": token, **settings_data(ends_on="2027-10-14")})
    assert response.status_code == 302
