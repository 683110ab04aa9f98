"""Cross-cutting records: the audit log, background jobs and queued e-mail."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from conference.core.db import JSONType, StrEnum, UTCDateTime, enum_type, labels, utcnow
from conference.core.i18n import _l
from conference.extensions import db

# What a history list calls an action and an actor that is not a person, in the page's language; any other action is
# shown as its code's last part, as before (registration.approve: "approve").
ACTION_LABELS = {
    "delegation.credentials": _l("credentials status set"),
    "delegation.credentials_submitted": _l("credentials sent"),
    "delegation.document_chosen": _l("version that counts chosen"),
    "delegation.document_received": _l("document received"),
    "delegation.outlet_merged": _l("outlet typed by a journalist merged into it"),
    "delegation.quota": _l("quota changed"),
    "delegation.treaty_status": _l("treaty status changed"),
    "delegation.ngo_list": _l("listed to States"),
    "delegation.ngo_object": _l("a State objected"),
    "delegation.ngo_admit": _l("admitted"),
    "delegation.ngo_refuse": _l("not admitted"),
    "entity.edit": _l("details changed"),
    "entity.names": _l("official names changed"),
    "entity.requested": _l("added on request"),
    "entity.roster": _l("imported from the NGO roster"),
    "entity.un_list": _l("loaded from the UN list"),
}
ACTOR_LABELS = {"secretariat": _l("secretariat"), "participant": _l("participant"), "focal point": _l("focal point"),
                "command line": _l("command line")}


# What a value in an entry's before and after reads as, by the field it belongs to (treaty_status: TreatyStatus...):
# filled by the modules that own those values, so that the log knows none of them; any other value reads as written.
VALUE_TYPES: dict[str, type[StrEnum]] = {}


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

    @property
    def action_label(self) -> str:
        """The action as a history list says it (ACTION_LABELS), else its code's last part."""
        label = ACTION_LABELS.get(self.action)
        return str(label) if label else self.action.split(".")[-1].replace("_", " ")

    def changes(self) -> list[tuple[str, str]]:
        """What changed, each field as (before, after) in the page's language ("—" for nothing), by the fields' names
        (PostgreSQL's JSON keeps no order); a field written with the same value before and after is left out."""
        if not self.before or not self.after:
            return []
        return [(_value_label(key, self.before.get(key)), _value_label(key, value))
                for key, value in sorted(self.after.items()) if self.before.get(key) != value]

    @property
    def actor_label(self) -> str:
        """Who acted: a person's address as written, a kind of actor in the page's language, "" for the system."""
        label = ACTOR_LABELS.get(self.actor)
        return str(label) if label else self.actor


def _value_label(key: str, value) -> str:
    if value is None:
        return "—"
    kind = VALUE_TYPES.get(key)
    if kind is not None and value in {member.value for member in kind}:
        return kind(value).label
    return str(value)


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
