"""A delegation of thousands and the registration queue stay fast: members come 100 a page with counts by status, the
queue's count is kept by version, and each page costs the same number of queries whatever the number of people."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from flask import g
from sqlalchemy import event

from conference.accounts.models import Role
from conference.extensions import db
from conference.registration import services
from conference.registration.models import EntityType, RegionalGroup, RegistrationStatus
from conference.registration.web import MEMBERS_PER_PAGE
from tests.factories import make_conference, make_delegation, make_entity, make_registration, make_user
from tests.test_accounts import login

S = RegistrationStatus


def _people(d, n: int, status: S = S.APPROVED, start: int = 0):
    return [make_registration(d, status=status, family_name=f"Member{start + i:04d}",
                              submitted_at=datetime(2024, 9, 1, tzinfo=UTC) + timedelta(minutes=i)) for i in range(n)]


@pytest.fixture
def cop(db_session):
    c = make_conference("cop94")
    italy = make_delegation(c, make_entity(EntityType.STATE, "Italy", "ITA", RegionalGroup.WEOG))
    make_user("officer@example.org")
    db_session.commit()
    return {"c": c, "d": italy}


def _names(html: str) -> list[str]:
    return re.findall(r"Member\d{4}", html)


def test_a_delegation_page_shows_its_members_a_page_at_a_time_with_counts(client, cop, db_session):
    people = _people(cop["d"], MEMBERS_PER_PAGE + 30) + _people(cop["d"], 7, S.SUBMITTED, start=500)
    db_session.commit()
    login(client, "officer@example.org")
    url = f"/admin/cop94/delegations/{cop['d'].id}"
    first = client.get(url).get_data(as_text=True)
    newest_first = [p.family_name for p in sorted(people, key=lambda p: p.id, reverse=True)]
    assert _names(first) == newest_first[:MEMBERS_PER_PAGE]
    assert "(137)" in first and "(130)" in first and "(7)" in first  # all, approved, submitted
    assert "page 1 of 2" in first and "page=2" in first
    assert "137 places used" in first  # from the same counts (all these statuses hold a place)
    second = client.get(url + "?page=2").get_data(as_text=True)
    assert _names(second) == newest_first[MEMBERS_PER_PAGE:]  # the next people, nobody twice or left out
    submitted = client.get(url + "?status=SUBMITTED").get_data(as_text=True)
    assert _names(submitted) == [p.family_name for p in people if p.status == S.SUBMITTED][::-1]
    assert "page 1 of" not in submitted


def test_the_status_filter_is_kept_from_one_page_to_the_next(client, cop, db_session):
    _people(cop["d"], MEMBERS_PER_PAGE + 5, S.SUBMITTED)
    _people(cop["d"], 20, start=800)
    db_session.commit()
    login(client, "officer@example.org")
    url = f"/admin/cop94/delegations/{cop['d'].id}"
    first = client.get(url + "?status=SUBMITTED").get_data(as_text=True)
    link = re.search(r'href="([^"]*page=2[^"]*)"', first).group(1).replace("&amp;", "&")
    assert "status=SUBMITTED" in link
    second = client.get(link).get_data(as_text=True)
    assert len(_names(second)) == 5 and not any(n >= "Member0800" for n in _names(second))


def test_the_focal_point_page_is_paged_too(client, cop, db_session):
    _people(cop["d"], MEMBERS_PER_PAGE + 3)
    make_user("fp@example.org", roles=[Role.FOCAL_POINT], delegation_id=cop["d"].id)
    db_session.commit()
    login(client, "fp@example.org")
    first, second = client.get("/focal/").get_data(as_text=True), client.get("/focal/?page=2").get_data(as_text=True)
    assert len(_names(first)) == MEMBERS_PER_PAGE and len(_names(second)) == 3
    assert not set(_names(first)) & set(_names(second))
    assert "103 registrations" in first


def test_the_queue_count_follows_every_change(app, client, cop, db_session, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_CACHE_SIZE", 256)
    app.extensions.pop("plenary_registration_count_cache", None)
    _people(cop["d"], 3)
    db_session.commit()
    login(client, "officer@example.org")
    assert "3 registrations" in client.get("/admin/cop94/registrations").get_data(as_text=True)
    _people(cop["d"], 2, start=100)
    db_session.commit()
    assert "5 registrations" in client.get("/admin/cop94/registrations").get_data(as_text=True)
    assert "5 registrations" in client.get("/admin/cop94/registrations?group=WEOG").get_data(as_text=True)
    italy = db.session.get(type(cop["d"].entity), cop["d"].entity_id)
    italy.regional_group = RegionalGroup.GRULAC  # the filter reads the entity: its change counts again too
    db_session.commit()
    assert "No registration matches" in client.get("/admin/cop94/registrations?group=WEOG").get_data(as_text=True)
    app.extensions.pop("plenary_registration_count_cache", None)


class Queries:
    def __init__(self):
        self.statements = []

    def __enter__(self):
        event.listen(db.engine, "before_cursor_execute", self._seen)
        return self

    def _seen(self, _conn, _cursor, statement, *_):
        if statement.split()[0].upper() not in ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"):
            self.statements.append(statement)

    def __exit__(self, *exc):
        event.remove(db.engine, "before_cursor_execute", self._seen)


def _queries(client, url: str) -> int:
    g.pop("_login_user", None)  # the test's application context outlives requests: load the user as a request does
    db.session.expire_all()
    with Queries() as q:
        assert client.get(url).status_code == 200
    return q.statements


@pytest.mark.parametrize("page", ["queue", "delegation", "focal"])
def test_a_page_costs_the_same_queries_for_10_and_for_200_people(client, cop, db_session, page):
    d = cop["d"]
    make_user("fp@example.org", roles=[Role.FOCAL_POINT], delegation_id=d.id)
    other = make_delegation(cop["c"], make_entity(EntityType.IGO, "UNEP"))
    _people(d, 10)
    _people(other, 2, start=900)
    db_session.commit()
    login(client, "fp@example.org" if page == "focal" else "officer@example.org")
    url = {"queue": "/admin/cop94/registrations", "delegation": f"/admin/cop94/delegations/{d.id}",
           "focal": "/focal/"}[page]
    few = _queries(client, url)
    _people(d, 190, start=1000)
    db_session.commit()
    many = _queries(client, url)
    assert len(many) == len(few), "\n\n".join(many)
    assert services.delegation_counts(d.id) == {S.APPROVED: 200}


@pytest.fixture
def kept_pages(app, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_CACHE_SIZE", 256)
    names = ("registration_page", "delegation_rows", "delegation_forms", "registration_count")
    for name in names:
        app.extensions.pop(f"plenary_{name}_cache", None)
    yield
    for name in names:
        app.extensions.pop(f"plenary_{name}_cache", None)


def test_the_kept_rows_change_right_after_a_registration_does(client, cop, db_session, kept_pages, monkeypatch):
    first, = _people(cop["d"], 1, S.SUBMITTED)
    db_session.commit()
    login(client, "officer@example.org")
    queue, delegation = "/admin/cop94/registrations", f"/admin/cop94/delegations/{cop['d'].id}"
    assert "Submitted" in client.get(queue).get_data(as_text=True)
    client.get(delegation)
    search = services.search
    monkeypatch.setattr(services, "search", lambda *a, **k: pytest.fail("the rows were read again"))
    assert "Member0000" in client.get(queue).get_data(as_text=True)  # kept: no query for the rows
    assert "Member0000" in client.get(delegation).get_data(as_text=True)
    monkeypatch.setattr(services, "search", search)
    first.family_name = "Renamed"
    _people(cop["d"], 1, start=42)
    db_session.commit()
    for url in (queue, delegation):
        html = client.get(url).get_data(as_text=True)
        assert "Renamed" in html and "Member0042" in html and "Member0000" not in html
    assert "(2)" in client.get(delegation).get_data(as_text=True)
