"""Configuration from the environment, and one clear line for every operator's mistake."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conference import create_app
from conference.config import ConfigError, load_config, normalize_database_url

ROOT = Path(__file__).resolve().parent.parent


def test_production_refuses_to_start_without_a_secret_key(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY is not set"):
        load_config(tmp_path, {"PLENARY_ENV": "production"})


def test_production_refuses_a_short_secret_key(tmp_path):
    with pytest.raises(ConfigError, match="too short"):
        load_config(tmp_path, {"PLENARY_ENV": "production", "SECRET_KEY": "secret"})


def test_production_settings(tmp_path):
    config = load_config(tmp_path, {"PLENARY_ENV": "production", "SECRET_KEY": "x" * 40,
                                    "PUBLIC_URL": "https://plenary.example.org"})
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["SECRET_KEY"] == "x" * 40


def test_development_keeps_its_generated_secret(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = load_config(tmp_path, {"PLENARY_ENV": "development"})["SECRET_KEY"]
    second = load_config(tmp_path, {"PLENARY_ENV": "development"})["SECRET_KEY"]
    assert first == second and len(first) >= 40
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_unknown_environment(tmp_path):
    with pytest.raises(ConfigError, match="PLENARY_ENV must be one of"):
        load_config(tmp_path, {"PLENARY_ENV": "staging"})


@pytest.mark.parametrize("url, message", [
    ("not a url", "is not a database URL"),
    ("mysql://root@localhost/plenary", "PostgreSQL or SQLite only"),
    ("postgresql+nosuchdriver://x@localhost/db", "unknown database driver"),
])
def test_bad_database_urls(url, message):
    with pytest.raises(ConfigError, match=message):
        normalize_database_url(url)


def test_postgres_urls_use_psycopg3():
    assert normalize_database_url("postgres://u:p@db:5432/plenary") == "postgresql+psycopg://u:p@db:5432/plenary"
    assert normalize_database_url("postgresql://u@db/plenary").startswith("postgresql+psycopg://")


def test_default_database_is_sqlite_in_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    config = load_config(tmp_path, {"PLENARY_ENV": "testing"})
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'plenary.db'}"


def test_create_app_reports_a_bad_database_url():
    with pytest.raises(ConfigError):
        create_app({"PLENARY_ENV": "testing", "DATABASE_URL": "nonsense"})


def _flask(*args: str, env: dict[str, str] | None = None, stdin: str = "") -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY", "PLENARY_ENV")}
    environment.update(env or {})
    return subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=environment,
                          input=stdin, capture_output=True, text=True, timeout=60)


def _one_clear_line(result: subprocess.CompletedProcess, needle: str) -> None:
    assert result.returncode == 1, result
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert needle in lines[0]


def test_command_line_bad_database_url(tmp_path):
    result = _flask("stats", "cop12", "--json", env={"DATABASE_URL": "nonsense", "PLENARY_ENV": "testing"})
    _one_clear_line(result, "is not a database URL")


def test_command_line_unreachable_database():
    result = _flask("stats", "cop12", "--json",
                    env={"DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/nothing", "PLENARY_ENV": "testing"})
    _one_clear_line(result, "cannot use the database")


def test_command_line_database_not_migrated(tmp_path):
    result = _flask("stats", "cop12", "--json",
                    env={"DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}", "PLENARY_ENV": "testing"})
    _one_clear_line(result, "db upgrade")


def test_command_line_production_without_secret():
    result = _flask("stats", "cop12", "--json", env={"PLENARY_ENV": "production"})
    _one_clear_line(result, "SECRET_KEY is not set")


def test_command_line_unknown_conference(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}", "PLENARY_ENV": "testing"}
    assert _flask("db", "upgrade", env=env).returncode == 0
    result = _flask("stats", "nope", "--json", env=env)
    _one_clear_line(result, "no conference with the code 'nope'")


def _test_backends():
    spec = importlib.util.spec_from_file_location("test_backends", ROOT / "scripts" / "test_backends.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_make_test_uses_postgresql_and_redis_when_they_answer_at_the_default_addresses():
    backends = _test_backends().backends
    answers = {"postgres": None, "redis": None}
    exports, said = backends({}, postgres="postgres", redis="redis", postgres_problem=answers.get,
                             redis_problem=answers.get)
    assert exports == {"TEST_DATABASE_URL": "postgres", "TEST_REDIS_URL": "redis"}
    assert "PostgreSQL answers at postgres" in said[0] and "Redis answers at redis" in said[1]
    # Not answering: nothing exported, and the developer is told which half is left out.
    exports, said = backends({}, postgres="postgres", redis="redis", postgres_problem=lambda url: "refused",
                             redis_problem=lambda url: "timeout")
    assert exports == {} and "does not answer" in said[0] and "(refused)" in said[0] and "(timeout)" in said[1]
    # A variable already set wins; set empty, it leaves that half out on purpose.
    exports, said = backends({"TEST_DATABASE_URL": "postgresql+psycopg://elsewhere/db", "TEST_REDIS_URL": ""},
                             postgres_problem=answers.get, redis_problem=answers.get)
    assert exports == {} and "elsewhere" in said[0] and "skipped, as asked" in said[1]


def test_make_test_asks_the_script_which_servers_to_use():
    recipe = (ROOT / "Makefile").read_text().split("\ntest:", 1)[1].split("\n\n", 1)[0]
    assert "scripts/test_backends.py" in recipe and 'eval "$$exports"' in recipe
    assert recipe.index("test_backends.py") < recipe.index("-m pytest")


def test_the_probe_says_why_a_server_does_not_answer():
    module = _test_backends()
    # Port 1 on this machine: nothing listens there, the connection is refused at once.
    assert module.postgres_problem("postgresql+psycopg://postgres@127.0.0.1:1/test")
    assert module.redis_problem("redis://127.0.0.1:1/15")
