"""The roster of NGOs a secretariat keeps: organizations admitted or in consultative status with ECOSOC, imported
from a CSV file (name, acronym, country, ECOSOC status, web site), all or nothing, after a preview."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

import pycountry
from sqlalchemy import select

from conference.accounts.models import User
from conference.core import audit
from conference.core.i18n import _, _un_countries, fold
from conference.extensions import db
from conference.registration.models import NGO_TYPES, EcosocStatus, EntityType, ParticipatingEntity

COLUMNS = ("name", "acronym", "country", "ecosoc_status", "website")
# Other ways a header may name a column (as spreadsheets and people write them).
ALIASES = {"web_site": "website", "ecosoc": "ecosoc_status", "status": "ecosoc_status", "organization": "name",
           "short_name": "acronym"}
NO_STATUS = {"", "none", "no", "-", "—"}
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000


@dataclass
class RosterRow:
    line: int
    name: str
    acronym: str
    country_iso3: str | None
    ecosoc_status: EcosocStatus | None
    website: str
    existing: ParticipatingEntity | None = None


@dataclass
class RosterPreview:
    """What a file would do: its rows, or every problem named by line and column (then nothing is imported)."""

    rows: list[RosterRow] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.rows)


def decode(raw: bytes) -> str:
    """The file's text: UTF-8, with or without a byte order mark; any other encoding is refused with a message."""
    if len(raw) > MAX_BYTES:
        raise ValueError(_("The file is larger than %(mb)d MB: split it into several files.",
                           mb=MAX_BYTES // (1024 * 1024)))
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ValueError(_("The file is in UTF-16, not UTF-8: save it as “CSV UTF-8” and upload it again."))
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ValueError(_("The file is not in UTF-8 (line %(line)d has a byte that UTF-8 does not have): save it "
                           "as “CSV UTF-8” and upload it again.", line=line)) from None


def _country(text: str) -> str | None:
    """A country's ISO alpha-3 code from its alpha-3 or alpha-2 code or its name; None when unknown."""
    key = fold(text)
    for code, name in _un_countries():
        if key in (fold(code), fold(name)):
            return code
    try:
        return pycountry.countries.lookup(text.strip()).alpha_3
    except LookupError:
        return None


def _status(text: str) -> tuple[bool, EcosocStatus | None]:
    value = text.strip().lower()
    if value in NO_STATUS:
        return True, None
    for status in EcosocStatus:
        if value in (status.value.lower(), str(status.label).lower()):
            return True, status
    return False, None


def read_roster(text: str) -> RosterPreview:
    """Check a roster without changing anything."""
    preview = RosterPreview()
    problems = preview.problems
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = next((d for d in (",", ";", "\t") if d in first), ",")
    try:
        records = [(n, cells) for n, cells in enumerate(csv.reader(io.StringIO(text, newline=""),
                                                                   delimiter=delimiter), start=1)
                   if any(c.strip() for c in cells)]
    except csv.Error as exc:
        problems.append(_("The file cannot be read as CSV (%(error)s).", error=str(exc)))
        return preview
    if not records:
        problems.append(_("The file is empty: its first line must name the columns %(columns)s.",
                          columns=", ".join(COLUMNS)))
        return preview
    header_line, header = records[0]
    names = ["_".join(c.strip().lower().replace("-", " ").split()) for c in header]
    names = [ALIASES.get(n, n) for n in names]
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        problems.append(_("Line %(line)d: the header lacks the column(s) %(missing)s (the columns are %(columns)s).",
                          line=header_line, missing=", ".join(missing), columns=", ".join(COLUMNS)))
        return preview
    if len(records) - 1 > MAX_ROWS:
        problems.append(_("Too many rows: a file holds at most %(most)d organizations.", most=MAX_ROWS))
        return preview
    existing = {fold(e.name): e for e in db.session.scalars(select(ParticipatingEntity))}
    seen: dict[str, int] = {}
    for line, cells in records[1:]:
        cell = {n: (cells[i].strip() if i < len(cells) else "") for i, n in enumerate(names) if n in COLUMNS}

        def bad(column: str, message: str, line=line) -> None:
            problems.append(_("Line %(line)d, column %(column)s: %(message)s", line=line, column=column,
                              message=message))

        name = " ".join(cell["name"].split())
        if not name:
            bad("name", _("the organization's name is missing."))
        elif len(name) > 300:
            bad("name", _("at most %(most)d characters.", most=300))
        elif fold(name) in seen:
            bad("name", _("the same organization as on line %(other)d.", other=seen[fold(name)]))
        else:
            seen[fold(name)] = line
        if len(cell["acronym"]) > 80:
            bad("acronym", _("at most %(most)d characters.", most=80))
        country = None
        if cell["country"]:
            country = _country(cell["country"])
            if country is None:
                bad("country", _("“%(value)s” is not a country code or name we know (e.g. KEN, Kenya).",
                                 value=cell["country"]))
        known, status = _status(cell["ecosoc_status"])
        if not known:
            bad("ecosoc_status", _("“%(value)s” is not an ECOSOC status: general, special, roster, or empty for "
                                   "none.", value=cell["ecosoc_status"]))
        website = cell["website"]
        if website and "://" not in website:
            website = "https://" + website
        if website and (len(website) > 300 or " " in website or "." not in website.split("://", 1)[1]
                        or not website.lower().startswith(("http://", "https://"))):
            bad("website", _("“%(value)s” is not a web address (e.g. https://example.org).", value=cell["website"]))
        match = existing.get(fold(name)) if name else None
        if match is not None and match.entity_type not in NGO_TYPES:
            bad("name", _("%(name)s is already on the list as “%(kind)s”, not as an NGO.", name=match.name,
                          kind=match.entity_type.label))
        preview.rows.append(RosterRow(line, name, cell["acronym"], country, status, website, match))
    return preview


def import_roster(text: str, *, user: User | None) -> RosterPreview:
    """Import the roster, all or nothing: organizations are matched by name and updated, the others added.
    Nothing changes when any row has a problem. The caller commits."""
    preview = read_roster(text)
    if not preview.ok:
        return preview
    for row in preview.rows:
        entity = row.existing or ParticipatingEntity(name=row.name)
        before = None if row.existing is None else _fields(entity)
        entity.name = row.name
        entity.entity_type = EntityType.NGO_ECOSOC if row.ecosoc_status else EntityType.NGO_OTHER
        entity.ecosoc_status = row.ecosoc_status
        entity.short_name = row.acronym or None
        entity.country_iso3 = row.country_iso3
        entity.website = row.website
        if row.existing is None:
            db.session.add(entity)
            db.session.flush()
        after = _fields(entity)
        if before != after:
            audit.record("entity.roster", entity, actor=user or "secretariat", before=before, after=after)
    db.session.flush()
    return preview


def _fields(entity: ParticipatingEntity) -> dict:
    return {"name": entity.name, "type": entity.entity_type.value, "acronym": entity.short_name,
            "country": entity.country_iso3, "ecosoc_status": entity.ecosoc_status.value if entity.ecosoc_status
            else None, "website": entity.website}
