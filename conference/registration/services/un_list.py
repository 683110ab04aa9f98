"""The reference list Plenary ships: the UN's Member States and observer States, the European Union, UN entities,
specialized agencies and the usual intergovernmental organizations, with ISO codes, UN short names in the six
official languages and UN regional groups (`registration/data/un_entities.csv`), and the one operation that brings
the participating entities in line with it (`load_un_list`).

The file is the secretariat's reference, not CLDR's: it was drafted from CLDR's territory names and then corrected
to the United Nations' short names (UNTERM: "Türkiye", "Iran (Islamic Republic of)", "Netherlands (Kingdom of the)").
Regional groups follow the project's domain rules (domain.md), which are the UN's electoral groups as secretariats
count them: Türkiye and Israel in WEOG, the United States of America (formally in no group, an observer in WEOG)
counted in WEOG by choice, Kiribati in no group, so "not a member of a regional group" is a real value.
"""

from __future__ import annotations

import csv
import functools
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from conference.core import audit
from conference.core.i18n import _, fold
from conference.extensions import db
from conference.registration.models import IGO_TYPES, EntityType, ParticipatingEntity, RegionalGroup

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "un_entities.csv"
LANGUAGES = ("en", "fr", "es", "ru", "zh", "ar")
COLUMNS = ("kind", "iso3", "regional_group", "acronym", *(f"name_{lang}" for lang in LANGUAGES), "note")

# The kinds of row in the file, and the participating entity's category each one becomes when it is created.
MEMBER_STATE, OBSERVER_STATE, REIO = "MEMBER_STATE", "OBSERVER_STATE", "REIO"
STATE_KINDS = (MEMBER_STATE, OBSERVER_STATE)
# The European Union is a kind of its own, without an ISO code (README, "Treaty status").
ORGANIZATION_KINDS = {REIO: EntityType.REIO, "UN_ENTITY": EntityType.UN_ENTITY,
                      "SPECIALIZED_AGENCY": EntityType.SPECIALIZED_AGENCY, "IGO": EntityType.IGO}
# A State the list adds is a State; its treaty status is the secretariat's to set for each session, on its
# delegation (until then it counts as not a signatory, the category that claims nothing).
NEW_STATE_TYPE = EntityType.STATE
# Where an organization (the European Union included) is looked for by name.
ORGANIZATION_ENTITY_TYPES = (*IGO_TYPES, EntityType.REIO)


@dataclass(frozen=True)
class UnEntity:
    """One row of the list."""

    kind: str
    iso3: str | None
    regional_group: RegionalGroup | None
    acronym: str
    names: dict[str, str]  # by language code, the six of them
    note: str = ""

    @property
    def name(self) -> str:
        return self.names["en"]

    @property
    def is_state(self) -> bool:
        return self.kind in STATE_KINDS


@functools.cache
def un_list() -> tuple[UnEntity, ...]:
    """The shipped list, in its file's order (States by English name, then the organizations by kind)."""
    with DATA_FILE.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        if tuple(reader.fieldnames or ()) != COLUMNS:
            raise ValueError(f"{DATA_FILE.name}: the columns must be {', '.join(COLUMNS)}")
        return tuple(UnEntity(kind=row["kind"], iso3=row["iso3"] or None,
                              regional_group=RegionalGroup(row["regional_group"]) if row["regional_group"] else None,
                              acronym=row["acronym"], names={lang: row[f"name_{lang}"] for lang in LANGUAGES},
                              note=row["note"])
                     for row in reader)


@dataclass
class LoadReport:
    """What loading the list did: entities added and brought up to date (by name), and what it could not do."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


def load_un_list(*, actor=None) -> LoadReport:
    """Bring the participating entities in line with the shipped UN list, idempotently.

    A State is found by its ISO code (every State has one), an organization by its English name or, among
    intergovernmental organizations, by its acronym; what the list says is written over its name, names in the
    other five languages, regional group (States) and acronym (organizations). Missing ones are added: a State (its
    treaty status is its delegation's, set by the secretariat for each session), the European Union as the REIO
    without an ISO code, an organization in its kind. Nothing is ever deleted, and neither a State's treaty
    status nor any delegation is touched. Each addition and change is in the audit log (`entity.un_list`).
    Flushes, does not commit.
    """
    try:
        with db.session.begin_nested():
            return _load(actor)
    except IntegrityError:
        # Two sessions created at the same moment both added what was missing, and the other committed first (the
        # unique ISO code or name refused ours): its entities are there now, so this load matches them instead.
        return _load(actor)


def _load(actor) -> LoadReport:
    report = LoadReport()
    entities = list(db.session.scalars(select(ParticipatingEntity).order_by(ParticipatingEntity.id)))
    by_iso = {e.iso3: e for e in entities if e.iso3}
    orgs_by_name = {fold(e.name): e for e in entities if e.iso3 is None and e.entity_type in ORGANIZATION_ENTITY_TYPES}
    acronyms = Counter(fold(e.short_name) for e in entities if e.short_name and e.entity_type in IGO_TYPES)
    orgs_by_acronym = {fold(e.short_name): e for e in entities
                       if e.short_name and e.entity_type in IGO_TYPES and acronyms[fold(e.short_name)] == 1}
    taken = {(e.entity_type, e.name) for e in entities}
    created: list[ParticipatingEntity] = []
    for item in un_list():
        if item.is_state:
            entity = by_iso.get(item.iso3)  # every State has its code (a check constraint)
        else:
            entity = orgs_by_name.get(fold(item.name)) or (
                orgs_by_acronym.get(fold(item.acronym)) if item.kind != REIO else None)
        if entity is None:
            entity = _create(item, taken, report)
            if entity is not None:
                created.append(entity)
            continue
        before = _snapshot(entity)
        _update(entity, item, taken, report)
        after = _snapshot(entity)
        if after != before:
            report.updated.append(entity.name)
            audit.record("entity.un_list", entity, actor=actor or "command line",
                         before={k: v for k, v in before.items() if after[k] != v},
                         after={k: v for k, v in after.items() if before[k] != v})
        else:
            report.unchanged += 1
    # The additions in one flush (the audit log needs their numbers): a new session does not wait for 270 of them.
    db.session.flush()
    for entity in created:
        audit.record("entity.un_list", entity, actor=actor or "command line", after=_snapshot(entity))
    db.session.flush()
    return report


def _create(item: UnEntity, taken: set, report: LoadReport) -> ParticipatingEntity | None:
    entity_type = NEW_STATE_TYPE if item.is_state else ORGANIZATION_KINDS[item.kind]
    if (entity_type, item.name) in taken:
        # Another entity of that category holds the name (without the ISO code or acronym that would have matched).
        report.problems.append(_("%(code)s: not added: another entity of the kind “%(kind)s” is named “%(name)s”.",
                                 code=item.iso3 or item.acronym, kind=entity_type.label, name=item.name))
        return None
    entity = ParticipatingEntity(entity_type=entity_type, name=item.name, iso3=item.iso3,
                                 regional_group=item.regional_group, short_name=item.acronym or None,
                                 names=_other_names(item))
    db.session.add(entity)
    taken.add((entity_type, item.name))
    report.created.append(item.name)
    return entity


def _update(entity: ParticipatingEntity, item: UnEntity, taken: set, report: LoadReport) -> None:
    if entity.name != item.name:
        if (entity.entity_type, item.name) in taken:
            report.problems.append(_("%(code)s: “%(old)s” not renamed: another entity of the kind “%(kind)s” is "
                                     "named “%(name)s”.", code=item.iso3 or item.acronym, old=entity.name,
                                     kind=entity.entity_type.label, name=item.name))
        else:
            taken.discard((entity.entity_type, entity.name))
            taken.add((entity.entity_type, item.name))
            entity.name = item.name
    names = {**(entity.names or {}), **_other_names(item)}
    if names != (entity.names or {}):
        entity.names = names  # a new object: the JSON column sees the change
    if item.is_state:
        entity.iso3 = item.iso3
        entity.regional_group = item.regional_group
    elif item.acronym:
        entity.short_name = item.acronym


def _other_names(item: UnEntity) -> dict[str, str]:
    """The names in the five languages besides English (the entity's own name is the English one)."""
    return {lang: name for lang, name in item.names.items() if lang != "en"}


def _snapshot(entity: ParticipatingEntity) -> dict:
    return {"name": entity.name, "iso3": entity.iso3, "short_name": entity.short_name,
            "regional_group": entity.regional_group.value if entity.regional_group else None,
            "names": dict(entity.names or {}), "entity_type": entity.entity_type.value}


def listed_entities() -> tuple[list[ParticipatingEntity], list[ParticipatingEntity]]:
    """What the back office's page of the list shows: the States (every entity with an ISO code), by name, and the
    intergovernmental organizations with the European Union, by kind and name."""
    states = db.session.scalars(select(ParticipatingEntity).where(ParticipatingEntity.iso3.is_not(None))
                                .order_by(ParticipatingEntity.name)).all()
    reio = [e.name for e in un_list() if e.kind == REIO]
    organizations = db.session.scalars(
        select(ParticipatingEntity)
        .where(ParticipatingEntity.iso3.is_(None),
               or_(ParticipatingEntity.entity_type.in_(IGO_TYPES), ParticipatingEntity.name.in_(reio)))
        .order_by(ParticipatingEntity.entity_type, ParticipatingEntity.name)).all()
    return list(states), list(organizations)
