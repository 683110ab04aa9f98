"""Absolute links come from PUBLIC_URL, never from the Host header; other hosts are refused (production too)."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import time
from pathlib import Path

import pytest
from sqlalchemy import select

from conference import create_app
from conference.config import ConfigError, load_config
from conference.core.models import OutgoingMail
from conference.extensions import db
from conference.programme import services
from conference.programme.models import SessionSignup, SignupStatus
from tests.factories import make_registration
from tests.test_programme import accepted, at, cop  # noqa: F401  (fixture)

ROOT = Path(__file__).resolve().parent.parent
PUBLIC = "https://plenary.example.org"


@contextmanager
def production_app(database, tmp_path, **settings):
    """The application as production configures it, on the test database (its tables already made).

    Read what the test needs from objects of the testing application before entering: their session would load
    through this application's engine and keep a connection open.
    """
    url, engine_options = database
    app = create_app({"PLENARY_ENV": "production", "SECRET_KEY": "s" * 40, "DATABASE_URL": url,
                      "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, **engine_options},
                      "PUBLIC_URL": PUBLIC, "TRUSTED_HOSTS": "plenary-internal.example",
                      "MAIL_OUTBOX": str(tmp_path / "outbox"), "UPLOAD_FOLDER": str(tmp_path / "uploads"),
                      # Flask-Limiter keeps "enabled" on its one shared object: left on, it would throttle the
                      # sign-ins of every test that runs after this one in the process.
                      "RATELIMIT_ENABLED": False,
                      **settings})
    with app.app_context():
        try:
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()


def page_post(client, host: str, page: str, action: str):
    """GET the page then POST its form, both to `host` over HTTPS as a browser would (Referer included)."""
    base = f"https://{host}"
    body = client.get(page, base_url=base).get_data(as_text=True)
    token = body.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    return client.post(action, base_url=base, data={"csrf_token": token}, headers={"Referer": base + page})


def test_production_refuses_to_start_without_a_public_url(tmp_path, monkeypatch):
    monkeypatch.delenv("PUBLIC_URL", raising=False)
    with pytest.raises(ConfigError, match="PUBLIC_URL is not set"):
        load_config(tmp_path, {"PLENARY_ENV": "production", "SECRET_KEY": "s" * 40})
    with pytest.raises(ConfigError, match="PUBLIC_URL 'plenary.example.org' is not"):
        load_config(tmp_path, {"PLENARY_ENV": "production", "SECRET_KEY": "s" * 40,
                               "PUBLIC_URL": "plenary.example.org"})


def test_trusted_hosts_come_from_the_public_url(tmp_path, monkeypatch):
    monkeypatch.delenv("TRUSTED_HOSTS", raising=False)
    config = load_config(tmp_path, {"PLENARY_ENV": "production", "SECRET_KEY": "s" * 40,
                                    "PUBLIC_URL": "https://plenary.example.org/",
                                    "TRUSTED_HOSTS": "a.example, B.example"})
    assert config["PUBLIC_URL"] == "https://plenary.example.org"
    assert config["TRUSTED_HOSTS"] == ["plenary.example.org", "a.example", "b.example"]
    development = load_config(tmp_path, {"PLENARY_ENV": "development", "SECRET_KEY": "s" * 40})
    assert development["PUBLIC_URL"] == "http://127.0.0.1:5000" and "localhost" in development["TRUSTED_HOSTS"]


def test_the_command_line_says_when_production_has_no_public_url():
    from tests.test_config import _flask, _one_clear_line

    result = _flask("stats", "cop12", "--json", env={"PLENARY_ENV": "production", "SECRET_KEY": "s" * 40})
    _one_clear_line(result, "PUBLIC_URL is not set")


def test_a_promotion_mails_a_link_under_public_url_and_a_forged_host_is_refused(database, cop, tmp_path):  # noqa: F811
    s = accepted(cop)
    services.schedule(s, cop["rooms"]["m1"], at(cop, time(13, 15)), at(cop, time(14, 45)), actor="t")
    services.review(s, "publish", actor="t")
    services.update_session(s, capacity=1, actor="t")
    a = make_registration(cop["uganda"], email="a@example.org")
    b = make_registration(cop["uganda"], email="b@example.org")
    services.sign_up(s, a)
    assert services.sign_up(s, b).status == SignupStatus.WAITLISTED
    db.session.commit()
    page, action = f"/cop70/registration/{a.status_token}/programme", \
        f"/cop70/registration/{a.status_token}/sessions/{s.id}/cancel"
    session_id, a_id, b_id, b_token = s.id, a.id, b.id, b.status_token

    with production_app(database, tmp_path) as prod:
        client = prod.test_client()
        # A forged Host: refused before any view runs, with a 400 and not a 500, and nothing changes.
        for forged in ("evil.example", "plenary.example.org.evil.example"):
            response = client.get(page, base_url=f"https://{forged}")
            assert response.status_code == 400
            assert "not served under that name" in response.get_data(as_text=True)
            response = client.post(action, base_url=f"https://{forged}", headers={"Referer": f"https://{forged}/"})
            assert response.status_code == 400
        assert db.session.scalar(select(SessionSignup.status).where(SessionSignup.registration_id == a_id)) == \
            SignupStatus.CONFIRMED

        # Through a host name that is trusted but is not the public one, the promoted person's link still is.
        response = page_post(client, "plenary-internal.example", page, action)
        assert response.status_code == 302
        statuses = dict(db.session.execute(select(SessionSignup.registration_id, SessionSignup.status)
                                           .where(SessionSignup.session_id == session_id)).all())
        assert statuses[b_id] == SignupStatus.CONFIRMED
        (mail,) = db.session.scalars(select(OutgoingMail).where(OutgoingMail.recipient == "b@example.org")).all()
        assert f"{PUBLIC}/cop70/registration/{b_token}" in mail.body_text
        assert "plenary-internal.example" not in mail.body_text


def test_pages_build_subscribe_links_from_the_public_url(database, cop, tmp_path):  # noqa: F811
    with production_app(database, tmp_path) as prod:
        body = prod.test_client().get("/cop70/programme", base_url="https://plenary-internal.example") \
            .get_data(as_text=True)
        assert "webcal://plenary.example.org/cop70/programme.ics" in body
        assert "plenary-internal.example" not in body


def test_another_host_cannot_poison_the_cached_feed(database, cop, tmp_path):  # noqa: F811
    s = accepted(cop)
    services.schedule(s, cop["rooms"]["m1"], at(cop, time(13, 15)), at(cop, time(14, 45)), actor="t")
    services.review(s, "publish", actor="t")
    db.session.commit()
    session_id = s.id  # read here: inside the other application, `s` would load through its engine
    with production_app(database, tmp_path) as prod:
        assert prod.config["FEED_CACHE_SIZE"] > 0
        client = prod.test_client()
        # The first visitor of the minute comes with another Host (and X-Forwarded-Host, for a proxy that passes it).
        first = client.get("/cop70/programme.ics", base_url="https://plenary-internal.example",
                           headers={"X-Forwarded-Host": "evil.example"})
        assert first.status_code == 200
        refused = client.get("/cop70/programme.ics", base_url="https://evil.example")
        assert refused.status_code == 400
        following = client.get("/cop70/programme.ics", base_url=f"{PUBLIC}")
        body = following.get_data(as_text=True).replace("\r\n ", "")
        assert following.status_code == 200 and body == first.get_data(as_text=True).replace("\r\n ", "")
        assert f"{PUBLIC}/cop70/sessions/{session_id}" in body
        assert "evil.example" not in body and "plenary-internal.example" not in body


def test_behind_a_proxy_a_forged_forwarded_host_is_refused(database, cop, tmp_path):  # noqa: F811
    with production_app(database, tmp_path, TRUSTED_PROXIES=1) as prod:
        client = prod.test_client()
        assert client.get("/cop70/programme", base_url=PUBLIC).status_code == 200
        response = client.get("/cop70/programme", base_url=PUBLIC, headers={"X-Forwarded-Host": "evil.example"})
        assert response.status_code == 400


def test_the_sample_nginx_configuration_refuses_unknown_hosts():
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    default_servers = [block for block in conf.split("server {")[1:] if "default_server" in block]
    assert default_servers and all("return 444" in block for block in default_servers)
    assert "listen 443 ssl default_server" in conf and "listen 80 default_server" in conf



def test_no_absolute_link_is_built_from_the_request():
    """Absolute links go through `external_url` (PUBLIC_URL) only: nothing builds one from the request's host."""
    import re

    pattern = re.compile(r"_external\s*=\s*True|request\.(host|host_url|url_root|root_url|base_url)\b")
    offenders = [f"{path.relative_to(ROOT)}:{number}"
                 for folder in ("conference", "templates") for path in (ROOT / folder).rglob("*")
                 if path.suffix in (".py", ".html", ".txt", ".ics")
                 for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                 if pattern.search(line)]
    assert offenders == []
