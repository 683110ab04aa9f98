"""Configuration, read from the environment named in the contract (README, "Configuration")."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from conference.core.storage import StorageURLError, parse_storage_url

ENVIRONMENTS = ("development", "testing", "production")


class ConfigError(Exception):
    """The configuration cannot work; the message says what to change, in one line."""


def normalize_database_url(url: str) -> str:
    """Check a database URL and name the driver we ship (psycopg 3) for PostgreSQL.

    `postgres://` and `postgresql://` (as hosting platforms hand them out) mean
    psycopg2 to SQLAlchemy, which we do not install.
    """
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError(
            f"DATABASE_URL {url!r} is not a database URL "
            "(expected e.g. postgresql+psycopg://user@host:5432/plenary or sqlite:///path/plenary.db)"
        ) from None
    if parsed.drivername in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in ("postgresql", "sqlite"):
        raise ConfigError(
            f"DATABASE_URL uses {parsed.get_backend_name()!r}: Plenary runs on PostgreSQL or SQLite only"
        )
    try:
        parsed.get_dialect()
    except NoSuchModuleError:
        raise ConfigError(f"DATABASE_URL names an unknown database driver {parsed.drivername!r}") from None
    return parsed.render_as_string(hide_password=False)


def public_address(url: str) -> str:
    """PUBLIC_URL checked: an http(s) address with a host name, without query or fragment, no trailing slash."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment \
            or parts.username or parts.password:
        raise ConfigError(f"PUBLIC_URL {url!r} is not the address participants reach Plenary at "
                          "(expected e.g. https://plenary.example.org)")
    return url.strip().rstrip("/")


# Besides PUBLIC_URL's host, what a developer's browser or the test client calls the development server.
LOCAL_HOSTS = ("localhost", "127.0.0.1", "[::1]")


def trusted_hosts(public_url: str, extra: str, plenary_env: str) -> list[str]:
    """The host names Plenary answers to: PUBLIC_URL's, the extra ones, and the local ones outside production.

    Any other Host header is refused (400) before a view runs, so no link, cache or redirect can carry it.
    """
    hosts = [urlsplit(public_url).hostname or ""]
    hosts += [h.strip().lower() for h in extra.split(",") if h.strip()]
    if plenary_env != "production":
        hosts += LOCAL_HOSTS
    hosts = [f"[{h}]" if ":" in h and not h.startswith("[") else h for h in hosts]  # IPv6 as Host writes it
    return list(dict.fromkeys(hosts))


def _development_secret(instance_path: Path) -> str:
    """A random key kept in the instance folder, so that sign-ins survive a restart in development."""
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    key = secrets.token_urlsafe(48)
    # Created readable by its owner only from the first byte on.
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def load_config(instance_path: Path, overrides: Mapping | None = None) -> dict:
    """Build the Flask configuration from the environment, with `overrides` (tests) winning."""
    overrides = dict(overrides or {})
    env = {**os.environ, **{k: v for k, v in overrides.items() if isinstance(v, str)}}

    plenary_env = env.get("PLENARY_ENV", "development")
    if plenary_env not in ENVIRONMENTS:
        raise ConfigError(f"PLENARY_ENV must be one of {', '.join(ENVIRONMENTS)}, not {plenary_env!r}")

    secret_key = env.get("SECRET_KEY", "")
    if not secret_key:
        if plenary_env == "production":
            raise ConfigError(
                "SECRET_KEY is not set: production needs a long random secret "
                "(e.g. python -c 'import secrets; print(secrets.token_urlsafe(48))')"
            )
        # Testing gets a fresh key per process: a fixed one would be a public key on any server set to testing.
        secret_key = secrets.token_urlsafe(32) if plenary_env == "testing" else _development_secret(instance_path)
    elif plenary_env == "production" and len(secret_key) < 32:
        raise ConfigError("SECRET_KEY is too short for production: use at least 32 random characters")

    mail_port = env.get("MAIL_PORT") or "587"
    if not (mail_port.isascii() and mail_port.isdigit()) or not 0 < int(mail_port) < 65536:
        raise ConfigError(f"MAIL_PORT must be a port number (e.g. 587), not {mail_port!r}")
    badge_hours = env.get("BADGE_PDF_RETENTION_HOURS") or "48"
    if not (badge_hours.isascii() and badge_hours.isdigit()) or int(badge_hours) < 1:
        raise ConfigError(f"BADGE_PDF_RETENTION_HOURS must be a whole number of hours (e.g. 48), not {badge_hours!r}")

    lease = env.get("BADGE_CHUNK_LEASE_SECONDS") or "60"
    if not (lease.isascii() and lease.isdigit()) or not 1 <= int(lease) <= 3600:
        raise ConfigError(f"BADGE_CHUNK_LEASE_SECONDS must be a whole number of seconds from 1 to 3600 (e.g. 60), "
                          f"not {lease!r}")
    invitation_hours = env.get("INVITATION_VALID_HOURS") or "72"
    if not (invitation_hours.isascii() and invitation_hours.isdigit()) or not 1 <= int(invitation_hours) <= 24 * 30:
        raise ConfigError(f"INVITATION_VALID_HOURS must be a whole number of hours from 1 to 720 (e.g. 72), "
                          f"not {invitation_hours!r}")
    reset_minutes = env.get("PASSWORD_RESET_VALID_MINUTES") or "60"
    if not (reset_minutes.isascii() and reset_minutes.isdigit()) or not 5 <= int(reset_minutes) <= 24 * 60:
        raise ConfigError(f"PASSWORD_RESET_VALID_MINUTES must be a whole number of minutes from 5 to 1440 (e.g. 60), "
                          f"not {reset_minutes!r}")

    public_url = env.get("PUBLIC_URL", "").strip()
    if not public_url:
        if plenary_env == "production":
            raise ConfigError(
                "PUBLIC_URL is not set: production needs the address participants reach Plenary at "
                "(e.g. PUBLIC_URL=https://plenary.example.org); links in e-mails and feeds are built from it"
            )
        # The test client calls the server "localhost"; a developer's browser, the address `make run` prints.
        public_url = "http://localhost" if plenary_env == "testing" else "http://127.0.0.1:5000"
    public_url = public_address(public_url)

    storage_url = (env.get("STORAGE_URL") or "").strip()
    try:
        backend, storage_folder, _prefix = parse_storage_url(storage_url)
    except StorageURLError as exc:
        raise ConfigError(str(exc)) from None
    # Local files live under the instance folder, or under STORAGE_URL's folder (file:///path) when it names one.
    files_root = Path(storage_folder) if backend == "local" and storage_folder else instance_path

    database_url = env.get("DATABASE_URL") or f"sqlite:///{instance_path / 'plenary.db'}"
    database_url = normalize_database_url(database_url)

    config = {
        "PLENARY_ENV": plenary_env,
        "TESTING": plenary_env == "testing",
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "REDIS_URL": env.get("REDIS_URL") or None,
        # How many reverse proxies stand in front of Plenary (their X-Forwarded-For is trusted); 0: none.
        "TRUSTED_PROXIES": int(env["TRUSTED_PROXIES"]) if (env.get("TRUSTED_PROXIES") or "").isascii()
        and (env.get("TRUSTED_PROXIES") or "").isdigit() else 0,
        # Rate limits are counted per process without Redis; tests switch them off except where they test them.
        "RATELIMIT_ENABLED": plenary_env != "testing",
        # Public calendar feeds kept in each web process until their version changes (0: built for every request).
        "FEED_CACHE_SIZE": 0 if plenary_env == "testing" else 256,
        # Programme pages kept per process (per language and filters), by programme version: 0 keeps none.
        "PAGE_CACHE_SIZE": 0 if plenary_env == "testing" else 256,
        "MAIL_SERVER": env.get("MAIL_SERVER") or None,
        "MAIL_PORT": int(mail_port),
        "MAIL_USERNAME": env.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD") or None,
        "MAIL_FROM": env.get("MAIL_FROM") or "Plenary <no-reply@localhost>",
        # Without a mail server, mail is written here as .eml files (default instance/outbox).
        "MAIL_OUTBOX": env.get("MAIL_OUTBOX") or str(instance_path / "outbox"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": plenary_env == "production",
        "REMEMBER_COOKIE_SECURE": plenary_env == "production",
        "REMEMBER_COOKIE_HTTPONLY": True,
        # "Remember me" lasts two weeks, not Flask-Login's year, and is sent on top-level navigations only.
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_DURATION": timedelta(days=14),
        "WTF_CSRF_TIME_LIMIT": None,  # a form left open over lunch must still submit
        # What one request may carry: a photo (5 MB) and a document (10 MB) at their limits together with the rest of
        # the form, with room for a file twice over its limit to still be read and refused with its own message
        # beside its field. Beyond this the form's page says what to send (registration/web.py `sends_files`).
        "MAX_CONTENT_LENGTH": 40 * 1024 * 1024,
        # Where uploads, badge-run PDFs and lists of participants live (conference/core/storage.py): "" for local
        # folders, s3://BUCKET[/prefix] for an S3-compatible store shared by every machine.
        "STORAGE_URL": storage_url,
        # Photos and nominating documents on local storage: outside the static folder, served only through checked
        # views.
        "UPLOAD_FOLDER": env.get("UPLOAD_FOLDER") or str(files_root / "uploads"),
        # Where participants reach Plenary: every absolute link (e-mails, feeds, subscribe links) starts with it,
        # never with the Host header of the request that happened to cause it.
        "PUBLIC_URL": public_url,
        # Flask refuses any other Host (werkzeug's SecurityError, a 400) before the view runs.
        "TRUSTED_HOSTS": trusted_hosts(public_url, env.get("TRUSTED_HOSTS") or "", plenary_env),
        "PREFERRED_URL_SCHEME": urlsplit(public_url).scheme,
        # The PDF of a badge run holds names and photos: erased this long after it was made (flask purge-stale-files).
        "BADGE_PDF_RETENTION_HOURS": int(badge_hours),
        # A chunk of a badge run whose worker has not renewed its lease for this long is taken by another worker
        # (its worker died); a live worker renews it every third of it while it renders.
        "BADGE_CHUNK_LEASE_SECONDS": int(lease),
        # Without Redis, how many processes of this machine render a badge run's chunks (default: one per core).
        "BADGE_RENDER_PROCESSES": int(env["BADGE_RENDER_PROCESSES"]) if (env.get("BADGE_RENDER_PROCESSES") or "")
        .isascii() and (env.get("BADGE_RENDER_PROCESSES") or "").isdigit() else None,
        # How long the link of an invitation to the back office, and of a password reset, sets a password (once).
        "INVITATION_VALID_HOURS": int(invitation_hours),
        "PASSWORD_RESET_VALID_MINUTES": int(reset_minutes),
    }
    for key, value in overrides.items():
        if key == "DATABASE_URL":
            config["SQLALCHEMY_DATABASE_URI"] = normalize_database_url(value)
        elif key not in ("PLENARY_ENV", "SECRET_KEY", "PUBLIC_URL", "TRUSTED_HOSTS"):  # read as the environment
            config[key] = value
    return config
