"""The per-process caches (core/versioned.py) tell a session from a deleted one that had the same id: SQLite gives a
deleted session's id to the next session made, whose versions can be the same as the old one's, and the new session's
programme page, feed, queue count and ETag must be its own, never the old session's kept ones."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from sqlalchemy import delete, text

from conference.conferences.models import Conference, Room
from conference.core.db import utcnow
from conference.extensions import db
from conference.programme.models import Session
from conference.registration.models import Delegation, EntityType, Registration
from conference.registration.services import queries
from tests.factories import make_conference, make_delegation, make_entity, make_registration, make_room, make_session

CODE = "cop95"


@pytest.fixture
def caches_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_CACHE_SIZE", 256)
    monkeypatch.setitem(app.config, "FEED_CACHE_SIZE", 256)


def _session_with(title: str, registrations: int, conference_id: int | None = None) -> Conference:
    extra = {"id": conference_id} if conference_id else {}
    c = make_conference(CODE, starts_on=date(2024, 10, 25), ends_on=date(2024, 10, 29), **extra)
    make_session(c, make_room(c, "m1", 120), title=title, day=date(2024, 10, 25), start=time(13, 15),
                 end=time(14, 45), published_at=utcnow() - timedelta(days=3))
    delegation = make_delegation(c, make_entity(EntityType.STATE))
    for _ in range(registrations):
        make_registration(delegation)
    db.session.commit()
    return c


def _delete(conference_id: int) -> None:
    """What deleting a session removes, children first (SQLite here does not cascade)."""
    delegations = db.session.scalars(db.select(Delegation.id).where(Delegation.conference_id == conference_id)).all()
    db.session.execute(delete(Registration).where(Registration.delegation_id.in_(delegations)))
    for model in (Delegation, Session, Room):
        db.session.execute(delete(model).where(model.conference_id == conference_id))
    db.session.execute(delete(Conference).where(Conference.id == conference_id))
    db.session.commit()


def test_a_new_session_with_a_deleted_ones_id_and_versions_is_served_its_own_pages(client, caches_on):
    old = _session_with("Old side event", registrations=3)
    old_id, versions = old.id, (old.programme_version, old.agenda_version)
    page = client.get(f"/{CODE}/programme").get_data(as_text=True)
    feed = client.get(f"/{CODE}/programme.ics")
    assert "Old side event" in page and "Old side event" in feed.get_data(as_text=True)
    assert queries.count_matches(old, queries.QueueFilters()) == 3

    _delete(old_id)
    db.session.expunge_all()
    new = _session_with("New side event", registrations=1, conference_id=old_id)
    # The same id (SQLite gives it again; PostgreSQL is told to) and the same versions as the deleted session.
    with db.engine.begin() as conn:  # by hand, past the listeners that bump the versions with every change
        conn.execute(text("UPDATE conference SET programme_version = :p, agenda_version = :a WHERE id = :id"),
                     {"p": versions[0], "a": versions[1], "id": old_id})
    db.session.expire_all()
    assert (new.id, new.programme_version, new.agenda_version) == (old_id, *versions)

    page = client.get(f"/{CODE}/programme").get_data(as_text=True)
    assert "New side event" in page and "Old side event" not in page
    again = client.get(f"/{CODE}/programme.ics", headers={"If-None-Match": feed.headers["ETag"]})
    assert again.status_code == 200 and "New side event" in again.get_data(as_text=True)
    assert "Old side event" not in again.get_data(as_text=True)
    assert queries.count_matches(new, queries.QueueFilters()) == 1


def test_sqlite_gives_a_deleted_sessions_id_to_the_next_one(app):
    """Why the key carries the creation time: on SQLite the next session really gets the deleted one's id."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL's sequences never give an id twice")
    old_id = _session_with("Old side event", registrations=0).id
    _delete(old_id)
    db.session.expunge_all()
    assert _session_with("New side event", registrations=0).id == old_id
