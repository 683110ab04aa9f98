"""The registration's state machine (domain.md): every change of status, who may make it, and what it sends.

Each transition is checked (who may, from which status, the rules that apply
on the way into a status), written to the audit log, and its e-mail queued
until the caller commits.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from conference.accounts.models import User
from conference.accounts.permissions import Permission, can
from conference.accounts.services import normalize_email
from conference.conferences.models import Conference
from conference.core import audit
from conference.core.db import utcnow, violated_constraint
from conference.core.errors import Invalid, PermissionDenied, RuleViolation
from conference.core.i18n import _, _l, ngettext
from conference.core.templating import external_url
from conference.extensions import db
from conference.mail.services import queue_mail
from conference.registration.models import BadgeState, Delegation, Modality, Registration
from conference.registration.models import (
    RegistrationStatus as S,
)
from conference.registration.services.rules import (
    ACTIVE,
    Actor,
    _check_quota,
    _lock,
    _require_focal_point,
    approval_problem,
)

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
                 frozenset({Actor.PARTICIPANT, Actor.FOCAL_POINT, Actor.SECRETARIAT, Actor.COMMAND_LINE}), True),
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
    "withdraw": _l("Say why the registration is withdrawn (it is sent to the participant)."),
}
# Why a participant or focal point may no longer change a registration, by its status (see EDITABLE).
NOT_EDITABLE = {
    S.APPROVED: _l("This registration is approved: only the secretariat can change it now."),
    S.REJECTED: _l("This registration is rejected: only the secretariat can change it now."),
    S.WITHDRAWN: _l("This registration is withdrawn: only the secretariat can change it now."),
}
# Every change the participant did not make themselves, and the withdrawal they did make, is told to them.
MAIL_ON = {"submit": "registration_submitted", "approve": "registration_approved",
           "reject": "registration_rejected", "request_info": "registration_needs_info",
           "withdraw": "registration_withdrawn", "reopen": "registration_reopened"}


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
    before = r.status
    if target in ACTIVE and before not in ACTIVE:
        # Whatever the way in (a submission, a draft from the CSV import submitted later, a reopening), a place in
        # the delegation is taken here, under the delegation's row lock: two requests cannot both take the last one.
        _lock(delegation)
        _check_quota(delegation, r, ACTIVE)
    if target == S.APPROVED:
        _lock(delegation)
        _check_quota(delegation, r, (S.APPROVED,))
        problem = approval_problem(delegation, now)
        if problem:
            raise RuleViolation(problem)
        if r.modality == Modality.IN_PERSON and not r.photo:
            raise RuleViolation(_("%(name)s has no photo yet, and the badge needs one: ask for more information.",
                                  name=r.full_name))
    r.status = target
    r.status_reason = reason
    if before == S.APPROVED and target != S.APPROVED:
        # Its badge stops opening doors (they answer "not approved"); a new approval prints a new one.
        r.badge_state = BadgeState.NOT_PRINTED
    if target == S.SUBMITTED and r.submitted_at is None:
        r.submitted_at = now
    r.approved_at = now if target == S.APPROVED else (r.approved_at if target == S.WITHDRAWN else None)
    _flush_or_explain(r)  # a second head of delegation, coming back to an active state at the same moment
    audit.record(f"registration.{action}", r, actor=user or actor.value, before={"status": before.value},
                 after={"status": target.value}, reason=reason)
    if action in MAIL_ON:
        _mail(r, MAIL_ON[action], reason)
    return r


# What each unique index means to the person filling the form: the field to correct and why.
EXPLAINED = {
    "uq_registration_conference_id_passport_number": (
        "passport_number", _l("This passport number is already registered for this session.")),
    "uq_registration_conference_id_name_key_date_of_birth": (
        "family_name", _l("A person with this name and date of birth is already registered.")),
    "uq_registration_one_head_per_delegation": (
        "delegation_role", _l("This delegation already has a head of delegation.")),
    "uq_registration_conference_id_email": (
        "email", _l("This e-mail address is already registered for this session.")),
}


def _flush_or_explain(r: Registration) -> None:
    """The unique indexes are the last word when two requests race past the checks above: the one that refused
    is told by its name (never by the words of the error, which quote the values), and names its field."""
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as exc:
        explained = EXPLAINED.get(violated_constraint(exc))
        if explained is None:
            raise
        field, message = explained
        raise Invalid({field: [str(message)]}) from None


def status_url(r: Registration) -> str:
    return external_url("registration.status", code=r.conference.code, token=r.status_token)


def _mail(r: Registration, template: str, reason: str) -> None:
    queue_mail(r.email, template, r.language, registration=r, conference=r.conference,
               status_url=status_url(r), reason=reason)


def resend_link(conference: Conference, email: str) -> None:
    """Send a participant their private link again, to the address they registered with; nothing at all for an
    address that no registration of this session has. Whoever asks is answered the same either way (the caller
    must not say which): only the registered address's owner learns anything."""
    try:
        email = normalize_email(email or "")
    except RuleViolation:
        return
    r = db.session.scalar(select(Registration).where(Registration.conference_id == conference.id,
                                                     Registration.email == email))
    if r is None:
        return
    _mail(r, "registration_link", "")
    audit.record("registration.link_sent", r, actor=Actor.PARTICIPANT.value)


def tell_already_registered(registrations: list[Registration]) -> None:
    """Someone sent the public form with the details of registrations that exist: each one's own address is told,
    with its private link (and nobody else is)."""
    for r in dict.fromkeys(registrations):
        _mail(r, "registration_again", "")
        audit.record("registration.registered_again", r, actor=Actor.PARTICIPANT.value)


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
