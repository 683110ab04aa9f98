"""Closed sessions (invitations) and open ones (sign-ups with a waiting list)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from conference.core import audit
from conference.core.db import utcnow, violated_constraint
from conference.core.errors import NotFound, RuleViolation
from conference.core.i18n import (
    _,
)
from conference.extensions import db
from conference.programme.models import (
    Session,
    SessionSignup,
    SignupStatus,
)
from conference.programme.models import (
    SessionStatus as St,
)
from conference.programme.services.review import _mail
from conference.registration.models import (
    Registration,
    RegistrationStatus,
)

# -- closed sessions and sign-ups ------------------------------------------------------------------

def invite(s: Session, registration: Registration, *, actor) -> SessionSignup:
    """Invite a participant to a closed session (the coordinator manages the list)."""
    if not s.is_closed:
        raise RuleViolation(_("Only closed sessions have invitations; open ones take sign-ups."))
    if registration.conference_id != s.conference_id:
        raise NotFound(_("No such participant at this session."))
    existing = _signup(s, registration)
    if existing is not None:
        return existing
    signup = SessionSignup(session_id=s.id, registration_id=registration.id, status=SignupStatus.INVITED)
    db.session.add(signup)
    db.session.flush()
    audit.record("session.invite", s, actor=actor, after={"registration": registration.id})
    return signup


def invited_to(s: Session) -> list[Registration]:
    """Who holds a place at a closed session: the invited, and those who took up the invitation."""
    return db.session.scalars(select(Registration).join(SessionSignup, SessionSignup.registration_id == Registration.id)
                              .where(SessionSignup.session_id == s.id)).all()


def uninvite(s: Session, registration: Registration, *, actor) -> None:
    signup = _signup(s, registration)
    if signup is not None and signup.status == SignupStatus.INVITED:
        db.session.delete(signup)
        audit.record("session.uninvite", s, actor=actor, before={"registration": registration.id})


def _signup(s: Session, registration: Registration) -> SessionSignup | None:
    return db.session.scalar(select(SessionSignup).where(SessionSignup.session_id == s.id,
                                                         SessionSignup.registration_id == registration.id))


def visible_to(s: Session, registration: Registration | None) -> bool:
    """Closed sessions are seen only by the people invited to them."""
    if not s.is_closed:
        return True
    return registration is not None and _signup(s, registration) is not None


def sign_up(s: Session, registration: Registration) -> SessionSignup:
    """Take a seat, or a place on the waiting list when the session is full. Never overbooks.

    The session's row is locked while seats are counted, so that concurrent
    sign-ups on PostgreSQL queue up behind each other; the participant's row
    too, so that they cannot take two seats at the same time in two requests.
    """
    if registration.status != RegistrationStatus.APPROVED:
        raise RuleViolation(_("Only approved participants sign up for sessions."))
    if s.is_closed:
        raise RuleViolation(_("This session is by invitation only."))
    if s.status != St.PUBLISHED or s.capacity is None:
        raise RuleViolation(_("This session takes no sign-ups: it is open to all participants."))
    # Always the session first, then people: the order every path takes (see `_promote`), so that two
    # transactions never wait for each other's rows.
    lock_session(s)
    _lock_people([registration.id])
    existing = _signup(s, registration)
    if existing is not None:
        return existing
    clash = _clashing_seat(s, registration)
    confirmed = confirmed_seats(s)
    free = confirmed < s.capacity or has_own_seat(s, registration)
    if free and clash is None:
        status = SignupStatus.CONFIRMED
    elif clash is not None and free:
        raise RuleViolation(_("You already hold a seat at “%(title)s” at that time; give it up first.",
                               title=clash.title))
    else:
        status = SignupStatus.WAITLISTED
    signup = SessionSignup(session_id=s.id, registration_id=registration.id, status=status)
    db.session.add(signup)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as exc:
        # The same person signing up twice at once: the first request's place stands. Anything else is a bug.
        if violated_constraint(exc) != "uq_session_signup_session_id_registration_id":
            raise
        return _signup(s, registration)
    audit.record("session.sign_up", s, actor=registration.email, after={"status": status.value})
    return signup


def _name(text: str) -> str:
    return " ".join(text.casefold().split())


def has_own_seat(s: Session, registration: Registration) -> bool:
    """The event's own people never queue: the lead organizer's applicant and its speakers.

    A speaker is recognized by the registration linked to them, else by name (as typed in the application: given
    names and family name in either order, or the name on the badge). They count against the capacity like anyone
    with a seat, and may take one beyond it; they are never moved back to the waiting list.
    """
    if s.applicant_id is not None and s.applicant_id == registration.id:
        return True
    names = {_name(f"{registration.given_names} {registration.family_name}"),
             _name(f"{registration.family_name} {registration.given_names}"), _name(registration.badge_name or "")}
    return any(sp.registration_id == registration.id or (sp.registration_id is None and _name(sp.name) in names)
               for sp in s.speakers)


def _clashing_seat(s: Session, registration: Registration) -> Session | None:
    return db.session.scalar(
        select(Session).join(SessionSignup, SessionSignup.session_id == Session.id)
        .where(SessionSignup.registration_id == registration.id, SessionSignup.status == SignupStatus.CONFIRMED,
               Session.id != s.id, Session.status == St.PUBLISHED,
               Session.starts_at < s.ends_at, Session.ends_at > s.starts_at).limit(1))


def cancel_signup(s: Session, registration: Registration) -> None:
    """Give up a seat (or a place on the waiting list); the next in line gets the seat and an e-mail."""
    lock_session(s)
    signup = _signup(s, registration)
    if signup is None or signup.status == SignupStatus.INVITED:
        return
    db.session.delete(signup)
    db.session.flush()
    audit.record("session.cancel_signup", s, actor=registration.email, before={"status": signup.status.value})
    if signup.status == SignupStatus.CONFIRMED:
        _promote(s)


def lock_session(s: Session) -> None:
    """Lock the session's row until the transaction ends (PostgreSQL): every path that counts or moves its seats
    (sign-up, cancellation, a change of capacity) takes this lock first, so they queue up behind each other.

    The row is read again under the lock: a capacity read before it may have changed while this one waited."""
    db.session.refresh(s, with_for_update=True)


def _lock_people(registration_ids: list[int]) -> None:
    # In the order of their ids, so that two transactions locking some of the same people never deadlock.
    if registration_ids:
        db.session.execute(select(Registration.id).where(Registration.id.in_(registration_ids))
                           .order_by(Registration.id).with_for_update())


def confirmed_seats(s: Session) -> int:
    return db.session.scalar(select(func.count()).select_from(SessionSignup).where(
        SessionSignup.session_id == s.id, SessionSignup.status == SignupStatus.CONFIRMED))


def _promote(s: Session) -> list[SessionSignup]:
    """Fill free seats from the waiting list in order of arrival, skipping people now busy elsewhere.

    The caller holds the session's lock. The people in line are locked too before their other seats are
    checked, so that a sign-up of theirs elsewhere at the same moment cannot give them two seats at once.
    """
    if s.capacity is None:
        return []
    promoted = []
    confirmed = confirmed_seats(s)
    if confirmed >= s.capacity:
        return []
    waiting = db.session.scalars(
        select(SessionSignup).options(joinedload(SessionSignup.registration))
        .where(SessionSignup.session_id == s.id, SessionSignup.status == SignupStatus.WAITLISTED)
        .order_by(SessionSignup.created_at, SessionSignup.id)).all()
    _lock_people([signup.registration_id for signup in waiting])
    for signup in waiting:
        if confirmed >= s.capacity:
            break
        if _clashing_seat(s, signup.registration) is not None:
            continue
        signup.status = SignupStatus.CONFIRMED
        signup.promoted_at = utcnow()
        confirmed += 1
        promoted.append(signup)
        audit.record("session.promoted", s, actor="system", after={"registration": signup.registration_id})
        _mail(s, "session_seat_promoted", to=signup.registration)
    db.session.flush()
    return promoted


def move_back_to_waiting_list(s: Session, count: int, *, actor) -> list[SessionSignup]:
    """Fewer seats than confirmed people: the last `count` to get a seat go back to the waiting list, and are told.

    They keep their order of arrival, so they are first in line again for the next seat that frees up. The event's
    own people (`has_own_seat`) keep theirs. The caller holds the session's lock.
    """
    confirmed = db.session.scalars(
        select(SessionSignup).options(joinedload(SessionSignup.registration))
        .where(SessionSignup.session_id == s.id, SessionSignup.status == SignupStatus.CONFIRMED)
        .order_by(func.coalesce(SessionSignup.promoted_at, SessionSignup.created_at).desc(),
                  SessionSignup.id.desc())).all()
    last = [signup for signup in confirmed if not has_own_seat(s, signup.registration)][:count]
    for signup in last:
        signup.status = SignupStatus.WAITLISTED
        signup.promoted_at = None
        audit.record("session.moved_to_waiting_list", s, actor=actor, after={"registration": signup.registration_id})
        _mail(s, "session_seat_withdrawn", to=signup.registration)
    db.session.flush()
    return last


def signups_of(registration: Registration) -> list[SessionSignup]:
    return db.session.scalars(select(SessionSignup).where(SessionSignup.registration_id == registration.id)).all()


def seats(s: Session) -> dict[str, int]:
    counts = dict(db.session.execute(select(SessionSignup.status, func.count()).where(
        SessionSignup.session_id == s.id).group_by(SessionSignup.status)).all())
    return {status.value: counts.get(status, 0) for status in SignupStatus}
