"""Registration rules: who may take part, with which delegation, and how many.

What a person sends is checked here (`validate`), and so are the limits that
hold across registrations: one accreditation per person, one head per
delegation, the delegation's quota, an NGO's admission, the registration period.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta
from enum import Enum

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from conference.accounts.models import Role, User
from conference.accounts.services import normalize_email
from conference.conferences.models import Conference
from conference.core.db import utcnow
from conference.core.errors import Invalid, PermissionDenied, RuleViolation
from conference.core.i18n import _, _l, fold, format_day, format_day_range, format_moment, language_of, ngettext
from conference.extensions import db
from conference.registration.models import (
    ACTIVE_STATUSES,
    IGO_TYPES,
    NGO_TYPES,
    PARTY_KINDS,
    Delegation,
    DelegationRole,
    EntityType,
    Gender,
    Modality,
    NgoAdmission,
    Registration,
    person_name,
)
from conference.registration.models import (
    RegistrationStatus as S,
)
from conference.registration.request_models import OrganizationRequest, RequestKind, RequestStatus

# The objection period of NGOs without ECOSOC status (domain.md).
NGO_OBJECTION_DAYS = 30

# States that hold a place in the delegation: they count against its quota (one definition, in the models).
ACTIVE = ACTIVE_STATUSES
# States in which the participant may still change what they sent.
EDITABLE = (S.DRAFT, S.SUBMITTED, S.PREAPPROVED, S.NEEDS_INFO)


class Actor(Enum):
    PARTICIPANT = "participant"  # through the private link
    FOCAL_POINT = "focal point"
    SECRETARIAT = "secretariat"
    COMMAND_LINE = "command line"  # the secretariat, from a terminal


# The public form's categories, and the entity types each one offers.
CATEGORIES: dict[str, tuple[str, tuple[EntityType, ...]]] = {
    "state": (_l("A State (member of a government delegation)"), PARTY_KINDS),
    "igo": (_l("An intergovernmental organization or UN entity"), IGO_TYPES),
    "ngo": (_l("A non-governmental organization"), NGO_TYPES),
    "media": (_l("Media (press, radio, television, online)"), (EntityType.MEDIA,)),
}


def category_of(entity_type: EntityType) -> str | None:
    return next((key for key, (_, types) in CATEGORIES.items() if entity_type in types), None)


def name_key(family_name: str, given_names: str) -> str:
    """The folded name the duplicate check and the search compare (see `fold`), within its column's 250 characters
    (ß and æ grow when folded)."""
    return fold(f"{family_name} {given_names}")[:250]


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


def role_problem(delegation: Delegation, role: DelegationRole | None, *, actor: Actor) -> str | None:
    """Why `role` will not do for a member of `delegation`, or None: a State's (or the European Union's) delegation
    gives each member a role of its own (head, alternate, adviser...); any other delegation's members represent it,
    whatever was chosen. Said to the person registering, or to the secretariat registering someone else."""
    if delegation.entity.entity_type not in PARTY_KINDS or role not in (None, DelegationRole.REPRESENTATIVE):
        return None
    if actor in (Actor.SECRETARIAT, Actor.COMMAND_LINE):
        return _("Choose the person's role: every member of this delegation has one.")
    return _("Choose your role in the delegation.")


def email_problem(address: str) -> str | None:
    """Why `address` will not do as a participant's e-mail address, or None: the one rule, which the forms check
    with their other fields (so that every error comes in one round) and `validate` checks again."""
    try:
        normalize_email(address or "")
    except RuleViolation:
        return _("Enter an e-mail address like name@example.org.")
    return None


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

    if problem := email_problem(data.email):
        error("email", problem)
    else:
        data.email = normalize_email(data.email)
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

    if delegation.entity.entity_type in PARTY_KINDS:
        if problem := role_problem(delegation, data.delegation_role, actor=actor):
            error("delegation_role", problem)
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
        others = _check_identity(conference, data, registration, errors,
                                 reveal=actor in (Actor.SECRETARIAT, Actor.COMMAND_LINE))
        if others and actor == Actor.PARTICIPANT and registration is None:
            # Someone registering through the public form is not told who is registered (see submit_public).
            raise AlreadyRegistered(errors, others)
        if data.delegation_role == DelegationRole.HEAD:
            # The focal point knows their delegation's head; a member of the public is not told who it is.
            _check_one_head(delegation, registration, errors, reveal=actor != Actor.PARTICIPANT)
    if errors:
        raise Invalid(errors)
    return data


class AlreadyRegistered(Invalid):
    """The person who filled in the public form is already registered for the session: `others` are the
    registrations they match (by e-mail, passport number, or name and date of birth)."""

    def __init__(self, errors: dict[str, list[str]], others: list[Registration]):
        super().__init__(errors)
        self.others = others


def _check_identity(conference: Conference, data: RegistrationData, registration: Registration | None,
                    errors: dict[str, list[str]], *, reveal: bool) -> list[Registration]:
    """One person, one accreditation per session: by e-mail, passport number, or name and date of birth.
    Returns the registrations the person matches (their messages are put in `errors`)."""
    found: list[Registration] = []
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
        found.append(other)
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
    return found


def _check_one_head(delegation: Delegation, registration: Registration | None,
                    errors: dict[str, list[str]], *, reveal: bool) -> None:
    query = select(Registration).where(Registration.delegation_id == delegation.id,
                                       Registration.delegation_role == DelegationRole.HEAD,
                                       Registration.status.in_(ACTIVE))
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
    if status == NgoAdmission.REFUSED:  # any NGO's, in consultative status or not
        return _("The Conference did not admit %(name)s.", name=name)
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
    return _("%(name)s has no ECOSOC status and has not yet been listed to States for the 30-day objection period.",
             name=name)


def outlet_request(conference_id: int, entity_id: int) -> OrganizationRequest | None:
    """The request a journalist's typing made for a media outlet at a session, if any (the latest)."""
    return db.session.scalars(select(OrganizationRequest).where(
        OrganizationRequest.conference_id == conference_id, OrganizationRequest.entity_id == entity_id,
        OrganizationRequest.kind == RequestKind.MEDIA).order_by(OrganizationRequest.id.desc())).first()


def outlet_problem(delegation: Delegation) -> str | None:
    """Why the journalists of an outlet one of them typed cannot be approved yet, or None when they can."""
    if delegation.entity.entity_type != EntityType.MEDIA:
        return None
    request = outlet_request(delegation.conference_id, delegation.entity_id)
    if request is None or request.status == RequestStatus.ADMITTED:
        return None
    if request.status == RequestStatus.REFUSED:
        return _("The secretariat did not accept the outlet %(name)s.", name=delegation.entity.name)
    return _("%(name)s was typed by a journalist, not chosen from the list: accept the outlet, merge it into one on "
             "the list, or refuse it (Media outlets) before approving.", name=delegation.entity.name)


def approval_problem(delegation: Delegation, now: datetime | None = None) -> str | None:
    """Why nobody of the delegation can be approved yet, whoever they are: its NGO's admission, or its outlet that a
    journalist typed and the secretariat has not checked. None when nothing of the delegation stands in the way."""
    return ngo_admission_problem(delegation, now) or outlet_problem(delegation)


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


def _require_focal_point(user: User | None, delegation: Delegation) -> None:
    if user is None or Role.FOCAL_POINT not in user.roles or user.delegation_id != delegation.id:
        raise PermissionDenied(_("A focal point sees and changes their own delegation only."))
