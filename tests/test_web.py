"""Public pages, the health check, error pages, and a guard on every route."""

from __future__ import annotations

import re
from datetime import UTC

import pytest
from sqlalchemy.exc import OperationalError
from werkzeug.routing import AnyConverter, IntegerConverter

from conference.accounts.models import Role
from tests.conftest import csrf_token
from tests.factories import PASSWORD, make_conference, make_user

# Every route is either marked public on purpose (@public, with the reason) or declares its permission.
SIGNED_IN_ENDPOINTS = {"static", "accounts.logout", "accounts.account", "accounts.sign_out_everywhere_view"}


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "ok"


def test_healthz_says_when_the_database_is_away(client, app, monkeypatch):
    from conference.extensions import db

    def broken(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(db.session, "execute", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert "Nothing was saved" in response.get_data(as_text=True)


def test_home_lists_sessions(client, db_session):
    make_conference("cop12", title="Twelfth session")
    db_session.commit()
    body = client.get("/").get_data(as_text=True)
    assert "Twelfth session" in body and 'href="/cop12/"' in body


def test_conference_page_shows_times_in_the_venue_time_zone(client, db_session):
    from datetime import datetime

    make_conference("cop12", registration_closes_at=datetime(2024, 10, 4, 16, 0, tzinfo=UTC))
    db_session.commit()
    body = client.get("/cop12/").get_data(as_text=True)
    assert "4 Oct 2024, 18:00" in body  # 16:00 UTC is 18:00 in Vienna (CEST)
    assert "Europe/Vienna" in body
    # A visitor finds the way on from here: to registration and to the programme.
    assert 'href="/cop12/register"' in body and 'href="/cop12/programme"' in body


def test_unknown_conference_is_a_404_with_a_message(client):
    response = client.get("/nope/")
    assert response.status_code == 404
    assert "no conference with the code" in response.get_data(as_text=True)


def test_unknown_page_is_a_404(client):
    assert client.get("/no/such/page").status_code == 404


def test_pages_have_a_language_a_title_and_a_skip_link(client):
    body = client.get("/login").get_data(as_text=True)
    assert '<html lang="en"' in body and "<title>Sign in · Plenary</title>" in body
    assert 'href="#main"' in body and 'id="main"' in body
    assert '<label for="email">' in body


def test_every_route_is_public_or_guarded(app):
    """A new route without a permission check fails here."""
    unguarded = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if rule.endpoint in SIGNED_IN_ENDPOINTS or getattr(view, "public_because", None):
            continue
        if getattr(view, "required_permission", None) is None:
            unguarded.append(rule.rule)
    assert unguarded == []


def test_guarded_routes_refuse_anonymous_users_and_the_wrong_roles(app, client, db_session):
    make_user("door@example.org", roles=[Role.DOOR_STAFF])
    guarded = [rule for rule in app.url_map.iter_rules()
               if getattr(app.view_functions[rule.endpoint], "required_permission", None)
               and "GET" in rule.methods and not rule.arguments]
    assert guarded, "expected at least the back office"
    for rule in guarded:
        response = client.get(rule.rule)
        assert response.status_code == 302 and "/login" in response.headers["Location"], rule.rule
    token = csrf_token(client, "/login")
    client.post("/login", data={"email": "door@example.org", "password": PASSWORD, "csrf_token": token})
    from conference.accounts.permissions import ROLE_PERMISSIONS

    for rule in guarded:
        needed = app.view_functions[rule.endpoint].required_permission
        expected = 200 if needed in ROLE_PERMISSIONS[Role.DOOR_STAFF] else 403
        assert client.get(rule.rule).status_code == expected, rule.rule


def _fill(rule) -> str:
    """A concrete URL for a rule: the arguments filled with plausible values (what they point to may not exist)."""
    values = {}
    for name in rule.arguments:
        # IntegerConverter or a subclass of it (the bounded <id:...> converter).
        numeric = isinstance(rule._converters[name], IntegerConverter)
        converter = rule._converters[name]
        if numeric:
            values[name] = 1
        elif isinstance(converter, AnyConverter):
            values[name] = sorted(converter.items)[0]
        else:
            values[name] = {"what": "signup", "code": "cop12", "filename": "x.csv"}.get(name, "x")
    path = rule.rule
    for name, value in values.items():
        path = re.sub(rf"<(?:[^:<>]+:)?{name}(?:\([^)]*\))?>", str(value), path)
    return path


@pytest.mark.parametrize("role", [None, *Role], ids=lambda r: r.value if r else "anonymous")
def test_every_guarded_route_for_every_role(app, client, db_session, role):
    """Every route of the URL map, for each role and for anonymous users: refused unless the role may."""
    from conference.accounts.permissions import ROLE_PERMISSIONS
    from tests.factories import make_delegation, make_entity

    c = make_conference("cop12")
    delegation = make_delegation(c, make_entity(iso3="AUT"))
    db_session.commit()
    if role is not None:
        make_user("walker@example.org", roles=[role], delegation_id=delegation.id if role == Role.FOCAL_POINT else None)
        client.post("/login", data={"email": "walker@example.org", "password": PASSWORD,
                                    "csrf_token": csrf_token(client, "/login")})
    token = csrf_token(client, "/cop12/register/state")
    checked = 0
    for rule in app.url_map.iter_rules():
        needed = getattr(app.view_functions[rule.endpoint], "required_permission", None)
        if needed is None:
            continue
        path = _fill(rule)
        method = "GET" if "GET" in rule.methods else "POST"
        response = client.open(path, method=method, data={"csrf_token": token} if method == "POST" else None)
        checked += 1
        if role is None:
            assert response.status_code == 302 and "/login" in response.headers["Location"], (path, method)
        elif needed in ROLE_PERMISSIONS[role]:
            assert response.status_code not in (302, 403) or "/login" not in response.headers.get("Location", ""), \
                (path, method, response.status_code)
            assert response.status_code != 403, (path, method)
        else:
            assert response.status_code == 403, (path, method, response.status_code)
    assert checked >= 20
