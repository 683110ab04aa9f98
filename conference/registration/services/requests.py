"""Organizations that are not on the list: an NGO asks from the public registration path, the secretariat admits it
(it becomes a participating entity with a delegation at the session, or joins the one it already was) or refuses it,
and the person who asked is told by e-mail either way."""

from __future__ import annotations

from sqlalchemy import func, select

from conference.accounts.models import User
from conference.accounts.services import normalize_email
from conference.conferences.models import Conference
from conference.core import audit
from conference.core.db import utcnow
from conference.core.errors import Invalid, NotFound, RuleViolation
from conference.core.i18n import LANGUAGES, _, fold
from conference.core.templating import external_url
from conference.extensions import db
from conference.mail.services import queue_mail
from conference.registration.models import NGO_TYPES, NgoAdmission, ParticipatingEntity
from conference.registration.request_models import OrganizationRequest, RequestKind, RequestStatus
from conference.registration.services.delegations import delegation_of, ngo_admission_step
from conference.registration.services.ngos import NgoDetails, apply_details, check_details
from conference.registration.services.rules import registration_open


def _known_ngo(name: str) -> ParticipatingEntity | None:
    key = fold(name)
    return next((e for e in db.session.scalars(select(ParticipatingEntity).where(
        ParticipatingEntity.entity_type.in_(NGO_TYPES))) if fold(e.name) == key), None)


def request_ngo(conference: Conference, *, name: str, acronym: str, country: str, ecosoc_status: str, website: str,
                contact_name: str, email: str, language: str, message: str = "") -> OrganizationRequest:
    """An NGO that is not on the session's list asks to be: its details are checked as the roster's are, and the
    request waits for the secretariat. Invalid, by field, for what cannot be kept; refused while registration is
    closed, for an NGO the public form already offers, and for one whose request already waits. The caller
    commits."""
    closed = registration_open(conference)
    if closed:
        raise RuleViolation(closed)
    details, problems = check_details(name, acronym, country, ecosoc_status, website)
    errors = {field: [message_[:1].upper() + message_[1:]] for field, message_ in problems.items()}
    contact_name = " ".join(contact_name.split())
    if not contact_name:
        errors["contact_name"] = [_("Enter your name.")]
    elif len(contact_name) > 200:
        errors["contact_name"] = [_("At most %(most)d characters.", most=200)]
    if len(message) > 2000:
        errors["message"] = [_("At most %(most)d characters.", most=2000)]
    try:
        email = normalize_email(email or "")
    except RuleViolation as exc:
        errors["email"] = [exc.message]
    if errors:
        raise Invalid(errors)
    known = _known_ngo(details.name)
    if known is not None and any(d.conference_id == conference.id and d.ngo_admission != NgoAdmission.REFUSED
                                 for d in known.delegations):
        raise RuleViolation(_("%(name)s is on the list already: choose it on the registration form.",
                              name=known.name), field="name")
    if any(fold(r.name) == fold(details.name) for r in db.session.scalars(select(OrganizationRequest).where(
            OrganizationRequest.conference_id == conference.id, OrganizationRequest.kind == RequestKind.NGO,
            OrganizationRequest.status == RequestStatus.PENDING))):
        raise RuleViolation(_("A request for %(name)s is already with the secretariat: you will be told by e-mail "
                              "when it is decided.", name=details.name), field="name")
    request = OrganizationRequest(
        conference=conference, name=details.name, acronym=details.acronym, country_iso3=details.country_iso3,
        ecosoc_status=details.ecosoc_status, website=details.website, contact_name=contact_name, email=email,
        language=language if language in LANGUAGES else "en", message=message.strip())
    db.session.add(request)
    db.session.flush()
    audit.record("organization_request.create", request, actor=email, after={"name": request.name})
    return request


def pending_count(conference: Conference, kind: RequestKind = RequestKind.NGO) -> int:
    """How many requests (NGOs', or outlets typed by journalists) wait for the secretariat."""
    return db.session.scalar(select(func.count()).select_from(OrganizationRequest).where(
        OrganizationRequest.conference_id == conference.id, OrganizationRequest.kind == kind,
        OrganizationRequest.status == RequestStatus.PENDING))


def requests_of(conference: Conference, kind: RequestKind = RequestKind.NGO) -> list[OrganizationRequest]:
    """The session's requests of a kind, those waiting first, then the decided ones, newest first."""
    return list(db.session.scalars(select(OrganizationRequest).where(
        OrganizationRequest.conference_id == conference.id, OrganizationRequest.kind == kind).order_by(
        (OrganizationRequest.status != RequestStatus.PENDING), OrganizationRequest.created_at.desc(),
        OrganizationRequest.id.desc())))


def get_request(conference: Conference, request_id: int, kind: RequestKind = RequestKind.NGO
                ) -> OrganizationRequest:
    """A request of this session and kind; NotFound otherwise."""
    request = db.session.get(OrganizationRequest, request_id)
    if request is None or request.conference_id != conference.id or request.kind != kind:
        raise NotFound(_("There is no such request at this session."))
    return request


def decide_request(request: OrganizationRequest, admit: bool, *, user: User | None, reason: str = ""
                   ) -> OrganizationRequest:
    """Admit the organization (an NGO of the roster with the same name is the one it joins, otherwise it is added;
    either way it gets a delegation at the session, admitted, as `ngo_admission_step` records) or refuse it (a
    reason is needed: it is sent). The person who asked is told by e-mail, in their language. Audited."""
    if request.status != RequestStatus.PENDING:
        raise RuleViolation(_("This request was decided already (%(status)s).", status=request.status.label))
    reason = " ".join((reason or "").split())
    if not admit and not reason:
        raise RuleViolation(_("Say why the organization is not admitted: the reason is sent to whoever asked."),
                            field="reason")
    if len(reason) > 1000:
        raise RuleViolation(_("At most %(most)d characters.", most=1000), field="reason")
    conference = request.conference
    if admit:
        entity = _known_ngo(request.name)
        if entity is None:
            entity = ParticipatingEntity(name=request.name)
            apply_details(entity, NgoDetails(request.name, request.acronym, request.country_iso3, request.ecosoc_status,
                                      request.website))
            db.session.add(entity)
            db.session.flush()
            audit.record("entity.requested", entity, actor=user or "secretariat", after={"name": entity.name})
        d = delegation_of(conference, entity)
        if d.ngo_admission != NgoAdmission.ADMITTED:
            ngo_admission_step(d, "admit", user=user, reason=reason or _("Admitted on request."))
        request.entity = entity
    request.status = RequestStatus.ADMITTED if admit else RequestStatus.REFUSED
    request.reason, request.decided_at = reason, utcnow()
    audit.record(f"organization_request.{'admit' if admit else 'refuse'}", request, actor=user or "secretariat",
                 after={"status": request.status.value}, reason=reason)
    queue_mail(request.email, "organization_admitted" if admit else "organization_refused", request.language,
               organization_request=request, conference=conference, registration={"full_name": request.contact_name},
               reason=reason, register_url=external_url("registration.form", code=conference.code, category="ngo"))
    return request

