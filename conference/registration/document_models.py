"""A delegation's documents on file: each nominating document and each set of credentials it sent, in versions.

A new upload never replaces what is on file: it becomes the next version of its kind, and the secretariat chooses
which version counts (`is_current`). Kept apart from models.py, which holds the people and their delegations.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conference.core.db import StrEnum, UTCDateTime, enum_type, labels, utcnow
from conference.core.i18n import _l
from conference.extensions import db

if TYPE_CHECKING:
    from conference.accounts.models import User
    from conference.registration.models import Delegation, Registration


class DocumentKind(StrEnum):
    NOMINATION = "NOMINATION"  # note verbale, official letter, application letter, letter of assignment
    CREDENTIALS = "CREDENTIALS"  # States parties only

labels(DocumentKind, {
    DocumentKind.NOMINATION: _l("Nominating document"),
    DocumentKind.CREDENTIALS: _l("Credentials"),
})


class DelegationDocument(db.Model):
    """One version of a delegation's nominating document or credentials, as received."""

    __tablename__ = "delegation_document"
    __table_args__ = (
        sa.UniqueConstraint("delegation_id", "kind", "version"),
        sa.CheckConstraint("version > 0", name="version_positive"),
        # At most one version of each kind counts: the one the secretariat chose (the first, until it chooses).
        sa.Index(
            "uq_delegation_document_one_current",
            "delegation_id",
            "kind",
            unique=True,
            sqlite_where=sa.text("is_current"),
            postgresql_where=sa.text("is_current"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    delegation_id: Mapped[int] = mapped_column(sa.ForeignKey("delegation.id", ondelete="CASCADE"), index=True)
    kind: Mapped[DocumentKind] = mapped_column(enum_type(DocumentKind, "document_kind"))
    version: Mapped[int]
    # Relative to the upload folder (uploads.store). None: received without a file (on paper, as the demonstration's
    # are), or the file was erased with the session's personal data.
    path: Mapped[str | None] = mapped_column(sa.String(300))
    # The name the sender's computer gave the file, offered again when it is downloaded; never used as a path.
    original_filename: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Who sent it: an account (a focal point, the secretariat), or a participant through the public form (their
    # registration, and the address they gave, which stays when the registration is gone).
    sent_by_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    sent_by_registration_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("registration.id", ondelete="SET NULL"))
    sent_by_email: Mapped[str] = mapped_column(sa.String(254), default="", server_default="")
    is_current: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    delegation: Mapped[Delegation] = relationship()
    sent_by_user: Mapped[User | None] = relationship()
    sent_by_registration: Mapped[Registration | None] = relationship()

    @property
    def download_name(self) -> str:
        """The name the file is downloaded under: the sender's own, else one that says what it is; always .pdf."""
        name = self.original_filename or f"{self.kind.value.lower()}-{self.version}.pdf"
        return name if name.lower().endswith(".pdf") else f"{name}.pdf"

    def __repr__(self) -> str:
        return f"<DelegationDocument {self.delegation_id} {self.kind} v{self.version}>"
