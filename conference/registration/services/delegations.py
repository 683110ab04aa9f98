"""Delegations: which ones a participant may choose, their nominating documents, credentials and NGO admission,
and the official names of the entities they represent."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from conference.accounts.models import User
from conference.conferences.models import Conference
from conference.core import audit
from conference.core.db import utcnow
from conference.core.errors import NotFound, RuleViolation
from conference.core.i18n import LANGUAGES, _, _l, ngettext
from conference.extensions import db
from conference.registration.document_models import DelegationDocument, DocumentKind
from conference.registration.models import (
    NGO_TYPES,
    PARTY_KINDS,
    CredentialsStatus,
    Delegation,
    EntityType,
    NgoAdmission,
    NominationDocumentKind,
    ParticipatingEntity,
    Registration,
)
from conference.registration.request_models import OrganizationRequest, RequestKind, RequestStatus
from conference.registration.services.documents import add_version, has_any
from conference.registration.services.rules import (
    ACTIVE,
    CATEGORIES,
    Actor,
    _count,
    _lock,
    _require_focal_point,
    quota_of,
)

# The largest quota the back office accepts: a typing slip (15000 for 15) is refused rather than kept.
MAX_QUOTA = 10_000

# What each category sends as its nominating document (domain.md).
NOMINATION_BY_TYPE = {
    **{t: NominationDocumentKind.NOTE_VERBALE for t in PARTY_KINDS},
    EntityType.UN_ENTITY: NominationDocumentKind.OFFICIAL_LETTER,
    EntityType.SPECIALIZED_AGENCY: NominationDocumentKind.OFFICIAL_LETTER,
    EntityType.IGO: NominationDocumentKind.OFFICIAL_LETTER,
    EntityType.NGO_ECOSOC: NominationDocumentKind.NGO_APPLICATION_LETTER,
    EntityType.NGO_OTHER: NominationDocumentKind.NGO_APPLICATION_LETTER,
    EntityType.MEDIA: NominationDocumentKind.LETTER_OF_ASSIGNMENT,
}


NOMINATION_LABELS = {
    NominationDocumentKind.NOTE_VERBALE: _l("A note verbale from the ministry or the permanent mission"),
    NominationDocumentKind.OFFICIAL_LETTER: _l("An official letter signed by the head of the organization"),
    NominationDocumentKind.NGO_APPLICATION_LETTER: _l("The organization's application letter"),
    NominationDocumentKind.LETTER_OF_ASSIGNMENT: _l("A letter of assignment from the editor"),
}
# The public form's message when the delegation has no nominating document yet: one whole sentence per kind.
NOMINATION_MISSING = {
    NominationDocumentKind.NOTE_VERBALE: _l(
        "%(entity)s has no nominating document on file yet: attach a note verbale from the ministry or the "
        "permanent mission, as a PDF."),
    NominationDocumentKind.OFFICIAL_LETTER: _l(
        "%(entity)s has no nominating document on file yet: attach an official letter signed by the head of the "
        "organization, as a PDF."),
    NominationDocumentKind.NGO_APPLICATION_LETTER: _l(
        "%(entity)s has no nominating document on file yet: attach the organization's application letter, "
        "as a PDF."),
    NominationDocumentKind.LETTER_OF_ASSIGNMENT: _l(
        "%(entity)s has no nominating document on file yet: attach a letter of assignment from the editor, "
        "as a PDF."),
}


def nomination_needed(delegation: Delegation) -> NominationDocumentKind | None:
    """What kind of nominating document the delegation still has to send, or None when one is on file."""
    if has_any(delegation, DocumentKind.NOMINATION):
        return None
    return NOMINATION_BY_TYPE.get(delegation.entity.entity_type, NominationDocumentKind.OFFICIAL_LETTER)


def delegations_for(conference: Conference, category: str) -> list[Delegation]:
    """The delegations a participant may register with, for a category of the public form."""
    if category not in CATEGORIES:
        raise NotFound(_("There is no such category of participants."))
    types = CATEGORIES[category][1]
    # An outlet a journalist typed is offered once the secretariat has accepted it.
    unchecked = select(OrganizationRequest.id).where(
        OrganizationRequest.conference_id == Delegation.conference_id,
        OrganizationRequest.entity_id == Delegation.entity_id, OrganizationRequest.kind == RequestKind.MEDIA,
        OrganizationRequest.status != RequestStatus.ADMITTED)
    return db.session.scalars(
        select(Delegation).join(ParticipatingEntity).options(joinedload(Delegation.entity))
        .where(Delegation.conference_id == conference.id, ParticipatingEntity.entity_type.in_(types),
               Delegation.ngo_admission.not_in([NgoAdmission.REFUSED]), ~unchecked.exists())
        .order_by(ParticipatingEntity.name)).all()


def delegation_names(conference: Conference) -> list[tuple[int, str]]:
    """Every delegation of the session as (number, its entity's name), by name: a filter's choices."""
    return [(i, name) for i, name in db.session.execute(
        select(Delegation.id, ParticipatingEntity.name).join(ParticipatingEntity)
        .where(Delegation.conference_id == conference.id).order_by(ParticipatingEntity.name))]


def get_delegation(conference: Conference, delegation_id: int) -> Delegation:
    d = db.session.get(Delegation, delegation_id, options=[joinedload(Delegation.entity)])  # every page shows it
    if d is None or d.conference_id != conference.id:
        raise NotFound(_("There is no such delegation at this session."))
    return d


def attach_nomination(delegation: Delegation, path: str | None, *, actor: Actor, user: User | None = None,
                      registration: Registration | None = None, filename: str = "") -> DelegationDocument:
    """Keep a nominating document the delegation sent, as the next version (`documents.add_version`): it never
    replaces the one on file, which counts until the secretariat chooses another. Whoever sends it, the public form
    included: a State's note verbale cannot be replaced nor its date of receipt reset from outside."""
    document = add_version(delegation, DocumentKind.NOMINATION, path, actor=actor, user=user,
                           registration=registration, filename=filename)
    delegation.nomination_kind = NOMINATION_BY_TYPE.get(delegation.entity.entity_type)
    return document


def send_nomination(delegation: Delegation, path: str, *, user: User, filename: str = "") -> DelegationDocument:
    """A focal point sends their delegation's nominating document (a further version when one is on file)."""
    _require_focal_point(user, delegation)
    return attach_nomination(delegation, path, actor=Actor.FOCAL_POINT, user=user, filename=filename)


def file_document(delegation: Delegation, kind: DocumentKind | None, path: str, *, user: User | None,
                  filename: str = "") -> DelegationDocument:
    """The secretariat files a document the delegation sent otherwise (by e-mail, by hand), as a further version
    like any other: it counts at once only when it is the first of its kind."""
    if kind is None:
        raise RuleViolation(_("Choose which document it is: the nominating document or the credentials."))
    if kind == DocumentKind.CREDENTIALS and not delegation.is_party:
        raise RuleViolation(_("Only delegations of States parties carry credentials."))
    if kind == DocumentKind.NOMINATION:
        return attach_nomination(delegation, path, actor=Actor.SECRETARIAT, user=user, filename=filename)
    return add_version(delegation, kind, path, actor=Actor.SECRETARIAT, user=user, filename=filename)


def submit_credentials(delegation: Delegation, path: str, *, user: User, filename: str = "") -> DelegationDocument:
    """A focal point sends the credentials of a State party's delegation (a copy until the originals arrive), kept
    as the next version."""
    _require_focal_point(user, delegation)
    if not delegation.is_party:
        raise RuleViolation(_("Only delegations of States parties carry credentials."))
    before = delegation.credentials_status
    document = add_version(delegation, DocumentKind.CREDENTIALS, path, actor=Actor.FOCAL_POINT, user=user,
                           filename=filename)
    if delegation.credentials_status != CredentialsStatus.RECEIVED:
        delegation.credentials_status = CredentialsStatus.PROVISIONAL
    audit.record("delegation.credentials_submitted", delegation, actor=user,
                 before={"credentials": before.value}, after={"credentials": delegation.credentials_status.value})
    return document


def set_credentials(delegation: Delegation, status: CredentialsStatus, *, user: User | None,
                    actor: Actor = Actor.SECRETARIAT) -> None:
    """The secretariat records the credentials of a State party: pending, a copy, or the originals."""
    if not delegation.is_party and status != CredentialsStatus.NOT_REQUIRED:
        raise RuleViolation(_("Only delegations of States parties carry credentials."))
    before = delegation.credentials_status
    delegation.credentials_status = status
    delegation.credentials_received_at = utcnow() if status == CredentialsStatus.RECEIVED else None
    audit.record("delegation.credentials", delegation, actor=user or actor.value,
                 before={"credentials": before.value}, after={"credentials": status.value})


def places_used(delegation: Delegation) -> int:
    """How many people hold a place in the delegation: those counted against its quota."""
    return _count(delegation, ACTIVE, None)


def set_quota(delegation: Delegation, quota: int | None, *, user: User | None) -> None:
    """The secretariat sets the delegation's own quota (None: the session's default for its category).

    Never below the places already held: the delegation's row is locked first, as registering does, so nobody
    takes a place between the count and the change.
    """
    if quota is not None and not 1 <= quota <= MAX_QUOTA:
        raise RuleViolation(_("A quota is a whole number from 1 to %(max)d, or empty for the session's default.",
                              max=MAX_QUOTA), field="quota")
    _lock(delegation)
    before = delegation.quota
    delegation.quota = quota
    used, effective = places_used(delegation), quota_of(delegation)
    if effective is not None and used > effective:
        raise RuleViolation(ngettext(
            "%(num)d person already holds a place in this delegation: the quota cannot be lower than %(num)d.",
            "%(num)d people already hold a place in this delegation: the quota cannot be lower than %(num)d.",
            used), field="quota")
    if before != quota:
        audit.record("delegation.quota", delegation, actor=user or "secretariat",
                     before={"quota": before}, after={"quota": quota})


NGO_STEPS = {
    "list": ({NgoAdmission.NOT_APPLICABLE, NgoAdmission.LISTED}, NgoAdmission.LISTED),
    "object": ({NgoAdmission.LISTED}, NgoAdmission.OBJECTED),
    # The session decides whatever stood before, and may decide again.
    "admit": (set(NgoAdmission) - {NgoAdmission.ADMITTED}, NgoAdmission.ADMITTED),
    "refuse": (set(NgoAdmission) - {NgoAdmission.REFUSED}, NgoAdmission.REFUSED),
}
# The steps that are the session's decision on any NGO, in consultative status or not, taken on a day for a reason;
# listing and objecting are the objection period of NGOs without ECOSOC status.
NGO_DECISIONS = ("admit", "refuse")
# The back office's button for each step, and why a step is refused (the NGO's admission named by its label).
NGO_STEP_LABELS = {"list": _l("Listed to States"), "object": _l("A State objected"), "admit": _l("Admitted"),
                   "refuse": _l("Not admitted")}
NGO_STEP_REFUSED = {
    "list": _l("%(name)s cannot be listed to States now: its admission is “%(status)s”."),
    "object": _l("%(name)s cannot be marked as objected to now: its admission is “%(status)s”."),
    "admit": _l("%(name)s cannot be admitted now: its admission is “%(status)s”."),
    "refuse": _l("%(name)s cannot be marked as not admitted now: its admission is “%(status)s”."),
}


def ngo_admission_step(delegation: Delegation, step: str, *, user: User | None, reason: str = "",
                       now: datetime | None = None, decided_on: date | None = None) -> None:
    """Record where an NGO stands at the session: listed to States, objected to (NGOs without ECOSOC status), or
    the session's decision, admitted or not, for any NGO, with the day it was taken (`decided_on`, today at the
    venue by default, never later) and its reason (needed to refuse). Audited, the reason with it."""
    kind = delegation.entity.entity_type
    if step in NGO_DECISIONS and kind not in NGO_TYPES:
        raise RuleViolation(_("Only NGOs are admitted or not by a decision of the session."))
    if step not in NGO_DECISIONS and kind != EntityType.NGO_OTHER:
        raise RuleViolation(_("Only NGOs without ECOSOC status go through the objection period."))
    if step not in NGO_STEPS:
        raise RuleViolation(_("Unknown step: %(step)s.", step=step))
    sources, target = NGO_STEPS[step]
    if delegation.ngo_admission not in sources:
        raise RuleViolation(str(NGO_STEP_REFUSED[step]) % {"name": delegation.entity.name,
                                                           "status": delegation.ngo_admission.label})
    reason = " ".join((reason or "").split())
    before = {"ngo_admission": delegation.ngo_admission.value}
    after = {"ngo_admission": target.value}
    if step in NGO_DECISIONS:
        today = (now or utcnow()).astimezone(ZoneInfo(delegation.conference.timezone)).date()
        decided_on = decided_on or today
        if decided_on > today:
            raise RuleViolation(_("The decision cannot be dated after today (%(today)s).", today=today.isoformat()),
                                field="decided_on")
        if step == "refuse" and not reason:
            raise RuleViolation(_("Say why the NGO is not admitted: the reason is kept with the decision."),
                                field="reason")
        if len(reason) > 1000:
            raise RuleViolation(_("At most %(most)d characters.", most=1000), field="reason")
        before["decided_on"] = delegation.ngo_decided_on.isoformat() if delegation.ngo_decided_on else None
        after["decided_on"] = decided_on.isoformat()
        delegation.ngo_decided_on, delegation.ngo_decision_reason = decided_on, reason
    delegation.ngo_admission = target
    if target == NgoAdmission.LISTED:
        delegation.ngo_listed_at = now or utcnow()
    audit.record(f"delegation.ngo_{step}", delegation, actor=user or "secretariat", before=before, after=after,
                 reason=reason)


def delegation_of(conference: Conference, entity: ParticipatingEntity) -> Delegation:
    """The entity's delegation at the session, made when it has none (an NGO of the roster admitted, say): an NGO
    in consultative status starts admitted on request, any other NGO before its objection period."""
    d = db.session.scalar(select(Delegation).where(Delegation.conference_id == conference.id,
                                                   Delegation.entity_id == entity.id))
    if d is None:
        d = Delegation(conference=conference, entity=entity, ngo_admission=NgoAdmission.ECOSOC
                       if entity.entity_type == EntityType.NGO_ECOSOC else NgoAdmission.NOT_APPLICABLE)
        db.session.add(d)
        db.session.flush()
    return d


def set_official_names(rows: Iterable[tuple[int, str, str, str]]) -> tuple[int, list[str]]:
    """Record official names of participating entities in other languages, from (line, entity, language, name)
    rows: the entity by its ISO alpha-3 code or its name as entered, a language among the five besides English.

    All or nothing: returns (names set, problems); when there are problems nothing is changed and the caller
    rolls back. The names come from the UN's own terminology (UNTERM), not from any list of ours.
    """
    problems, changes = [], {}
    for line, entity_ref, language, name in rows:
        entity_ref, language, name = entity_ref.strip(), language.strip().lower(), " ".join(name.split())
        entity = db.session.scalar(select(ParticipatingEntity).where(
            or_(ParticipatingEntity.iso3 == entity_ref.upper(), ParticipatingEntity.name == entity_ref)).limit(1))
        if entity is None:
            problems.append(_("line %(line)d: no participating entity has the code or name “%(entity)s”.",
                              line=line, entity=entity_ref))
        elif language not in LANGUAGES or language == "en":
            problems.append(_("line %(line)d: “%(language)s” is not one of ar, zh, fr, ru, es (the English name is the "
                              "entity's name itself).", line=line, language=language))
        elif not name or len(name) > 300:
            problems.append(_("line %(line)d: the name must have 1 to 300 characters.", line=line))
        else:
            changes.setdefault(entity, {})[language] = name
    if problems:
        return 0, problems
    for entity, names in changes.items():
        before = dict(entity.names or {})
        entity.names = {**before, **names}  # a new object: the JSON column sees the change
        audit.record("entity.names", entity, actor="command line", before={"names": before},
                     after={"names": entity.names})
    return sum(len(n) for n in changes.values()), []
