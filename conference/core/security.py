"""Security headers and rate limits, for every response and every public form.

The Content-Security-Policy allows no inline script: every script is a file
under static/. Private links carry their secret in the path, so no page sends
a Referer to another site.
"""

from __future__ import annotations

import time

from flask import Flask, abort, current_app, request
from werkzeug.middleware.proxy_fix import ProxyFix

from conference.core.i18n import _
from conference.extensions import limiter

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob:",  # the door page's camera
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])

# Limits per client address (and per account for signing in), counted in Redis when REDIS_URL is set,
# so that every web process and machine shares them.
LOGIN_LIMIT = "10 per minute; 50 per hour"
PUBLIC_FORM_LIMIT = "30 per hour"
# Asking for one's private link again: every request counts (the answer is the same whether the address is known).
RESEND_LIMIT = "5 per 15 minutes; 20 per day"
# An organization's request to be put on the list: what went through counts (a request per organization is plenty).
REQUEST_LIMIT = "5 per hour; 20 per day"


def public_form_limit() -> str:
    """The public registration form's limit (`RATELIMIT_PUBLIC_FORM`, default 30 an hour per address)."""
    return current_app.config.get("RATELIMIT_PUBLIC_FORM") or PUBLIC_FORM_LIMIT


def created_something(response) -> bool:
    """Whether a form's answer counts against its limit: only a submission that went through (answered with a
    redirect); a form sent back with its errors costs nothing, so fixing one's mistakes is never throttled."""
    return response.status_code in (302, 303)


def seconds_until_allowed() -> int | None:
    """After a refusal for too many requests: how many seconds until the limit lets this client in again."""
    try:
        current = limiter.current_limit
        return max(1, int(current.reset_at - time.time())) if current is not None else None
    except Exception:  # the counters' storage went away: say it without a time rather than fail the answer
        return None


def init_app(app: Flask) -> None:
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies:
        # Behind nginx (or a load balancer): the client's address is in X-Forwarded-For.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    limiter.init_app(app)

    production = app.config["PLENARY_ENV"] == "production"

    @app.before_request
    def refuse_nul_characters():
        # No text anyone types contains a NUL character, and PostgreSQL cannot even compare one: refuse the request
        # with a message rather than let the database fail on it. (The form is parsed only where there is one.)
        values = [request.path, *(v for _k, vs in request.args.lists() for v in vs)]
        if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            values += [v for _k, vs in request.form.lists() for v in vs]
        elif request.is_json:
            body = request.get_data(cache=True, as_text=True)
            values.append(body.replace("\\u0000", "\x00"))  # JSON writes the character as \u0000
        if any("\x00" in value for value in values):
            abort(400, description=_("The request contained an invisible control character (NUL) that no form "
                                     "sends. Go back and type the text again."))

    @app.after_request
    def headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("Permissions-Policy", "camera=(self), microphone=(), geolocation=()")
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if production:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if request.endpoint and request.endpoint != "static" and "Cache-Control" not in response.headers \
                and response.mimetype == "text/html":
            # Pages show personal data; shared caches must not keep them.
            response.headers["Cache-Control"] = "no-store"
        return response
