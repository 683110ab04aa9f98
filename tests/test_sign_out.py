"""Signing out, a new password, deactivation and "sign out everywhere" end every sign-in, copied cookies included."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import g
from sqlalchemy import select

from conference.accounts import services
from conference.accounts.models import User
from conference.core.models import AuditLog
from tests.conftest import csrf_token
from tests.factories import PASSWORD, make_user

EMAIL = "officer@example.org"


def sign_in(client):
    token = csrf_token(client, "/login")
    response = client.post("/login", data={"email": EMAIL, "password": PASSWORD, "remember": "y",
                                           "csrf_token": token})
    assert response.status_code == 302
    return client.get_cookie("session").value, client.get_cookie("remember_token").value


def with_cookie(app, name: str, value: str):
    """Another browser holding a copy of one cookie, and nothing else."""
    other = app.test_client()
    other.set_cookie(name, value)
    return other


def opens_the_back_office(client) -> bool:
    # The tests' requests share the fixture's application context, where Flask-Login keeps the user it loaded:
    # forget it, so that each request loads its user from its own cookies, as in a real request.
    g.pop("_login_user", None)
    response = client.get("/admin/")
    assert response.status_code in (200, 302), response.status_code
    return response.status_code == 200


def end_by_signing_out(client, app):
    client.post("/logout", data={"csrf_token": csrf_token(client, "/admin/")})


def end_by_new_password(client, app):
    services.set_password(EMAIL, "another long password 2")


def end_by_deactivation(client, app):
    services.set_active(EMAIL, False)


def end_everywhere(client, app):
    response = client.post("/account/sign-out-everywhere", data={"csrf_token": csrf_token(client, "/account")})
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("end", [end_by_signing_out, end_by_new_password, end_by_deactivation, end_everywhere],
                         ids=["sign-out", "new-password", "deactivation", "sign-out-everywhere"])
def test_copied_cookies_stop_opening_the_back_office(app, client, db_session, end):
    make_user(EMAIL)
    session_cookie, remember_cookie = sign_in(client)
    # The copies work while the sign-in lasts (so that what follows proves something), and no cookie is no sign-in.
    assert not opens_the_back_office(app.test_client())
    assert opens_the_back_office(with_cookie(app, "session", session_cookie))
    assert opens_the_back_office(with_cookie(app, "remember_token", remember_cookie))

    end(client, app)
    db_session.commit()

    assert not opens_the_back_office(client)
    assert not opens_the_back_office(with_cookie(app, "session", session_cookie))
    assert not opens_the_back_office(with_cookie(app, "remember_token", remember_cookie))
    both = with_cookie(app, "session", session_cookie)
    both.set_cookie("remember_token", remember_cookie)
    assert not opens_the_back_office(both)


def test_signing_in_again_works_after_everything_ended(app, client, db_session):
    make_user(EMAIL)
    sign_in(client)
    end_everywhere(client, app)
    assert not opens_the_back_office(client)
    sign_in(client)
    assert opens_the_back_office(client)
    actions = db_session.scalars(select(AuditLog.action).where(AuditLog.object_type == "User")).all()
    assert "user.sign_out_everywhere" in actions


def test_the_account_page_offers_sign_out_everywhere(client, db_session):
    make_user(EMAIL)
    sign_in(client)
    body = client.get("/account").get_data(as_text=True)
    assert EMAIL in body and "/account/sign-out-everywhere" in body
    assert 'href="/account"' in client.get("/admin/").get_data(as_text=True)


def test_a_cookie_from_before_versions_asks_to_sign_in_again(app, db_session):
    user = make_user(EMAIL)
    from flask_login import decode_cookie, encode_cookie  # noqa: F401  (the same signing Flask-Login uses)

    old = app.test_client()
    old.set_cookie("remember_token", encode_cookie(str(user.id)))
    assert not opens_the_back_office(old)
    assert services.user_for_session(f"{user.id}:{user.session_version}") is user
    for bad in ("", "x:1", f"{user.id}:", f"{user.id}:99", "99999999999:1", f"{user.id}:1:1"):
        assert services.user_for_session(bad) is None


def test_deactivation_from_the_command_line(runner, client, db_session):
    make_user(EMAIL)
    sign_in(client)
    result = runner.invoke(args=["users", "deactivate", EMAIL])
    assert result.exit_code == 0 and "every sign-in" in result.output
    assert not opens_the_back_office(client)
    assert db_session.scalar(select(User.active).where(User.email == EMAIL)) is False
    assert runner.invoke(args=["users", "activate", EMAIL]).exit_code == 0
    sign_in(client)
    assert opens_the_back_office(client)
    result = runner.invoke(args=["users", "deactivate", "nobody@example.org"])
    assert result.exit_code == 1 and "no account" in result.output + (result.stderr or "")


def test_remember_me_cookie_is_bounded_lax_and_http_only(app, client, db_session):
    assert app.config["REMEMBER_COOKIE_DURATION"] == timedelta(days=14)
    make_user(EMAIL)
    token = csrf_token(client, "/login")
    response = client.post("/login", data={"email": EMAIL, "password": PASSWORD, "remember": "y",
                                           "csrf_token": token})
    header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("remember_token="))
    assert "HttpOnly" in header and "SameSite=Lax" in header
    assert "Max-Age=1209600" in header or "Expires=" in header
