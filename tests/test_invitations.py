"""Accounts from the back office (/admin/users): invitations that set a password once and in time, deactivation."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import g
from flask.testing import FlaskClient
from jinja2 import StrictUndefined
from sqlalchemy import select

from conference.accounts import services
from conference.accounts.models import AccountToken, Role, TokenPurpose, User, UserRole
from conference.core.db import utcnow
from conference.core.i18n import LANGUAGES, force_locale
from conference.core.models import AuditLog, OutgoingMail
from conference.extensions import db
from conference.mail.services import render_mail
from tests.conftest import csrf_token
from tests.factories import PASSWORD, make_conference, make_delegation, make_entity, make_user

ADMIN = "admin@example.org"
NEW_PASSWORD = "a long enough new password"


def fresh() -> None:
    """The tests' requests share the fixture's application context, where Flask-Login keeps the user it loaded and
    Flask-WTF the CSRF token it made: forget both, so that each client's request reads its own cookies."""
    g.pop("_login_user", None)
    g.pop("csrf_token", None)


@pytest.fixture(autouse=True)
def _fresh_requests(monkeypatch):
    """Several browsers in one test: each request starts without what the previous one left in `g`."""
    original = FlaskClient.open

    def open_(self, *args, **kwargs):
        fresh()
        return original(self, *args, **kwargs)

    monkeypatch.setattr(FlaskClient, "open", open_)


def login(client, email, password=PASSWORD):
    return client.post("/login", data={"email": email, "password": password,
                                       "csrf_token": csrf_token(client, "/login")})


def as_admin(client):
    make_user(ADMIN, roles=[Role.ADMIN])
    assert login(client, ADMIN).status_code == 302
    return client


def invite(client, **fields):
    data = {"email": "new.colleague@example.org", "name": "Nadia Haddad", "roles": ["REGISTRATION_OFFICER"],
            "delegation": "0", "language": "fr", "csrf_token": csrf_token(client, "/account")}
    data.update(fields)
    return client.post("/admin/users/invite", data=data)


def mails_to(address: str) -> list[OutgoingMail]:
    return list(db.session.scalars(select(OutgoingMail).where(OutgoingMail.recipient == address)
                                   .order_by(OutgoingMail.id)))


def link_in(mail: OutgoingMail) -> str:
    match = re.search(r"http://localhost(/password/set/[A-Za-z0-9_-]+)", mail.body_text)
    assert match, mail.body_text
    return match.group(1)


def set_password(client, path: str, password: str = NEW_PASSWORD, confirm: str | None = None):
    return client.post(path, data={"password": password, "confirm": password if confirm is None else confirm,
                                   "csrf_token": csrf_token(client, path)})


def actions() -> list[str]:
    return list(db.session.scalars(select(AuditLog.action).order_by(AuditLog.id)))


def test_the_page_lists_the_secretariat_with_roles_and_focal_points_with_their_delegation(client, db_session):
    c = make_conference("cop13")
    delegation = make_delegation(c, make_entity(name="Austria", iso3="AUT"))
    db_session.commit()
    make_user("fp@example.org", roles=[Role.FOCAL_POINT], delegation_id=delegation.id)
    make_user("desk@example.org", roles=[Role.BADGE_DESK, Role.DOOR_STAFF])
    body = as_admin(client).get("/admin/users/").get_data(as_text=True)
    staff, focal = body.split("Focal points</h2>", 1)
    assert "desk@example.org" in staff and "Badge desk, Door staff" in staff and "fp@example.org" not in staff
    assert "fp@example.org" in focal and "cop13 · <bdi>Austria</bdi>" in focal
    assert 'href="/admin/users/"' in client.get("/admin/").get_data(as_text=True)


def test_only_admins_manage_accounts(client, db_session):
    make_user("officer@example.org")
    login(client, "officer@example.org")
    assert client.get("/admin/users/").status_code == 403
    assert invite(client).status_code == 403
    assert db_session.scalar(select(User).where(User.email == "new.colleague@example.org")) is None


def test_an_invitation_sets_a_password_once_through_its_link(app, client, db_session):
    as_admin(client)
    response = invite(client)
    assert response.status_code == 302
    user = db_session.scalar(select(User).where(User.email == "new.colleague@example.org"))
    assert user.roles == {Role.REGISTRATION_OFFICER} and user.name == "Nadia Haddad"
    assert user.password_hash is None and user.invited  # nobody can sign in before the link is used
    assert login(app.test_client(), user.email, "").status_code == 200
    (mail,) = mails_to(user.email)
    assert mail.language == "fr"
    path = link_in(mail)
    token = path.rsplit("/", 1)[1]
    (row,) = db_session.scalars(select(AccountToken)).all()
    # Only the token's hash is kept, with its expiry (72 hours by default) and no use yet.
    assert row.token_hash == services.token_hash(token) and token not in row.token_hash
    assert row.purpose == TokenPurpose.INVITATION and row.used_at is None
    assert timedelta(hours=71) < row.expires_at - utcnow() <= timedelta(hours=72)
    assert "invited; the link works until" in client.get("/admin/users/").get_data(as_text=True)

    invitee = app.test_client()
    page = invitee.get(path)
    assert page.status_code == 200 and "new.colleague@example.org" in page.get_data(as_text=True)
    # Opening the link spends nothing; a password against the rules is said at its field and spends nothing either.
    short = set_password(invitee, path, "too short")
    assert short.status_code == 422 and "at least 12 characters" in short.get_data(as_text=True)
    differ = set_password(invitee, path, NEW_PASSWORD, "something else entirely")
    assert differ.status_code == 422 and "The two passwords differ." in differ.get_data(as_text=True)
    done = set_password(invitee, path)
    assert done.status_code == 302 and done.headers["Location"].startswith("/login")
    db_session.expire_all()
    assert db_session.get(AccountToken, row.id).used_at is not None
    assert db_session.get(User, user.id).password_hash.startswith("$argon2id$")
    assert login(app.test_client(), user.email, NEW_PASSWORD).status_code == 302
    assert actions() == ["user.create", "user.invite", "user.invitation_accepted"]

    # Used once, the link is spent: a page that says so, never a second password.
    again = app.test_client()
    reopened = again.get(path)
    assert reopened.status_code == 410 and "already been used" in reopened.get_data(as_text=True)
    assert again.post(path, data={"password": "yet another password!", "confirm": "yet another password!",
                                  "csrf_token": csrf_token(again, "/login")}).status_code == 410
    assert login(app.test_client(), user.email, NEW_PASSWORD).status_code == 302


def test_the_invitation_email_carries_a_link_and_no_password(client, db_session):
    as_admin(client)
    invite(client, language="es")
    user = db_session.scalar(select(User).where(User.email == "new.colleague@example.org"))
    (mail,) = mails_to(user.email)
    assert mail.language == "es"
    assert "password:" not in mail.body_text.lower() and PASSWORD not in mail.body_text
    assert "/password/set/" in mail.body_text
    # The audit log records the invitation, not the link.
    entry = db_session.scalar(select(AuditLog).where(AuditLog.action == "user.invite"))
    assert entry.actor == ADMIN and entry.after["email"] == user.email
    assert link_in(mail).rsplit("/", 1)[1] not in str(entry.after)


def test_an_expired_link_sets_nothing(app, client, db_session):
    as_admin(client)
    invite(client)
    path = link_in(mails_to("new.colleague@example.org")[0])
    row = db_session.scalar(select(AccountToken))
    row.created_at = utcnow() - timedelta(hours=73)
    row.expires_at = utcnow() - timedelta(seconds=1)
    db_session.commit()
    other = app.test_client()
    page = other.get(path)
    assert page.status_code == 410 and "This link has expired." in page.get_data(as_text=True)
    assert other.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD,
                                  "csrf_token": csrf_token(other, "/login")}).status_code == 410
    db_session.expire_all()
    assert db_session.scalar(select(User).where(User.email == "new.colleague@example.org")).password_hash is None
    # The secretariat sends it again: a new link works, and the list says the old one had expired.
    body = client.get("/admin/users/").get_data(as_text=True)
    assert "the link has expired or been replaced" in body
    user = db_session.scalar(select(User).where(User.email == "new.colleague@example.org"))
    response = client.post(f"/admin/users/{user.id}/invite-again",
                           data={"csrf_token": csrf_token(client, "/admin/users/")})
    assert response.status_code == 302
    new_path = link_in(mails_to(user.email)[-1])
    assert new_path != path
    assert set_password(app.test_client(), new_path).status_code == 302
    assert "user.invite_again" in actions()


def test_a_new_invitation_replaces_the_earlier_link(app, client, db_session):
    as_admin(client)
    invite(client)
    first = link_in(mails_to("new.colleague@example.org")[0])
    user = db_session.scalar(select(User).where(User.email == "new.colleague@example.org"))
    client.post(f"/admin/users/{user.id}/invite-again", data={"csrf_token": csrf_token(client, "/admin/users/")})
    second = link_in(mails_to(user.email)[-1])
    assert app.test_client().get(first).status_code == 410
    assert set_password(app.test_client(), second).status_code == 302


def test_an_unknown_link_is_a_clear_page_never_a_500(app, client, db_session):
    for token in ("nonsense", "x" * 5000, "%C3%A9t%C3%A9", "%00", services.token_hash("abc")):
        response = client.get(f"/password/set/{token}")
        assert response.status_code in (400, 404), (token, response.status_code)
        if response.status_code == 404:
            assert "This link is not valid" in response.get_data(as_text=True)
    assert client.post("/password/set/nonsense", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD,
                                                       "csrf_token": csrf_token(client, "/login")}).status_code == 404


def test_an_address_already_in_use_is_an_error_at_the_field_with_what_was_typed_kept(client, db_session):
    as_admin(client)
    make_user("taken@example.org")
    response = invite(client, email="Taken@Example.org", name="Someone Else")
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(r'<p class="error" id="email-error">an account for taken@example.org already exists', body)
    assert 'value="Someone Else"' in body and 'value="Taken@Example.org"' in body
    assert mails_to("taken@example.org") == [] and "user.invite" not in actions()


def test_bad_invitations_are_errors_at_their_fields(client, db_session):
    c = make_conference("cop13")
    delegation = make_delegation(c, make_entity(name="Austria", iso3="AUT"))
    db_session.commit()
    as_admin(client)
    no_delegation = invite(client, roles=["FOCAL_POINT"])
    assert no_delegation.status_code == 422
    assert 'id="delegation-error">a focal point account belongs to exactly one delegation' in \
        no_delegation.get_data(as_text=True)
    assert invite(client, roles=[]).status_code == 422
    assert invite(client, email="not an address").status_code == 422
    assert invite(client, delegation="999999999999").status_code == 422
    assert invite(client, roles=["NOT_A_ROLE"]).status_code == 422
    assert db_session.scalar(select(User).where(User.email == "new.colleague@example.org")) is None
    # With the delegation, a focal point is invited; the list shows where they belong.
    assert invite(client, roles=["FOCAL_POINT"], delegation=str(delegation.id)).status_code == 302
    user = db_session.scalar(select(User).where(User.email == "new.colleague@example.org"))
    assert user.delegation_id == delegation.id and user.roles == {Role.FOCAL_POINT}
    assert "Austria" in mails_to(user.email)[0].body_text


def test_deactivation_ends_every_sign_in_and_activation_lets_the_account_back(app, client, db_session):
    as_admin(client)
    officer = make_user("officer@example.org")
    elsewhere = app.test_client()
    assert login(elsewhere, officer.email).status_code == 302
    assert elsewhere.get("/admin/").status_code == 200

    token = csrf_token(client, "/admin/users/")
    assert client.post(f"/admin/users/{officer.id}/deactivate", data={"csrf_token": token}).status_code == 302
    assert elsewhere.get("/admin/").status_code == 302  # signed out there at once
    assert login(app.test_client(), officer.email).status_code == 200
    assert "deactivated" in client.get("/admin/users/").get_data(as_text=True)

    assert client.post(f"/admin/users/{officer.id}/activate", data={"csrf_token": token}).status_code == 302
    assert login(app.test_client(), officer.email).status_code == 302
    assert actions()[-2:] == ["user.deactivate", "user.activate"]


def test_nobody_deactivates_their_own_account(client, db_session):
    as_admin(client)
    admin = db_session.scalar(select(User).where(User.email == ADMIN))
    response = client.post(f"/admin/users/{admin.id}/deactivate",
                           data={"csrf_token": csrf_token(client, "/admin/users/")}, follow_redirects=True)
    assert "You cannot deactivate your own account" in response.get_data(as_text=True)
    db_session.expire_all()
    assert db_session.get(User, admin.id).active


def test_a_deactivated_accounts_link_no_longer_works(app, client, db_session):
    as_admin(client)
    invite(client)
    path = link_in(mails_to("new.colleague@example.org")[0])
    user = db_session.scalar(select(User).where(User.email == "new.colleague@example.org"))
    client.post(f"/admin/users/{user.id}/deactivate", data={"csrf_token": csrf_token(client, "/admin/users/")})
    assert app.test_client().get(path).status_code == 410
    # Activated again, the old link stays spent: the secretariat sends a new invitation.
    client.post(f"/admin/users/{user.id}/activate", data={"csrf_token": csrf_token(client, "/admin/users/")})
    assert app.test_client().get(path).status_code == 410


def test_an_unknown_account_id_is_a_404(client, db_session):
    as_admin(client)
    token = csrf_token(client, "/admin/users/")
    assert client.post("/admin/users/424242/deactivate", data={"csrf_token": token}).status_code == 404


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("focal_point", [False, True], ids=["staff", "focal-point"])
def test_the_invitation_email_is_written_in_each_language(app, db_session, language, focal_point):
    c = make_conference("cop13")
    delegation = make_delegation(c, make_entity(name="Austria", iso3="AUT")) if focal_point else None
    user = User(email="nadia@example.org", role_rows=[UserRole(role=Role.BADGE_DESK)])
    context = {"user": user, "link": "http://localhost/password/set/Zq3-token", "expires_at": utcnow(),
               "delegation": delegation, "inviter": None}
    strict = app.jinja_env.overlay(undefined=StrictUndefined)  # a misspelt variable would render as nothing
    with force_locale(language):
        strict.get_template("mail/account_invitation.txt").render(context)
    subject, body, used = render_mail("account_invitation", language, **context)
    english_subject, english_body, _ = render_mail("account_invitation", "en", **context)
    assert used == language and "Zq3-token" in body and "%(" not in body and "{{" not in body
    assert ("Austria" in body) == focal_point
    if language != "en":
        assert subject != english_subject
        english_lines = {line for line in english_body.splitlines() if len(line.split()) > 3}
        assert not [line for line in body.splitlines() if line in english_lines and "Zq3" not in line]
