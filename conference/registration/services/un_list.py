"""The reference list Plenary ships: the UN's Member States and observer States, the European Union, UN entities,
specialized agencies and the usual intergovernmental organizations, with ISO codes, UN short names in the six
official languages and UN regional groups (`registration/data/un_entities.csv`).

The file is the secretariat's reference, not CLDR's: it was drafted from CLDR's territory names and then corrected
to the United Nations' short names (UNTERM: "Türkiye", "Iran (Islamic Republic of)", "Netherlands (Kingdom of the)").
Regional groups are those of the UN's Department for General Assembly and Conference Management: the United States
of America is in no group (it attends WEOG as an observer), Türkiye is counted in WEOG, Kiribati in Asia-Pacific.
"""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from pathlib import Path

from conference.registration.models import EntityType, RegionalGroup

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "un_entities.csv"
LANGUAGES = ("en", "fr", "es", "ru", "zh", "ar")
COLUMNS = ("kind", "iso3", "regional_group", "acronym", *(f"name_{lang}" for lang in LANGUAGES), "note")

# The kinds of row in the file, and the participating entity's category each one becomes when it is created.
MEMBER_STATE, OBSERVER_STATE, REIO = "MEMBER_STATE", "OBSERVER_STATE", "REIO"
STATE_KINDS = (MEMBER_STATE, OBSERVER_STATE)
ORGANIZATION_KINDS = {REIO: EntityType.STATE_PARTY, "UN_ENTITY": EntityType.UN_ENTITY,
                      "SPECIALIZED_AGENCY": EntityType.SPECIALIZED_AGENCY, "IGO": EntityType.IGO}


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
