"""A session of the Conference of the Parties, and the rooms of its venue."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conference.core.db import JSONType, UTCDateTime, utcnow
from conference.core.i18n import LANGUAGES, _l, current_language
from conference.extensions import db

# The scheme printed on badges, per badge category (see domain.md, "Badges").
# A conference may override any entry in `Conference.badge_scheme` (a label given there is printed as it is);
# the default labels are printed in the language of the badge run.
DEFAULT_BADGE_SCHEME: dict[str, dict[str, object]] = {
    # Heads of delegation (black) and delegates (pink) told apart at a glance, across a room: every two colours of the
    # scheme differ by at least MIN_COLOUR_DIFFERENCE (tested), which the settings page enforces for edited schemes.
    "HEAD": {"colour": "#212121", "letter": "E", "label": _l("Head of delegation")},
    "DELEGATE": {"colour": "#e91e63", "letter": "D", "label": _l("Delegate")},
    # A Party's overflow: pale pink, kin to the delegates' band yet told apart (narrower access at the doors).
    "OVERFLOW": {"colour": "#f48fb1", "letter": "F", "label": _l("Party overflow")},
    "UN": {"colour": "#1565c0", "letter": "U", "label": _l("United Nations")},
    "IGO": {"colour": "#f9a825", "letter": "I", "label": _l("Intergovernmental organization")},
    "NGO": {"colour": "#2e7d32", "letter": "N", "label": _l("Non-governmental organization")},
    "OBSERVER": {"colour": "#6a1b9a", "letter": "O", "label": _l("Observer")},
    "SECRETARIAT": {"colour": "#78909c", "letter": "S", "label": _l("Secretariat")},
    "PRESS": {"colour": "#ef6c00", "letter": "P", "label": _l("Press")},
    "GUEST": {"colour": "#795548", "letter": "G", "label": _l("Guest")},
}

# CIE76 colour difference (ΔE*ab) below which two badge bands are hard to tell apart at a glance (#c2185b and
# #e91e63, the two pinks once used for heads and delegates, differ by 14.5).
MIN_COLOUR_DIFFERENCE = 20


def _linear(channel: float) -> float:
    return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4


def _rgb(colour: str) -> tuple[float, float, float]:
    return tuple(_linear(int(colour[i:i + 2], 16) / 255) for i in (1, 3, 5))  # type: ignore[return-value]


def _lab(colour: str) -> tuple[float, float, float]:
    r, g, b = _rgb(colour)
    x, y, z = ((0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047, 0.2126 * r + 0.7152 * g + 0.0722 * b,
               (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883)
    fx, fy, fz = (t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116 for t in (x, y, z))
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def colour_difference(a: str, b: str) -> float:
    """How different two colours (#rrggbb) look: CIE76 ΔE*ab in the Lab space."""
    return sum((p - q) ** 2 for p, q in zip(_lab(a), _lab(b), strict=True)) ** 0.5


def ink_for(colour: str) -> str:
    """The text colour that reads best on a band of `colour`: white, or near-black on light bands (amber, orange)."""
    r, g, b = _rgb(colour)
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return "#ffffff" if 1.05 / (luminance + 0.05) >= (luminance + 0.05) / 0.05 else "#111111"


RESERVED_CODES = ("admin", "focal", "login", "logout", "static", "healthz", "door", "api")

# Default side-event slots outside the plenary sittings (domain.md), local time at the venue.
DEFAULT_SIDE_EVENT_SLOTS = [{"starts": "08:45", "ends": "09:45"}, {"starts": "13:15", "ends": "14:45"},
                            {"starts": "18:15", "ends": "19:45"}]


class Conference(db.Model):
    """One session of a COP (e.g. UNTOC COP12), the unit everything else belongs to."""

    __tablename__ = "conference"
    __table_args__ = (
        sa.CheckConstraint("code = lower(code) AND length(code) BETWEEN 2 AND 32", name="code_format"),
        # Codes are the first part of public URLs: they must not shadow the application's own paths.
        sa.CheckConstraint(f"code NOT IN ({', '.join(repr(c) for c in RESERVED_CODES)})", name="code_not_reserved"),
        sa.CheckConstraint("ends_on >= starts_on", name="dates_in_order"),
        sa.CheckConstraint(
            "registration_closes_at IS NULL OR registration_opens_at IS NULL "
            "OR registration_closes_at > registration_opens_at",
            name="registration_window_in_order",
        ),
        sa.CheckConstraint(
            "side_events_close_at IS NULL OR side_events_open_at IS NULL "
            "OR side_events_close_at > side_events_open_at",
            name="side_event_window_in_order",
        ),
        sa.CheckConstraint("venue_closes > venue_opens", name="venue_hours_in_order"),
        sa.CheckConstraint("retention_days >= 0", name="retention_not_negative"),
        sa.CheckConstraint("ngo_quota IS NULL OR ngo_quota > 0", name="ngo_quota_positive"),
        sa.CheckConstraint("side_events_per_organizer > 0", name="side_events_per_organizer_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    # In English; the other five languages in `titles` and `short_titles` ({"fr": "..."}), English when missing.
    title: Mapped[str] = mapped_column(sa.String(300))
    short_title: Mapped[str] = mapped_column(sa.String(80))
    titles: Mapped[dict] = mapped_column(JSONType, default=dict, server_default="{}")
    short_titles: Mapped[dict] = mapped_column(JSONType, default=dict, server_default="{}")
    # The languages the session works in (interpretation, documents), a subset of the six, in the UN's order.
    languages: Mapped[list] = mapped_column(JSONType, default=lambda: list(LANGUAGES),
                                            server_default='["ar", "zh", "en", "fr", "ru", "es"]')
    venue: Mapped[str] = mapped_column(sa.String(200))
    city: Mapped[str] = mapped_column(sa.String(100))
    # The secretariat's address for participants: shown on the session's public pages and in every e-mail.
    contact_email: Mapped[str] = mapped_column(sa.String(254), default="", server_default="")
    # IANA name, e.g. "Europe/Vienna"; every time is shown in it.
    timezone: Mapped[str] = mapped_column(sa.String(64))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    # Daily opening hours of the venue, local time: sessions must fit inside.
    venue_opens: Mapped[time] = mapped_column(default=time(8, 0))
    venue_closes: Mapped[time] = mapped_column(default=time(20, 0))
    registration_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    registration_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    side_events_open_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    side_events_close_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Days after the last day of the session during which personal data is kept.
    retention_days: Mapped[int] = mapped_column(default=365)
    ngo_quota: Mapped[int | None] = mapped_column(default=10)
    side_events_per_organizer: Mapped[int] = mapped_column(default=1)
    badge_scheme: Mapped[dict] = mapped_column(JSONType, default=dict)
    side_event_slots: Mapped[list] = mapped_column(JSONType, default=lambda: list(DEFAULT_SIDE_EVENT_SLOTS))
    # The opening sitting: credentials are due 24 hours before it, NGOs are listed 30 days before it.
    opening_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Bumped with every change the calendar feeds show (conference/feeds/versions.py): their ETags, without
    # building them. The programme's for the public feeds, the agendas' for what only personal agendas show.
    programme_version: Mapped[int] = mapped_column(default=0, server_default="0")
    agenda_version: Mapped[int] = mapped_column(default=0, server_default="0")

    rooms: Mapped[list[Room]] = relationship(back_populates="conference", order_by="Room.name")

    def __repr__(self) -> str:
        return f"<Conference {self.code}>"

    @property
    def display_title(self) -> str:
        """The title in the page's language, English when the secretariat has not given it."""
        return (self.titles or {}).get(current_language().code) or self.title

    @property
    def display_short_title(self) -> str:
        return (self.short_titles or {}).get(current_language().code) or self.short_title

    @property
    def active_rooms(self) -> list[Room]:
        """The rooms sessions may be scheduled in (retired ones excluded)."""
        return [room for room in self.rooms if room.retired_at is None]

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def local(self, moment: datetime) -> datetime:
        """The given UTC moment as a wall-clock time at the venue."""
        return moment.astimezone(self.tz)

    def at_venue(self, day: date, clock: time) -> datetime:
        """A wall-clock time at the venue on a day, as an aware UTC datetime."""
        return datetime.combine(day, clock, tzinfo=self.tz).astimezone(UTC)

    def day_window(self, day: date) -> tuple[datetime, datetime]:
        """A day at the venue as a UTC interval [start, end): from its midnight to the next day's, so 23 or 25
        hours long when the clocks change that night, never a fixed 24."""
        return self.at_venue(day, time(0, 0)), self.at_venue(day + timedelta(days=1), time(0, 0))

    @property
    def days(self) -> list[date]:
        return [self.starts_on + timedelta(days=i) for i in range((self.ends_on - self.starts_on).days + 1)]

    @property
    def opens_at(self) -> datetime:
        """The opening of the session: its opening sitting, else the venue's opening on the first day."""
        return self.opening_at or self.at_venue(self.starts_on, self.venue_opens)

    @property
    def retention_ends_on(self) -> date:
        return self.ends_on + timedelta(days=self.retention_days)

    def badge_style(self, category: str) -> dict[str, object]:
        """Colour, letter, legend ("label") and the ink that reads on the colour, for a badge category."""
        style = {**DEFAULT_BADGE_SCHEME.get(category, DEFAULT_BADGE_SCHEME["GUEST"]),
                 **{k: v for k, v in (self.badge_scheme or {}).get(category, {}).items() if v}}
        return {**style, "ink": ink_for(str(style["colour"]))}


class Room(db.Model):
    """A room of the venue that sessions are held in."""

    __tablename__ = "room"
    __table_args__ = (
        sa.UniqueConstraint("conference_id", "slug"),
        sa.UniqueConstraint("id", "conference_id"),  # target of composite foreign keys
        sa.CheckConstraint("capacity > 0", name="capacity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conference_id: Mapped[int] = mapped_column(sa.ForeignKey("conference.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(sa.String(40))
    name: Mapped[str] = mapped_column(sa.String(120))
    building: Mapped[str] = mapped_column(sa.String(80), default="")
    capacity: Mapped[int]
    # A room no longer used: kept for the sessions it held, never offered for scheduling again.
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    conference: Mapped[Conference] = relationship(back_populates="rooms")

    @property
    def retired(self) -> bool:
        return self.retired_at is not None

    def __repr__(self) -> str:
        return f"<Room {self.slug}>"
