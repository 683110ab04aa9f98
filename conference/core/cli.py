"""Helpers for the command line: user errors end in one line on standard error and exit status 1."""

from __future__ import annotations

import functools
import sys

import click
from sqlalchemy.exc import DBAPIError, OperationalError, ProgrammingError

from conference.core.errors import PlenaryError


def user_errors(command):
    """Turn errors of the domain into click's one-line `Error: ...` and exit status 1."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except PlenaryError as exc:
            raise click.ClickException(exc.message) from None
        except OSError as exc:
            raise click.ClickException(f"{exc.filename or ''}: {exc.strerror or exc}".lstrip(": ")) from None

    return wrapper


def _not_set_up(exc: DBAPIError) -> bool:
    """PostgreSQL says a table is missing with a ProgrammingError (UndefinedTable), SQLite with an OperationalError."""
    return "does not exist" in str(exc.orig) or "no such table" in str(exc.orig)


def _database_message(exc: DBAPIError) -> str:
    detail = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc).splitlines()[0]
    if "no such table" in detail or "does not exist" in detail:
        return f"the database is not set up ({detail}): run `flask --app wsgi db upgrade`"
    return f"cannot use the database: {detail}"


def install_user_error_hook() -> None:
    """A database that cannot be reached is an operator's problem: say so in one line, not a traceback.

    Installed as the interpreter's last resort, so that every command,
    Flask-Migrate's `db upgrade` included, answers the same way.
    """
    previous = sys.excepthook

    def hook(exc_type, exc, tb):
        if isinstance(exc, OperationalError) or (isinstance(exc, ProgrammingError) and _not_set_up(exc)):
            print(f"plenary: {_database_message(exc)}", file=sys.stderr)
            return
        previous(exc_type, exc, tb)

    sys.excepthook = hook
