"""Treaty status per session: the secretariat says, for each session, which States are parties, which signed only
and which neither (and the same for the regional economic integration organization): one at a time, or from a CSV
file (`iso3`, `status`) previewed then imported all or nothing.

The status lives on the delegation (`Delegation.treaty_status`), never on the entity: a State that ratifies between
two sessions becomes a party in the later one while the earlier one's records and statistics keep it a signatory.
Every category that depends on it (registration, badges, doors, lists, statistics) is read from there.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from conference.accounts.models import User
from conference.conferences.models import Conference
from conference.core import audit
from conference.core.errors import NotFound, RuleViolation
from conference.core.i18n import _
from conference.extensions import db
from conference.registration.categories import PARTY_KINDS, EntityType, TreatyStatus
from conference.registration.models import CredentialsStatus, Delegation, ParticipatingEntity
from conference.registration.services.delegations import delegation_of
from conference.registration.services.tables import read_table

COLUMNS = ("iso3", "status")
ALIASES = {"iso": "iso3", "code": "iso3", "iso_code": "iso3", "treaty_status": "status", "state": "iso3"}
MAX_ROWS = 1_000
# How a status may be written in the file, besides its code (PARTY) and its words in the page's language.
SPELLINGS = {"state_party": TreatyStatus.PARTY, "party": TreatyStatus.PARTY, "signatory": TreatyStatus.SIGNATORY,
             "non_signatory": TreatyStatus.NON_SIGNATORY, "not_a_signatory": TreatyStatus.NON_SIGNATORY,
             "none": TreatyStatus.NON_SIGNATORY}


def states_of(conference: Conference) -> list[tuple[ParticipatingEntity, Delegation | None]]:
    """Every entity that may hold a treaty status (the States, then the regional economic integration
    organization), each with its delegation to `conference` if it has one, by name."""
    rows = db.session.execute(
        select(ParticipatingEntity, Delegation)
        .outerjoin(Delegation, (Delegation.entity_id == ParticipatingEntity.id)
                   & (Delegation.conference_id == conference.id))
        .options(contains_eager(Delegation.entity))
        .where(ParticipatingEntity.entity_type.in_(PARTY_KINDS))
        .order_by(ParticipatingEntity.entity_type != EntityType.STATE, ParticipatingEntity.name)).all()
    return [(entity, delegation) for entity, delegation in rows]


def set_treaty_status(delegation: Delegation, status: TreatyStatus, *, user: User | None,
                      actor: str = "secretariat", reason: str = "") -> bool:
    """Record where the delegation's State stands towards the Convention at this session; True when it changed.

    Only a State or the regional economic integration organization has a status. Credentials follow it: a new
    party's are pending until they arrive, and a delegation that is no longer a party carries none. Audited with
    the status and credentials before and after.
    """
    if delegation.entity.entity_type not in PARTY_KINDS:
        raise RuleViolation(_("Only States (and a regional economic integration organization) have a treaty "
                              "status; %(name)s is not one.", name=delegation.entity.name), field="treaty_status")
    before = (delegation.treaty_status, delegation.credentials_status)
    if before[0] == status:
        return False
    delegation.treaty_status = status
    if status == TreatyStatus.PARTY and delegation.credentials_status == CredentialsStatus.NOT_REQUIRED:
        delegation.credentials_status = CredentialsStatus.PENDING
    elif status != TreatyStatus.PARTY:
        delegation.credentials_status = CredentialsStatus.NOT_REQUIRED
        delegation.credentials_received_at = None
    audit.record("delegation.treaty_status", delegation, actor=user or actor, reason=reason,
                 before={"treaty_status": before[0].value if before[0] else None,
                         "credentials": before[1].value},
                 after={"treaty_status": status.value, "credentials": delegation.credentials_status.value})
    return True


def set_state_status(conference: Conference, entity_id: int, status: str, *, user: User | None
                     ) -> tuple[ParticipatingEntity, TreatyStatus, bool]:
    """The page of the session's States: the status typed for one of them (its delegation made when it has none
    at the session yet). Returns the entity, the status and whether it changed."""
    entity = db.session.get(ParticipatingEntity, entity_id)
    if entity is None or entity.entity_type not in PARTY_KINDS:
        raise NotFound(_("There is no such State."))
    parsed = parse_status(status)
    if parsed is None:
        raise RuleViolation(_("Choose the treaty status."), field="treaty_status")
    return entity, parsed, set_treaty_status(delegation_of(conference, entity), parsed, user=user)


@dataclass
class StatusRow:
    line: int
    entity: ParticipatingEntity
    status: TreatyStatus
    before: TreatyStatus | None  # at this session, before the import (None: never set)


@dataclass
class StatusPreview:
    """What a file would do: its rows, or every problem named by line and column (then nothing is imported)."""

    rows: list[StatusRow] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.rows)

    @property
    def changes(self) -> list[StatusRow]:
        return [r for r in self.rows if r.status != r.before]


def parse_status(text: str) -> TreatyStatus | None:
    """A treaty status as a file or a form writes it: PARTY, "party", "non-signatory", "Not a signatory"..."""
    key = "_".join(text.strip().lower().replace("-", " ").split())
    for status in TreatyStatus:
        if key in (status.value.lower(), "_".join(str(status.label).lower().split())):
            return status
    return SPELLINGS.get(key)


def read_statuses(conference: Conference, text: str) -> StatusPreview:
    """Check a file of treaty statuses for `conference` without changing anything: each row a State's ISO alpha-3
    code and its status; a code no State has, an organization's, a status that is none of the three, or a State
    given twice is a problem named by its line and column."""
    preview = StatusPreview()
    records, preview.problems = read_table(text, COLUMNS, ALIASES)
    if preview.problems:
        return preview
    if len(records) > MAX_ROWS:
        preview.problems.append(_("Too many rows: a file holds at most %(most)d States.", most=MAX_ROWS))
        return preview
    current = {e.iso3: (e, d) for e, d in states_of(conference) if e.iso3}
    seen: dict[str, int] = {}
    for line, cell in records:
        errors = {}
        code = cell["iso3"].upper()
        if not code:
            errors["iso3"] = _("the State's ISO code is missing.")
        elif code not in current:
            errors["iso3"] = _("“%(value)s” is not the ISO alpha-3 code of a State on the list (e.g. KEN).",
                               value=cell["iso3"])
        elif code in seen:
            errors["iso3"] = _("the same State as on line %(other)d.", other=seen[code])
        else:
            seen[code] = line
        status = parse_status(cell["status"])
        if status is None:
            errors["status"] = _("“%(value)s” is not a treaty status: party, signatory or non-signatory.",
                                 value=cell["status"])
        preview.problems.extend(_("Line %(line)d, column %(column)s: %(message)s", line=line, column=column,
                                  message=errors[column]) for column in COLUMNS if column in errors)
        if not errors:
            entity, delegation = current[code]
            preview.rows.append(StatusRow(line, entity, status, delegation.treaty_status if delegation else None))
    if not records:
        preview.problems.append(_("The file has no rows below its header."))
    return preview


def import_statuses(conference: Conference, text: str, *, user: User | None) -> StatusPreview:
    """Read the file again and, when no row has a problem, set every status it gives for `conference` (a State
    without a delegation at the session gets one), each change audited. All or nothing: with a problem nothing is
    changed. Flushes; the caller commits, or rolls back when the preview is not `ok`."""
    preview = read_statuses(conference, text)
    if preview.ok:
        for row in preview.changes:
            set_treaty_status(delegation_of(conference, row.entity), row.status, user=user, reason="CSV import")
    return preview
