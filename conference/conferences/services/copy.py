"""A new session from an earlier one (`flask sessions copy`, and the same from the back office)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from conference.conferences.models import Conference, Room
from conference.conferences.services.sessions import add_new_conference, check_new_code, get_conference
from conference.core import audit
from conference.core.db import utcnow
from conference.core.errors import RuleViolation
from conference.core.i18n import LANGUAGES, _, format_moment
from conference.extensions import db
from conference.registration.models import CredentialsStatus, Delegation, EntityType, NgoAdmission
from conference.registration.services.un_list import load_un_list

# Registration closes two weeks before the first day unless the secretariat says otherwise (UN practice).
DEFAULT_REGISTRATION_LEAD = timedelta(days=14)
# When the earlier session gives no closing time of day: the end of an office day at the venue.
DEFAULT_CLOSING_TIME = time(18, 0)


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
    entities (each delegation with its treaty status and quota, which the secretariat then changes for the new
    session alone; the UN list's States and organizations added or brought up to date, `load_un_list`), but no
    people and no documents; credentials start again (pending for parties) and NGOs without ECOSOC status are listed
    to States anew (admission is decided per session).

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
        contact_email=source.contact_email,
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

    add_new_conference(new)
    # The States and organizations of the UN list, so the new session has every State to choose from.
    load_un_list(actor=actor)

    rooms = db.session.scalars(select(Room).where(Room.conference_id == source.id, Room.retired_at.is_(None))
                               .order_by(Room.id)).all()
    for room in rooms:
        db.session.add(Room(conference_id=new.id, slug=room.slug, name=room.name, building=room.building,
                            capacity=room.capacity))
    delegations = db.session.scalars(select(Delegation).where(Delegation.conference_id == source.id)
                                     .order_by(Delegation.id)).all()
    for old in delegations:
        kind = old.entity.entity_type
        db.session.add(Delegation(
            conference_id=new.id, entity_id=old.entity_id, quota=old.quota, treaty_status=old.treaty_status,
            credentials_status=CredentialsStatus.PENDING if old.is_party else CredentialsStatus.NOT_REQUIRED,
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
