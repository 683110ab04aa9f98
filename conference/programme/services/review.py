"""The review of side-event applications: the states of domain.md, the audit and the organizer's e-mail."""

from __future__ import annotations

from datetime import datetime

from conference.core import audit
from conference.core.db import utcnow
from conference.core.errors import Invalid, RuleViolation
from conference.core.i18n import (
    _,
    _l,
)
from conference.core.templating import external_url
from conference.extensions import db
from conference.mail.services import queue_mail
from conference.programme.models import (
    Session,
)
from conference.programme.models import (
    SessionStatus as St,
)
from conference.registration.models import (
    Registration,
)

# -- the review -----------------------------------------------------------------------------------

REVIEW: dict[str, tuple[frozenset[St], St, bool]] = {
    # action: (from, to, reason required)
    "submit": (frozenset({St.DRAFT}), St.SUBMITTED, False),
    "start_review": (frozenset({St.SUBMITTED}), St.UNDER_REVIEW, False),
    "accept": (frozenset({St.SUBMITTED, St.UNDER_REVIEW, St.WAITLISTED}), St.ACCEPTED, False),
    "reject": (frozenset({St.SUBMITTED, St.UNDER_REVIEW, St.WAITLISTED}), St.REJECTED, True),
    "waitlist": (frozenset({St.SUBMITTED, St.UNDER_REVIEW}), St.WAITLISTED, False),
    "ask_changes": (frozenset({St.SUBMITTED, St.UNDER_REVIEW}), St.DRAFT, True),
    "publish": (frozenset({St.SCHEDULED}), St.PUBLISHED, False),
    "cancel": (frozenset(set(St) - {St.DRAFT, St.CANCELLED, St.REJECTED}), St.CANCELLED, True),
}
REVIEW_LABELS = {"submit": _l("Submit"), "start_review": _l("Start the review"), "accept": _l("Accept"),
                 "reject": _l("Reject"), "waitlist": _l("Put on the waiting list"),
                 "ask_changes": _l("Ask for changes"), "publish": _l("Publish"), "cancel": _l("Cancel")}
REVIEW_MAIL = {"submit": "side_event_submitted", "accept": "side_event_accepted", "reject": "side_event_rejected",
               "waitlist": "side_event_waitlisted", "ask_changes": "side_event_changes", "cancel":
               "side_event_cancelled"}


def review(s: Session, action: str, *, actor, reason: str = "", now: datetime | None = None) -> Session:
    """Move a session through the states of domain.md; audited, and the organizer is told by e-mail."""
    if action not in REVIEW:
        raise RuleViolation(_("Unknown action “%(action)s”.", action=action))
    sources, target, needs_reason = REVIEW[action]
    if s.status not in sources:
        raise RuleViolation(_("The action “%(action)s” does not apply to a session with the status “%(status)s”.",
                              action=REVIEW_LABELS[action], status=s.status.label))
    reason = (reason or "").strip()
    if needs_reason and not reason:
        raise Invalid({"reason": [_("Give the organizer a reason (it is sent to them).")]})
    now = now or utcnow()
    before = s.status
    if action == "submit":
        s.submitted_at = s.submitted_at or now
    if action == "publish":
        s.published_at = s.published_at or now
    s.status = target
    s.status_reason = reason
    if before == St.PUBLISHED and target == St.CANCELLED:
        _changed(s, "Cancelled", now)  # a record, in English: pages say it from the status
    db.session.flush()
    audit.record(f"session.{action}", s, actor=actor, before={"status": before.value},
                 after={"status": target.value}, reason=reason)
    if action in REVIEW_MAIL and s.applicant is not None:
        _mail(s, REVIEW_MAIL[action], reason)
    return s


def _changed(s: Session, note: str, now: datetime) -> None:
    """A published session changed its time, room or status: calendars must see a new version.

    The note is a record for the secretariat, kept in English; public pages describe the change in the reader's
    language from the session's status, time and room.
    """
    s.sequence += 1
    s.changed_at = now
    s.change_note = note[:300]


def _mail(s: Session, template: str, reason: str = "", to: Registration | None = None, **context) -> None:
    r = to or s.applicant
    queue_mail(r.email, template, r.language, registration=r, conference=s.conference, session=s, reason=reason,
               status_url=external_url("registration.status", code=s.conference.code, token=r.status_token),
               **context)
