"""Errors of the domain, and how the web application answers them."""

from __future__ import annotations

import logging

from flask import Flask, Response, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError, DBAPIError, OperationalError, ProgrammingError
from werkzeug.exceptions import HTTPException, SecurityError

from conference.core.i18n import _, _l, format_wait
from conference.core.security import seconds_until_allowed
from conference.extensions import db

log = logging.getLogger(__name__)


# The answers to the HTTP errors people meet, in their language (Werkzeug's names and descriptions are English).
HTTP_TITLES = {
    400: _l("Bad request"),
    403: _l("Not allowed"),
    404: _l("Not found"),
    405: _l("Method not allowed"),
    413: _l("What was sent is too large"),
    429: _l("Too many requests"),
    500: _l("Something went wrong on our side"),
    503: _l("The service is briefly unavailable"),
}
HTTP_MESSAGES = {
    400: _l("The browser sent a request this site could not understand. Go back, reload the page and try again."),
    403: _l("Your account may not see this page."),
    404: _l("There is no page at this address. If you typed it, check it; if you followed a link, it may be out of "
            "date."),
    405: _l("This page cannot be used this way."),
    413: _l("What was sent is larger than this site accepts. Nothing was saved."),
    429: _l("Too many attempts in a short time. Wait a minute and try again."),
    500: _l("The secretariat has been notified through the logs. Nothing was saved; please try again."),
    503: _l("The service is not available at the moment. Nothing was saved; please try again in a few minutes."),
}


def too_many_requests() -> str:
    """The answer to a rate limit: how long to wait, in the reader's language ("Try again in 25 minutes")."""
    seconds = seconds_until_allowed()
    if seconds is None:
        return str(HTTP_MESSAGES[429])
    return _("Too many attempts in a short time. Try again in %(wait)s.", wait=format_wait(seconds))


class PlenaryError(Exception):
    """A user's or operator's error that the services layer reports with a message to act on."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(PlenaryError):
    """What was asked for does not exist (an unknown conference code, say)."""


class Gone(PlenaryError):
    """What was asked for existed and was replaced or removed on purpose (a replaced private link): a 410."""


class RuleViolation(PlenaryError):
    """A rule of the domain refuses the change; the message names the rule."""


class PermissionDenied(PlenaryError):
    """The signed-in user may not do this."""


def register_error_handlers(app: Flask) -> None:
    def page(status: int, title: str, message: str):
        if request.accept_mimetypes.best == "application/json" or request.path.endswith(".json"):
            return {"error": title, "message": message}, status
        return render_template("errors/error.html", status=status, title=title, message=message), status

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        return page(400, _("The form expired or was not sent by this site"),
                    _("Go back, reload the page and send the form again. Nothing was saved."))

    @app.errorhandler(SecurityError)
    def untrusted_host(exc: SecurityError):
        # A Host header that is not one of TRUSTED_HOSTS: the request never got as far as a view, and no link can be
        # built for it (there is no URL adapter), so the answer is a plain page with nothing taken from the request.
        return Response(_("This site is not served under that name."), 400, mimetype="text/plain")

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        code = exc.code or 500
        if code == 413 and request.endpoint:
            # A form that sends files answers with its own page and a message on what to send (registration/web.py
            # `sends_files`), rather than this generic one.
            too_large = getattr(app.view_functions.get(request.endpoint), "too_large", None)
            if too_large is not None:
                return too_large()
        # A description given on purpose (`abort(404, description=_("..."))`) is marked where it is given; Werkzeug's
        # own (its class's default) is English, and so is a rate limit's ("5 per 1 minute"): ours replace them.
        own = exc.description if exc.description and exc.description != type(exc).description else None
        if code == 429:
            own = too_many_requests()
        elif own is None:
            own = HTTP_MESSAGES.get(code, exc.description or "")
        return page(code, str(HTTP_TITLES.get(code, exc.name)), str(own))

    @app.errorhandler(NotFound)
    def not_found(exc: NotFound):
        return page(404, _("Not found"), exc.message)

    @app.errorhandler(Gone)
    def gone(exc: Gone):
        return page(410, _("This link has been replaced"), exc.message)

    @app.errorhandler(PermissionDenied)
    def forbidden(exc: PermissionDenied):
        return page(403, _("Not allowed"), exc.message)

    @app.errorhandler(RuleViolation)
    def refused(exc: RuleViolation):
        # A rule the view did not expect to meet: still the user's to act on, never a 500.
        db.session.rollback()
        return page(422, _("This cannot be done"), exc.message)

    @app.errorhandler(ProgrammingError)
    def database_not_set_up(exc: DBAPIError):
        db.session.rollback()
        if "does not exist" not in str(exc.orig):
            log.exception("database programming error on %s %s", request.method, request.path)
            return page(500, _("Something went wrong on our side"), _("Nothing was saved; please try again."))
        log.error("database not set up: %s", exc.orig)
        return page(503, _("The service is being set up"),
                    _("The database is not ready yet. Nothing was saved; please try again in a few minutes."))

    @app.errorhandler(OperationalError)
    def database_unavailable(exc: DBAPIError):
        # The transaction is lost: nothing half-written stays behind.
        db.session.rollback()
        log.error("database unavailable: %s", exc)
        return page(503, _("The service is briefly unavailable"),
                    _("The database did not answer. Nothing was saved; please try again in a minute."))

    @app.errorhandler(DataError)
    def unstorable_value(exc: DataError):
        db.session.rollback()
        # A NUL character that came another way than the ones refused before every request (security.py).
        if "NUL" in str(exc.orig) or "\\x00" in str(exc.orig):
            return page(400, str(HTTP_TITLES.get(400, "Bad request")),
                        _("The request contained an invisible control character (NUL) that no form sends. Go back "
                          "and type the text again."))
        return unexpected(exc)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        db.session.rollback()
        log.exception("unhandled error on %s %s", request.method, request.path)
        return page(500, _("Something went wrong on our side"),
                    _("The secretariat has been notified through the logs. Nothing was saved; please try again."))


class Invalid(RuleViolation):
    """Several fields are wrong at once: `errors` maps each field to its messages, for forms and CSV rows alike."""

    def __init__(self, errors: dict[str, list[str]]):
        first = next(iter(errors.items()), ("", [""]))
        super().__init__(f"{first[0]}: {first[1][0]}" if first[0] else first[1][0], field=first[0] or None)
        self.errors = errors
