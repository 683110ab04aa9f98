"""Registration: the rules of who may take part, and every change of a registration's state.

Every way in (the public form, a focal point, the back office, the CSV
import) goes through these functions, so the rules hold whichever door was
used. Functions flush but never commit: the caller commits, and e-mails queued
here leave only once it has.
"""

from __future__ import annotations

import secrets
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta
from enum import Enum

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from conference.accounts.models import Role, User
from conference.accounts.permissions import Permission, can
from conference.conferences.models import Conference
from conference.core import audit
from conference.core.db import utcnow
from conference.core.errors import Invalid, NotFound, PermissionDenied, RuleViolation
from conference.core.i18n import LANGUAGES, _, _l, format_day, format_day_range, format_moment, language_of, ngettext
from conference.core.templating import external_url
from conference.extensions import db
from conference.registration.models import (
    IGO_TYPES,
    NGO_TYPES,
    STATE_TYPES,
    BadgeState,
    CredentialsStatus,
    Delegation,
    DelegationRole,
    EntityType,
    Gender,
    Modality,
    NgoAdmission,
    NominationDocumentKind,
    ParticipatingEntity,
    Registration,
    person_name,
)
from conference.registration.models import (
    RegistrationStatus as S,
)

# The objection period of NGOs without ECOSOC status (domain.md).
NGO_OBJECTION_DAYS = 30

# States that hold a place in the delegation: they count against its quota.
ACTIVE = (S.SUBMITTED, S.PREAPPROVED, S.NEEDS_INFO, S.APPROVED)
# States in which the participant may still change what they sent.
EDITABLE = (S.DRAFT, S.SUBMITTED, S.PREAPPROVED, S.NEEDS_INFO)


class Actor(Enum):
    PARTICIPANT = "participant"  # through the private link
    FOCAL_POINT = "focal point"
    SECRETARIAT = "secretariat"
    COMMAND_LINE = "command line"  # the secretariat, from a terminal


# The state machine of domain.md: action -> (from states, to state, who may, reason required).
ACTIONS: dict[str, tuple[frozenset[S], S, frozenset[Actor], bool]] = {
    "submit": (frozenset({S.DRAFT, S.NEEDS_INFO}), S.SUBMITTED,
               frozenset({Actor.PARTICIPANT, Actor.FOCAL_POINT, Actor.SECRETARIAT, Actor.COMMAND_LINE}), False),
    "preapprove": (frozenset({S.SUBMITTED}), S.PREAPPROVED, frozenset({Actor.FOCAL_POINT}), False),
    "approve": (frozenset({S.SUBMITTED, S.PREAPPROVED}), S.APPROVED,
                frozenset({Actor.SECRETARIAT, Actor.COMMAND_LINE}), False),
    "reject": (frozenset({S.SUBMITTED, S.PREAPPROVED, S.NEEDS_INFO}), S.REJECTED,
               frozenset({Actor.SECRETARIAT, Actor.COMMAND_LINE}), True),
    "request_info": (frozenset({S.SUBMITTED, S.PREAPPROVED}), S.NEEDS_INFO,
                     frozenset({Actor.SECRETARIAT, Actor.COMMAND_LINE}), True),
    "reopen": (frozenset({S.APPROVED, S.REJECTED, S.WITHDRAWN}), S.SUBMITTED,
               frozenset({Actor.SECRETARIAT, Actor.COMMAND_LINE}), False),
    "withdraw": (frozenset(set(S) - {S.WITHDRAWN}), S.WITHDRAWN,
                 frozenset({Actor.PARTICIPANT, Actor.FOCAL_POINT, Actor.SECRETARIAT, Actor.COMMAND_LINE}), False),
}
ACTION_LABELS = {"submit": _l("Submit"), "preapprove": _l("Pre-approve"), "approve": _l("Approve"),
                 "reject": _l("Reject"), "request_info": _l("Ask for more information"), "reopen": _l("Reopen"),
                 "withdraw": _l("Withdraw")}
# Why an actor may not take an action (ACTIONS says who may): one whole sentence per action.
ONLY_WHO_MAY = {
    "preapprove": _l("Only the focal point of the delegation can pre-approve a registration."),
    "approve": _l("Only the secretariat can approve a registration."),
    "reject": _l("Only the secretariat can reject a registration."),
    "request_info": _l("Only the secretariat can ask for more information about a registration."),
    "reopen": _l("Only the secretariat can reopen a registration."),
}
# Why the registration's status refuses an action; the status is named by its label.
NOT_FROM_STATUS = {
    "submit": _l("A registration with the status “%(status)s” cannot be submitted."),
    "preapprove": _l("A registration with the status “%(status)s” cannot be pre-approved."),
    "approve": _l("A registration with the status “%(status)s” cannot be approved."),
    "reject": _l("A registration with the status “%(status)s” cannot be rejected."),
    "request_info": _l("A registration with the status “%(status)s” cannot be sent back for more information."),
    "reopen": _l("A registration with the status “%(status)s” cannot be reopened."),
    "withdraw": _l("A registration with the status “%(status)s” cannot be withdrawn."),
}
REASON_NEEDED = {
    "reject": _l("Give the participant a reason to reject the registration (it is sent to them)."),
    "request_info": _l("Tell the participant what information is missing (it is sent to them)."),
}
# Why a participant or focal point may no longer change a registration, by its status (see EDITABLE).
NOT_EDITABLE = {
    S.APPROVED: _l("This registration is approved: only the secretariat can change it now."),
    S.REJECTED: _l("This registration is rejected: only the secretariat can change it now."),
    S.WITHDRAWN: _l("This registration is withdrawn: only the secretariat can change it now."),
}
MAIL_ON = {"submit": "registration_submitted", "approve": "registration_approved",
           "reject": "registration_rejected", "request_info": "registration_needs_info"}

# What each category sends as its nominating document (domain.md).
NOMINATION_BY_TYPE = {
    **{t: NominationDocumentKind.NOTE_VERBALE for t in STATE_TYPES},
    EntityType.UN_ENTITY: NominationDocumentKind.OFFICIAL_LETTER,
    EntityType.IGO: NominationDocumentKind.OFFICIAL_LETTER,
    EntityType.NGO_ECOSOC: NominationDocumentKind.NGO_APPLICATION_LETTER,
    EntityType.NGO_OTHER: NominationDocumentKind.NGO_APPLICATION_LETTER,
    EntityType.MEDIA: NominationDocumentKind.LETTER_OF_ASSIGNMENT,
}

# The public form's categories, and the entity types each one offers.
CATEGORIES: dict[str, tuple[str, tuple[EntityType, ...]]] = {
    "state": (_l("A State (member of a government delegation)"), STATE_TYPES),
    "igo": (_l("An intergovernmental organization or UN entity"), IGO_TYPES),
    "ngo": (_l("A non-governmental organization"), NGO_TYPES),
    "media": (_l("Media (press, radio, television, online)"), (EntityType.MEDIA,)),
}


def category_of(entity_type: EntityType) -> str | None:
    return next((key for key, (_, types) in CATEGORIES.items() if entity_type in types), None)


def fold(text: str) -> str:
    """Lower-case, without accents, spaces folded: the key for name search and duplicate checks.

    Works for every script: case where the script has it (Latin, Greek,
    Cyrillic), diacritics dropped, and Arabic or CJK left as they are.
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def name_key(family_name: str, given_names: str) -> str:
    return fold(f"{family_name} {given_names}")


@dataclass
class RegistrationData:
    """What a person sends about themselves, from the form or a CSV row."""

    family_name: str = ""
    given_names: str = ""
    badge_name: str = ""
    title: str = ""
    gender: Gender | None = None
    nationality: str = ""
    date_of_birth: date | None = None
    passport_number: str = ""
    passport_expiry: date | None = None
    function_title: str = ""
    organization: str = ""
    email: str = ""
    phone: str = ""
    delegation_role: DelegationRole | None = None
    modality: Modality = Modality.IN_PERSON
    attendance_from: date | None = None
    attendance_to: date | None = None
    language: str = "en"
    consent: bool = False
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_registration(cls, r: Registration) -> RegistrationData:
        return cls(**{f.name: getattr(r, f.name) for f in fields(cls) if f.name not in ("consent", "extra")},
                   consent=r.consent_at is not None)


PERSONAL_FIELDS = [f.name for f in fields(RegistrationData) if f.name not in ("consent", "extra")]


def _clean_text(value: str | None) -> str:
    # Control characters have no place in a name and break badges and CSV files.
    return "".join(ch for ch in (value or "") if unicodedata.category(ch)[0] != "C" or ch == " ").strip()


def validate(conference: Conference, delegation: Delegation, data: RegistrationData, *,
             actor: Actor, registration: Registration | None = None,
             require_consent: bool = True) -> RegistrationData:
    """Check and normalize what was sent; raise Invalid naming every wrong field at once.

    Only the secretariat learns with which delegation a duplicate is registered: told to a participant or a
    focal point, it would let anyone who types a passport number find out where its holder is accredited."""
    errors: dict[str, list[str]] = {}

    def error(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    for name in ("family_name", "given_names", "badge_name", "title", "function_title", "organization", "phone",
                 "passport_number", "nationality"):
        setattr(data, name, _clean_text(getattr(data, name)))
    limits = {"family_name": 120, "given_names": 120, "badge_name": 120, "title": 20, "function_title": 200,
              "organization": 200, "phone": 40, "passport_number": 40}
    for name, limit in limits.items():
        if len(getattr(data, name)) > limit:
            error(name, ngettext("Please shorten this to %(num)d character at most.",
                                 "Please shorten this to %(num)d characters at most.", limit))
    if not data.family_name:
        error("family_name", _("Enter your family name as written in your passport."))
    if not data.given_names:
        error("given_names", _("Enter your given names as written in your passport."))
    if not data.badge_name:
        data.badge_name = person_name(data.family_name, data.given_names)[:120]
    if data.gender is None:
        error("gender", _("Choose one of the options (you may choose not to disclose)."))

    from conference.accounts.services import normalize_email

    try:
        data.email = normalize_email(data.email or "")
    except RuleViolation:
        error("email", _("Enter an e-mail address like name@example.org."))
    if data.phone and not all(ch.isdigit() or ch in "+-() ./" for ch in data.phone):
        error("phone", _("Use digits, spaces and + - ( ) only, e.g. +43 1 26060."))
    if data.nationality and (len(data.nationality) != 3 or not data.nationality.isalpha()):
        error("nationality", _("Choose a nationality from the list."))
    data.nationality = data.nationality.upper()
    data.passport_number = data.passport_number.upper().replace(" ", "")
    if data.passport_number and not data.passport_number.isalnum():
        error("passport_number", _("Use letters and digits only, as printed in the passport."))

    today = utcnow().date()
    if data.date_of_birth is not None:
        if data.date_of_birth >= today:
            error("date_of_birth", _("The date of birth must be in the past."))
        elif data.date_of_birth < date(today.year - 110, 1, 1):
            error("date_of_birth", _("Check the year of birth."))
    if data.passport_expiry is not None and data.passport_expiry < conference.ends_on:
        error("passport_expiry", _("The passport must be valid until the end of the session (%(day)s).",
                                   day=format_day(conference.ends_on)))
    if data.passport_number and data.passport_expiry is None:
        error("passport_expiry", _("Enter the expiry date of the passport or ID."))

    if delegation.entity.entity_type in STATE_TYPES:
        if data.delegation_role in (None, DelegationRole.REPRESENTATIVE):
            error("delegation_role", _("Choose your role in the delegation."))
    else:
        data.delegation_role = DelegationRole.REPRESENTATIVE
    first, last = data.attendance_from or conference.starts_on, data.attendance_to or conference.ends_on
    for name, day in (("attendance_from", first), ("attendance_to", last)):
        if not conference.starts_on <= day <= conference.ends_on:
            error(name, _("Choose a day of the session (%(days)s).",
                          days=format_day_range(conference.starts_on, conference.ends_on)))
    if first > last:
        error("attendance_to", _("The last day cannot come before the first day."))
    data.attendance_from, data.attendance_to = first, last
    data.language = language_of(data.language)
    if require_consent and not data.consent:
        error("consent", _("Please agree to the processing of your personal data, or we cannot register you."))

    if not errors:
        _check_identity(conference, data, registration, errors,
                        reveal=actor in (Actor.SECRETARIAT, Actor.COMMAND_LINE))
        if data.delegation_role == DelegationRole.HEAD:
            # The focal point knows their delegation's head; a member of the public is not told who it is.
            _check_one_head(delegation, registration, errors, reveal=actor != Actor.PARTICIPANT)
    if errors:
        raise Invalid(errors)
    return data


def _check_identity(conference: Conference, data: RegistrationData, registration: Registration | None,
                    errors: dict[str, list[str]], *, reveal: bool) -> None:
    """One person, one accreditation per session: by e-mail, passport number, or name and date of birth."""
    key = name_key(data.family_name, data.given_names)
    conditions = [Registration.email == data.email]
    if data.passport_number:
        conditions.append(Registration.passport_number == data.passport_number)
    if data.date_of_birth:
        conditions.append((Registration.name_key == key) & (Registration.date_of_birth == data.date_of_birth))
    query = (select(Registration).options(joinedload(Registration.delegation).joinedload(Delegation.entity))
             .where(Registration.conference_id == conference.id, or_(*conditions)))
    if registration is not None and registration.id is not None:
        query = query.where(Registration.id != registration.id)
    for other in db.session.scalars(query):
        if other.email == data.email:
            field, message = "email", (_(
                "This e-mail address is already registered for this session with %(delegation)s (status: "
                "%(status)s); one person holds one accreditation per session.") if reveal else _(
                "This e-mail address is already registered for this session; one person holds one accreditation "
                "per session."))
        elif data.passport_number and other.passport_number == data.passport_number:
            field, message = "passport_number", (_(
                "This passport number is already registered for this session with %(delegation)s (status: "
                "%(status)s); one person holds one accreditation per session.") if reveal else _(
                "This passport number is already registered for this session; one person holds one "
                "accreditation per session."))
        else:
            field, message = "family_name", (_(
                "A person with this name and date of birth is already registered for this session with "
                "%(delegation)s (status: %(status)s); one person holds one accreditation per session.") if reveal
                else _("A person with this name and date of birth is already registered for this session; one "
                       "person holds one accreditation per session."))
        if reveal:
            message = message % {"delegation": other.delegation.entity.name, "status": other.status.label}
        else:
            message += " " + _("Use the private link you received, or ask the secretariat.")
        errors.setdefault(field, []).append(message)


def _check_one_head(delegation: Delegation, registration: Registration | None,
                    errors: dict[str, list[str]], *, reveal: bool) -> None:
    query = select(Registration).where(Registration.delegation_id == delegation.id,
                                       Registration.delegation_role == DelegationRole.HEAD,
                                       Registration.status.in_([S.SUBMITTED, S.PREAPPROVED, S.NEEDS_INFO, S.APPROVED]))
    if registration is not None and registration.id is not None:
        query = query.where(Registration.id != registration.id)
    head = db.session.scalars(query.limit(1)).first()
    if head is not None:
        errors.setdefault("delegation_role", []).append(_(
            "The delegation of %(entity)s already has a head of delegation (%(name)s). "
            "Choose another role, or ask the secretariat to change the head.",
            entity=delegation.entity.display_name, name=head.full_name) if reveal else _(
            "The delegation of %(entity)s already has a head of delegation. "
            "Choose another role, or ask the secretariat to change the head.",
            entity=delegation.entity.display_name))


def quota_of(delegation: Delegation) -> int | None:
    """The number of people the delegation may send: its own quota, else the session's default for NGOs."""
    if delegation.quota is not None:
        return delegation.quota
    if delegation.entity.entity_type in NGO_TYPES:
        return delegation.conference.ngo_quota
    return None


def _lock(delegation: Delegation) -> None:
    """Serialize changes to one delegation (a PostgreSQL row lock): two requests cannot both take the last place."""
    db.session.execute(select(Delegation.id).where(Delegation.id == delegation.id).with_for_update())


def _count(delegation: Delegation, statuses: Iterable[S], excluding: Registration | None) -> int:
    query = select(func.count()).select_from(Registration).where(
        Registration.delegation_id == delegation.id, Registration.status.in_(list(statuses)))
    if excluding is not None and excluding.id is not None:
        query = query.where(Registration.id != excluding.id)
    return db.session.scalar(query)


def _check_quota(delegation: Delegation, registration: Registration | None, statuses: Iterable[S]) -> None:
    quota = quota_of(delegation)
    if quota is not None and _count(delegation, statuses, registration) >= quota:
        raise RuleViolation(ngettext(
            "The delegation of %(entity)s has reached its quota of %(num)d participant for this session.",
            "The delegation of %(entity)s has reached its quota of %(num)d participants for this session.",
            quota, entity=delegation.entity.display_name))


def ngo_admission_problem(delegation: Delegation, now: datetime | None = None) -> str | None:
    """Why the NGO's delegates cannot be approved yet, or None when they can."""
    now = now or utcnow()
    status = delegation.ngo_admission
    name = delegation.entity.name
    if delegation.entity.entity_type != EntityType.NGO_OTHER or status in (NgoAdmission.ADMITTED,
                                                                           NgoAdmission.ECOSOC):
        return None
    if status == NgoAdmission.LISTED and delegation.ngo_listed_at is not None:
        ends = delegation.ngo_listed_at + timedelta(days=NGO_OBJECTION_DAYS)
        if now >= ends:
            return None
        return _("%(name)s has no ECOSOC status: its 30-day objection period ends on %(when)s (%(timezone)s); "
                 "its delegates can be approved after that.", name=name,
                 when=format_moment(ends, delegation.conference), timezone=delegation.conference.timezone)
    if status == NgoAdmission.OBJECTED:
        return _("A State objected to %(name)s: the Conference must decide before its delegates can be approved.",
                 name=name)
    if status == NgoAdmission.REFUSED:
        return _("The Conference did not admit %(name)s.", name=name)
    return _("%(name)s has no ECOSOC status and has not yet been listed to States for the 30-day objection period.",
             name=name)


def registration_open(conference: Conference, now: datetime | None = None) -> str | None:
    """Why registration is closed to participants and focal points right now, or None when it is open."""
    now = now or utcnow()
    tz = conference.timezone
    if conference.registration_opens_at and now < conference.registration_opens_at:
        return _("Registration opens on %(when)s (%(timezone)s).",
                 when=format_moment(conference.registration_opens_at, conference), timezone=tz)
    if conference.registration_closes_at and now >= conference.registration_closes_at:
        return _("Registration closed on %(when)s (%(timezone)s). Only the secretariat can register participants "
                 "now: please write to it.", when=format_moment(conference.registration_closes_at, conference),
                 timezone=tz)
    return None


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


def _flush_or_explain(r: Registration) -> None:
    """The unique indexes are the last word when two requests race past the checks above."""
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as exc:
        message = str(exc.orig)
        if "passport" in message:
            message = _("This passport number is already registered for this session.")
            raise Invalid({"passport_number": [message]}) from None
        if "name_key" in message:
            message = _("A person with this name and date of birth is already registered.")
            raise Invalid({"family_name": [message]}) from None
        if "head" in message or "registration.delegation_id" in message:
            raise Invalid({"delegation_role": [_("This delegation already has a head of delegation.")]}) from None
        if "email" in message:
            raise Invalid({"email": [_("This e-mail address is already registered for this session.")]}) from None
        raise


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
    _lock(delegation)
    if submit:
        _check_quota(delegation, None, ACTIVE)
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
    if delegation.nomination_document or delegation.nomination_received_at:
        return None
    return NOMINATION_BY_TYPE.get(delegation.entity.entity_type, NominationDocumentKind.OFFICIAL_LETTER)


def submit_public(conference: Conference, delegation_id: int, data: RegistrationData, *,
                  photo: str | None, document: str | None) -> Registration:
    """A participant registers themselves through the public form, with their photo and, when the
    delegation has none on file yet, its nominating document. Every wrong field is reported at once."""
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
    except Invalid as exc:
        raise Invalid({**exc.errors, **missing}) from None
    if missing:
        raise Invalid(missing)
    if document:
        attach_nomination(delegation, document, actor=Actor.PARTICIPANT)
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


# What the back office and the focal point are told after an action, by the registration's new status.
NOW_IN_STATUS = {
    S.DRAFT: _l("%(name)s: the registration is now a draft."),
    S.SUBMITTED: _l("%(name)s: the registration is now submitted."),
    S.PREAPPROVED: _l("%(name)s: the registration is now pre-approved."),
    S.APPROVED: _l("%(name)s: the registration is now approved."),
    S.REJECTED: _l("%(name)s: the registration is now rejected."),
    S.NEEDS_INFO: _l("%(name)s: the registration now waits for more information."),
    S.WITHDRAWN: _l("%(name)s: the registration is now withdrawn."),
}


def now_in_status(r: Registration) -> str:
    return str(NOW_IN_STATUS[r.status]) % {"name": r.full_name}


def done_message(action: str, count: int) -> str:
    """What a bulk action did, as one whole sentence per action."""
    if action == "submit":
        return ngettext("%(num)d registration submitted.", "%(num)d registrations submitted.", count)
    if action == "preapprove":
        return ngettext("%(num)d registration pre-approved.", "%(num)d registrations pre-approved.", count)
    if action == "approve":
        return ngettext("%(num)d registration approved.", "%(num)d registrations approved.", count)
    if action == "reject":
        return ngettext("%(num)d registration rejected.", "%(num)d registrations rejected.", count)
    if action == "request_info":
        return ngettext("%(num)d registration sent back for more information.",
                        "%(num)d registrations sent back for more information.", count)
    if action == "reopen":
        return ngettext("%(num)d registration reopened.", "%(num)d registrations reopened.", count)
    if action == "withdraw":
        return ngettext("%(num)d registration withdrawn.", "%(num)d registrations withdrawn.", count)
    return ngettext("%(num)d registration changed.", "%(num)d registrations changed.", count)


def not_editable(r: Registration) -> str:
    """Why the participant or focal point can no longer change the registration (see EDITABLE)."""
    message = NOT_EDITABLE.get(r.status)
    return str(message) if message is not None else _("Only the secretariat can change this registration now.")


def _require_focal_point(user: User | None, delegation: Delegation) -> None:
    if user is None or Role.FOCAL_POINT not in user.roles or user.delegation_id != delegation.id:
        raise PermissionDenied(_("A focal point sees and changes their own delegation only."))


def allowed_actions(r: Registration, actor: Actor) -> list[str]:
    """The actions this actor could take on the registration now, in the state machine's order."""
    return [name for name, (sources, _to, actors, _reason) in ACTIONS.items()
            if r.status in sources and actor in actors]


def transition(r: Registration, action: str, *, actor: Actor, user: User | None = None, reason: str = "",
               now: datetime | None = None) -> Registration:
    """Move a registration through the state machine of domain.md, checking who may and the rules that apply.

    Every transition is written to the audit log (who, when, from, to, why)
    and the e-mails that go with it are queued until the commit.
    """
    if action not in ACTIONS:
        raise RuleViolation(_("Unknown action: %(action)s.", action=action))
    sources, target, actors, needs_reason = ACTIONS[action]
    if actor not in actors:
        raise PermissionDenied(str(ONLY_WHO_MAY.get(action) or _("You cannot do this to a registration.")))
    if actor in (Actor.SECRETARIAT,) and not can(user, Permission.REVIEW_REGISTRATIONS):
        raise PermissionDenied(_("Your account cannot review registrations."))
    if actor == Actor.FOCAL_POINT:
        _require_focal_point(user, r.delegation)
    if r.status not in sources:
        raise RuleViolation(str(NOT_FROM_STATUS[action]) % {"status": r.status.label})
    reason = (reason or "").strip()
    if needs_reason and not reason:
        raise Invalid({"reason": [str(REASON_NEEDED.get(action) or _("Give the participant a reason (it is sent "
                                                                     "to them)."))]})
    now = now or utcnow()
    delegation = r.delegation
    if target == S.APPROVED:
        _lock(delegation)
        _check_quota(delegation, r, (S.APPROVED,))
        problem = ngo_admission_problem(delegation, now)
        if problem:
            raise RuleViolation(problem)
        if r.modality == Modality.IN_PERSON and not r.photo:
            raise RuleViolation(_("%(name)s has no photo yet, and the badge needs one: ask for more information.",
                                  name=r.full_name))
    if target == S.SUBMITTED and action == "reopen":
        _lock(delegation)
        _check_quota(delegation, r, ACTIVE)
    before = r.status
    r.status = target
    r.status_reason = reason
    if before == S.APPROVED and target != S.APPROVED:
        # Its badge stops opening doors (they answer "not approved"); a new approval prints a new one.
        r.badge_state = BadgeState.NOT_PRINTED
    if target == S.SUBMITTED and r.submitted_at is None:
        r.submitted_at = now
    r.approved_at = now if target == S.APPROVED else (r.approved_at if target == S.WITHDRAWN else None)
    db.session.flush()
    audit.record(f"registration.{action}", r, actor=user or actor.value, before={"status": before.value},
                 after={"status": target.value}, reason=reason)
    if action in MAIL_ON:
        _mail(r, MAIL_ON[action], reason)
    return r


def status_url(r: Registration) -> str:
    return external_url("registration.status", code=r.conference.code, token=r.status_token)


def _mail(r: Registration, template: str, reason: str) -> None:
    from conference.mail.services import queue_mail

    queue_mail(r.email, template, r.language, registration=r, conference=r.conference,
               status_url=status_url(r), reason=reason)


def bulk_transition(conference: Conference, ids: list[int], action: str, *, actor: Actor, user: User | None,
                    reason: str = "") -> tuple[list[Registration], dict[int, str]]:
    """Apply one action to many registrations: each one that the rules allow, and the reason for each refusal.

    Each registration is tried in a savepoint, so a refusal leaves the others done and nothing half-written.
    """
    done: list[Registration] = []
    refused: dict[int, str] = {}
    registrations = db.session.scalars(
        select(Registration).options(joinedload(Registration.delegation).joinedload(Delegation.entity))
        .where(Registration.conference_id == conference.id, Registration.id.in_(ids))).all()
    found = {r.id for r in registrations}
    for missing in set(ids) - found:
        refused[missing] = _("not found in this session")
    for r in registrations:
        try:
            with db.session.begin_nested():
                transition(r, action, actor=actor, user=user, reason=reason)
            done.append(r)
        except (RuleViolation, Invalid, PermissionDenied) as exc:
            refused[r.id] = _("%(name)s: %(message)s", name=r.full_name, message=exc.message)
    return done, refused


def get_by_token(conference: Conference, token: str, *, agenda: bool = False) -> Registration:
    """The registration behind a private link (or, with `agenda`, behind a personal calendar address);
    NotFound for anything else, without saying why."""
    column = Registration.agenda_token if agenda else Registration.status_token
    r = None
    if token and len(token) <= 64:
        r = db.session.scalar(select(Registration).where(Registration.conference_id == conference.id,
                                                         column == token))
    if r is None:
        raise NotFound(_("This calendar address is not valid (it may have been renewed).") if agenda else
                       _("This private link is not valid. Check that you copied it whole, or ask the secretariat."))
    return r


def get_registration(conference: Conference, registration_id: int) -> Registration:
    """A registration of this session by its number; NotFound otherwise (also for another session's)."""
    r = db.session.get(Registration, registration_id)
    if r is None or r.conference_id != conference.id:
        raise NotFound(_("There is no such registration at this session."))
    return r


def get_by_email(conference: Conference, email: str) -> Registration:
    """The participant of this session with this e-mail address, in any case; NotFound otherwise."""
    email = (email or "").strip().lower()
    r = db.session.scalar(select(Registration).where(Registration.conference_id == conference.id,
                                                     Registration.email == email)) if email else None
    if r is None:
        raise NotFound(_("No participant of this session has the e-mail address “%(email)s”.", email=email))
    return r


def delegations_for(conference: Conference, category: str) -> list[Delegation]:
    """The delegations a participant may register with, for a category of the public form."""
    if category not in CATEGORIES:
        raise NotFound(_("There is no such category of participants."))
    types = CATEGORIES[category][1]
    return db.session.scalars(
        select(Delegation).join(ParticipatingEntity).options(joinedload(Delegation.entity))
        .where(Delegation.conference_id == conference.id, ParticipatingEntity.entity_type.in_(types),
               Delegation.ngo_admission.not_in([NgoAdmission.REFUSED]))
        .order_by(ParticipatingEntity.name)).all()


def get_delegation(conference: Conference, delegation_id: int) -> Delegation:
    d = db.session.get(Delegation, delegation_id)
    if d is None or d.conference_id != conference.id:
        raise NotFound(_("There is no such delegation at this session."))
    return d


def attach_nomination(delegation: Delegation, path: str, *, actor: Actor, user: User | None = None) -> None:
    """Keep the delegation's nominating document (the first one sent; later ones replace it)."""
    before = delegation.nomination_document
    delegation.nomination_document = path
    delegation.nomination_kind = NOMINATION_BY_TYPE.get(delegation.entity.entity_type)
    delegation.nomination_received_at = utcnow()
    audit.record("delegation.nomination", delegation, actor=user or actor.value,
                 before={"document": before}, after={"document": path})


def submit_credentials(delegation: Delegation, path: str, *, user: User) -> None:
    """A focal point sends the credentials of a State party's delegation (a copy until the originals arrive)."""
    _require_focal_point(user, delegation)
    if delegation.entity.entity_type != EntityType.STATE_PARTY:
        raise RuleViolation(_("Only delegations of States parties carry credentials."))
    before = delegation.credentials_status
    delegation.credentials_document = path
    if delegation.credentials_status != CredentialsStatus.RECEIVED:
        delegation.credentials_status = CredentialsStatus.PROVISIONAL
    audit.record("delegation.credentials_submitted", delegation, actor=user,
                 before={"credentials": before.value}, after={"credentials": delegation.credentials_status.value})


def set_credentials(delegation: Delegation, status: CredentialsStatus, *, user: User | None,
                    actor: Actor = Actor.SECRETARIAT) -> None:
    """The secretariat records the credentials of a State party: pending, a copy, or the originals."""
    if delegation.entity.entity_type != EntityType.STATE_PARTY and status != CredentialsStatus.NOT_REQUIRED:
        raise RuleViolation(_("Only delegations of States parties carry credentials."))
    before = delegation.credentials_status
    delegation.credentials_status = status
    delegation.credentials_received_at = utcnow() if status == CredentialsStatus.RECEIVED else None
    audit.record("delegation.credentials", delegation, actor=user or actor.value,
                 before={"credentials": before.value}, after={"credentials": status.value})


NGO_STEPS = {
    "list": ({NgoAdmission.NOT_APPLICABLE, NgoAdmission.LISTED}, NgoAdmission.LISTED),
    "object": ({NgoAdmission.LISTED}, NgoAdmission.OBJECTED),
    "admit": ({NgoAdmission.NOT_APPLICABLE, NgoAdmission.LISTED, NgoAdmission.OBJECTED, NgoAdmission.REFUSED},
              NgoAdmission.ADMITTED),
    "refuse": ({NgoAdmission.LISTED, NgoAdmission.OBJECTED}, NgoAdmission.REFUSED),
}
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
                       now: datetime | None = None) -> None:
    """Record where an NGO without ECOSOC status stands: listed to States, objected to, admitted or refused."""
    if delegation.entity.entity_type != EntityType.NGO_OTHER:
        raise RuleViolation(_("Only NGOs without ECOSOC status go through the objection period."))
    if step not in NGO_STEPS:
        raise RuleViolation(_("Unknown step: %(step)s.", step=step))
    sources, target = NGO_STEPS[step]
    if delegation.ngo_admission not in sources:
        raise RuleViolation(str(NGO_STEP_REFUSED[step]) % {"name": delegation.entity.name,
                                                           "status": delegation.ngo_admission.label})
    before = delegation.ngo_admission
    delegation.ngo_admission = target
    if target == NgoAdmission.LISTED:
        delegation.ngo_listed_at = now or utcnow()
    audit.record(f"delegation.ngo_{step}", delegation, actor=user or "secretariat",
                 before={"ngo_admission": before.value}, after={"ngo_admission": target.value}, reason=reason)


@dataclass
class QueueFilters:
    """What the back office's registration queue is filtered by."""

    status: S | None = None
    category: EntityType | None = None
    delegation_id: int | None = None
    regional_group: str | None = None
    badge_state: str | None = None
    q: str = ""


def search(conference: Conference, filters: QueueFilters, *, page: int = 1, per_page: int = 50):
    """One page of the registration queue and the number of matches, in two queries whatever the page size.

    The name search folds case and accents and works in any script: every
    word typed must appear in the family or given names (or the e-mail).
    """
    from conference.registration.models import BadgeState, RegionalGroup

    conditions = [Registration.conference_id == conference.id]
    if filters.status is not None:
        conditions.append(Registration.status == filters.status)
    if filters.category is not None:
        conditions.append(ParticipatingEntity.entity_type == filters.category)
    if filters.delegation_id is not None:
        conditions.append(Registration.delegation_id == filters.delegation_id)
    if filters.regional_group:
        conditions.append(ParticipatingEntity.regional_group == RegionalGroup(filters.regional_group))
    if filters.badge_state:
        conditions.append(Registration.badge_state == BadgeState(filters.badge_state))
    for word in fold(filters.q).split()[:6]:
        pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        conditions.append(or_(Registration.name_key.like(pattern, escape="\\"),
                              Registration.email.like(pattern, escape="\\")))
    base = select(Registration).where(*conditions)
    if filters.category is not None or filters.regional_group:
        # Only the entity's category and group need the joins; without them the counts stay on one table.
        base = (base.join(Delegation, Delegation.id == Registration.delegation_id)
                .join(ParticipatingEntity, ParticipatingEntity.id == Delegation.entity_id))
    total = db.session.scalar(select(func.count()).select_from(base.subquery()))
    page = max(1, page)
    # The page's ids first, newest first (the order of arrival), from the primary key; then those rows
    # with their delegations. A page then costs the same whatever the number of registrations.
    ids = db.session.scalars(base.with_only_columns(Registration.id).order_by(Registration.id.desc())
                             .offset((page - 1) * per_page).limit(per_page)).all()
    rows = db.session.scalars(
        select(Registration).options(joinedload(Registration.delegation).joinedload(Delegation.entity))
        .where(Registration.id.in_(ids)).order_by(Registration.id.desc())).all()
    return rows, total


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
