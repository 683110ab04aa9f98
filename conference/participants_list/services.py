"""The list of participants: the official document of a session, in the order of UN lists.

Sections in the order of `statistics.services.CATEGORIES`: States parties, signatory States, non-signatory States,
the regional economic integration organization (the European Union), the UN Secretariat's units and bodies, the
specialized agencies, the other intergovernmental organizations, NGOs in consultative status with ECOSOC, other NGOs,
media (then the secretariat, the host country and others, if any). Within a section, entities in English
alphabetical order of their short names (UN practice, whatever the document's language); within a delegation, the
head first, then alternates, advisers, experts, support staff and representatives, each by family name.

Only approved participants appear: pending, rejected and withdrawn registrations never do. The list is provisional
until the venue closes on the session's last day, final after.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from conference.conferences.models import Conference
from conference.core.db import utcnow
from conference.core.i18n import sort_key
from conference.extensions import db
from conference.registration.models import (
    Delegation,
    DelegationRole,
    Modality,
    ParticipatingEntity,
    Registration,
    RegistrationStatus,
)
from conference.statistics.services import CATEGORIES

ROLE_ORDER = {role: i for i, role in enumerate((
    DelegationRole.HEAD, DelegationRole.ALTERNATE, DelegationRole.ADVISER, DelegationRole.EXPERT,
    DelegationRole.SUPPORT_STAFF, DelegationRole.REPRESENTATIVE, DelegationRole.PARTY_OVERFLOW,
    DelegationRole.PARTY_GUEST))}


@dataclass
class Person:
    title: str
    given_names: str
    family_name: str
    function: str
    role: DelegationRole
    modality: Modality

    @property
    def online(self) -> bool:
        return self.modality != Modality.IN_PERSON

    @property
    def name(self) -> str:
        return " ".join(part for part in (self.title, self.given_names, self.family_name) if part)


@dataclass
class Entry:
    """One delegation on the list."""

    entity: ParticipatingEntity
    category: str  # the delegation's at this session (a key of statistics.services.CATEGORIES)
    people: list[Person] = field(default_factory=list)


@dataclass
class Section:
    category: str  # a key of statistics.services.CATEGORIES
    entries: list[Entry]


@dataclass
class ParticipantsList:
    conference: Conference
    sections: list[Section]
    as_at: datetime
    final: bool

    @property
    def people(self) -> int:
        return sum(len(e.people) for s in self.sections for e in s.entries)


def is_final(conference: Conference, now: datetime | None = None) -> bool:
    """The list is final once the venue has closed on the session's last day."""
    return (now or utcnow()) >= conference.at_venue(conference.ends_on, conference.venue_closes)


def build(conference: Conference) -> ParticipantsList:
    """The list of participants of `conference` as it stands now, in UN order (see the module's docstring)."""
    registrations = db.session.scalars(
        select(Registration)
        .join(Delegation, Delegation.id == Registration.delegation_id)
        .join(ParticipatingEntity, ParticipatingEntity.id == Delegation.entity_id)
        .options(contains_eager(Registration.delegation).contains_eager(Delegation.entity))
        .where(Registration.conference_id == conference.id, Registration.status == RegistrationStatus.APPROVED)
    ).unique().all()
    entries: dict[int, Entry] = {}
    for r in registrations:
        entity = r.delegation.entity
        entry = entries.setdefault(entity.id, Entry(entity, r.delegation.category.value))
        entry.people.append(Person(r.title or "", r.given_names, r.family_name, r.function_title or "",
                                   r.delegation_role, r.modality))
    by_category: dict[str, list[Entry]] = {c: [] for c in CATEGORIES}
    for entry in entries.values():
        entry.people.sort(key=lambda p: (ROLE_ORDER.get(p.role, len(ROLE_ORDER)), sort_key(p.family_name),
                                         sort_key(p.given_names)))
        by_category[entry.category].append(entry)
    sections = []
    for cat, items in by_category.items():
        if items:
            # English alphabetical order of short names, whatever the language the list is printed in.
            items.sort(key=lambda e: sort_key(e.entity.short_name or e.entity.name)
                       if e.entity.is_state else sort_key(e.entity.name))
            sections.append(Section(cat, items))
    now = utcnow()
    return ParticipantsList(conference, sections, now, is_final(conference, now))
