"""The list of participants: the official document of a session, in the order of UN lists.

Sections in the order of `statistics.services.CATEGORIES`: States parties, signatory States, non-signatory States,
the regional economic integration organization (the European Union), the UN Secretariat's units and bodies, the
specialized agencies, the other intergovernmental organizations, NGOs in consultative status with ECOSOC, other NGOs,
media (then the secretariat, the host country and others, if any). Within a section, entities in English
alphabetical order of their short names (UN practice, whatever the document's language); within a delegation, the
head first, then alternates, advisers, experts, support staff and representatives, each by family name.

Only approved participants appear: pending, rejected and withdrawn registrations never do. The list is provisional
until the venue closes on the session's last day, final after.

A session may list 100,000 people (issue 18), so the list is never held whole. `plan` reads the entities with the
number of their approved people (one small query: a session has thousands of entities at most, whatever its size);
`parts` then walks the plan in order and yields the people a part at a time (about PART_SIZE each, whole entities
kept together, a delegation larger than a part split over several), each part read with one query of plain rows
(never ORM objects) and sorted in Python, the same `sort_key` as everywhere else on both databases. Memory is that
of one part, whatever the size of the session; the PDF renders one part at a time, the spreadsheet writes its rows
as they come. `build` gathers every part into one in-memory list, for small sessions and tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from conference.conferences.models import Conference
from conference.core.db import utcnow
from conference.core.i18n import current_language, sort_key
from conference.extensions import db
from conference.registration.categories import category_of
from conference.registration.models import (
    Delegation,
    DelegationRole,
    EntityType,
    Modality,
    ParticipatingEntity,
    RegionalGroup,
    Registration,
    RegistrationStatus,
)
from conference.statistics.services import CATEGORIES

ROLE_ORDER = {role: i for i, role in enumerate((
    DelegationRole.HEAD, DelegationRole.ALTERNATE, DelegationRole.ADVISER, DelegationRole.EXPERT,
    DelegationRole.SUPPORT_STAFF, DelegationRole.REPRESENTATIVE, DelegationRole.PARTY_OVERFLOW,
    DelegationRole.PARTY_GUEST))}

# People a part holds at most (a PDF is laid out a part at a time): a few dozen pages, some tens of MB to lay out.
PART_SIZE = 1500


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
class Entity:
    """A participating entity as the list shows it (plain data read once, never an ORM object)."""

    id: int
    entity_type: EntityType
    name: str
    short_name: str | None
    names: dict
    regional_group: RegionalGroup | None

    @property
    def is_state(self) -> bool:
        return self.entity_type == EntityType.STATE

    @property
    def display_name(self) -> str:
        """The official name in the document's language where the secretariat has it, else the English one."""
        return (self.names or {}).get(current_language().code) or self.name


@dataclass(frozen=True, slots=True)
class Listed:
    """One delegation on the list, before its people are read: its entity, category and number of approved people."""

    delegation_id: int
    entity: Entity
    category: str  # the delegation's at this session (a key of statistics.services.CATEGORIES)
    people: int


@dataclass
class Entry:
    """One delegation on the list (or the share of it a part holds), with its people in order."""

    entity: Entity
    category: str
    people: list[Person] = field(default_factory=list)
    continued: bool = False  # the delegation began in the part before


@dataclass
class Section:
    category: str  # a key of statistics.services.CATEGORIES
    entries: list[Entry]
    continued: bool = False  # the section began in the part before


@dataclass
class Part:
    """Consecutive delegations of the list, laid out (or written) together; `number` counts from 0."""

    number: int
    sections: list[Section]

    @property
    def people(self) -> int:
        return sum(len(e.people) for s in self.sections for e in s.entries)


@dataclass
class ParticipantsList:
    conference: Conference
    listed: list[Listed]  # the delegations in the list's order, with their number of people
    as_at: datetime
    final: bool
    sections: list[Section] = field(default_factory=list)  # filled by `build` only

    @property
    def people(self) -> int:
        return sum(d.people for d in self.listed)


def is_final(conference: Conference, now: datetime | None = None) -> bool:
    """The list is final once the venue has closed on the session's last day."""
    return (now or utcnow()) >= conference.at_venue(conference.ends_on, conference.venue_closes)


def _approved(conference: Conference):
    return (Registration.conference_id == conference.id, Registration.status == RegistrationStatus.APPROVED)


def plan(conference: Conference) -> ParticipantsList:
    """The delegations of the list in UN order (see the module's docstring) with their number of approved people;
    no person is read yet (see `parts`)."""
    counts = (select(Registration.delegation_id, func.count().label("n")).where(*_approved(conference))
              .group_by(Registration.delegation_id).subquery())
    E = ParticipatingEntity
    rows = db.session.execute(
        select(Delegation.id, Delegation.treaty_status, counts.c.n, E.id, E.entity_type, E.name, E.short_name, E.names,
               E.regional_group)
        .join(counts, counts.c.delegation_id == Delegation.id)
        .join(E, E.id == Delegation.entity_id)
        .where(Delegation.conference_id == conference.id)).all()
    order = {c: i for i, c in enumerate(CATEGORIES)}
    listed = []
    for d_id, treaty_status, n, *entity in rows:
        e = Entity(*entity)
        listed.append(Listed(d_id, e, category_of(e.entity_type, treaty_status).value, n))
    # English alphabetical order of short names, whatever the language the list is printed in.
    listed.sort(key=lambda d: (order[d.category], sort_key(d.entity.short_name or d.entity.name)
                               if d.entity.is_state else sort_key(d.entity.name), d.entity.id))
    now = utcnow()
    return ParticipantsList(conference, listed, now, is_final(conference, now))


def _person_order(p: Person):
    return ROLE_ORDER.get(p.role, len(ROLE_ORDER)), sort_key(p.family_name), sort_key(p.given_names)


def _people(conference: Conference, delegation_ids: list[int]) -> dict[int, list[Person]]:
    """The approved people of these delegations, as plain rows, each delegation's in the list's order."""
    people: dict[int, list[Person]] = {d: [] for d in delegation_ids}
    rows = db.session.execute(
        select(Registration.delegation_id, Registration.title, Registration.given_names, Registration.family_name,
               Registration.function_title, Registration.delegation_role, Registration.modality)
        .where(*_approved(conference), Registration.delegation_id.in_(delegation_ids)))
    for d_id, title, given, family, function, role, modality in rows:
        people[d_id].append(Person(title or "", given, family, function or "", role, modality))
    for members in people.values():
        members.sort(key=_person_order)
    return people


def _batches(listed: list[Listed], size: int) -> Iterator[list[Listed]]:
    """Consecutive delegations of at most `size` people together; a larger delegation alone."""
    batch: list[Listed] = []
    count = 0
    for d in listed:
        if batch and count + d.people > size:
            yield batch
            batch, count = [], 0
        batch.append(d)
        count += d.people
        if count >= size:
            yield batch
            batch, count = [], 0
    if batch:
        yield batch


def parts(lst: ParticipantsList, size: int = PART_SIZE) -> Iterator[Part]:
    """The list's people a part at a time, in order: about `size` people each (whole delegations together; one
    larger than `size` is split over parts of `size`), each part read with one query. A section or a delegation
    that goes on from the part before is marked `continued`, for its heading to say so."""
    number, last_category = 0, None
    for batch in _batches(lst.listed, size):
        people = _people(lst.conference, [d.delegation_id for d in batch])
        if len(batch) == 1 and len(people[batch[0].delegation_id]) > size:
            d = batch[0]
            members = people.pop(d.delegation_id)
            shares = [[Entry(d.entity, d.category, members[i:i + size], continued=i > 0)]
                      for i in range(0, len(members), size)]
        else:
            shares = [[Entry(d.entity, d.category, people.pop(d.delegation_id)) for d in batch]]
        for entries in shares:
            sections: list[Section] = []
            for entry in entries:
                if not entry.people:  # no longer approved since the plan was read
                    continue
                if sections and sections[-1].category == entry.category:
                    sections[-1].entries.append(entry)
                else:
                    sections.append(Section(entry.category, [entry], continued=entry.category == last_category))
                last_category = entry.category
            if sections:
                yield Part(number, sections)
                number += 1


def count_parts(lst: ParticipantsList, size: int = PART_SIZE) -> int:
    """How many parts `parts` will yield (as the plan counts people), for the run's progress."""
    return sum(max(1, -(-b[0].people // size)) if len(b) == 1 else 1 for b in _batches(lst.listed, size))


def build(conference: Conference) -> ParticipantsList:
    """The whole list in memory (sections of entries of people): for small sessions and tests; the documents are
    made part by part (`parts`)."""
    lst = plan(conference)
    for part in parts(lst, size=max(1, lst.people)):
        for section in part.sections:
            if section.continued:
                lst.sections[-1].entries.extend(section.entries)
            else:
                lst.sections.append(section)
    return lst
