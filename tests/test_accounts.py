"""Signing in and out, roles, and accounts from the command line."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from conference.accounts.models import Role, User
from conference.accounts.permissions import ROLE_PERMISSIONS, Permission, can
from conference.accounts.views import safe_next
from conference.core.models import AuditLog
from tests.conftest import csrf_token
from tests.factories import PASSWORD, make_conference, make_delegation, make_entity, make_user


def login(client, email, password=PASSWORD, next_=None):
    token = csrf_token(client, "/login")
    path = "/login" + (f"?next={next_}" if next_ else "")
    return client.post(path, data={"email": email, "password": password, "csrf_token": token})


def test_back_office_needs_a_sign_in(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_sign_in_and_out(client, db_session):
    make_user("officer@example.org")
    response = login(client, "Officer@Example.org", next_="/admin/")
    assert response.status_code == 302 and response.headers["Location"] == "/admin/"
    page = client.get("/admin/")
    assert page.status_code == 200 and "Back office" in page.get_data(as_text=True)
    assert db_session.scalar(select(User.last_login_at)) is not None

    token = csrf_token(client, "/admin/")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/admin/").status_code == 302


def test_a_wrong_password_says_so_and_keeps_the_email(client, db_session):
    make_user("officer@example.org")
    response = login(client, "officer@example.org", "wrong password!!")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "The e-mail address or the password is not right." in body
    assert 'value="officer@example.org"' in body
    assert client.get("/admin/").status_code == 302


def test_an_unknown_account_gets_the_same_message(client):
    body = login(client, "nobody@example.org").get_data(as_text=True)
    assert "The e-mail address or the password is not right." in body


def test_a_deactivated_account_cannot_sign_in(client, db_session):
    user = make_user("gone@example.org")
    user.active = False
    db_session.commit()
    assert "not right" in login(client, "gone@example.org").get_data(as_text=True)


def test_posting_without_csrf_token_is_refused(client, db_session):
    make_user("officer@example.org")
    response = client.post("/login", data={"email": "officer@example.org", "password": PASSWORD})
    assert response.status_code == 400
    assert "Nothing was saved" in response.get_data(as_text=True)


def test_open_redirects_are_ignored(client, db_session):
    make_user("officer@example.org")
    response = login(client, "officer@example.org", next_="https://evil.example/")
    assert response.headers["Location"] == "/admin/"


@pytest.mark.parametrize("target, expected", [
    ("/admin/", "/admin/"), ("/cop12/programme?day=2", "/cop12/programme?day=2"),
    ("//evil.example", None), ("https://evil.example/x", None), ("/\\evil.example", None),
    ("javascript:alert(1)", None), ("", None), (None, None), ("admin", None),
])
def test_safe_next(target, expected):
    assert safe_next(target) == expected


def test_door_staff_cannot_open_the_back_office(client, db_session):
    make_user("door@example.org", roles=[Role.DOOR_STAFF])
    login(client, "door@example.org")
    assert client.get("/admin/").status_code == 403


def test_permissions_by_role(db_session):
    c = make_conference()
    d = make_delegation(c, make_entity(iso3="AUT"))
    officer = make_user("o@example.org", roles=[Role.REGISTRATION_OFFICER])
    focal = make_user("f@example.org", roles=[Role.FOCAL_POINT], delegation_id=d.id)
    both = make_user("b@example.org", roles=[Role.BADGE_DESK, Role.DOOR_STAFF])
    admin = make_user("a@example.org", roles=[Role.ADMIN])
    assert can(officer, Permission.VIEW_SENSITIVE_DATA) and not can(officer, Permission.PRINT_BADGES)
    assert can(focal, Permission.MANAGE_DELEGATION) and not can(focal, Permission.VIEW_BACK_OFFICE)
    assert can(both, Permission.PRINT_BADGES) and can(both, Permission.CHECK_IN)
    assert not can(both, Permission.VIEW_SENSITIVE_DATA)
    assert all(can(admin, p) for p in Permission if p != Permission.MANAGE_DELEGATION)
    assert not can(admin, Permission.MANAGE_DELEGATION)  # that is a focal point's, for one delegation
    assert not can(None, Permission.CHECK_IN)
    assert set(ROLE_PERMISSIONS) == set(Role)


def test_create_user_command(runner, db_session):
    result = runner.invoke(args=["users", "create", "New.Officer@example.org", "--role", "registration-officer",
                                 "--role", "badge_desk", "--password-stdin"], input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    user = db_session.scalar(select(User).where(User.email == "new.officer@example.org"))
    assert user.roles == {Role.REGISTRATION_OFFICER, Role.BADGE_DESK}
    assert user.password_hash.startswith("$argon2id$")
    assert db_session.scalar(select(AuditLog.action).where(AuditLog.object_id == user.id)) == "user.create"


def test_create_user_generates_a_password_when_none_is_given(runner, client, db_session):
    result = runner.invoke(args=["users", "create", "gen@example.org", "--role", "admin"])
    assert result.exit_code == 0
    password = result.output.split("password: ")[1].strip()
    assert login(client, "gen@example.org", password).status_code == 302


@pytest.mark.parametrize("args, message", [
    (["users", "create", "x@example.org", "--role", "pope"], "unknown role 'pope'"),
    (["users", "create", "not-an-email", "--role", "admin"], "is not a valid e-mail address"),
    (["users", "create", "x@example.org", "--role", "focal-point"], "needs --conference and --entity"),
])
def test_create_user_command_errors(runner, args, message):
    result = runner.invoke(args=args)
    assert result.exit_code == 1
    assert message in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_create_user_refuses_duplicates_and_short_passwords(runner, db_session):
    make_user("dup@example.org")
    result = runner.invoke(args=["users", "create", "dup@example.org", "--role", "admin"])
    assert result.exit_code == 1 and "already exists" in result.output
    result = runner.invoke(args=["users", "create", "short@example.org", "--role", "admin", "--password-stdin"],
                           input="short\n")
    assert result.exit_code == 1 and "at least 12 characters" in result.output


def test_focal_point_needs_an_existing_delegation(runner, db_session):
    c = make_conference("cop12")
    make_delegation(c, make_entity(iso3="ITA", name="Italy"))
    db_session.commit()
    result = runner.invoke(args=["users", "create", "fp@example.org", "--role", "focal-point",
                                 "--conference", "cop12", "--entity", "ita"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["users", "create", "fp2@example.org", "--role", "focal-point",
                                 "--conference", "cop12", "--entity", "FRA"])
    assert result.exit_code == 1 and "no delegation of 'FRA'" in result.output


def test_ensure_admin_creates_one_admin_once(runner, client, db_session):
    first = runner.invoke(args=["users", "ensure-admin"])
    assert first.exit_code == 0 and "with the password" in first.output
    password = first.output.rsplit("with the password ", 1)[1].strip()
    second = runner.invoke(args=["users", "ensure-admin"])
    assert "password set earlier" in second.output
    assert len(db_session.scalars(select(User)).all()) == 1
    assert login(client, "admin@plenary.example", password).status_code == 302
