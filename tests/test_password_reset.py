"""Password reset by e-mail: the same answer for any address, a link that works once and in time, throttled."""

from __future__ import annotations

import re
import uuid

import pytest
from sqlalchemy import select

from conference import create_app
from conference.accounts import services
from conference.accounts.models import AccountToken, User
from conference.core.db import utcnow
from conference.core.i18n import LANGUAGES
from conference.extensions import db, limiter
from conference.mail.services import render_mail
from tests.conftest import _clean, csrf_token
from tests.factories import PASSWORD, make_user
from tests.test_invitations import NEW_PASSWORD, _fresh_requests, link_in, login, mails_to, set_password  # noqa: F401

EMAIL = "officer@example.org"


def ask(client, email: str):
    return client.post("/password/forgot", data={"email": email, "csrf_token": csrf_token(client, "/password/forgot")},
                       follow_redirects=True)


def post_password(client, path: str):
    return client.post(path, data={"password": "another long password", "confirm": "another long password",
                                   "csrf_token": csrf_token(client, "/login")})


def test_the_sign_in_page_leads_to_the_reset(client):
    assert 'href="/password/forgot"' in client.get("/login").get_data(as_text=True)


def test_a_known_and_an_unknown_address_get_the_same_answer(app, client, db_session, monkeypatch):
    make_user(EMAIL)
    hashed = []
    monkeypatch.setattr(services, "token_hash", lambda t, _h=services.token_hash: hashed.append(t) or _h(t))
    known, unknown = ask(client, EMAIL), ask(app.test_client(), "nobody@example.org")
    assert known.status_code == unknown.status_code == 200
    def page(response, address):  # the page, without the address typed and each browser's own CSRF token
        return re.sub(r'name="csrf_token"[^>]*>', "", response.get_data(as_text=True).replace(address, "X"))

    assert page(known, EMAIL) == page(unknown, "nobody@example.org")
    assert len(mails_to(EMAIL)) == 1 and mails_to("nobody@example.org") == []
    assert len(hashed) == 2  # a token drawn and hashed either way: no shortcut for unknown addresses


def test_a_reset_link_sets_a_new_password_once_and_ends_every_sign_in(app, client, db_session):
    make_user(EMAIL)
    signed_in = app.test_client()
    assert login(signed_in, EMAIL).status_code == 302
    ask(client, EMAIL)
    path = link_in(mails_to(EMAIL)[0])
    assert set_password(app.test_client(), path).status_code == 302
    assert signed_in.get("/admin/").status_code == 302  # the session version was raised
    assert login(app.test_client(), EMAIL, PASSWORD).status_code == 200
    assert login(app.test_client(), EMAIL, NEW_PASSWORD).status_code == 302
    assert app.test_client().get(path).status_code == 410  # used
    assert post_password(app.test_client(), path).status_code == 410


def test_an_expired_reset_link_sets_nothing(app, client, db_session):
    make_user(EMAIL)
    ask(client, EMAIL)
    path = link_in(mails_to(EMAIL)[0])
    row = db_session.scalar(select(AccountToken))
    assert (row.expires_at - row.created_at).total_seconds() == 3600  # PASSWORD_RESET_VALID_MINUTES, 60
    row.created_at, row.expires_at = utcnow().replace(year=2020), utcnow().replace(year=2021)
    db_session.commit()
    assert post_password(app.test_client(), path).status_code == 410
    assert login(app.test_client(), EMAIL, PASSWORD).status_code == 302


def test_a_deactivated_account_gets_no_link(app, client, db_session):
    make_user(EMAIL)
    services.set_active(EMAIL, False)
    db_session.commit()
    assert ask(client, EMAIL).status_code == 200
    assert mails_to(EMAIL) == []


@pytest.fixture
def limited(database, tmp_path):
    url, engine_options = database
    enabled = limiter.enabled
    app = create_app({"PLENARY_ENV": "testing", "DATABASE_URL": url,
                      "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, **engine_options},
                      "UPLOAD_FOLDER": str(tmp_path / "uploads"), "MAIL_OUTBOX": str(tmp_path / "outbox"),
                      "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://",
                      "RATELIMIT_KEY_PREFIX": uuid.uuid4().hex})
    with app.app_context():
        db.create_all()
        try:
            yield app
        finally:
            db.session.remove()
            _clean(app)
            db.engine.dispose()
            limiter.enabled = enabled


def from_address(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_asking_is_throttled_per_address_and_per_client(limited):
    # One address from many machines: three an hour.
    codes = [ask(from_address(limited, f"10.0.0.{n}"), EMAIL).status_code for n in range(4)]
    assert codes == [200, 200, 200, 429]
    # Many addresses from one machine: ten an hour.
    client = from_address(limited, "10.0.1.1")
    codes = [ask(client, f"person{n}@example.org").status_code for n in range(11)]
    assert codes == [200] * 10 + [429]
    assert client.get("/password/forgot").status_code == 200  # reading the page is never limited
    assert db.session.scalar(select(User)) is None


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_reset_email_is_written_in_each_language(app, language):
    context = {"user": None, "link": "http://localhost/password/set/Zq3-token", "expires_at": utcnow()}
    subject, body, used = render_mail("account_password_reset", language, **context)
    english_subject, english_body, _ = render_mail("account_password_reset", "en", **context)
    assert used == language and "Zq3-token" in body and "%(" not in body
    if language != "en":
        assert subject != english_subject
        english_lines = {line for line in english_body.splitlines() if len(line.split()) > 3}
        assert not [line for line in body.splitlines() if line in english_lines and "Zq3" not in line]
