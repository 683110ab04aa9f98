"""Template helpers. Dates, times and numbers are formatted in `conference.core.i18n`."""

from __future__ import annotations

from flask import Flask, current_app

from conference.accounts.permissions import Permission, can


def register_template_helpers(app: Flask) -> None:
    app.add_template_filter(lambda args: {k: v for k, v in args.items() if k != "page"}, "reject_page")

    @app.context_processor
    def inject_permissions():
        return {"can": can, "Permission": Permission}


def small_int(text: str | None, limit: int = 1_000_000_000) -> int | None:
    """A whole number from a query string, or None: never one too large for the database's integers."""
    text = (text or "").strip()
    # isdigit() alone accepts "¹" and "٣", which int() does not take: ASCII digits only.
    if not (text.isascii() and text.isdigit()) or len(text) > 10 or int(text) >= limit:
        return None
    return int(text)


def external_url(endpoint: str, **values) -> str:
    """An absolute URL for e-mails, feeds and subscribe links: always under PUBLIC_URL.

    Never from the request's Host header, even inside a request: a forged Host on the request that causes an
    e-mail (a promotion from a waiting list, say) would otherwise send someone's private link to another site.
    """
    base = current_app.config["PUBLIC_URL"].rstrip("/")
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return base + path
