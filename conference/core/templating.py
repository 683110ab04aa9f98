"""Template helpers. Dates, times and numbers are formatted in `conference.core.i18n`."""

from __future__ import annotations

from flask import Flask


def register_template_helpers(app: Flask) -> None:
    app.add_template_filter(lambda args: {k: v for k, v in args.items() if k != "page"}, "reject_page")

    @app.context_processor
    def inject_permissions():
        from conference.accounts.permissions import Permission, can

        return {"can": can, "Permission": Permission}


def small_int(text: str | None, limit: int = 1_000_000_000) -> int | None:
    """A whole number from a query string, or None: never one too large for the database's integers."""
    text = (text or "").strip()
    # isdigit() alone accepts "¹" and "٣", which int() does not take: ASCII digits only.
    if not (text.isascii() and text.isdigit()) or len(text) > 10 or int(text) >= limit:
        return None
    return int(text)


def external_url(endpoint: str, **values) -> str:
    """An absolute URL for e-mails and feeds, also outside a web request (the command line, a worker).

    Inside a request it follows the host the request came to; elsewhere it uses PUBLIC_URL.
    """
    from flask import current_app, has_request_context, url_for

    if has_request_context():
        return url_for(endpoint, _external=True, **values)
    base = current_app.config["PUBLIC_URL"].rstrip("/")
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return base + path
