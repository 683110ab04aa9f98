"""Calendar feeds (RFC 5545 with the RFC 7986 extensions), built with the icalendar package.

A feed is built from the sessions in a fixed number of queries, with times in
the venue's time zone and its VTIMEZONE, so that every client shows them
right through daylight-saving changes. Each event's UID is the session's
stored UUID and its SEQUENCE the session's sequence number, so a moved
session replaces itself in the calendars that already have it.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import quote, urlencode

from flask import current_app
from flask_babel import get_locale
from icalendar import Calendar, Event, vDuration
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from conference.conferences.models import Conference
from conference.core import audit
from conference.core.errors import NotFound
from conference.core.i18n import _, force_locale
from conference.core.templating import external_url
from conference.core.versioned import kept, session_key
from conference.extensions import db
from conference.feeds import versions  # noqa: F401  (the listeners that bump the feed versions)
from conference.programme.models import Session, SessionOrganizer, SessionSignup, SignupStatus
from conference.programme.models import SessionStatus as St
from conference.programme.services import ProgrammeFilters, public_sessions
from conference.registration.models import Registration
from conference.registration.services import get_by_token

REFRESH = timedelta(hours=1)
PRODID = "-//Plenary//Conference programme//EN"


@dataclass
class Feed:
    body: bytes
    last_modified: datetime


def _calendar(conference: Conference, name: str, description: str) -> Calendar:
    # Calendar-level names are one line (icalendar does not escape line breaks in NAME and X-WR-CALNAME).
    name, description = " ".join(name.split()), " ".join(description.split())
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("name", name)  # RFC 7986
    cal.add("x-wr-calname", name)  # what Outlook and Google read
    cal.add("description", description)
    cal.add("x-wr-caldesc", description)
    cal.add("x-wr-timezone", conference.timezone)
    cal.add("refresh-interval", vDuration(REFRESH), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", vDuration(REFRESH))
    return cal


def modified_at(s: Session, place: SessionSignup | None = None) -> datetime:
    """When a session last changed as a calendar sees it: a move, a cancellation, any edit after publication (the
    row's `updated_at`), and in a personal agenda the moment the person got their seat."""
    moments = [s.changed_at, s.published_at, s.updated_at, place.promoted_at if place is not None else None]
    return max(m for m in moments if m is not None)


def _event(conference: Conference, s: Session, place: SessionSignup | None = None) -> Event:
    """One VEVENT; `place` is the person's own place in a personal agenda. A place on the waiting list is never shown
    as confirmed: the event is TENTATIVE and its title says so (in English, like the rest of the feed)."""
    tz = conference.tz
    waiting = place is not None and place.status == SignupStatus.WAITLISTED
    url = external_url("programme.session", code=conference.code, session_id=s.id)
    room = s.room.name if s.room else ""
    organizers = ", ".join(o.entity.name for o in s.organizers)
    lines = [s.description.strip()] if s.description.strip() else []
    if organizers:
        lines.append(f"Organized by {organizers}")
    if s.status == St.CANCELLED and s.status_reason:
        lines.append(f"Cancelled: {s.status_reason}")
    lines.append(f"Programme: {external_url('programme.programme', code=conference.code)}")
    if waiting:
        lines.insert(0, "You are on the waiting list: you will be told by e-mail if a seat frees up.")
    modified = modified_at(s, place)
    e = Event()
    e.add("uid", str(s.uid))
    e.add("dtstamp", modified)  # stable, so the feed's ETag changes only with its content
    e.add("last-modified", modified)
    e.add("sequence", s.sequence)
    e.add("dtstart", s.starts_at.astimezone(tz))
    e.add("dtend", s.ends_at.astimezone(tz))
    e.add("summary", f"Waiting list: {s.title}" if waiting else s.title)
    e.add("location", f"{room}, {conference.venue}, {conference.city}" if room else
          f"{conference.venue}, {conference.city}")
    e.add("description", "\n\n".join(lines))
    e.add("url", url)
    e.add("categories", [s.kind.value.replace("_", " ").title()])
    e.add("status", "CANCELLED" if s.status == St.CANCELLED else "TENTATIVE" if waiting else "CONFIRMED")
    e.add("transp", "OPAQUE")
    return e


def _finish(cal: Calendar, sessions: list[Session], conference: Conference,
            places: dict[int, SessionSignup] | None = None) -> Feed:
    places = places or {}
    for s in sessions:
        cal.add_component(_event(conference, s, places.get(s.id)))
    # A VTIMEZONE covering the years around the session: compact, and right through its DST changes.
    cal.add_missing_timezones(first_date=date(conference.starts_on.year - 1, 1, 1),
                              last_date=date(conference.ends_on.year + 1, 12, 31))
    body = cal.to_ical()
    last = max((modified_at(s, places.get(s.id)) for s in sessions), default=conference.created_at)
    return Feed(body=body, last_modified=last)


def etag(conference: Conference, kind: str, *parts) -> str:
    """A feed's ETag, known without building it: the session (its id and creation time, core/versioned.py), its feed
    versions (bumped with every change the feeds show, see versions.py), what the feed is, the language and the public
    address its links are written with."""
    numbers = (*session_key(conference), conference.programme_version,
               conference.agenda_version if kind == "agenda" else "")
    language = str(get_locale() or "en")
    text = "|".join(str(p) for p in (*numbers, kind, language, current_app.config["PUBLIC_URL"], *parts))
    return f'"{hashlib.sha256(text.encode()).hexdigest()[:32]}"'


def cached(conference: Conference, key: tuple, build) -> Feed:
    """A public feed, kept in this process until the conference's programme version changes: calendars poll, and
    most polls find nothing new. Kept by version, not by time, so that every process of every machine serves the
    new feed as soon as the change is committed.

    `key` names everything the feed depends on besides the database (kind, filters); the links in it come from
    PUBLIC_URL, which is part of the key too, and never from the request, so one visitor's Host header can never
    reach the next visitor's feed. The cache belongs to the application (two applications in one process, as in the
    tests, share nothing). Personal agendas are never cached.
    """
    key = (current_app.config["PUBLIC_URL"], *key)
    return kept("feed", conference, key, conference.programme_version, build,
                size=current_app.config.get("FEED_CACHE_SIZE", 256))


def programme_feed(conference: Conference, filters: ProgrammeFilters | None = None) -> Feed:
    """The public programme: published sessions, cancelled ones marked so, never closed ones."""
    sessions = public_sessions(conference, filters)
    what = []
    if filters and filters.kind:
        # Calendar programs fetch the feed without a language and it is cached for everyone: English, like the rest.
        with force_locale("en"):
            what.append(filters.kind.label.lower())
    if filters and filters.room:
        what.append(filters.room)
    name = f"{conference.short_title} programme" + (f" ({', '.join(what)})" if what else "")
    return _finish(_calendar(conference, name, f"{conference.title}, {conference.venue}, {conference.city}"),
                   sessions, conference)


def session_feed(conference: Conference, session_id: int) -> Feed:
    s = db.session.scalar(select(Session).options(joinedload(Session.room), selectinload(Session.organizers)
                                                  .joinedload(SessionOrganizer.entity))
                          .where(Session.id == session_id, Session.conference_id == conference.id))
    if s is None or s.is_closed or s.published_at is None or s.status not in (St.PUBLISHED, St.CANCELLED):
        raise NotFound(_("No such session on the public programme."))
    return _finish(_calendar(conference, s.title, conference.title), [s], conference)


def agenda_feed(conference: Conference, token: str) -> Feed:
    """A participant's own agenda: what they signed up for or were invited to, closed sessions included."""
    r = registration_by_agenda_token(conference, token)
    rows = db.session.execute(
        select(Session, SessionSignup).options(joinedload(Session.room), selectinload(Session.organizers)
                                               .joinedload(SessionOrganizer.entity))
        .join(SessionSignup, SessionSignup.session_id == Session.id)
        .where(SessionSignup.registration_id == r.id, Session.published_at.is_not(None),
               Session.status.in_([St.PUBLISHED, St.CANCELLED]))
        .order_by(Session.starts_at)).all()
    return _finish(_calendar(conference, f"{conference.short_title}: my agenda",
                             f"The sessions of {r.full_name} at {conference.title}"), [s for s, _p in rows],
                   conference, {s.id: place for s, place in rows})


def registration_by_agenda_token(conference: Conference, token: str) -> Registration:
    return get_by_token(conference, token, agenda=True)


def renew_agenda_token(r: Registration) -> str:
    """A new secret address for the personal agenda; the old one stops working at once."""
    r.agenda_token = secrets.token_urlsafe(32)
    audit.record("registration.agenda_token_renewed", r, actor="participant")
    return r.agenda_token


def subscribe_links(https_url: str, name: str) -> dict[str, str]:
    """Ways to subscribe to a feed: webcal:// for Apple and Outlook, the https address to copy, and Google."""
    webcal = "webcal://" + https_url.split("://", 1)[1]
    return {"webcal": webcal, "https": https_url,
            "google": "https://calendar.google.com/calendar/render?" + urlencode({"cid": webcal}),
            "name": name}


def google_event_link(conference: Conference, s: Session) -> str:
    """"Add to Google Calendar" for one session (times in UTC, as Google's template wants them)."""
    fmt = "%Y%m%dT%H%M%SZ"
    params = {"action": "TEMPLATE", "text": s.title,
              "dates": f"{s.starts_at.strftime(fmt)}/{s.ends_at.strftime(fmt)}",
              "location": f"{s.room.name + ', ' if s.room else ''}{conference.venue}, {conference.city}",
              "details": external_url("programme.session", code=conference.code, session_id=s.id)}
    return "https://calendar.google.com/calendar/render?" + urlencode(params, quote_via=quote)

