"""The programme: sittings, side events, roundtables and networking sessions, their organizers and sign-ups."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conference.core.db import JSONType, StrEnum, UTCDateTime, enum_type, labels, utcnow
from conference.core.i18n import _l
from conference.extensions import db

if TYPE_CHECKING:
    from conference.conferences.models import Conference, Room
    from conference.registration.models import ParticipatingEntity, Registration


class SessionKind(StrEnum):
    PLENARY = "PLENARY"
    COMMITTEE = "COMMITTEE"
    SIDE_EVENT = "SIDE_EVENT"
    ROUNDTABLE = "ROUNDTABLE"
    NETWORKING = "NETWORKING"
    BRIEFING = "BRIEFING"


labels(SessionKind, {
    SessionKind.PLENARY: _l("Plenary meeting"),
    SessionKind.COMMITTEE: _l("Committee meeting"),
    SessionKind.SIDE_EVENT: _l("Side event"),
    SessionKind.ROUNDTABLE: _l("Roundtable"),
    SessionKind.NETWORKING: _l("Networking session"),
    SessionKind.BRIEFING: _l("Briefing"),
})


# Official sittings: side events may not overlap them.
SITTING_KINDS = (SessionKind.PLENARY, SessionKind.COMMITTEE)


class SessionStatus(StrEnum):
    DRAFT = "DRAFT"
    SUBMITTED = "SUBMITTED"
    UNDER_REVIEW = "UNDER_REVIEW"
    ACCEPTED = "ACCEPTED"
    REJECTED = "REJECTED"
    WAITLISTED = "WAITLISTED"
    SCHEDULED = "SCHEDULED"
    PUBLISHED = "PUBLISHED"
    CANCELLED = "CANCELLED"


labels(SessionStatus, {
    SessionStatus.DRAFT: _l("Draft"),
    SessionStatus.SUBMITTED: _l("Submitted"),
    SessionStatus.UNDER_REVIEW: _l("Under review"),
    SessionStatus.ACCEPTED: _l("Accepted"),
    SessionStatus.REJECTED: _l("Rejected"),
    SessionStatus.WAITLISTED: _l("On the waiting list"),
    SessionStatus.SCHEDULED: _l("Scheduled"),
    SessionStatus.PUBLISHED: _l("Published"),
    SessionStatus.CANCELLED: _l("Cancelled"),
})


class SessionFormat(StrEnum):
    IN_PERSON = "IN_PERSON"
    HYBRID = "HYBRID"
    ONLINE = "ONLINE"


labels(SessionFormat, {
    SessionFormat.IN_PERSON: _l("In person"),
    SessionFormat.HYBRID: _l("Hybrid"),
    SessionFormat.ONLINE: _l("Online"),
})


class OrganizerRole(StrEnum):
    LEAD = "LEAD"
    CO_ORGANIZER = "CO_ORGANIZER"


labels(OrganizerRole, {
    OrganizerRole.LEAD: _l("Lead organizer"),
    OrganizerRole.CO_ORGANIZER: _l("Co-organizer"),
})


class SignupStatus(StrEnum):
    CONFIRMED = "CONFIRMED"
    WAITLISTED = "WAITLISTED"
    INVITED = "INVITED"  # closed sessions: managed by the coordinator


labels(SignupStatus, {
    SignupStatus.CONFIRMED: _l("Confirmed"),
    SignupStatus.WAITLISTED: _l("On the waiting list"),
    SignupStatus.INVITED: _l("Invited"),
})


class Session(db.Model):
    """Anything on the programme with a time and a room: a plenary sitting, a side event, a roundtable."""

    __tablename__ = "session"
    __table_args__ = (
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        sa.CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity_positive"),
        sa.CheckConstraint(
            "expected_attendance IS NULL OR expected_attendance > 0", name="expected_attendance_positive"
        ),
        sa.CheckConstraint("sequence >= 0", name="sequence_not_negative"),
        # Scheduled and published sessions have a place and a time.
        sa.CheckConstraint(
            "status NOT IN ('SCHEDULED', 'PUBLISHED') OR (starts_at IS NOT NULL AND ends_at IS NOT NULL)",
            name="scheduled_has_time",
        ),
        sa.Index("ix_session_conference_id_starts_at", "conference_id", "starts_at"),
        sa.UniqueConstraint("id", "conference_id"),  # target of composite foreign keys
        # A session is held in a room of its own conference's venue.
        sa.ForeignKeyConstraint(["room_id", "conference_id"], ["room.id", "room.conference_id"],
                                ondelete="RESTRICT", name="fk_session_room_same_conference"),
        sa.Index("ix_session_room_id_starts_at", "room_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conference_id: Mapped[int] = mapped_column(sa.ForeignKey("conference.id", ondelete="CASCADE"))
    kind: Mapped[SessionKind] = mapped_column(enum_type(SessionKind, "session_kind"))
    title: Mapped[str] = mapped_column(sa.String(300))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    format: Mapped[SessionFormat] = mapped_column(
        enum_type(SessionFormat, "session_format"), default=SessionFormat.IN_PERSON
    )
    languages: Mapped[str] = mapped_column(sa.String(100), default="en")
    room_id: Mapped[int | None]
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    capacity: Mapped[int | None]
    expected_attendance: Mapped[int | None]
    # Up to three preferred slots of an application: [{"starts": iso, "ends": iso}, ...].
    preferred_slots: Mapped[list] = mapped_column(JSONType, default=list)
    is_closed: Mapped[bool] = mapped_column(default=False)  # invitation only
    # Meetings restricted to parties (the Committee of the Whole) admit States parties and signatories only.
    restricted_to_parties: Mapped[bool] = mapped_column(default=False)
    status: Mapped[SessionStatus] = mapped_column(
        enum_type(SessionStatus, "session_status"), default=SessionStatus.DRAFT
    )
    status_reason: Mapped[str] = mapped_column(sa.Text, default="")
    # Calendars know an event by this UID for ever; never derived from the host or the id.
    uid: Mapped[uuid.UUID] = mapped_column(sa.Uuid, unique=True, default=uuid.uuid4)
    # iCalendar SEQUENCE: raised on every change of time, room or status once published.
    sequence: Mapped[int] = mapped_column(default=0)
    # Who sent the application (a participant of the lead organizer); e-mails about it go to them.
    applicant_id: Mapped[int | None] = mapped_column(sa.ForeignKey("registration.id", ondelete="SET NULL"),
                                                     index=True)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The last change of time, room or status after publication, shown on the programme.
    changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    change_note: Mapped[str] = mapped_column(sa.String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    conference: Mapped[Conference] = relationship()
    room: Mapped[Room | None] = relationship(primaryjoin="Session.room_id == Room.id", foreign_keys="Session.room_id")
    applicant: Mapped[Registration | None] = relationship(foreign_keys="Session.applicant_id")
    organizers: Mapped[list[SessionOrganizer]] = relationship(
        back_populates="session", cascade="all, delete-orphan", order_by="SessionOrganizer.position"
    )
    speakers: Mapped[list[SessionSpeaker]] = relationship(
        back_populates="session", cascade="all, delete-orphan", order_by="SessionSpeaker.position"
    )

    def __repr__(self) -> str:
        return f"<Session {self.id} {self.kind} {self.title[:30]!r}>"


class SessionOrganizer(db.Model):
    """An entity organizing a session: the lead, or a co-organizer who must confirm."""

    __tablename__ = "session_organizer"
    __table_args__ = (
        sa.UniqueConstraint("session_id", "entity_id"),
        sa.Index(
            "uq_session_organizer_one_lead",
            "session_id",
            unique=True,
            sqlite_where=sa.text("role = 'LEAD'"),
            postgresql_where=sa.text("role = 'LEAD'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("session.id", ondelete="CASCADE"))
    entity_id: Mapped[int] = mapped_column(sa.ForeignKey("participating_entity.id", ondelete="RESTRICT"), index=True)
    role: Mapped[OrganizerRole] = mapped_column(enum_type(OrganizerRole, "organizer_role"))
    position: Mapped[int] = mapped_column(default=0)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    session: Mapped[Session] = relationship(back_populates="organizers")
    entity: Mapped[ParticipatingEntity] = relationship()


class SessionSpeaker(db.Model):
    """A panel speaker, for gender balance and to keep one person from two panels at once."""

    __tablename__ = "session_speaker"
    __table_args__ = (sa.UniqueConstraint("session_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("session.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(sa.String(200))
    function_title: Mapped[str] = mapped_column(sa.String(200), default="")
    # Values of registration.Gender; kept as text so a panel can list people not registered.
    gender: Mapped[str] = mapped_column(sa.String(12))
    registration_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("registration.id", ondelete="SET NULL"), index=True
    )

    session: Mapped[Session] = relationship(back_populates="speakers")


class SessionSignup(db.Model):
    """A participant's seat in a session: confirmed, on the waiting list, or invited to a closed one."""

    __tablename__ = "session_signup"
    __table_args__ = (
        sa.UniqueConstraint("session_id", "registration_id"),
        sa.Index("ix_session_signup_session_id_status", "session_id", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("session.id", ondelete="CASCADE"))
    registration_id: Mapped[int] = mapped_column(sa.ForeignKey("registration.id", ondelete="CASCADE"), index=True)
    status: Mapped[SignupStatus] = mapped_column(enum_type(SignupStatus, "signup_status"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    promoted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    session: Mapped[Session] = relationship()
    registration: Mapped[Registration] = relationship()
