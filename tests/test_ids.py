"""Ids out of range never reach the database: every route taking an id answers 404, never a 500.

PostgreSQL's integer columns hold up to 2**31 - 1 and SQLite's up to 2**63 - 1; a larger number in an address
used to reach the query and fail there. The routes' ids go through one bounded converter (`<id:...>`); the
parametrized test below walks every rule of the application, so that a route added later is covered too.
"""

from __future__ import annotations

import re

import pytest
from werkzeug.exceptions import NotFound
from werkzeug.routing.converters import NumberConverter

from conference import create_app
from conference.accounts.models import Role
from conference.core.routing import MAX_ID
from tests.conftest import csrf_token
from tests.factories import PASSWORD, make_conference, make_delegation, make_entity, make_registration, make_user

TOO_LARGE = ("3000000000", "9" * 20)


def _id_rules():
    """Every (rule, method, names of its numeric parts) of the application, built once without a database."""
    app = create_app({"PLENARY_ENV": "testing", "DATABASE_URL": "sqlite://"})
    out = []
    for rule in app.url_map.iter_rules():
        numeric = [name for name, conv in rule._converters.items() if isinstance(conv, NumberConverter)]
        if numeric:
            method = "GET" if "GET" in rule.methods else "POST"
            out.append(pytest.param(rule.rule, method, numeric, id=f"{method} {rule.rule}"))
    return out


ID_RULES = _id_rules()


def test_every_numeric_part_of_an_address_is_bounded():
    app = create_app({"PLENARY_ENV": "testing", "DATABASE_URL": "sqlite://"})
    assert ID_RULES, "no route takes an id?"
    for rule in app.url_map.iter_rules():
        for name, conv in rule._converters.items():
            if isinstance(conv, NumberConverter):
                assert conv.max is not None and conv.max <= MAX_ID, f"{rule.rule}: <{name}> is unbounded"


@pytest.fixture
def world(app, db_session):
    c = make_conference("cop12")
    d = make_delegation(c, make_entity(name="Austria", iso3="AUT"))
    r = make_registration(d)
    make_user("admin@example.org", roles=[Role.ADMIN])
    make_user("focal@example.org", roles=[Role.FOCAL_POINT], delegation_id=d.id)
    db_session.commit()
    return c, r


def _login(client, email):
    client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": csrf_token(client, "/login")})


@pytest.mark.parametrize("rule, method, numeric", ID_RULES)
def test_ids_too_large_for_the_database_are_not_found(world, app, monkeypatch, rule, method, numeric):
    conference, registration = world
    values = {"code": conference.code, "token": registration.status_token, "what": "signup", "door": "gate"}
    # Signed in with the role the route asks for (public routes ignore it).
    email = "focal@example.org" if rule.startswith("/focal/") else "admin@example.org"
    client = app.test_client()
    _login(client, email)
    # Without the CSRF check from here on, so that a POST reaches its view as a browser's would.
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    for number in TOO_LARGE:
        path = rule
        for name, conv in list(_parts(rule)):
            path = path.replace(conv, number if name in numeric else str(values.get(name, "x")))
        response = client.open(path, method=method)
        assert response.status_code == 404, f"{method} {path} as {email}: {response.status_code}"


def _parts(rule: str):
    """The <...> parts of a rule, as (name, the part as written)."""
    for match in re.finditer(r"<(?:[^:>]+:)?([^>]+)>", rule):
        yield match.group(1), match.group(0)


def test_the_converter_takes_exactly_the_ids_the_database_holds():
    app = create_app({"PLENARY_ENV": "testing", "DATABASE_URL": "sqlite://"})
    urls = app.url_map.bind("localhost")
    assert urls.match("/cop12/sessions/2147483647")[1] == {"code": "cop12", "session_id": 2147483647}
    assert urls.match("/cop12/sessions/1")[1]["session_id"] == 1
    for path in ("/cop12/sessions/2147483648", "/cop12/sessions/0", "/cop12/sessions/007", "/cop12/sessions/-1",
                 "/cop12/sessions/" + "9" * 20, "/cop12/sessions/٣"):
        with pytest.raises(NotFound):
            urls.match(path)
