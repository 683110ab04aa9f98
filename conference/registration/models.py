"""Who takes part: participating entities, their delegations to a session, and each person's registration."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conference.core.db import JSONType, StrEnum, UTCDateTime, enum_type, labels, utcnow
from conference.core.i18n import _l, current_language
from conference.core.models import VALUE_TYPES  # histories show these fields' values by their labels (at the end)
from conference.extensions import db
from conference.registration.categories import (  # noqa: F401  (importable from here, as before)
    IGO_TYPES,
    NGO_TYPES,
    PARTY_KINDS,
    STATE_CATEGORIES,
    Category,
    EntityType,
    TreatyStatus,
    category_of,
)

# Hangul jamo, the iteration marks 々〆〇 and 〻, kana, compatibility jamo, CJK extension A, the unified ideographs,
# hangul syllables, compatibility ideographs, half-width katakana, and the supplementary ideographs (𠮷).
_EAST_ASIAN = ((0x1100, 0x11FF), (0x3005, 0x3007), (0x303B, 0x303B), (0x3040, 0x30FF), (0x3130, 0x318F),
               (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xAC00, 0xD7AF), (0xF900, 0xFAFF), (0xFF66, 0xFF9F),
               (0x20000, 0x3134F))


def _east_asian(text: str) -> bool:
    """Written in Chinese characters, kana or hangul: scripts whose names put the family name first."""
    letters = [ord(ch) for ch in text if ch.isalpha() or ch in "々〆〇〻"]
    return bool(letters) and all(any(lo <= cp <= hi for lo, hi in _EAST_ASIAN) for cp in letters)


def person_name(family_name: str, given_names: str) -> str:
    """A person's name as their own script writes it: 王小明 (family name first, no space) for Chinese, Japanese and
    Korean names, "Käthe Schröder" (given names first) for the others."""
    family_name, given_names = (family_name or "").strip(), (given_names or "").strip()
    if _east_asian(family_name + given_names):
        return family_name + given_names
    return f"{given_names} {family_name}".strip()

if TYPE_CHECKING:
    from conference.conferences.models import Conference


class RegionalGroup(StrEnum):
    AFRICAN = "AFRICAN"
    ASIA_PACIFIC = "ASIA_PACIFIC"
    EASTERN_EUROPEAN = "EASTERN_EUROPEAN"
    GRULAC = "GRULAC"
    WEOG = "WEOG"

labels(RegionalGroup, {
    RegionalGroup.AFRICAN: _l("African States"),
    RegionalGroup.ASIA_PACIFIC: _l("Asia-Pacific States"),
    RegionalGroup.EASTERN_EUROPEAN: _l("Eastern European States"),
    RegionalGroup.GRULAC: _l("Latin American and Caribbean States"),
    RegionalGroup.WEOG: _l("Western European and other States"),
})


class EcosocStatus(StrEnum):
    GENERAL = "GENERAL"
    SPECIAL = "SPECIAL"
    ROSTER = "ROSTER"

labels(EcosocStatus, {
    EcosocStatus.GENERAL: _l("General consultative status"),
    EcosocStatus.SPECIAL: _l("Special consultative status"),
    EcosocStatus.ROSTER: _l("Roster"),
})


class NominationDocumentKind(StrEnum):
    NOTE_VERBALE = "NOTE_VERBALE"
    OFFICIAL_LETTER = "OFFICIAL_LETTER"
    NGO_APPLICATION_LETTER = "NGO_APPLICATION_LETTER"
    LETTER_OF_ASSIGNMENT = "LETTER_OF_ASSIGNMENT"

labels(NominationDocumentKind, {
    NominationDocumentKind.NOTE_VERBALE: _l("Note verbale"),
    NominationDocumentKind.OFFICIAL_LETTER: _l("Official letter"),
    NominationDocumentKind.NGO_APPLICATION_LETTER: _l("Application letter"),
    NominationDocumentKind.LETTER_OF_ASSIGNMENT: _l("Letter of assignment"),
})


class CredentialsStatus(StrEnum):
    NOT_REQUIRED = "NOT_REQUIRED"  # only States parties carry credentials
    PENDING = "PENDING"
    PROVISIONAL = "PROVISIONAL"  # a copy or a note verbale, originals to follow
    RECEIVED = "RECEIVED"

labels(CredentialsStatus, {
    CredentialsStatus.NOT_REQUIRED: _l("Not required"),
    CredentialsStatus.PENDING: _l("Pending"),
    CredentialsStatus.PROVISIONAL: _l("Provisional (a copy)"),
    CredentialsStatus.RECEIVED: _l("Originals received"),
})


class NgoAdmission(StrEnum):
    """Where an NGO stands in being admitted to a session (domain.md)."""

    NOT_APPLICABLE = "NOT_APPLICABLE"  # not an NGO
    ECOSOC = "ECOSOC"  # consultative status: admitted on request
    LISTED = "LISTED"  # listed to States; the 30-day objection period runs
    OBJECTED = "OBJECTED"  # a State objected: the Conference decides
    ADMITTED = "ADMITTED"  # no objection in time, or admitted by the Conference
    REFUSED = "REFUSED"  # the Conference decided against

labels(NgoAdmission, {
    NgoAdmission.NOT_APPLICABLE: _l("Not applicable"),
    NgoAdmission.ECOSOC: _l("ECOSOC status"),
    NgoAdmission.LISTED: _l("Listed to States"),
    NgoAdmission.OBJECTED: _l("Objected to"),
    NgoAdmission.ADMITTED: _l("Admitted"),
    NgoAdmission.REFUSED: _l("Not admitted"),
})


class DelegationRole(StrEnum):
    HEAD = "HEAD"
    ALTERNATE = "ALTERNATE"
    ADVISER = "ADVISER"
    EXPERT = "EXPERT"
    SUPPORT_STAFF = "SUPPORT_STAFF"
    # For organizations and media, which send representatives rather than delegates.
    REPRESENTATIVE = "REPRESENTATIVE"
    # A State's people beyond its delegates at a large session (UNFCCC practice since COP26): named by the Party,
    # listed under it, badged apart with narrower access; the secretariat assigns them (import, back office), the
    # public form never offers them.
    PARTY_OVERFLOW = "PARTY_OVERFLOW"
    PARTY_GUEST = "PARTY_GUEST"

labels(DelegationRole, {
    DelegationRole.HEAD: _l("Head of delegation"),
    DelegationRole.ALTERNATE: _l("Alternate representative"),
    DelegationRole.ADVISER: _l("Adviser"),
    DelegationRole.EXPERT: _l("Expert"),
    DelegationRole.SUPPORT_STAFF: _l("Support staff"),
    DelegationRole.REPRESENTATIVE: _l("Representative"),
    DelegationRole.PARTY_OVERFLOW: _l("Party overflow"),
    DelegationRole.PARTY_GUEST: _l("Party guest"),
})


class Gender(StrEnum):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNDISCLOSED = "undisclosed"

labels(Gender, {
    Gender.FEMALE: _l("Female"),
    Gender.MALE: _l("Male"),
    Gender.OTHER: _l("Other"),
    Gender.UNDISCLOSED: _l("Prefer not to say"),
})


class Modality(StrEnum):
    IN_PERSON = "IN_PERSON"
    ONLINE_SPEAKER = "ONLINE_SPEAKER"
    ONLINE_OBSERVER = "ONLINE_OBSERVER"

labels(Modality, {
    Modality.IN_PERSON: _l("In person"),
    Modality.ONLINE_SPEAKER: _l("Online, as a speaker"),
    Modality.ONLINE_OBSERVER: _l("Online, as an observer"),
})


class RegistrationStatus(StrEnum):
    DRAFT = "DRAFT"
    SUBMITTED = "SUBMITTED"
    PREAPPROVED = "PREAPPROVED"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    NEEDS_INFO = "NEEDS_INFO"
    WITHDRAWN = "WITHDRAWN"

labels(RegistrationStatus, {
    RegistrationStatus.DRAFT: _l("Draft"),
    RegistrationStatus.SUBMITTED: _l("Submitted"),
    RegistrationStatus.PREAPPROVED: _l("Pre-approved"),
    RegistrationStatus.APPROVED: _l("Approved"),
    RegistrationStatus.REJECTED: _l("Rejected"),
    RegistrationStatus.NEEDS_INFO: _l("More information needed"),
    RegistrationStatus.WITHDRAWN: _l("Withdrawn"),
})

# States that hold a place in the delegation: they count against its quota and for its one head. The services
# read this tuple, and so does the partial unique index on the head (written as the statuses outside it, the
# index's condition since its first migration).
ACTIVE_STATUSES = (RegistrationStatus.SUBMITTED, RegistrationStatus.PREAPPROVED, RegistrationStatus.NEEDS_INFO,
                   RegistrationStatus.APPROVED)
_ACTIVE_CONDITION = "status NOT IN ({})".format(
    ", ".join(f"'{s.value}'" for s in RegistrationStatus if s not in ACTIVE_STATUSES))


class BadgeState(StrEnum):
    NOT_PRINTED = "NOT_PRINTED"
    PRINTED = "PRINTED"
    COLLECTED = "COLLECTED"

labels(BadgeState, {
    BadgeState.NOT_PRINTED: _l("Not printed"),
    BadgeState.PRINTED: _l("Printed"),
    BadgeState.COLLECTED: _l("Collected"),
})


class ReviewMechanismRole(StrEnum):
    FOCAL_POINT = "FOCAL_POINT"
    GOVERNMENTAL_EXPERT = "GOVERNMENTAL_EXPERT"
    OBSERVER = "OBSERVER"

labels(ReviewMechanismRole, {
    ReviewMechanismRole.FOCAL_POINT: _l("Focal point"),
    ReviewMechanismRole.GOVERNMENTAL_EXPERT: _l("Governmental expert"),
    ReviewMechanismRole.OBSERVER: _l("Observer"),
})


class ParticipatingEntity(db.Model):
    """A State, organization or outlet that may send a delegation to a session."""

    __tablename__ = "participating_entity"
    __table_args__ = (
        sa.CheckConstraint(
            "iso3 IS NULL OR (length(iso3) = 3 AND iso3 = upper(iso3))", name="iso3_format"
        ),
        # Only States have an ISO code and a regional group (the EU, a party, has neither), and every State has
        # its code: States are counted by it.
        sa.CheckConstraint(
            "(iso3 IS NULL AND regional_group IS NULL) OR entity_type = 'STATE'", name="iso3_only_for_states",
        ),
        sa.CheckConstraint("entity_type <> 'STATE' OR iso3 IS NOT NULL", name="state_has_iso3"),
        sa.CheckConstraint(
            "ecosoc_status IS NULL OR entity_type = 'NGO_ECOSOC'", name="ecosoc_only_for_ngos"
        ),
        sa.UniqueConstraint("entity_type", "name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entity_type: Mapped[EntityType] = mapped_column(enum_type(EntityType, "entity_type"), index=True)
    name: Mapped[str] = mapped_column(sa.String(300))
    short_name: Mapped[str | None] = mapped_column(sa.String(80))
    iso3: Mapped[str | None] = mapped_column(sa.String(3), unique=True)
    regional_group: Mapped[RegionalGroup | None] = mapped_column(enum_type(RegionalGroup, "regional_group"))
    ecosoc_status: Mapped[EcosocStatus | None] = mapped_column(enum_type(EcosocStatus, "ecosoc_status"))
    country_iso3: Mapped[str | None] = mapped_column(sa.String(3))  # seat of an organization
    # An organization's web site, as the roster gives it (NGOs); empty when unknown.
    website: Mapped[str] = mapped_column(sa.String(300), default="", server_default="")
    # The official name in other languages, by language code ({"fr": "Autriche", "ar": "النمسا"}), as the UN writes
    # it (UNTERM). Deliberately not taken from CLDR or ISO lists: their names for some States are not the UN's.
    names: Mapped[dict] = mapped_column(JSONType, default=dict, server_default="{}")

    delegations: Mapped[list[Delegation]] = relationship(back_populates="entity")

    def __repr__(self) -> str:
        return f"<ParticipatingEntity {self.entity_type} {self.name!r}>"

    @property
    def is_state(self) -> bool:
        return self.entity_type == EntityType.STATE

    @property
    def display_name(self) -> str:
        """The name people read: the official name in the page's language where the secretariat has it, else the
        name as entered (the official English one)."""
        return (self.names or {}).get(current_language().code) or self.name


class Delegation(db.Model):
    """A participating entity at one session: its treaty status, nomination, credentials, quota, NGO admission and
    focal points (all of which may differ from one session to the next)."""

    __tablename__ = "delegation"
    __table_args__ = (
        sa.UniqueConstraint("conference_id", "entity_id"),
        sa.UniqueConstraint("id", "conference_id"),  # target of composite foreign keys
        sa.CheckConstraint("quota IS NULL OR quota > 0", name="quota_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conference_id: Mapped[int] = mapped_column(sa.ForeignKey("conference.id", ondelete="CASCADE"), index=True)
    entity_id: Mapped[int] = mapped_column(sa.ForeignKey("participating_entity.id", ondelete="RESTRICT"), index=True)
    nomination_kind: Mapped[NominationDocumentKind | None] = mapped_column(
        enum_type(NominationDocumentKind, "nomination_kind")
    )
    # The documents themselves, in versions, are in `delegation_document` (document_models.py).
    credentials_status: Mapped[CredentialsStatus] = mapped_column(
        enum_type(CredentialsStatus, "credentials_status"), default=CredentialsStatus.NOT_REQUIRED
    )
    # When the originals were received (status RECEIVED).
    credentials_received_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # A State's (or the REIO's) standing towards the Convention at this session; None for every other kind. The
    # participant's category is read from it (`category`), so an earlier session keeps the status it had then.
    treaty_status: Mapped[TreatyStatus | None] = mapped_column(enum_type(TreatyStatus, "treaty_status"))
    # None: the conference's default for the category applies.
    quota: Mapped[int | None]
    ngo_admission: Mapped[NgoAdmission] = mapped_column(enum_type(NgoAdmission, "ngo_admission"),
                                                        default=NgoAdmission.NOT_APPLICABLE)
    ngo_listed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The session's decision on the NGO: the day taken (it may precede its recording) and why; earlier ones audited.
    ngo_decided_on: Mapped[date | None]
    ngo_decision_reason: Mapped[str] = mapped_column(sa.String(1000), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    conference: Mapped[Conference] = relationship()
    entity: Mapped[ParticipatingEntity] = relationship(back_populates="delegations")
    registrations: Mapped[list[Registration]] = relationship(
        back_populates="delegation", primaryjoin="Registration.delegation_id == Delegation.id",
        foreign_keys="Registration.delegation_id")

    def __repr__(self) -> str:
        return f"<Delegation {self.entity_id} at {self.conference_id}>"

    @property
    def category(self) -> Category:
        """The category its people take part in at this session (State party, signatory State, NGO...)."""
        return category_of(self.entity.entity_type, self.treaty_status)

    @property
    def is_party(self) -> bool:
        """A party at this session: it carries credentials."""
        return self.treaty_status == TreatyStatus.PARTY


class Registration(db.Model):
    """One person's accreditation to one session, as a member of a delegation."""

    __tablename__ = "registration"
    __table_args__ = (
        # One person holds one accreditation per session (domain.md): by e-mail,
        # by passport number, and by name and date of birth.
        sa.UniqueConstraint("conference_id", "email"),
        sa.UniqueConstraint("id", "conference_id"),  # target of composite foreign keys
        # A registration belongs to a delegation of the same session.
        sa.ForeignKeyConstraint(["delegation_id", "conference_id"], ["delegation.id", "delegation.conference_id"],
                                ondelete="RESTRICT", name="fk_registration_delegation_same_conference"),
        sa.CheckConstraint("name_key <> ''", name="name_key_set"),
        sa.Index(
            "uq_registration_conference_id_passport_number",
            "conference_id",
            "passport_number",
            unique=True,
            sqlite_where=sa.text("passport_number IS NOT NULL"),
            postgresql_where=sa.text("passport_number IS NOT NULL"),
        ),
        sa.Index(
            "uq_registration_conference_id_name_key_date_of_birth",
            "conference_id",
            "name_key",
            "date_of_birth",
            unique=True,
            sqlite_where=sa.text("date_of_birth IS NOT NULL"),
            postgresql_where=sa.text("date_of_birth IS NOT NULL"),
        ),
        # The back office's pages: the queue filtered by status (or not), newest first; a delegation's members by
        # status (migration b4d6f8a0c2e4). The status counts read them too.
        sa.Index("ix_registration_conference_id_id", "conference_id", "id"),
        sa.Index("ix_registration_conference_id_status_id", "conference_id", "status", "id"),
        sa.Index("ix_registration_delegation_id_status_id", "delegation_id", "status", "id"),
        sa.Index("ix_registration_name_key", "conference_id", "name_key"),
        # A delegation has one head at a time.
        sa.Index(
            "uq_registration_one_head_per_delegation",
            "delegation_id",
            unique=True,
            sqlite_where=sa.text(f"delegation_role = 'HEAD' AND {_ACTIVE_CONDITION}"),
            postgresql_where=sa.text(f"delegation_role = 'HEAD' AND {_ACTIVE_CONDITION}"),
        ),
        sa.CheckConstraint("email = lower(email) AND email LIKE '%_@_%'", name="email_normalized"),
        sa.CheckConstraint(
            "badge_state = 'NOT_PRINTED' OR badge_serial IS NOT NULL", name="printed_badge_has_serial"
        ),
        sa.CheckConstraint(
            "badge_state = 'NOT_PRINTED' OR status = 'APPROVED'", name="badge_only_when_approved"
        ),
        sa.CheckConstraint(
            "attendance_to IS NULL OR attendance_from IS NULL OR attendance_to >= attendance_from",
            name="attendance_in_order",
        ),
        sa.CheckConstraint(
            "status <> 'APPROVED' OR approved_at IS NOT NULL", name="approved_has_time"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conference_id: Mapped[int] = mapped_column(sa.ForeignKey("conference.id", ondelete="CASCADE"))
    delegation_id: Mapped[int] = mapped_column()  # indexed with status and id, below

    # Personal data as the UN's registration forms collect it.
    title: Mapped[str] = mapped_column(sa.String(20), default="")
    family_name: Mapped[str] = mapped_column(sa.String(120))
    given_names: Mapped[str] = mapped_column(sa.String(120))
    badge_name: Mapped[str] = mapped_column(sa.String(120))
    # The secretariat's short form of the name, printed only when the whole name does not fit on the badge even in
    # smaller type on two lines (conference/badges/services.py: name_fit).
    badge_short_name: Mapped[str | None] = mapped_column(sa.String(60))
    # Family and given names folded (accents, case, script-insensitive where possible) for search and duplicates.
    name_key: Mapped[str] = mapped_column(sa.String(250))
    gender: Mapped[Gender] = mapped_column(enum_type(Gender, "gender"))
    nationality: Mapped[str | None] = mapped_column(sa.String(3))
    date_of_birth: Mapped[date | None]
    passport_number: Mapped[str | None] = mapped_column(sa.String(40))
    passport_expiry: Mapped[date | None]
    function_title: Mapped[str] = mapped_column(sa.String(200), default="")
    organization: Mapped[str] = mapped_column(sa.String(200), default="")
    email: Mapped[str] = mapped_column(sa.String(254))
    phone: Mapped[str] = mapped_column(sa.String(40), default="")
    photo: Mapped[str | None] = mapped_column(sa.String(300))
    language: Mapped[str] = mapped_column(sa.String(8), default="en")

    delegation_role: Mapped[DelegationRole] = mapped_column(enum_type(DelegationRole, "delegation_role"))
    modality: Mapped[Modality] = mapped_column(enum_type(Modality, "modality"), default=Modality.IN_PERSON)
    attendance_from: Mapped[date | None]
    attendance_to: Mapped[date | None]

    status: Mapped[RegistrationStatus] = mapped_column(
        enum_type(RegistrationStatus, "registration_status"), default=RegistrationStatus.DRAFT
    )
    status_reason: Mapped[str] = mapped_column(sa.Text, default="")
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    late_registration: Mapped[bool] = mapped_column(default=False)

    badge_state: Mapped[BadgeState] = mapped_column(
        enum_type(BadgeState, "badge_state"), default=BadgeState.NOT_PRINTED
    )
    # Serial of the badge now valid; earlier ones stay in `badge` and are refused at the door.
    badge_serial: Mapped[str | None] = mapped_column(sa.String(32), unique=True)

    # Secret tokens of the private status page and of the personal agenda feed.
    status_token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    agenda_token: Mapped[str] = mapped_column(sa.String(64), unique=True)

    personal_data_purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    conference: Mapped[Conference] = relationship()
    delegation: Mapped[Delegation] = relationship(
        back_populates="registrations", primaryjoin="Registration.delegation_id == Delegation.id",
        foreign_keys="Registration.delegation_id")

    def __repr__(self) -> str:
        return f"<Registration {self.id} {self.status}>"

    @property
    def full_name(self) -> str:
        return person_name(self.family_name, self.given_names)


class ReviewMechanismContact(db.Model):
    """A person's role in the Implementation Review Mechanism.

    It belongs to a State, not to a session, and is separate from the
    delegation role: a head of delegation can also be the country focal point.
    """

    __tablename__ = "review_mechanism_contact"
    __table_args__ = (sa.UniqueConstraint("entity_id", "email", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entity_id: Mapped[int] = mapped_column(sa.ForeignKey("participating_entity.id", ondelete="CASCADE"), index=True)
    role: Mapped[ReviewMechanismRole] = mapped_column(enum_type(ReviewMechanismRole, "review_role"))
    family_name: Mapped[str] = mapped_column(sa.String(120))
    given_names: Mapped[str] = mapped_column(sa.String(120))
    email: Mapped[str] = mapped_column(sa.String(254), index=True)
    since: Mapped[date | None]

    entity: Mapped[ParticipatingEntity] = relationship()


class ReplacedLink(db.Model):
    """A private link that was replaced by a new one: its old address then says so, instead of "not valid".

    Only a digest of the old token is kept (SHA-256, hex): enough to recognize the address, useless to open anything.
    """

    __tablename__ = "replaced_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(sa.ForeignKey("registration.id", ondelete="CASCADE"), index=True)
    token_digest: Mapped[str] = mapped_column(sa.String(64), unique=True)
    replaced_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


VALUE_TYPES.update(treaty_status=TreatyStatus, credentials=CredentialsStatus, ecosoc_status=EcosocStatus,
                   ngo_admission=NgoAdmission)
