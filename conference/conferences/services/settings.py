"""A session's settings: a session from nothing, and every setting changed from the back office, each rule checked
at once (every wrong field named) and each change in the audit log."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, available_timezones

from sqlalchemy import func, or_, select

from conference.accounts.services import normalize_email
from conference.conferences.models import Conference
from conference.conferences.services.sessions import add_new_conference, check_new_code
from conference.core import audit
from conference.core.errors import Invalid, RuleViolation
from conference.core.i18n import DEFAULT as DEFAULT_LANGUAGE
from conference.core.i18n import LANGUAGES, _, format_moment, ngettext
from conference.extensions import db
from conference.programme.models import Session
from conference.programme.services.scheduling import HOLDS_PLACE
from conference.registration.services.un_list import load_un_list

# Windows open at most this long before the first day: a date further back is a typing mistake.
EARLIEST_OPENING = timedelta(days=730)
LONGEST_SESSION = 31  # days
MAX_RETENTION_DAYS = 3650
MAX_NGO_QUOTA = 1000
MAX_SIDE_EVENTS_PER_ORGANIZER = 20
DEFAULT_VENUE_OPENS, DEFAULT_VENUE_CLOSES = time(8, 0), time(20, 0)
OTHER_LANGUAGES = tuple(code for code in LANGUAGES if code != DEFAULT_LANGUAGE)
# What the audit log compares before and after a change.
SETTING_FIELDS = ("title", "short_title", "titles", "short_titles", "venue", "city", "timezone", "starts_on",
                  "ends_on", "venue_opens", "venue_closes", "registration_opens_at", "registration_closes_at",
                  "side_events_open_at", "side_events_close_at", "retention_days", "ngo_quota",
                  "side_events_per_organizer", "languages", "contact_email")


@dataclass
class SessionSettings:
    """Every setting of a session as the secretariat types it: windows as wall-clock times at the venue (naive),
    titles by language ("en" is required and goes to `title` and `short_title`)."""

    titles: dict[str, str]
    short_titles: dict[str, str]
    venue: str
    city: str
    timezone: str
    starts_on: date | None
    ends_on: date | None
    venue_opens: time | None
    venue_closes: time | None
    registration_opens: datetime | None = None
    registration_closes: datetime | None = None
    side_events_open: datetime | None = None
    side_events_close: datetime | None = None
    retention_days: int | None = 365
    ngo_quota: int | None = 10
    side_events_per_organizer: int | None = 1
    languages: list[str] | None = None
    contact_email: str = ""  # the secretariat's address, on every public page and e-mail; empty: none shown


def settings_of(conference: Conference) -> SessionSettings:
    """A session's settings as the form shows them (windows at the venue's wall-clock time)."""
    def local(moment):
        return conference.local(moment).replace(tzinfo=None) if moment else None
    return SessionSettings(
        titles={DEFAULT_LANGUAGE: conference.title, **(conference.titles or {})},
        short_titles={DEFAULT_LANGUAGE: conference.short_title, **(conference.short_titles or {})},
        venue=conference.venue, city=conference.city, timezone=conference.timezone,
        starts_on=conference.starts_on, ends_on=conference.ends_on, venue_opens=conference.venue_opens,
        venue_closes=conference.venue_closes, registration_opens=local(conference.registration_opens_at),
        registration_closes=local(conference.registration_closes_at),
        side_events_open=local(conference.side_events_open_at),
        side_events_close=local(conference.side_events_close_at), retention_days=conference.retention_days,
        ngo_quota=conference.ngo_quota, side_events_per_organizer=conference.side_events_per_organizer,
        languages=list(conference.languages or LANGUAGES), contact_email=conference.contact_email)


def _text(errors: dict, field: str, value: str | None, most: int, missing=None) -> str:
    value = (value or "").strip()
    if not value and missing is not None:
        errors.setdefault(field, []).append(missing)
    elif len(value) > most:
        errors.setdefault(field, []).append(_("At most %(most)d characters.", most=most))
    return value


def _whole(errors: dict, field: str, value: int | None, least: int, most: int, *, blank_ok=False) -> int | None:
    if value is None:
        if not blank_ok:
            errors.setdefault(field, []).append(_("Enter a whole number."))
        return None
    if not least <= value <= most:
        errors.setdefault(field, []).append(_("Enter a whole number from %(least)d to %(most)d.",
                                              least=least, most=most))
    return value


def _apply(conference: Conference, s: SessionSettings) -> None:
    """Check every setting, all at once, and write them to `conference`; Invalid names each field that is wrong
    (field names are the form's: title_en, title_fr, venue, registration_closes, ...)."""
    errors: dict[str, list[str]] = {}
    title = _text(errors, "title_en", s.titles.get(DEFAULT_LANGUAGE), 300, _("Give the session a title in English."))
    short = _text(errors, "short_title_en", s.short_titles.get(DEFAULT_LANGUAGE), 80,
                  _("Give the session a short title in English (e.g. UNTOC COP13)."))
    titles = {code: _text(errors, f"title_{code}", s.titles.get(code), 300) for code in OTHER_LANGUAGES}
    shorts = {code: _text(errors, f"short_title_{code}", s.short_titles.get(code), 80) for code in OTHER_LANGUAGES}
    venue = _text(errors, "venue", s.venue, 200, _("Name the venue."))
    city = _text(errors, "city", s.city, 100, _("Name the city."))
    zone = (s.timezone or "").strip()
    if zone not in available_timezones():
        errors.setdefault("timezone", []).append(
            _("“%(zone)s” is not a time zone: give its IANA name, e.g. Europe/Vienna or America/New_York.",
              zone=zone) if zone else _("Give the venue's time zone, e.g. Europe/Vienna."))
        zone = ""
    if s.starts_on is None:
        errors.setdefault("starts_on", []).append(_("Enter the first day."))
    if s.ends_on is None:
        errors.setdefault("ends_on", []).append(_("Enter the last day."))
    elif s.starts_on is not None and s.ends_on < s.starts_on:
        errors.setdefault("ends_on", []).append(_("The last day must not be before the first day."))
    elif s.starts_on is not None and (s.ends_on - s.starts_on).days >= LONGEST_SESSION:
        errors.setdefault("ends_on", []).append(_("A session lasts at most %(days)d days.", days=LONGEST_SESSION))
    if s.venue_opens is None or s.venue_closes is None:
        errors.setdefault("venue_closes", []).append(_("Enter the venue's opening and closing times."))
    elif s.venue_closes <= s.venue_opens:
        errors.setdefault("venue_closes", []).append(_("The venue must close after it opens."))
    retention = _whole(errors, "retention_days", s.retention_days, 0, MAX_RETENTION_DAYS)
    quota = _whole(errors, "ngo_quota", s.ngo_quota, 1, MAX_NGO_QUOTA, blank_ok=True)
    per_organizer = _whole(errors, "side_events_per_organizer", s.side_events_per_organizer, 1,
                           MAX_SIDE_EVENTS_PER_ORGANIZER)
    contact = (s.contact_email or "").strip()
    if contact:
        try:
            contact = normalize_email(contact)
        except RuleViolation as exc:
            errors.setdefault("contact_email", []).append(exc.message)
    languages = [code for code in LANGUAGES if code in (s.languages or [])]
    if not languages:
        errors.setdefault("languages", []).append(_("Choose at least one language."))

    windows = {}
    if zone and s.starts_on and s.ends_on and "ends_on" not in errors and "venue_closes" not in errors:
        tz = ZoneInfo(zone)
        first_opening = datetime.combine(s.starts_on, s.venue_opens)
        last_closing = datetime.combine(s.ends_on, s.venue_closes)
        earliest = first_opening - EARLIEST_OPENING
        outside = _sessions_outside(conference, datetime.combine(s.starts_on, time(0), tzinfo=tz),
                                    datetime.combine(s.ends_on + timedelta(days=1), time(0), tzinfo=tz))
        if outside:
            errors.setdefault("starts_on", []).append(ngettext(
                "%(num)d session on the programme would fall outside these days: move or cancel it first.",
                "%(num)d sessions on the programme would fall outside these days: move or cancel them first.",
                outside))
        for opens, closes, latest, late_message in (
            ("registration_opens", "registration_closes", last_closing,
             _("Registration must close by the end of the last day (%(when)s).",
               when=format_moment(last_closing))),
            ("side_events_open", "side_events_close", first_opening,
             _("Side-event applications must close before the session opens (%(when)s).",
               when=format_moment(first_opening)))):
            start, end = getattr(s, opens), getattr(s, closes)
            if start is not None and start < earliest:
                errors.setdefault(opens, []).append(_("This is more than two years before the first day."))
            if end is not None and end > latest:
                errors.setdefault(closes, []).append(late_message)
            if start is not None and end is not None and end <= start:
                errors.setdefault(closes, []).append(_("The window must close after it opens."))
            windows[opens] = datetime.combine(start.date(), start.time(), tzinfo=tz) if start else None
            windows[closes] = datetime.combine(end.date(), end.time(), tzinfo=tz) if end else None
    if errors:
        raise Invalid(errors)

    conference.title, conference.short_title = title, short
    conference.titles = {code: text for code, text in titles.items() if text}
    conference.short_titles = {code: text for code, text in shorts.items() if text}
    conference.venue, conference.city, conference.timezone = venue, city, zone
    conference.starts_on, conference.ends_on = s.starts_on, s.ends_on
    conference.venue_opens, conference.venue_closes = s.venue_opens, s.venue_closes
    for name, column in (("registration_opens", "registration_opens_at"),
                         ("registration_closes", "registration_closes_at"),
                         ("side_events_open", "side_events_open_at"), ("side_events_close", "side_events_close_at")):
        moment = windows[name]
        setattr(conference, column, moment.astimezone(UTC) if moment else None)
    conference.retention_days, conference.ngo_quota = retention, quota
    conference.side_events_per_organizer, conference.languages = per_organizer, languages
    conference.contact_email = contact


def _sessions_outside(conference: Conference, first: datetime, after_last: datetime) -> int:
    """Scheduled or published sessions of an existing session that the new days would leave out."""
    if conference.id is None:
        return 0
    return db.session.scalar(select(func.count()).select_from(Session).where(
        Session.conference_id == conference.id, Session.status.in_(HOLDS_PLACE),
        or_(Session.starts_at < first, Session.ends_at > after_last))) or 0


def _snapshot(conference: Conference) -> dict:
    return {name: getattr(conference, name) for name in SETTING_FIELDS}


def create_conference(code: str, settings: SessionSettings, *, actor=None) -> Conference:
    """A session from nothing: its code and every setting checked at once (Invalid names each wrong field);
    no rooms, no delegations yet; the UN list's States and organizations are added or brought up to date
    (`load_un_list`). Flushes, does not commit."""
    conference = Conference(badge_scheme={})
    try:
        code = check_new_code(code)
    except RuleViolation as exc:
        try:
            _apply(conference, settings)
        except Invalid as more:
            raise Invalid({"code": [exc.message], **more.errors}) from None
        raise Invalid({"code": [exc.message]}) from None
    _apply(conference, settings)
    conference.code = code
    add_new_conference(conference)
    # The States and organizations of the UN list, so the new session has every State to choose from.
    load_un_list(actor=actor)
    audit.record("conference.created", conference, actor=actor, conference_id=conference.id,
                 after={"code": code, **{k: _audit_value(v) for k, v in _snapshot(conference).items()}})
    return conference


def update_settings(conference: Conference, settings: SessionSettings, *, actor=None) -> list[str]:
    """Change a session's settings, all checked at once; every change in the audit log. Returns the names of the
    settings that changed (none: nothing is logged). Flushes, does not commit."""
    before = _snapshot(conference)
    _apply(conference, settings)
    after = _snapshot(conference)
    changed = [name for name in SETTING_FIELDS if before[name] != after[name]]
    if changed:
        db.session.flush()
        audit.record("conference.settings_changed", conference, actor=actor, conference_id=conference.id,
                     before={k: _audit_value(before[k]) for k in changed},
                     after={k: _audit_value(after[k]) for k in changed})
    return changed


def _audit_value(value):
    """JSON for the audit log: moments in ISO 8601, lists and objects as they are."""
    if isinstance(value, (date, time, datetime)):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return value
