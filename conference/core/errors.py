"""Errors of the domain, and how the web application answers them."""

from __future__ import annotations

import logging

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, OperationalError
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
