"""Badges issued to participants: every serial ever printed, so that a superseded one is recognized."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conference.core.db import JSONType, UTCDateTime, utcnow
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


class BadgeRunChunk(db.Model):
    """A part of a badge run (a Job of kind "badges") that any worker, on any machine, may take and render.

    The database, not the queue, says who holds which part: a worker claims a chunk (QUEUED, or RUNNING under a
    lease that has run out because its worker died), renews its lease while it renders, and marks it DONE with the
    key of its PDF. `issued` records that the chunk's badges were issued (in the claim's transaction), so a chunk
    taken again after a worker died prints the same serials instead of issuing new ones.
    """

    __tablename__ = "badge_run_chunk"
    __table_args__ = (
        sa.UniqueConstraint("job_id", "number"),
        sa.CheckConstraint("status IN ('QUEUED', 'RUNNING', 'DONE')", name="known_status"),
        sa.CheckConstraint("status != 'RUNNING' OR lease_until IS NOT NULL", name="running_has_lease"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(sa.ForeignKey("job.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]  # its place in the run: the merge puts the chunks' pages in this order
    registration_ids: Mapped[list] = mapped_column(JSONType)
    status: Mapped[str] = mapped_column(sa.String(16), default="QUEUED")
    attempts: Mapped[int] = mapped_column(default=0)
    issued: Mapped[bool] = mapped_column(default=False)
    worker: Mapped[str] = mapped_column(sa.String(120), default="")  # host:pid:token of the holder
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    pdf_key: Mapped[str | None] = mapped_column(sa.String(200))
    names: Mapped[list | None] = mapped_column(JSONType)  # names not printed whole, for the badge desk
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
