"""Badges issued to participants: every serial ever printed, so that a superseded one is recognized."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conference.core.db import UTCDateTime, utcnow
from conference.extensions import db

if TYPE_CHECKING:
    from conference.registration.models import Registration


class Badge(db.Model):
    """One printed badge. A reprint issues a new row and supersedes the earlier one."""

    __tablename__ = "badge"
    __table_args__ = (
        sa.Index(
            "uq_badge_one_valid_per_registration",
            "registration_id",
            unique=True,
            sqlite_where=sa.text("superseded_at IS NULL"),
            postgresql_where=sa.text("superseded_at IS NULL"),
        ),
        sa.CheckConstraint("collected_at IS NULL OR printed_at IS NOT NULL", name="collected_after_print"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(sa.ForeignKey("registration.id", ondelete="CASCADE"), index=True)
    serial: Mapped[str] = mapped_column(sa.String(32), unique=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    printed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    printed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    collected_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    collected_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    registration: Mapped[Registration] = relationship()
