"""Registrations as CSV files: the export, and the import that reads the same columns back.

One format serves both ways, so that an export is a valid import template:

- **Columns**: `COLUMNS`, in that order on export; on import in any order, by name (case and
  spaces do not matter), with at least `REQUIRED`. An unknown column is an error, never ignored.
- **Encoding**: UTF-8. The export begins with a byte order mark (BOM), because Excel reads a
  UTF-8 CSV file correctly only with one; the import reads files with and without it. Any
  script (Arabic, Chinese, Cyrillic, Latin with diacritics...) goes through unchanged.
- **Layout**: comma-separated, quoted where needed, CRLF line ends (RFC 4180). The import also
  reads files separated by semicolons or tabs (what Excel writes in some locales): the header
  line says which.
- **Values**: `entity` is a State's ISO 3166 alpha-3 code, else the entity's exact name; dates
  are YYYY-MM-DD; enumerations are their stored values (`female`, `ADVISER`, `IN_PERSON`...).
  `status` is one of DRAFT, SUBMITTED (the default) and APPROVED on import.
- **Formula injection**: a cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return
  is written with a leading apostrophe, so that a spreadsheet shows it as text instead of running
  it; the import removes an apostrophe followed by one of those characters, so an export
  re-imports to the same values.
- **Privacy**: the export leaves out passport numbers, their expiry and dates of birth
  (`SENSITIVE`) unless asked to include them, and then the columns are absent, not empty.

The import checks nothing itself that the services check: each row goes through
`services.register` (and `services.transition` to approve), so the rules hold exactly as for
the web. It reads every row and reports every error; if any row is bad, nothing is imported.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from typing import IO

from sqlalchemy import select
from sqlalchemy.orm import contains_eager, joinedload

from conference.accounts.models import User
from conference.conferences.models import Conference
from conference.core.errors import Invalid, NotFound, PermissionDenied, RuleViolation
from conference.core.i18n import LANGUAGES, _, format_number, ngettext
from conference.extensions import db
from conference.registration.models import (
    Delegation,
    DelegationRole,
    Gender,
    Modality,
    ParticipatingEntity,
    Registration,
    RegistrationStatus,
)
from conference.registration.services import (
    Actor,
    QueueFilters,
    RegistrationData,
    queue_conditions,
    register,
    transition,
    validate,
)

COLUMNS = (
    "entity", "delegation_role", "title", "family_name", "given_names", "badge_name", "gender", "nationality",
    "date_of_birth", "passport_number", "passport_expiry", "function_title", "organization", "email", "phone",
    "modality", "attendance_from", "attendance_to", "language", "status",
)
SENSITIVE = ("date_of_birth", "passport_number", "passport_expiry")
REQUIRED = ("entity", "family_name", "given_names", "gender", "email")
# The states a row may ask for: anything further needs a decision that a file cannot carry.
IMPORT_STATUSES = (RegistrationStatus.DRAFT, RegistrationStatus.SUBMITTED, RegistrationStatus.APPROVED)

MAX_ROWS = 20_000
MAX_CELL = 1_000  # characters; the services' own limits (120 for a name...) are far below
MAX_BYTES = 50 * 1024 * 1024

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

_TEXT = ("title", "family_name", "given_names", "badge_name", "nationality", "passport_number", "function_title",
         "organization", "email", "phone")
_DATES = ("date_of_birth", "passport_expiry", "attendance_from", "attendance_to")
_ENUMS: dict[str, type[Enum]] = {"gender": Gender, "delegation_role": DelegationRole, "modality": Modality}
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass
class PreviewRow:
    """A registration a row creates (or would create, in a dry run), as the back office's preview shows it."""

    line: int
    name: str
    entity: str
    role: DelegationRole
    status: RegistrationStatus
    email: str


@dataclass
class ImportResult:
    """What an import did: the registrations created (0 when any row is bad, or in a dry run: then nothing is
    kept), the rows that went through the services (`rows`), and every error as (line in the file, the header
    being line 1; column, or "" for the file as a whole; message). `bad_rows` counts the rows with at least one
    error."""

    created: int = 0
    errors: list[tuple[int, str, str]] = field(default_factory=list)
    bad_rows: int = 0
    rows: list[PreviewRow] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


# --- Cells ----------------------------------------------------------------------------------------------------------

def escape_cell(value: str) -> str:
    """A cell as written to the file: with a leading apostrophe when a spreadsheet would take it for a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def unescape_cell(value: str) -> str:
    """A cell as read from the file: the apostrophe that `escape_cell` added is removed, nothing else."""
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_STARTS) else value


# --- Export ---------------------------------------------------------------------------------------------------------

def export_columns(include_sensitive: bool) -> tuple[str, ...]:
    """The columns of an export: all of `COLUMNS`, without `SENSITIVE` unless asked."""
    return COLUMNS if include_sensitive else tuple(c for c in COLUMNS if c not in SENSITIVE)


def _entity_key(entity: ParticipatingEntity) -> str:
    return entity.iso3 if entity.is_state else entity.name


def _cell(r: Registration, column: str) -> str:
    if column == "entity":
        return _entity_key(r.delegation.entity)
    value = getattr(r, column)
    if value is None:
        return ""
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def export_rows(conference: Conference, include_sensitive: bool,
                filters: QueueFilters | None = None) -> Iterator[dict[str, str]]:
    """Every registration of the conference (or those the back office's queue shows with `filters`) as a dict of
    `export_columns(include_sensitive)` to text, ordered by entity name then family name, in one query whatever
    their number.

    Values are plain (no formula escaping: that belongs to the file, see `write_csv`).
    """
    columns = export_columns(include_sensitive)
    query = (select(Registration)
             .join(Registration.delegation).join(Delegation.entity)
             .options(contains_eager(Registration.delegation).contains_eager(Delegation.entity))
             .where(*queue_conditions(conference, filters or QueueFilters()))
             .order_by(ParticipatingEntity.name, Registration.family_name, Registration.given_names,
                       Registration.id)
             .execution_options(yield_per=500))
    for r in db.session.scalars(query):
        yield {column: _cell(r, column) for column in columns}


def write_csv(conference: Conference, stream: IO[str], include_sensitive: bool = False,
              filters: QueueFilters | None = None) -> int:
    """Write the conference's registrations (those `filters` keep, as in the queue) to a text stream as CSV
    (BOM, header, one row each); return the number of registrations written.

    Open a file for it with `encoding="utf-8", newline=""`: the CSV writer puts CRLF itself.
    """
    columns = export_columns(include_sensitive)
    stream.write(BOM)
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(columns)
    count = 0
    for row in export_rows(conference, include_sensitive, filters):
        writer.writerow([escape_cell(row[column]) for column in columns])
        count += 1
    return count


# --- Import ---------------------------------------------------------------------------------------------------------

class FileError(Exception):
    """The file as a whole cannot be read: (line, message)."""

    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line
        self.message = message


def read_text(stream: IO) -> str:
    """A file's text: UTF-8 with or without a byte order mark (a text stream as it is); FileError for anything
    else, saying how to save it."""
    raw = stream.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        raise FileError(1, _("the file is larger than %(mb)d MB: split it into several files",
                             mb=MAX_BYTES // (1024 * 1024)))
    if isinstance(raw, str):
        return raw.removeprefix(BOM)
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileError(1, _("the file is not UTF-8 but UTF-16: save it as UTF-8 (in Excel: "
                             "\"CSV UTF-8 (Comma delimited)\") and import it again"))
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise FileError(line, _("the file is not UTF-8 (byte 0x%(byte)02X on this line is not UTF-8): save it as "
                                "UTF-8 (in Excel: \"CSV UTF-8 (Comma delimited)\") and import it again",
                                byte=raw[exc.start])) from None


def _delimiter(text: str) -> str:
    first = next((line for line in text.splitlines() if line.strip()), "")
    return next((d for d in (",", ";", "\t") if d in first), ",")


def _records(text: str) -> Iterator[tuple[int, list[str]]]:
    """(line where the record starts, its cells) for every record that is not blank."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise FileError(start, _("the file cannot be read as CSV from this line on (%(error)s)",
                                     error=str(exc))) from None
        if any(cell.strip() for cell in cells):
            yield start, cells


def _header_name(cell: str) -> str:
    return "_".join(cell.strip().lower().replace("-", " ").split())


def _check_header(line: int, names: list[str]) -> None:
    problems = []
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        problems.append(ngettext("the header lacks the column %(names)s", "the header lacks the columns %(names)s",
                                 len(missing), names=", ".join(missing)))
    unknown = [n for n in dict.fromkeys(names) if n and n not in COLUMNS]
    if unknown:
        problems.append(ngettext("unknown column %(names)s", "unknown columns %(names)s", len(unknown),
                                 names=", ".join(unknown)))
    twice = [n for n in dict.fromkeys(names) if n and names.count(n) > 1]
    if twice:
        problems.append(ngettext("the column %(names)s appears more than once",
                                 "the columns %(names)s appear more than once", len(twice), names=", ".join(twice)))
    if problems:
        raise FileError(line, _("%(problems)s (the columns are: %(columns)s; at least %(required)s)",
                                problems="; ".join(problems), columns=", ".join(COLUMNS),
                                required=", ".join(REQUIRED)))


def _read(stream: IO) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header's column names and the data records, or FileError."""
    records = _records(read_text(stream))
    try:
        header_line, header = next(records)
    except StopIteration:
        raise FileError(1, _("the file is empty: its first line must name the columns, e.g. %(columns)s",
                             columns=",".join(COLUMNS))) from None
    names = [_header_name(cell) for cell in header]
    _check_header(header_line, names)
    rows = []
    for line, cells in records:
        if len(rows) == MAX_ROWS:
            raise FileError(line, _("too many rows: a file holds at most %(most)s registrations; split it into "
                                    "several files", most=format_number(MAX_ROWS)))
        rows.append((line, cells))
    if not rows:
        raise FileError(header_line, _("the file has a header but no registrations below it"))
    return names, rows


def _delegations(conference: Conference) -> tuple[dict[str, Delegation], dict[str, list[Delegation]]]:
    delegations = db.session.scalars(select(Delegation).options(joinedload(Delegation.entity))
                                     .where(Delegation.conference_id == conference.id)).all()
    by_iso = {d.entity.iso3: d for d in delegations if d.entity.iso3}
    by_name: dict[str, list[Delegation]] = {}
    for d in delegations:
        by_name.setdefault(d.entity.name, []).append(d)
    return by_iso, by_name


def _not_one_of(text: str, allowed) -> str:
    return _("%(value)s is not one of: %(allowed)s", value=repr(text[:40]), allowed=", ".join(allowed))


def _parse_enum(enum_cls: type[Enum], text: str) -> Enum | None:
    key = "_".join(text.replace("-", " ").split()).casefold()
    return next((member for member in enum_cls if str(member.value).casefold() == key), None)


class _Row:
    """One data row being read: its values by column and its errors."""

    def __init__(self, line: int, names: list[str], cells: list[str]):
        self.line = line
        self.errors: list[tuple[int, str, str]] = []
        self.values: dict[str, str] = {}
        for i, cell in enumerate(cells):
            name = names[i] if i < len(names) else ""
            if not name:
                if cell.strip():
                    self.error("", _("a value in column %(number)d, which the header does not name: %(value)s",
                                     number=i + 1, value=repr(cell.strip()[:40])))
                continue
            if len(cell) > MAX_CELL:
                self.error(name, _("this cell holds %(count)s characters; at most %(most)s are read",
                                   count=format_number(len(cell)), most=format_number(MAX_CELL)))
                continue
            self.values[name] = unescape_cell(cell.strip())

    def error(self, column: str, message: str) -> None:
        self.errors.append((self.line, column, message))

    @property
    def bad_columns(self) -> set[str]:
        return {column for _line, column, _message in self.errors}

    def get(self, column: str) -> str:
        return self.values.get(column, "")


def _find_delegation(row: _Row, conference: Conference, by_iso: dict[str, Delegation],
                     by_name: dict[str, list[Delegation]]) -> Delegation | None:
    if "entity" in row.bad_columns:
        return None
    key = row.get("entity")
    if not key:
        row.error("entity", _("empty: give a State's ISO 3166 alpha-3 code (e.g. FRA) or the exact name of the "
                              "organization"))
        return None
    found = by_iso.get(key.upper()) if len(key) == 3 else None
    if found is not None:
        return found
    named = by_name.get(key, [])
    if len(named) == 1:
        return named[0]
    if len(named) > 1:
        kinds = ", ".join(sorted(d.entity.entity_type.value for d in named))
        row.error("entity", _("%(value)s names several delegations at this session (%(kinds)s); ask the "
                              "secretariat to tell them apart", value=repr(key), kinds=kinds))
        return None
    row.error("entity", _("%(value)s has no delegation at this session (%(code)s): give a State's ISO 3166 alpha-3 "
                          "code (e.g. FRA) or the exact name of an organization that has one", value=repr(key),
                          code=conference.code))
    return None


def _parse(row: _Row) -> tuple[RegistrationData, RegistrationStatus]:
    data = RegistrationData(consent=False)
    for name in _TEXT:
        setattr(data, name, row.get(name))
    for name in _DATES:
        text = row.get(name)
        if not text or name in row.bad_columns:
            continue
        try:
            if not _ISO_DATE.fullmatch(text):
                raise ValueError
            setattr(data, name, date.fromisoformat(text))
        except ValueError:
            row.error(name, _("%(value)s is not a date: write dates as YYYY-MM-DD, e.g. 2024-10-14",
                              value=repr(text[:40])))
    for name, enum_cls in _ENUMS.items():
        text = row.get(name)
        if not text or name in row.bad_columns:
            continue
        member = _parse_enum(enum_cls, text)
        if member is None:
            row.error(name, _not_one_of(text, (str(m.value) for m in enum_cls)))
        else:
            setattr(data, name, member)
    language = row.get("language").lower()
    if language and language not in LANGUAGES:
        row.error("language", _not_one_of(row.get("language"), LANGUAGES))
    data.language = language or "en"
    status = RegistrationStatus.SUBMITTED
    text = row.get("status")
    if text and "status" not in row.bad_columns:
        member = _parse_enum(RegistrationStatus, text)
        if member in IMPORT_STATUSES:
            status = member
        else:
            row.error("status", _("%(value)s: an import creates registrations that are %(allowed)s (empty means "
                                  "SUBMITTED)", value=repr(text[:40]),
                                  allowed=", ".join(s.value for s in IMPORT_STATUSES)))
    return data, status


def _add_service_errors(row: _Row, errors: dict[str, list[str]], fallback: str) -> None:
    """The services' field names are the CSV's column names; a column already reported stays as reported."""
    already = row.bad_columns
    for name, messages in errors.items():
        column = name if name in COLUMNS else fallback
        if column in already:
            continue
        for message in messages:
            row.error(column, message)


def _import_row(row: _Row, conference: Conference, delegation: Delegation | None, data: RegistrationData,
                status: RegistrationStatus, actor: Actor, user: User | None) -> Registration | None:
    """Register one row through the services in a savepoint of its own; the registration, or None."""
    if row.errors:
        if delegation is not None:
            # Say at once what else the services would refuse in this row; validate() writes nothing.
            try:
                with db.session.no_autoflush:
                    validate(conference, delegation, data, require_consent=False, actor=actor)
            except Invalid as exc:
                _add_service_errors(row, exc.errors, "entity")
        return None
    # A rule that is not about one field is about the delegation (its quota) when registering,
    # and about the status asked for (the photo, the NGO's admission) when approving.
    about = "entity"
    try:
        with db.session.begin_nested():
            r = register(conference, delegation, data, actor=actor, user=user, require_consent=False,
                         submit=status != RegistrationStatus.DRAFT)
            if status == RegistrationStatus.APPROVED:
                about = "status"
                transition(r, "approve", actor=actor, user=user)
    except Invalid as exc:
        _add_service_errors(row, exc.errors, about)
        return None
    except (RuleViolation, PermissionDenied, NotFound) as exc:
        row.error(exc.field if exc.field in COLUMNS else about, exc.message)
        return None
    return r


def import_csv(conference: Conference, stream: IO, *, actor: Actor = Actor.COMMAND_LINE,
               user: User | None = None, dry_run: bool = False) -> ImportResult:
    """Register every row of a CSV file (a binary stream, or text) in the conference, or none of them.

    Each row goes through `services.register` (submitted unless its status is DRAFT) and, for
    APPROVED, `services.transition(..., "approve")`, as `actor` and `user`; each in a savepoint,
    so a refused row leaves nothing behind and the rows after it are still checked, against the
    database and against the rows before them (duplicates, quotas, one head per delegation).

    Every error of every row is collected. When there is any, everything the import wrote is
    rolled back (the caller's earlier work in the transaction stays) and `created` is 0. The
    caller commits on success. Only the rows' e-mails queued by the services go out, and only
    after that commit.

    A `dry_run` does all of that and then rolls back whatever happened: the back office's preview, which
    lists in `rows` what the import would create, checked by the very rules the import applies.
    """
    result = ImportResult()
    try:
        names, records = _read(stream)
    except FileError as exc:
        result.errors.append((exc.line, "", exc.message))
        return result
    by_iso, by_name = _delegations(conference)
    outer = db.session.begin_nested()
    try:
        for line, cells in records:
            row = _Row(line, names, cells)
            delegation = _find_delegation(row, conference, by_iso, by_name)
            data, status = _parse(row)
            r = _import_row(row, conference, delegation, data, status, actor, user)
            if r is not None:
                result.created += 1
                result.rows.append(PreviewRow(line, r.full_name, r.delegation.entity.name, r.delegation_role,
                                              r.status, r.email))
            if row.errors:
                result.bad_rows += 1
                result.errors.extend(row.errors)
    except BaseException:
        outer.rollback()
        raise
    if result.errors or dry_run:
        outer.rollback()
        result.created = 0
    else:
        outer.commit()  # releases the savepoint; the caller's commit makes it durable
    return result
