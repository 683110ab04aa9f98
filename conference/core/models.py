"""Cross-cutting records: the audit log, background jobs and queued e-mail."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from conference.core.db import JSONType, StrEnum, UTCDateTime, enum_type, labels, utcnow
from conference.core.i18n import _l
from conference.extensions import db


class AuditLog(db.Model):
    """Who changed what, when, from what to what, and why. Written in the same transaction as the change."""

    __tablename__ = "audit_log"
    __table_args__ = (sa.Index("ix_audit_log_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    conference_id: Mapped[int | None] = mapped_column(sa.ForeignKey("conference.id", ondelete="SET NULL"), index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    # Who acted when no user did: "participant", "command line", "system".
    actor: Mapped[str] = mapped_column(sa.String(80), default="")
    action: Mapped[str] = mapped_column(sa.String(80))
    object_type: Mapped[str] = mapped_column(sa.String(40))
    object_id: Mapped[int | None]
    before: Mapped[dict | None] = mapped_column(JSONType)
    after: Mapped[dict | None] = mapped_column(JSONType)
    reason: Mapped[str] = mapped_column(sa.Text, default="")


class JobStatus(StrEnum):
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    DONE = "DONE"
    FAILED = "FAILED"


labels(JobStatus, {
    JobStatus.QUEUED: _l("Queued"),
    JobStatus.RUNNING: _l("Running"),
    JobStatus.DONE: _l("Done"),
    JobStatus.FAILED: _l("Failed"),
})


class Job(db.Model):
    """A long task run outside the web request (a badge run), with its progress and result."""

    __tablename__ = "job"
    __table_args__ = (
        sa.CheckConstraint("done >= 0 AND (total IS NULL OR done <= total)", name="progress_in_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conference_id: Mapped[int | None] = mapped_column(sa.ForeignKey("conference.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    params: Mapped[dict] = mapped_column(JSONType, default=dict)
    status: Mapped[JobStatus] = mapped_column(enum_type(JobStatus, "job_status"), default=JobStatus.QUEUED)
    total: Mapped[int | None]
    done: Mapped[int] = mapped_column(default=0)
    result_path: Mapped[str | None] = mapped_column(sa.String(300))
    error: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class MailStatus(StrEnum):
    QUEUED = "QUEUED"
    SENT = "SENT"
    FAILED = "FAILED"


labels(MailStatus, {
    MailStatus.QUEUED: _l("Queued"),
    MailStatus.SENT: _l("Sent"),
    MailStatus.FAILED: _l("Failed"),
})


class OutgoingMail(db.Model):
    """An e-mail written in the transaction that caused it and sent only after that commits."""

    __tablename__ = "outgoing_mail"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Whom it concerns, so that purging a session's personal data reaches its mail too.
    conference_id: Mapped[int | None] = mapped_column(sa.ForeignKey("conference.id", ondelete="CASCADE"), index=True)
    registration_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("registration.id", ondelete="SET NULL"), index=True)
    recipient: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(300))
    body_text: Mapped[str] = mapped_column(sa.Text)
    language: Mapped[str] = mapped_column(sa.String(8), default="en")
    status: Mapped[MailStatus] = mapped_column(enum_type(MailStatus, "mail_status"), default=MailStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
