"""Media registration by outlet: a journalist chooses an outlet from the list or types one nobody listed. A typed
outlet becomes a participating entity with a delegation at once (so the journalist's registration, letter of
assignment included, is kept like any other), together with a request the secretariat decides before anyone of it is
approved: accept it (it joins the list), merge it into an outlet already listed (its people and documents move
there), or refuse it (its registrations are rejected, with the reason, by e-mail)."""

from __future__ import annotations

from sqlalchemy import func, select, update

from conference.accounts.models import User
from conference.conferences.models import Conference
from conference.core import audit
from conference.core.db import utcnow
from conference.core.errors import Invalid, RuleViolation
from conference.core.i18n import _, fold
from conference.extensions import db
from conference.registration.document_models import DelegationDocument
from conference.registration.models import Delegation, EntityType, ParticipatingEntity, Registration
from conference.registration.request_models import OrganizationRequest, RequestKind, RequestStatus
from conference.registration.services.delegations import delegation_of
from conference.registration.services.rules import Actor, outlet_request
from conference.registration.services.workflow import allowed_actions, transition


def typed_outlet(conference: Conference, name: str, *, contact_name: str, email: str, language: str) -> Delegation:
    """The delegation of an outlet a journalist typed: an outlet of that name (case, accents and spacing aside) that
    is on the list already, or one waiting to be checked, else a new one, waiting. Refused at the field for an
    outlet the secretariat did not accept. The caller registers the journalist in it."""
    name = " ".join((name or "").split())
    if not name or len(name) > 300:
        raise Invalid({"outlet": [_("Type the outlet's name (at most %(most)d characters).", most=300)]})
    entity = next((e for e in db.session.scalars(select(ParticipatingEntity).where(
        ParticipatingEntity.entity_type == EntityType.MEDIA)) if fold(e.name) == fold(name)), None)
    if entity is not None:
        request = outlet_request(conference.id, entity.id)
        if request is not None and request.status == RequestStatus.REFUSED:
            raise RuleViolation(_("The secretariat did not accept %(name)s as an outlet: choose one from the list, "
                                  "or write to the secretariat.", name=entity.name), field="outlet")
        if request is not None or any(d.conference_id == conference.id for d in entity.delegations):
            return delegation_of(conference, entity)
    else:
        entity = ParticipatingEntity(entity_type=EntityType.MEDIA, name=name)
        db.session.add(entity)
        db.session.flush()
    delegation = delegation_of(conference, entity)
    request = OrganizationRequest(conference=conference, kind=RequestKind.MEDIA, name=entity.name, entity=entity,
                                  contact_name=contact_name[:200], email=(email or "").strip().lower()[:254],
                                  language=language)
    db.session.add(request)
    db.session.flush()
    audit.record("organization_request.create", request, actor=request.email or "participant",
                 after={"name": request.name, "kind": RequestKind.MEDIA.value})
    return delegation


def listed_outlets(conference: Conference) -> list[Delegation]:
    """The session's outlets a typed one may be merged into: those on the list (none waiting or refused)."""
    return [d for d in db.session.scalars(
        select(Delegation).join(Delegation.entity).where(Delegation.conference_id == conference.id,
                                                         ParticipatingEntity.entity_type == EntityType.MEDIA)
        .order_by(ParticipatingEntity.name))
        if (r := outlet_request(conference.id, d.entity_id)) is None or r.status == RequestStatus.ADMITTED]


def _pending(request: OrganizationRequest) -> Delegation:
    if request.kind != RequestKind.MEDIA or request.status != RequestStatus.PENDING or request.entity is None:
        raise RuleViolation(_("This request was decided already (%(status)s).", status=request.status.label))
    return delegation_of(request.conference, request.entity)


def _decided(request: OrganizationRequest, status: RequestStatus, action: str, user: User | None, reason: str,
             **after) -> None:
    request.status, request.reason, request.decided_at = status, reason, utcnow()
    audit.record(f"organization_request.{action}", request, actor=user or "secretariat",
                 after={"status": status.value, **after}, reason=reason)


def accept_outlet(request: OrganizationRequest, *, user: User | None) -> None:
    """The typed outlet is a real one: it joins the list, and its journalists can be approved. Audited."""
    _pending(request)
    _decided(request, RequestStatus.ADMITTED, "accept", user, "")


def merge_outlet(request: OrganizationRequest, into: Delegation, *, user: User | None) -> None:
    """The typed outlet is one already listed under another spelling: its registrations and documents move to that
    outlet's delegation (documents as further versions, none of them counting over what counts there), and the
    typed delegation goes, with its entity when nothing else refers to it. Audited on both."""
    typed = _pending(request)
    if into.conference_id != typed.conference_id or into.entity.entity_type != EntityType.MEDIA \
            or into.id == typed.id or into not in listed_outlets(typed.conference):
        raise RuleViolation(_("Choose an outlet of this session's list."), field="into")
    moved = db.session.execute(update(Registration).where(Registration.delegation_id == typed.id)
                               .values(delegation_id=into.id)).rowcount or 0
    for document in db.session.scalars(select(DelegationDocument).where(DelegationDocument.delegation_id == typed.id)
                                       .order_by(DelegationDocument.kind, DelegationDocument.version)):
        there = select(DelegationDocument).where(DelegationDocument.delegation_id == into.id,
                                                 DelegationDocument.kind == document.kind)
        last = db.session.scalar(there.with_only_columns(func.max(DelegationDocument.version))) or 0
        counts = db.session.scalar(there.where(DelegationDocument.is_current).with_only_columns(func.count()))
        document.delegation_id, document.version = into.id, last + 1
        document.is_current = document.is_current and not counts
        db.session.flush()
    entity = typed.entity
    request.entity = into.entity
    db.session.expire(typed)
    db.session.delete(typed)
    db.session.flush()
    db.session.expire(entity)
    if not entity.delegations:
        db.session.delete(entity)
    _decided(request, RequestStatus.ADMITTED, "merge", user, "", into=into.entity.name)
    audit.record("delegation.outlet_merged", into, actor=user or "secretariat",
                 after={"from": request.name, "registrations": moved})


def refuse_outlet(request: OrganizationRequest, *, user: User | None, reason: str) -> int:
    """The typed outlet is not accepted (a reason is needed: the journalists are sent it): every registration of it
    that can still be rejected is, by the one state machine. Returns how many. Audited."""
    typed = _pending(request)
    reason = " ".join((reason or "").split())
    if not reason:
        raise RuleViolation(_("Say why the outlet is not accepted: the reason is sent to its journalists."),
                            field="reason")
    rejected = 0
    for r in list(typed.registrations):
        if "reject" in allowed_actions(r, Actor.SECRETARIAT):
            transition(r, "reject", actor=Actor.SECRETARIAT, user=user, reason=reason)
            rejected += 1
    _decided(request, RequestStatus.REFUSED, "refuse", user, reason[:1000])
    return rejected
