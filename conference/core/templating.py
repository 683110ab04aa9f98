"""Template helpers: times are stored in UTC and shown in the venue's time zone."""

from __future__ import annotations

from datetime import datetime

from flask import Flask


def venue_time(moment: datetime | None, conference, fmt: str = "%d %b %Y, %H:%M") -> str:
    if moment is None:
        return ""
    return conference.local(moment).strftime(fmt)


def register_template_helpers(app: Flask) -> None:
    app.add_template_filter(venue_time, "venue_time")

    @app.context_processor
    def inject_permissions():
        from conference.accounts.permissions import Permission, can

        return {"can": can, "Permission": Permission}
