"""The roster of NGOs a secretariat keeps: organizations admitted or in consultative status with ECOSOC, imported
from a CSV file (name, acronym, country, ECOSOC status, web site), all or nothing, after a preview, and corrected one
by one from the back office."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pycountry
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from conference.accounts.models import User
from conference.conferences.models import Conference
from conference.core import audit
from conference.core.db import violated_constraint
from conference.core.errors import Invalid, NotFound, RuleViolation
from conference.core.i18n import _, _un_countries, fold
from conference.extensions import db
from conference.registration.models import NGO_TYPES, Delegation, EcosocStatus, EntityType, ParticipatingEntity
from conference.registration.services.delegations import NGO_DECISIONS, delegation_of, ngo_admission_step
from conference.registration.services.tables import read_table

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


@dataclass
class NgoDetails:
    """What the secretariat keeps about an NGO, checked."""

    name: str
    acronym: str
    country_iso3: str | None
    ecosoc_status: EcosocStatus | None
    website: str


def check_details(name: str, acronym: str, country: str, ecosoc_status: str, website: str
                  ) -> tuple[NgoDetails, dict[str, str]]:
    """An NGO's details as typed (in a roster's row or the back office's form), tidied, and what is wrong with them
    by field (the roster's column names): a country by code or name, an ECOSOC status by value or label, a web
    address with https:// added when it has no scheme."""
    errors: dict[str, str] = {}
    name, acronym, country = " ".join(name.split()), acronym.strip(), country.strip()
    if not name:
        errors["name"] = _("the organization's name is missing.")
    elif len(name) > 300:
        errors["name"] = _("at most %(most)d characters.", most=300)
    if len(acronym) > 80:
        errors["acronym"] = _("at most %(most)d characters.", most=80)
    country_iso3 = _country(country) if country else None
    if country and country_iso3 is None:
        errors["country"] = _("“%(value)s” is not a country code or name we know (e.g. KEN, Kenya).", value=country)
    known, status = _status(ecosoc_status)
    if not known:
        errors["ecosoc_status"] = _("“%(value)s” is not an ECOSOC status: general, special, roster, or empty for "
                                    "none.", value=ecosoc_status)
    typed, website = website.strip(), website.strip()
    if website and "://" not in website:
        website = "https://" + website
    if website and (len(website) > 300 or " " in website or "." not in website.split("://", 1)[1]
                    or not website.lower().startswith(("http://", "https://"))):
        errors["website"] = _("“%(value)s” is not a web address (e.g. https://example.org).", value=typed)
    return NgoDetails(name, acronym, country_iso3, status, website), errors


def read_roster(text: str) -> RosterPreview:
    """Check a roster without changing anything."""
    preview = RosterPreview()
    problems = preview.problems
    records, trouble = read_table(text, COLUMNS, ALIASES)
    if trouble:
        problems.extend(trouble)
        return preview
    if len(records) > MAX_ROWS:
        problems.append(_("Too many rows: a file holds at most %(most)d organizations.", most=MAX_ROWS))
        return preview
    existing = {fold(e.name): e for e in db.session.scalars(select(ParticipatingEntity))}
    seen: dict[str, int] = {}
    for line, cell in records:
        details, errors = check_details(cell["name"], cell["acronym"], cell["country"], cell["ecosoc_status"],
                                        cell["website"])
        name = details.name
        if name and "name" not in errors:
            if fold(name) in seen:
                errors["name"] = _("the same organization as on line %(other)d.", other=seen[fold(name)])
            else:
                seen[fold(name)] = line
        match = existing.get(fold(name)) if name else None
        if match is not None and match.entity_type not in NGO_TYPES and "name" not in errors:
            errors["name"] = _("%(name)s is already on the list as “%(kind)s”, not as an NGO.", name=match.name,
                               kind=match.entity_type.label)
        problems.extend(_("Line %(line)d, column %(column)s: %(message)s", line=line, column=column,
                          message=errors[column]) for column in COLUMNS if column in errors)
        preview.rows.append(RosterRow(line, name, details.acronym, details.country_iso3, details.ecosoc_status,
                                      details.website, match))
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
        apply_details(entity, NgoDetails(row.name, row.acronym, row.country_iso3, row.ecosoc_status, row.website))
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


def apply_details(entity: ParticipatingEntity, details: NgoDetails) -> None:
    """Give the entity these details (the caller audits). The ECOSOC status decides the category."""
    # The ECOSOC status decides the category: an NGO in consultative status is admitted on request, the others go
    # through the objection period.
    entity.name = details.name
    entity.entity_type = EntityType.NGO_ECOSOC if details.ecosoc_status else EntityType.NGO_OTHER
    entity.ecosoc_status = details.ecosoc_status
    entity.short_name = details.acronym or None
    entity.country_iso3 = details.country_iso3
    entity.website = details.website


def session_ngos(conference: Conference) -> list[tuple[ParticipatingEntity, Delegation | None]]:
    """Every NGO of the roster, by name, with its delegation at the session (None when it has none yet), in one
    query."""
    rows = db.session.execute(
        select(ParticipatingEntity, Delegation)
        .outerjoin(Delegation, (Delegation.entity_id == ParticipatingEntity.id)
                   & (Delegation.conference_id == conference.id))
        .where(ParticipatingEntity.entity_type.in_(NGO_TYPES)).order_by(ParticipatingEntity.name))
    return [(entity, delegation) for entity, delegation in rows]


def get_ngo(entity_id: int) -> ParticipatingEntity:
    """An NGO of the roster; NotFound for any other entity."""
    entity = db.session.get(ParticipatingEntity, entity_id)
    if entity is None or entity.entity_type not in NGO_TYPES:
        raise NotFound(_("There is no such NGO."))
    return entity


def decide(conference: Conference, entity: ParticipatingEntity, decision: str, *, user: User | None,
           reason: str = "", decided_on: date | None = None) -> Delegation:
    """Record the session's decision on an NGO, admitted (`admit`) or not (`refuse`), on a day and for a reason
    (`ngo_admission_step`, audited); an NGO of the roster without a delegation at the session gets one."""
    if decision not in NGO_DECISIONS:
        raise RuleViolation(_("Choose the decision."), field="decision")
    delegation = delegation_of(conference, entity)
    ngo_admission_step(delegation, decision, user=user, reason=reason, decided_on=decided_on)
    return delegation


def update_ngo(entity: ParticipatingEntity, *, name: str, acronym: str, country: str, ecosoc_status: str,
               website: str, user: User | None) -> bool:
    """The secretariat corrects an NGO's name, acronym, country, ECOSOC status or web site (what the roster holds);
    whether anything changed. Invalid, by field, for what cannot be kept, a name another NGO of the same category
    has included. Audited (`entity.edit`). The caller commits."""
    details, errors = check_details(name, acronym, country, ecosoc_status, website)
    if errors:
        raise Invalid({field: [message[:1].upper() + message[1:]] for field, message in errors.items()})
    before = _fields(entity)
    apply_details(entity, details)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as exc:
        if violated_constraint(exc) != "uq_participating_entity_entity_type_name":
            raise
        raise Invalid({"name": [_("Another NGO is already called %(name)s.", name=details.name)]}) from None
    after = _fields(entity)
    if before == after:
        return False
    audit.record("entity.edit", entity, actor=user or "secretariat", before=before, after=after)
    return True
