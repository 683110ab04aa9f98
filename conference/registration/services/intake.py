"""Intake: a registration comes in (the public form, a focal point, the back office, the CSV import) or is changed.

Every way in goes through `register` and `update`, so the rules hold whichever
door was used.
"""

from __future__ import annotations

import secrets

from conference.accounts.models import User
from conference.conferences.models import Conference
from conference.core import audit
from conference.core.db import utcnow
from conference.core.errors import Invalid, NotFound, RuleViolation
from conference.core.i18n import _
from conference.extensions import db
from conference.registration.models import Delegation, Modality, Registration
from conference.registration.models import (
    RegistrationStatus as S,
)
from conference.registration.services.delegations import (
    NOMINATION_MISSING,
    attach_nomination,
    get_delegation,
    nomination_needed,
)
from conference.registration.services.outlets import typed_outlet
from conference.registration.services.rules import (
    EDITABLE,
    PERSONAL_FIELDS,
    Actor,
    AlreadyRegistered,
    RegistrationData,
    _lock,
    _require_focal_point,
    name_key,
    registration_open,
    validate,
)
from conference.registration.services.workflow import (
    _flush_or_explain,
    not_editable,
    tell_already_registered,
    transition,
)


def _snapshot(r: Registration) -> dict:
    return {"status": r.status.value, **{name: getattr(r, name) for name in
                                         ("family_name", "given_names", "badge_name", "email", "delegation_role")}}


def _apply(r: Registration, data: RegistrationData) -> None:
    for name in PERSONAL_FIELDS:
        setattr(r, name, getattr(data, name))
    # "No passport number" is NULL, which the unique index leaves alone; "" would collide with the next one.
    r.passport_number = data.passport_number or None
    r.nationality = data.nationality or None
    r.name_key = name_key(data.family_name, data.given_names)
    if data.consent and r.consent_at is None:
        r.consent_at = utcnow()


def register(conference: Conference, delegation: Delegation, data: RegistrationData, *, actor: Actor,
             user: User | None = None, photo: str | None = None, submit: bool = True,
             require_consent: bool = True) -> Registration:
    """Create a registration (submitted by default) after checking every rule; queue the confirmation e-mail.

    Participants and focal points may register only while registration is
    open; afterwards only the secretariat can, and the registration is marked late.
    """
    if delegation.conference_id != conference.id:
        raise NotFound(_("This delegation is not part of this session."))
    closed = registration_open(conference)
    if closed and actor in (Actor.PARTICIPANT, Actor.FOCAL_POINT):
        raise RuleViolation(closed)
    if actor == Actor.FOCAL_POINT:
        _require_focal_point(user, delegation)
    data = validate(conference, delegation, data, require_consent=require_consent, actor=actor)
    # The delegation's row is locked before the new row refers to it: the quota is counted under this lock on the way
    # into "submitted" (workflow.transition), and taking it only after the insert's own key-share lock would let two
    # registrations deadlock on PostgreSQL.
    _lock(delegation)
    r = Registration(conference_id=conference.id, delegation_id=delegation.id, status=S.DRAFT,
                     status_token=secrets.token_urlsafe(32), agenda_token=secrets.token_urlsafe(32),
                     late_registration=bool(closed), photo=photo)
    _apply(r, data)
    db.session.add(r)
    _flush_or_explain(r)
    audit.record("registration.create", r, actor=user or actor.value, after=_snapshot(r))
    if submit:
        transition(r, "submit", actor=actor, user=user)
    return r


def register_for_delegation(delegation: Delegation, data: RegistrationData, *, user: User,
                            photo: str | None = None) -> Registration:
    """A focal point registers a member of their own delegation: submitted and pre-approved at once,
    since the focal point's word is the pre-approval."""
    r = register(delegation.conference, delegation, data, actor=Actor.FOCAL_POINT, user=user, photo=photo,
                 require_consent=False)
    return transition(r, "preapprove", actor=Actor.FOCAL_POINT, user=user)


def submit_public(conference: Conference, delegation_id: int, data: RegistrationData, *,
                  photo: str | None, document: str | None, document_name: str = "",
                  outlet: str = "") -> Registration | None:
    """A participant registers themselves through the public form, with their photo and the delegation's
    nominating document: required while the delegation has none on file, else kept as a further version that
    counts only if the secretariat chooses it (`attach_nomination`). Every wrong field is reported at once.

    Someone already registered gets no second registration, and None is returned: their registration's address is
    sent its private link (`tell_already_registered`), and the caller answers exactly as for a new registration,
    so that the form tells nobody whether an address, a passport number or a person is registered.

    A journalist who types an `outlet` rather than choosing one registers in that outlet's delegation
    (`outlets.typed_outlet`), whom the secretariat approves once it has checked the outlet."""
    if not delegation_id and outlet:  # a journalist's outlet nobody listed: checked by the secretariat
        delegation = typed_outlet(conference, outlet, contact_name=f"{data.given_names} {data.family_name}",
                                  email=data.email, language=data.language)
    else:
        delegation = get_delegation(conference, delegation_id)
    missing: dict[str, list[str]] = {}
    if data.modality == Modality.IN_PERSON and not photo:
        missing["photo"] = [_("Add a photo for your badge: JPEG or PNG, head and shoulders, plain light "
                              "background.")]
    needed = nomination_needed(delegation)
    if needed and not document:
        missing["document"] = [str(NOMINATION_MISSING[needed]) % {"entity": delegation.entity.display_name}]
    try:
        r = register(conference, delegation, data, actor=Actor.PARTICIPANT, photo=photo)
    except AlreadyRegistered as exc:
        if missing:
            raise Invalid(missing) from None
        tell_already_registered(exc.others)
        return None
    except Invalid as exc:
        raise Invalid({**exc.errors, **missing}) from None
    if missing:
        raise Invalid(missing)
    if document:
        attach_nomination(delegation, document, actor=Actor.PARTICIPANT, registration=r, filename=document_name)
    return r


def update(r: Registration, data: RegistrationData, *, actor: Actor, user: User | None = None,
           photo: str | None = None) -> Registration:
    """Change a registration's personal data: the participant and their focal point until approval,
    the secretariat at any time. A registration that needed information goes back to the queue."""
    if actor in (Actor.PARTICIPANT, Actor.FOCAL_POINT) and r.status not in EDITABLE:
        raise RuleViolation(not_editable(r))
    if actor == Actor.FOCAL_POINT:
        _require_focal_point(user, r.delegation)
    before = _snapshot(r)
    data = validate(r.conference, r.delegation, data, registration=r, require_consent=False, actor=actor)
    _apply(r, data)
    if photo is not None:
        r.photo = photo
    _flush_or_explain(r)
    audit.record("registration.update", r, actor=user or actor.value, before=before, after=_snapshot(r))
    if r.status == S.NEEDS_INFO and actor in (Actor.PARTICIPANT, Actor.FOCAL_POINT):
        transition(r, "submit", actor=actor, user=user)
    return r
