"""What the public asks the secretariat to add to its lists, decided by the secretariat: an NGO that is not on the list
("my organization is not on the list"), and a media outlet a journalist typed because nobody had listed it. Kept apart
from models.py, which holds the people and their delegations.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conference.core.db import StrEnum, UTCDateTime, enum_type, labels, utcnow
from conference.core.i18n import _l
from conference.extensions import db
from conference.registration.models import EcosocStatus

if TYPE_CHECKING:
    from conference.conferences.models import Conference
    from conference.registration.models import ParticipatingEntity


class RequestStatus(StrEnum):
    PENDING = "PENDING"
    ADMITTED = "ADMITTED"  # the organization is on the list now, with a delegation at the session
    REFUSED = "REFUSED"

labels(RequestStatus, {
    RequestStatus.PENDING: _l("Waiting for the secretariat"),
    RequestStatus.ADMITTED: _l("Admitted"),
    RequestStatus.REFUSED: _l("Not admitted"),
})


class RequestKind(StrEnum):
    NGO = "NGO"  # asked for before anyone registers
    MEDIA = "MEDIA"  # typed by a journalist registering: the outlet and its delegation exist, unchecked

labels(RequestKind, {RequestKind.NGO: _l("NGO"), RequestKind.MEDIA: _l("Media outlet")})


class OrganizationRequest(db.Model):
    """An organization's request to take part in a session, with the details it gave and whom to tell."""

    __tablename__ = "organization_request"
    __table_args__ = (
        sa.CheckConstraint("status = 'PENDING' OR decided_at IS NOT NULL", name="decided_has_a_time"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conference_id: Mapped[int] = mapped_column(sa.ForeignKey("conference.id", ondelete="CASCADE"), index=True)
    kind: Mapped[RequestKind] = mapped_column(enum_type(RequestKind, "request_kind"), default=RequestKind.NGO,
                                              server_default=RequestKind.NGO.value)
    name: Mapped[str] = mapped_column(sa.String(300))
    acronym: Mapped[str] = mapped_column(sa.String(80), default="")
    country_iso3: Mapped[str | None] = mapped_column(sa.String(3))
    ecosoc_status: Mapped[EcosocStatus | None] = mapped_column(enum_type(EcosocStatus, "ecosoc_status"))
    website: Mapped[str] = mapped_column(sa.String(300), default="")
    # Whom the decision is written to, in their language: personal data, erased with the session's.
    contact_name: Mapped[str] = mapped_column(sa.String(200))
    email: Mapped[str] = mapped_column(sa.String(254))
    language: Mapped[str] = mapped_column(sa.String(5), default="en")
    message: Mapped[str] = mapped_column(sa.String(2000), default="")
    status: Mapped[RequestStatus] = mapped_column(enum_type(RequestStatus, "request_status"),
                                                  default=RequestStatus.PENDING)
    reason: Mapped[str] = mapped_column(sa.String(1000), default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The organization it became (or was found to be) once admitted; a typed outlet's from the start.
    entity_id: Mapped[int | None] = mapped_column(sa.ForeignKey("participating_entity.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    conference: Mapped[Conference] = relationship()
    entity: Mapped[ParticipatingEntity | None] = relationship()

    def __repr__(self) -> str:
        return f"<OrganizationRequest {self.id} {self.status.value} {self.name!r}>"
