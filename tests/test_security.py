"""Security headers and rate limits."""

from __future__ import annotations

import os
import uuid

import pytest

from conference import create_app
from tests.conftest import csrf_token


def test_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"  # private links must not leak
    assert response.headers["Cache-Control"] == "no-store"
    assert "Strict-Transport-Security" not in response.headers  # production only


def test_no_inline_script_in_any_template():
    import pathlib
    import re

    root = pathlib.Path(__file__).resolve().parent.parent / "templates"
    offenders = []
    for path in root.rglob("*.html"):
        text = path.read_text()
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text) or re.search(r"\son[a-z]+=\"", text):
            offenders.append(str(path.relative_to(root)))
    assert offenders == []


def test_production_sends_hsts_and_secure_cookies(tmp_path):
    app = create_app({"PLENARY_ENV": "production", "SECRET_KEY": "x" * 40, "PUBLIC_URL": "https://plenary.example.org",
                      "DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}"})
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    response = app.test_client().get("/login", base_url="https://plenary.example.org")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def _limited_app(tmp_path, storage: str, prefix: str = ""):
    return create_app({"PLENARY_ENV": "testing", "DATABASE_URL": f"sqlite:///{tmp_path / 'l.db'}",
                       "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": storage,
                       "RATELIMIT_KEY_PREFIX": prefix or uuid.uuid4().hex})


def _hammer_login(app, times: int) -> list[int]:
    client = app.test_client()
    codes = []
    for _ in range(times):
        token = csrf_token(client, "/login")
        codes.append(client.post("/login", data={"email": "x@example.org", "password": "wrong password!",
                                                 "csrf_token": token}).status_code)
    return codes


def test_signing_in_is_throttled(tmp_path):
    app = _limited_app(tmp_path, "memory://")
    with app.app_context():
        from conference.extensions import db

        db.create_all()
    codes = _hammer_login(app, 12)
    assert codes[:10] == [200] * 10 and codes[10:] == [429, 429]
    client = app.test_client()
    assert client.get("/login").status_code == 200  # reading the page is not limited


def test_limits_are_shared_through_redis(tmp_path):
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        pytest.skip("Redis: TEST_REDIS_URL is not set (e.g. redis://127.0.0.1:6379/15)")
    prefix = f"plenary-test-{uuid.uuid4().hex[:8]}"
    first, second = _limited_app(tmp_path, url, prefix), _limited_app(tmp_path, url, prefix)
    with first.app_context():
        from conference.extensions import db

        db.create_all()
    assert _hammer_login(first, 6) == [200] * 6
    # Another web process (another machine behind the load balancer) sees the same counter.
    assert _hammer_login(second, 5) == [200] * 4 + [429]


def test_the_worker_needs_redis(runner):
    result = runner.invoke(args=["worker", "--burst"])
    assert result.exit_code == 1 and "REDIS_URL is not set" in result.output


def test_a_nul_character_is_refused_with_a_message_not_a_database_error(client, db_session):
    from tests.conftest import csrf_token
    from tests.factories import make_conference

    make_conference("cop5")
    db_session.commit()
    token = csrf_token(client, "/login")
    for response in (client.get("/cop5/programme", query_string={"room": "\x00"}),
                     client.post("/login", data={"csrf_token": token, "email": "a\x00@example.org", "password": "x"})):
        assert response.status_code == 400
        assert "control character (NUL)" in response.get_data(as_text=True)


def test_a_nul_character_in_the_path_or_a_json_body_is_refused_too(client, db_session):
    from tests.conftest import csrf_token
    from tests.factories import make_conference

    make_conference("cop5")
    db_session.commit()
    for response in (client.get("/cop5%00/"), client.get("/cop5/registration/abc%00def"),
                     client.get("/cop5/programme?kind=SIDE_EVENT&room=a&room=%00"),
                     client.post("/door/cop5/gate/scan", json={"code": "P1.\u0000"},
                                 headers={"X-CSRFToken": csrf_token(client, "/login")})):
        assert response.status_code == 400, response.request.path
        assert "(NUL)" in response.get_data(as_text=True), response.request.path


def test_a_nul_character_that_reaches_the_database_anyway_is_a_400_not_a_500(app, client, monkeypatch):
    from sqlalchemy.exc import DataError

    def fails():
        raise DataError("SELECT 1", {}, ValueError("PostgreSQL text fields cannot contain NUL (0x00) bytes"))

    monkeypatch.setitem(app.view_functions, "core.healthz", fails)
    response = client.get("/healthz")
    assert response.status_code == 400 and "(NUL)" in response.get_data(as_text=True)
