"""Scans of badges at the building gate and at the doors of sessions."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conference.core.db import StrEnum, UTCDateTime, enum_type, labels, utcnow
from conference.core.i18n import _l
from conference.extensions import db

if TYPE_CHECKING:
    from conference.registration.models import Registration

GATE = "gate"


class CheckInResult(StrEnum):
    ADMITTED = "ADMITTED"
    ALREADY_ADMITTED = "ALREADY_ADMITTED"
    NOT_INVITED = "NOT_INVITED"
    BADGE_REPLACED = "BADGE_REPLACED"
    NOT_APPROVED = "NOT_APPROVED"
    NOT_PRINTED = "NOT_PRINTED"
    CLOSED = "CLOSED"
    NO_SEAT = "NO_SEAT"
    UNKNOWN = "UNKNOWN"
    FORGED = "FORGED"


labels(CheckInResult, {
    CheckInResult.ADMITTED: _l("Admitted"),
    CheckInResult.ALREADY_ADMITTED: _l("Already admitted"),
    CheckInResult.NOT_INVITED: _l("Not invited"),
    CheckInResult.BADGE_REPLACED: _l("Badge replaced"),
    CheckInResult.NOT_APPROVED: _l("Not approved"),
    CheckInResult.NOT_PRINTED: _l("Badge not printed since approval"),
    CheckInResult.CLOSED: _l("Door closed"),
    CheckInResult.NO_SEAT: _l("No seat"),
    CheckInResult.UNKNOWN: _l("Unknown badge"),
    CheckInResult.FORGED: _l("Forged code"),
})


class CheckIn(db.Model):
    """One scan at one door: kept whatever its result, for the audit of the doors."""

    __tablename__ = "check_in"
    __table_args__ = (
        # `door` is "gate" or "session-<id>", so that the unique index below
        # needs no NULL-able column: a person is admitted once per door and day.
        sa.CheckConstraint(
            "(session_id IS NULL AND door = 'gate') OR (session_id IS NOT NULL AND door <> 'gate')",
            name="door_matches_session",
        ),
        sa.CheckConstraint(
            "registration_id IS NOT NULL OR result IN ('UNKNOWN', 'FORGED')",
            name="known_results_name_someone",
        ),
        sa.Index(
            "uq_check_in_admitted_once_per_door_and_day",
            "registration_id",
            "door",
            "venue_day",
            unique=True,
            sqlite_where=sa.text("result = 'ADMITTED'"),
            postgresql_where=sa.text("result = 'ADMITTED'"),
        ),
        sa.Index("ix_check_in_conference_id_venue_day", "conference_id", "venue_day"),
        # The person and the session scanned belong to the conference of the scan.
        sa.ForeignKeyConstraint(["registration_id", "conference_id"], ["registration.id", "registration.conference_id"],
                                ondelete="CASCADE", name="fk_check_in_registration_same_conference"),
        sa.ForeignKeyConstraint(["session_id", "conference_id"], ["session.id", "session.conference_id"],
                                ondelete="CASCADE", name="fk_check_in_session_same_conference"),
        sa.Index("ix_check_in_session_id_result", "session_id", "result"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conference_id: Mapped[int] = mapped_column(sa.ForeignKey("conference.id", ondelete="CASCADE"))
    registration_id: Mapped[int | None] = mapped_column(index=True)
    session_id: Mapped[int | None]
    door: Mapped[str] = mapped_column(sa.String(40))
    scanned_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The day at the venue (its time zone), for once-a-day counting at the gate.
    venue_day: Mapped[date]
    device: Mapped[str] = mapped_column(sa.String(120), default="")
    scanned_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    result: Mapped[CheckInResult] = mapped_column(enum_type(CheckInResult, "check_in_result"))
    # The serial read, when it could be read: kept for forged and unknown codes too.
    serial: Mapped[str] = mapped_column(sa.String(64), default="")
    # Typed by the door officer rather than read from the signed QR code: such a serial proves nothing by itself,
    # so it admits only after the officer compared the person with the photo and confirmed.
    typed: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    registration: Mapped[Registration | None] = relationship(
        primaryjoin="CheckIn.registration_id == Registration.id", foreign_keys="CheckIn.registration_id")
