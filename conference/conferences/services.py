"""Operations on conferences: find one, and set up a new session from an earlier one."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, available_timezones

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from conference.conferences.models import RESERVED_CODES, Conference, Room
from conference.core import audit
from conference.core.db import utcnow
from conference.core.errors import Invalid, NotFound, RuleViolation
from conference.core.i18n import DEFAULT as DEFAULT_LANGUAGE
from conference.core.i18n import LANGUAGES, _, format_moment
from conference.extensions import db
from conference.registration.models import CredentialsStatus, Delegation, EntityType, NgoAdmission

# The code is the first part of every public address of the session (/cop13/register): keep it plain.
CODE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{1,31}$")
# Registration closes two weeks before the first day unless the secretariat says otherwise (UN practice).
DEFAULT_REGISTRATION_LEAD = timedelta(days=14)
# When the earlier session gives no closing time of day: the end of an office day at the venue.
DEFAULT_CLOSING_TIME = time(18, 0)


def all_conferences() -> list[Conference]:
    """Every session, the latest first: the home page, the back office and the doors list them alike."""
    return list(db.session.scalars(select(Conference).order_by(Conference.starts_on.desc())))


def get_conference(code: str) -> Conference:
    """The conference with this code (case-insensitive); NotFound names the known codes otherwise."""
    conference = db.session.scalar(select(Conference).where(Conference.code == code.strip().lower()))
    if conference is None:
        known = db.session.scalars(select(Conference.code).order_by(Conference.code)).all()
        if known:
            raise NotFound(_("no conference with the code %(code)s (known: %(known)s)", code=repr(code),
                             known=", ".join(known)))
        raise NotFound(_("no conference with the code %(code)s (there are none yet: `flask --app wsgi demo` loads one)",
                         code=repr(code)))
    return conference


def check_new_code(code: str) -> str:
    """The code of a new session, normalized; RuleViolation (field "code") when it cannot be used."""
    code = (code or "").strip().lower()
    if not CODE_PATTERN.match(code):
        raise RuleViolation(_("The code must be 2 to 32 characters: lower-case letters, digits and hyphens, "
                              "starting with a letter or a digit (e.g. cop13)."), field="code")
    if code in RESERVED_CODES:
        raise RuleViolation(_("The code %(code)s is used by Plenary itself; choose another.", code=code),
                            field="code")
    if db.session.scalar(select(Conference.id).where(Conference.code == code)) is not None:
        raise RuleViolation(_("A session with the code %(code)s already exists.", code=code), field="code")
    return code


@dataclass
class CopyRequest:
    """What the secretariat says about the new session; everything else comes from the earlier one."""

    code: str
    title: str
    starts_on: date | None
    ends_on: date | None
    short_title: str = ""
    registration_closes_on: date | None = None


def _shifted(source: Conference, moment: datetime | None, new_start: date, target: Conference) -> datetime | None:
    """A moment of the earlier session moved to the same day before (or after) the new first day, at the same
    time of day at the venue."""
    if moment is None:
        return None
    local = source.local(moment)
    return target.at_venue(new_start + (local.date() - source.starts_on), local.time())


def copy_conference(source_code: str, request: CopyRequest, *, actor=None, now: datetime | None = None) -> Conference:
    """A new session from an earlier one: its venue and settings, rooms, badge categories and participating
    entities (each delegation with its quota), but no people and no documents; credentials start again (pending
    for States parties) and NGOs without ECOSOC status are listed to States anew.

    Registration opens now (to the minute) and closes on the given day, by default 14 days before the first day,
    at the time of day the earlier session's registration closed (18:00 when it had none). The side-event window
    opens now and closes as many days before the first day as it did for the earlier session, but never after
    registration closes nor before tomorrow. Flushes, does not commit: nothing is half-saved when a rule refuses.
    """
    source = get_conference(source_code)
    now = (now or utcnow()).replace(second=0, microsecond=0)
    code = check_new_code(request.code)
    title = (request.title or "").strip()
    if not title:
        raise RuleViolation(_("Give the new session a title."), field="title")
    if len(title) > 300:
        raise RuleViolation(_("The title is too long (at most %(most)d characters).", most=300), field="title")
    short_title = (request.short_title or "").strip() or code.upper()
    if len(short_title) > 80:
        raise RuleViolation(_("The short title is too long (at most %(most)d characters).", most=80),
                            field="short_title")
    if request.starts_on is None:
        raise RuleViolation(_("Enter the first day."), field="starts_on")
    if request.ends_on is None:
        raise RuleViolation(_("Enter the last day."), field="ends_on")
    if request.ends_on < request.starts_on:
        raise RuleViolation(_("The last day (%(ends)s) is before the first day (%(starts)s).",
                              ends=request.ends_on.isoformat(), starts=request.starts_on.isoformat()),
                            field="ends_on")

    new = Conference(
        code=code, title=title, short_title=short_title, venue=source.venue, city=source.city,
        timezone=source.timezone, starts_on=request.starts_on, ends_on=request.ends_on,
        venue_opens=source.venue_opens, venue_closes=source.venue_closes, retention_days=source.retention_days,
        ngo_quota=source.ngo_quota, side_events_per_organizer=source.side_events_per_organizer,
        badge_scheme=dict(source.badge_scheme or {}), side_event_slots=list(source.side_event_slots or []),
        languages=list(source.languages or LANGUAGES),
    )
    new.opening_at = _shifted(source, source.opening_at, request.starts_on, new)

    closes_on = request.registration_closes_on or request.starts_on - DEFAULT_REGISTRATION_LEAD
    clock = source.local(source.registration_closes_at).time() if source.registration_closes_at \
        else DEFAULT_CLOSING_TIME
    registration_closes = new.at_venue(closes_on, clock)
    if registration_closes <= now:
        raise RuleViolation(_("Registration would close on %(when)s, which is already past: give a later closing "
                              "day (--registration-closes) or later dates.",
                              when=format_moment(registration_closes, new)), field="registration_closes_on")
    if closes_on > request.ends_on:
        raise RuleViolation(_("Registration cannot close after the last day of the session (%(ends)s).",
                              ends=request.ends_on.isoformat()), field="registration_closes_on")
    new.registration_opens_at = now
    new.registration_closes_at = registration_closes

    if source.side_events_close_at is not None:
        closes = _shifted(source, source.side_events_close_at, request.starts_on, new)
        if closes > registration_closes or closes < now + timedelta(days=1):
            closes = registration_closes
        new.side_events_open_at, new.side_events_close_at = now, closes

    db.session.add(new)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        # Another secretariat member created the same code a moment ago (the unique constraint caught it).
        raise RuleViolation(_("A session with the code %(code)s already exists.", code=code), field="code") from None

    rooms = db.session.scalars(select(Room).where(Room.conference_id == source.id).order_by(Room.id)).all()
    for room in rooms:
        db.session.add(Room(conference_id=new.id, slug=room.slug, name=room.name, building=room.building,
                            capacity=room.capacity))
    delegations = db.session.scalars(select(Delegation).where(Delegation.conference_id == source.id)
                                     .order_by(Delegation.id)).all()
    for old in delegations:
        kind = old.entity.entity_type
        db.session.add(Delegation(
            conference_id=new.id, entity_id=old.entity_id, quota=old.quota,
            credentials_status=CredentialsStatus.PENDING if kind == EntityType.STATE_PARTY
            else CredentialsStatus.NOT_REQUIRED,
            ngo_admission=NgoAdmission.ECOSOC if kind == EntityType.NGO_ECOSOC else NgoAdmission.NOT_APPLICABLE,
        ))
    db.session.flush()
    audit.record("conference.copied", new, actor=actor or "command line", conference_id=new.id,
                 before={"from": source.code},
                 after={"code": new.code, "title": new.title, "starts_on": new.starts_on,
                        "ends_on": new.ends_on, "registration_opens_at": new.registration_opens_at,
                        "registration_closes_at": new.registration_closes_at,
                        "side_events_open_at": new.side_events_open_at,
                        "side_events_close_at": new.side_events_close_at,
                        "rooms": len(rooms), "delegations": len(delegations)})
    return new


# --- Settings: a session from nothing, and every setting changed from the back office ------------------------------

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
                  "side_events_per_organizer", "languages")


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
        languages=list(conference.languages or LANGUAGES))


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
    languages = [code for code in LANGUAGES if code in (s.languages or [])]
    if not languages:
        errors.setdefault("languages", []).append(_("Choose at least one language."))

    windows = {}
    if zone and s.starts_on and s.ends_on and "ends_on" not in errors and "venue_closes" not in errors:
        tz = ZoneInfo(zone)
        first_opening = datetime.combine(s.starts_on, s.venue_opens)
        last_closing = datetime.combine(s.ends_on, s.venue_closes)
        earliest = first_opening - EARLIEST_OPENING
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


def _snapshot(conference: Conference) -> dict:
    return {name: getattr(conference, name) for name in SETTING_FIELDS}


def create_conference(code: str, settings: SessionSettings, *, actor=None) -> Conference:
    """A session from nothing: its code and every setting checked at once (Invalid names each wrong field);
    no rooms, no delegations yet. Flushes, does not commit."""
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
    db.session.add(conference)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise Invalid({"code": [_("A session with the code %(code)s already exists.", code=code)]}) from None
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
