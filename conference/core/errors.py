"""Errors of the domain, and how the web application answers them."""

from __future__ import annotations

import logging

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, OperationalError, ProgrammingError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class PlenaryError(Exception):
    """A user's or operator's error that the services layer reports with a message to act on."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(PlenaryError):
    """What was asked for does not exist (an unknown conference code, say)."""


class RuleViolation(PlenaryError):
    """A rule of the domain refuses the change; the message names the rule."""


class PermissionDenied(PlenaryError):
    """The signed-in user may not do this."""


def register_error_handlers(app: Flask) -> None:
    from conference.extensions import db

    def page(status: int, title: str, message: str):
        if request.accept_mimetypes.best == "application/json" or request.path.endswith(".json"):
            return {"error": title, "message": message}, status
        return render_template("errors/error.html", status=status, title=title, message=message), status

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        return page(400, "The form expired or was not sent by this site",
                    "Go back, reload the page and send the form again. Nothing was saved.")

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        return page(exc.code or 500, exc.name, exc.description or "")

    @app.errorhandler(NotFound)
    def not_found(exc: NotFound):
        return page(404, "Not found", exc.message)

    @app.errorhandler(PermissionDenied)
    def forbidden(exc: PermissionDenied):
        return page(403, "Not allowed", exc.message)

    @app.errorhandler(RuleViolation)
    def refused(exc: RuleViolation):
        # A rule the view did not expect to meet: still the user's to act on, never a 500.
        db.session.rollback()
        return page(422, "This cannot be done", exc.message)

    @app.errorhandler(ProgrammingError)
    def database_not_set_up(exc: DBAPIError):
        db.session.rollback()
        if "does not exist" not in str(exc.orig):
            log.exception("database programming error on %s %s", request.method, request.path)
            return page(500, "Something went wrong on our side", "Nothing was saved; please try again.")
        log.error("database not set up: %s", exc.orig)
        return page(503, "The service is being set up",
                    "The database is not ready yet. Nothing was saved; please try again in a few minutes.")

    @app.errorhandler(OperationalError)
    def database_unavailable(exc: DBAPIError):
        # The transaction is lost: nothing half-written stays behind.
        db.session.rollback()
        log.error("database unavailable: %s", exc)
        return page(503, "The service is briefly unavailable",
                    "The database did not answer. Nothing was saved; please try again in a minute.")

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        db.session.rollback()
        log.exception("unhandled error on %s %s", request.method, request.path)
        return page(500, "Something went wrong on our side",
                    "The secretariat has been notified through the logs. Nothing was saved; please try again.")


class Invalid(RuleViolation):
    """Several fields are wrong at once: `errors` maps each field to its messages, for forms and CSV rows alike."""

    def __init__(self, errors: dict[str, list[str]]):
        first = next(iter(errors.items()), ("", [""]))
        super().__init__(f"{first[0]}: {first[1][0]}" if first[0] else first[1][0], field=first[0] or None)
        self.errors = errors
