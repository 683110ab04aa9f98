"""Fixtures: one application per database backend, clean tables for every test.

Every test that takes `app`, `client`, `runner` or `db_session` runs on SQLite
and, when TEST_DATABASE_URL is set, again on PostgreSQL.
"""

from __future__ import annotations

import os
import re
import socket
import uuid
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text

from conference import create_app
from conference.extensions import db as _db
from conference.extensions import limiter

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(autouse=True)
def _limiter_switch_restored():
    """Flask-Limiter keeps its on/off switch on the one shared Limiter object, and creating an app with
    RATELIMIT_ENABLED sets it for every app in the process: give every test the switch as it found it, so a
    rate-limit test can never throttle the sign-ins of the tests that run after it."""
    enabled = limiter.enabled
    yield
    limiter.enabled = enabled


@pytest.fixture(scope="session", params=BACKENDS)
def database(request, tmp_path_factory):
    """(URL, engine options) of the backend. PostgreSQL gets a schema of its own for this run,
    so that two runs on one machine (a developer's and a helper's) never trample each other."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'plenary-test.db'}", {}
        return
    with postgresql_schema("plenary_test") as found:
        yield found


@contextmanager
def postgresql_schema(prefix: str):
    """(URL, engine options) of a fresh PostgreSQL schema, dropped afterwards; skips without TEST_DATABASE_URL."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.skip("PostgreSQL: TEST_DATABASE_URL is not set (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)")
    schema = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield url, {"connect_args": {"options": f"-csearch_path={schema}"}}
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="session")
def database_url(database):
    return database[0]


@pytest.fixture(scope="session")
def _app(database, tmp_path_factory):
    url, engine_options = database
    app = create_app({"PLENARY_ENV": "testing", "DATABASE_URL": url,
                      "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, **engine_options},
                      "UPLOAD_FOLDER": str(tmp_path_factory.mktemp("uploads")),
                      "MAIL_OUTBOX": str(tmp_path_factory.mktemp("outbox"))})
    with app.app_context():
        _db.create_all()
        _db.session.remove()
    yield app
    with app.app_context():
        _db.engine.dispose()  # close pooled connections before the interpreter does, noisily


@pytest.fixture
def app(_app):
    with _app.app_context():
        yield _app
        _db.session.remove()
        _clean(_app)
        # The per-process caches (core/versioned.py) are keyed by ids and versions that the next test, on emptied
        # tables, numbers again from 1: a test that turned a cache on must not leave its pages to the next one.
        for name in [n for n in _app.extensions if n.startswith("plenary_") and n.endswith("_cache")]:
            del _app.extensions[name]


def _clean(app) -> None:
    tables = [t.name for t in reversed(_db.metadata.sorted_tables)]
    with _db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            for t in tables:
                conn.execute(text(f'DELETE FROM "{t}"'))


@pytest.fixture
def db_session(app):
    return _db.session


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture(scope="session")
def s3_endpoint():
    """moto's S3 server on a free loopback port, for the whole run, with the AWS_* variables that lead boto3 to it
    (no network, no real credentials). Skipped, with the reason, where moto is not installed."""
    server_module = pytest.importorskip("moto.server", reason="moto[server] (dev extra) is not installed")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = server_module.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    with pytest.MonkeyPatch.context() as env:
        for name, value in (("AWS_ENDPOINT_URL", endpoint), ("AWS_ACCESS_KEY_ID", "plenary-test"),
                            ("AWS_SECRET_ACCESS_KEY", "plenary-test"), ("AWS_DEFAULT_REGION", "us-east-1")):
            env.setenv(name, value)
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL_S3"):
            env.delenv(name, raising=False)
        try:
            yield endpoint
        finally:
            server.stop()


@pytest.fixture
def s3_bucket(s3_endpoint):
    """A new, empty bucket on the moto server: its name."""
    import boto3

    name = f"plenary-{uuid.uuid4().hex[:12]}"
    boto3.session.Session().client("s3").create_bucket(Bucket=name)
    return name


def csrf_token(client, path: str) -> str:
    """The CSRF token of the form on `path`, as a browser would get it."""
    response = client.get(path)
    page = response.get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or \
        re.search(r'value="([^"]+)"[^>]*name="csrf_token"', page)
    assert match, f"no CSRF token on {path} ({response.status_code}: {page[:300]})"
    return match.group(1)


def pytest_terminal_summary(terminalreporter):
    """One line for the skipped backends and services, with the reason, instead of one per test."""
    reasons: dict[str, int] = {}
    for report in terminalreporter.stats.get("skipped", []):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        reason = reason.removeprefix("Skipped: ")
        reasons[reason] = reasons.get(reason, 0) + 1
    for reason, count in reasons.items():
        terminalreporter.write_line(f"SKIPPED {count} test(s): {reason}")
