"""Accounts: creating users, checking passwords."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from conference.accounts.models import AccountToken, Role, TokenPurpose, User, UserRole
from conference.conferences.models import Conference
from conference.core import audit
from conference.core.db import utcnow, violated_constraint
from conference.core.errors import NotFound, PlenaryError, RuleViolation
from conference.core.i18n import _, sort_key
from conference.core.templating import external_url
from conference.extensions import db
from conference.mail.services import queue_mail, render_mail
from conference.registration.models import Delegation

# argon2id with the library's defaults (RFC 9106 low-memory profile).
_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 200  # hashing a megabyte-long "password" would be a cheap way to keep a server busy
# Verified against when the e-mail is unknown, so that both cases take as long.
_DUMMY_HASH = _hasher.hash("not-a-real-password-" + secrets.token_hex(8))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def normalize_email(email: str) -> str:
    """The e-mail address as stored: checked for shape and lower-cased."""
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise RuleViolation(_("%(email)s is not a valid e-mail address: %(reason)s", email=repr(email),
                              reason=str(exc)), field="email") from None


def parse_role(text: str) -> Role:
    """A role from its name as people type it: 'registration-officer', 'REGISTRATION_OFFICER'."""
    key = text.strip().upper().replace("-", "_").replace(" ", "_")
    try:
        return Role(key)
    except ValueError:
        names = ", ".join(r.value.lower().replace("_", "-") for r in Role)
        raise RuleViolation(_("unknown role %(role)s; the roles are: %(roles)s", role=repr(text), roles=names),
                            field="role") from None


def generate_password() -> str:
    return secrets.token_urlsafe(15)


def check_password_rules(password: str) -> None:
    """The rules a new password follows, wherever it is set (command line, invitation, reset)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise RuleViolation(_("the password must have at least %(num)d characters", num=MIN_PASSWORD_LENGTH),
                            field="password")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise RuleViolation(_("the password may have at most %(num)d characters", num=MAX_PASSWORD_LENGTH),
                            field="password")


def create_user(email: str, roles: list[Role], password: str | None, *, name: str = "",
                delegation_id: int | None = None, actor=None, action: str = "user.create") -> User:
    """Create a back-office account. A focal point must belong to a delegation; nobody else may.

    Without a password (an invitation) nobody can sign in to the account until its link sets one.
    """
    email = normalize_email(email)
    if not roles:
        raise RuleViolation(_("give the account at least one role"), field="roles")
    if password is not None:
        check_password_rules(password)
    if (Role.FOCAL_POINT in roles) != (delegation_id is not None):
        raise RuleViolation(_("a focal point account belongs to exactly one delegation, and only a focal point's does"),
                            field="delegation")
    if delegation_id is not None:
        if db.session.get(Delegation, delegation_id) is None:
            raise RuleViolation(_("there is no such delegation"), field="delegation")
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise RuleViolation(_("an account for %(email)s already exists", email=email), field="email")
    user = User(email=email, name=name.strip(), delegation_id=delegation_id,
                password_hash=hash_password(password) if password is not None else None,
                role_rows=[UserRole(role=r) for r in dict.fromkeys(roles)])
    try:
        # Two invitations to one address at once: the unique e-mail decides, and the second gets the message.
        with db.session.begin_nested():
            db.session.add(user)
    except IntegrityError as exc:
        if violated_constraint(exc) != "uq_user_email":
            raise
        raise RuleViolation(_("an account for %(email)s already exists", email=email), field="email") from None
    audit.record(action, user, actor=actor or "command line",
                 after={"email": email, "roles": ",".join(sorted(r.value for r in roles)),
                        "delegation_id": delegation_id})
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active user with these credentials, or None. Rehashes when the parameters changed."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    try:
        # An invited account without a password yet takes as long to refuse as an unknown address.
        _hasher.verify(user.password_hash if user and user.password_hash else _DUMMY_HASH, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if user is None or user.password_hash is None or not user.is_active:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    return user


def ensure_admin(email: str = "admin@plenary.example") -> tuple[User, str | None]:
    """The first admin account: created with a fresh password when no admin exists yet.

    Returns the admin and the new password, or None as the password when one
    already existed (its password is not stored anywhere we could print it from).
    """
    existing = db.session.scalar(
        select(User).join(UserRole).where(UserRole.role == Role.ADMIN).order_by(User.id).limit(1)
    )
    if existing is not None:
        return existing, None
    password = generate_password()
    user = create_user(email, [Role.ADMIN], password, name="Administrator", actor="make run")
    return user, password


def set_password(email: str, password: str, actor=None) -> User:
    user = db.session.scalar(select(User).where(User.email == normalize_email(email)))
    if user is None:
        raise RuleViolation(_("no account for %(email)s", email=email), field="email")
    check_password_rules(password)
    user.password_hash = hash_password(password)
    spend_tokens(user)  # an invitation or reset link sent earlier must not replace this password later
    end_sessions(user)  # whoever knew the old password may be signed in with it
    audit.record("user.set_password", user, actor=actor or "command line")
    return user


def end_sessions(user: User) -> None:
    """End every sign-in of `user`, on every device: their cookies (copies included) no longer open anything."""
    # An UPDATE in the database, not a read-modify-write: two at once both count.
    db.session.execute(sa.update(User).where(User.id == user.id)
                       .values(session_version=User.session_version + 1))
    db.session.refresh(user, ["session_version"])


def sign_out_everywhere(user: User, *, actor=None) -> None:
    """The account page's button: every sign-in of this account ends, this one too. Audited."""
    end_sessions(user)
    audit.record("user.sign_out_everywhere", user, actor=actor or user)


def user_for_session(user_id: str) -> User | None:
    """The user a session or remember-me cookie names ("id:version"), if that sign-in has not been ended."""
    number, _sep, version = (user_id or "").partition(":")
    if not (number.isascii() and number.isdigit() and version.isascii() and version.isdigit()) \
            or len(number) > 10 or len(version) > 10:
        return None  # also the bare ids of cookies from before versions: signed in again once
    # Its roles in the same query (a join), as every signed-in page asks for them: one query a request, not two.
    user = db.session.get(User, int(number), options=[joinedload(User.role_rows)]) if int(number) < 2**31 else None
    if user is None or user.session_version != int(version) or not user.active:
        return None
    return user


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_("There is no such account."))
    return user


def set_active(email: str, active: bool, *, actor=None) -> User:
    """Deactivate an account (it can no longer sign in, and every sign-in ends) or activate it again."""
    user = db.session.scalar(select(User).where(User.email == normalize_email(email)))
    if user is None:
        raise RuleViolation(_("no account for %(email)s", email=email), field="email")
    return set_account_active(user, active, actor=actor)


def set_account_active(user: User, active: bool, *, actor=None) -> User:
    """`set_active` for an account at hand (the back office's buttons). Nobody deactivates their own account:
    the last admin could lock everyone out, and another admin can always do it."""
    if not active and actor is not None and getattr(actor, "id", None) == user.id:
        raise RuleViolation(_("You cannot deactivate your own account; another administrator can."))
    if user.active != active:
        user.active = active
        if not active:
            end_sessions(user)
            spend_tokens(user)  # an invitation or reset link must not outlive the account's deactivation
        audit.record("user.activate" if active else "user.deactivate", user, actor=actor or "command line",
                     before={"active": not active}, after={"active": active})
    return user


# --- Links that set a password: invitations and resets ----------------------------------------------------------

class LinkNotValid(PlenaryError):
    """A set-password link that cannot be used; `reason` says why: unknown, used, expired or inactive."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _lifetime(purpose: TokenPurpose) -> timedelta:
    config = current_app.config
    if purpose == TokenPurpose.INVITATION:
        return timedelta(hours=config.get("INVITATION_VALID_HOURS") or 72)
    return timedelta(minutes=config.get("PASSWORD_RESET_VALID_MINUTES") or 60)


def spend_tokens(user: User) -> None:
    """Every link of `user` not used yet stops working (counted as used): its password has just been set, or a
    newer link replaces them, or the account was deactivated."""
    db.session.execute(sa.update(AccountToken)
                       .where(AccountToken.user_id == user.id, AccountToken.used_at.is_(None))
                       .values(used_at=utcnow()))


def issue_token(user: User, purpose: TokenPurpose) -> tuple[str, AccountToken]:
    """A new link for `user`, replacing any earlier one: the token (for the e-mail only) and its row."""
    spend_tokens(user)
    token = secrets.token_urlsafe(32)
    now = utcnow()
    row = AccountToken(user_id=user.id, purpose=purpose, token_hash=token_hash(token), created_at=now,
                       expires_at=now + _lifetime(purpose))
    db.session.add(row)
    db.session.flush()
    return token, row


def _send_link(user: User, token: str, row: AccountToken, language: str, **context) -> None:
    template = "account_invitation" if row.purpose == TokenPurpose.INVITATION else "account_password_reset"
    queue_mail(user.email, template, language, user=user, link=external_url("accounts.set_password", token=token),
               expires_at=row.expires_at, **context)


def invite_user(email: str, roles: list[Role], *, name: str = "", delegation_id: int | None = None,
                language: str = "en", actor=None) -> User:
    """Create an account without a password and e-mail its holder a link that sets one (limited time, once).

    No password is ever made up, shown or sent: the person chooses it on the link's page.
    """
    user = create_user(email, roles, None, name=name, delegation_id=delegation_id, actor=actor, action="user.invite")
    token, row = issue_token(user, TokenPurpose.INVITATION)
    _send_link(user, token, row, language, delegation=user.delegation, inviter=actor)
    return user


def invite_again(user: User, *, language: str = "en", actor=None) -> User:
    """A new invitation link for an account still waiting for its password; the earlier link stops working."""
    if not user.invited:
        raise RuleViolation(_("%(email)s has set a password already: the account needs no invitation.",
                              email=user.email))
    if not user.active:
        raise RuleViolation(_("%(email)s is deactivated: activate the account first.", email=user.email))
    token, row = issue_token(user, TokenPurpose.INVITATION)
    _send_link(user, token, row, language, delegation=user.delegation, inviter=actor)
    audit.record("user.invite_again", user, actor=actor, after={"expires_at": row.expires_at.isoformat()})
    return user


def request_password_reset(email: str, *, language: str = "en") -> None:
    """E-mail a reset link to the account at `email`, if there is an active one; say nothing either way.

    The caller answers the same whatever happened here, and the work is the same too: a token is drawn, hashed
    and an e-mail rendered whether or not the address is known, so that the time taken tells nothing either.
    (With REDIS_URL set the e-mail leaves from the worker, so the answer does not wait for the mail server.)
    """
    try:
        address = normalize_email(email)
    except RuleViolation:
        address = ""
    user = db.session.scalar(select(User).where(User.email == address)) if address else None
    if user is None or not user.active:
        dummy = secrets.token_urlsafe(32)
        token_hash(dummy)
        render_mail("account_password_reset", language, user=None, link=dummy,
                    expires_at=utcnow() + _lifetime(TokenPurpose.PASSWORD_RESET))
        return
    token, row = issue_token(user, TokenPurpose.PASSWORD_RESET)
    _send_link(user, token, row, language)
    audit.record("user.password_reset_requested", user, actor="password reset form",
                 after={"expires_at": row.expires_at.isoformat()})


def accounts_overview() -> tuple[list[User], list[User], dict[int, datetime]]:
    """For /admin/users: the secretariat's accounts, the focal points (with their delegation), and when the
    pending invitation of each account still waiting for its password expires."""
    users = list(db.session.scalars(
        select(User).options(selectinload(User.delegation).selectinload(Delegation.entity),
                             selectinload(User.delegation).selectinload(Delegation.conference))
        .order_by(User.email)))
    staff = [u for u in users if u.delegation_id is None]
    focal_points = sorted((u for u in users if u.delegation_id is not None),
                          key=lambda u: (u.delegation.conference.code, sort_key(u.delegation.entity.display_name),
                                         u.email))
    return staff, focal_points, _pending_invitations()


def focal_points_of(delegation_id: int) -> tuple[list[User], dict[int, datetime]]:
    """The focal-point accounts of one delegation (its page in the back office), and when the pending invitation of
    each still waiting for its password expires."""
    users = list(db.session.scalars(select(User).where(User.delegation_id == delegation_id).order_by(User.email)))
    # Most delegations have no account yet: no query for their invitations then.
    return users, _pending_invitations([u.id for u in users]) if users else {}


def _pending_invitations(user_ids: list[int] | None = None) -> dict[int, datetime]:
    """When the unused, unexpired invitation of each account (of `user_ids`, or all) expires."""
    query = (select(AccountToken.user_id, sa.func.max(AccountToken.expires_at))
             .where(AccountToken.purpose == TokenPurpose.INVITATION, AccountToken.used_at.is_(None),
                    AccountToken.expires_at > utcnow())
             .group_by(AccountToken.user_id))
    if user_ids is not None:
        query = query.where(AccountToken.user_id.in_(user_ids))
    # SQLite gives back a plain string or naive value for an aggregate: read it as the column type would.
    return {k: _as_utc(v) for k, v in db.session.execute(query).all()}


def _as_utc(value) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def delegation_choices() -> list[tuple[int, str]]:
    """Every delegation a focal point may be invited for, as "cop13 · Austria", latest session first."""
    rows = list(db.session.scalars(select(Delegation).join(Conference)
                                   .options(selectinload(Delegation.entity), selectinload(Delegation.conference))
                                   .order_by(Conference.starts_on.desc(), Conference.code)))
    order = {c: i for i, c in enumerate(dict.fromkeys(d.conference_id for d in rows))}
    rows.sort(key=lambda d: (order[d.conference_id], sort_key(d.entity.display_name)))
    return [(d.id, f"{d.conference.code} · {d.entity.display_name}") for d in rows]


def check_link(token: str, *, lock: bool = False) -> AccountToken:
    """The usable link `token` names, or LinkNotValid saying why (never a 500, whatever the text)."""
    row = None
    if token and len(token) <= 200:
        query = select(AccountToken).where(AccountToken.token_hash == token_hash(token))
        row = db.session.scalar(query.with_for_update() if lock else query)
    if row is None:
        raise LinkNotValid("unknown", _("This link is not valid. Check that it was copied whole from the e-mail, "
                                        "or ask for a new one."))
    if row.used_at is not None:
        raise LinkNotValid("used", _("This link has already been used, or a newer one was sent since. If you set "
                                     "your password with it, sign in; otherwise ask for a new link."))
    if row.expires_at <= utcnow():
        raise LinkNotValid("expired", _("This link has expired. Ask for a new one."))
    if not row.user.active:
        raise LinkNotValid("inactive", _("This account has been deactivated. The secretariat can tell you why."))
    return row


def set_password_with_link(token: str, password: str) -> User:
    """Set the password of the account an invitation or reset link names, once: the link is spent, every
    sign-in of the account ends, and the other links it had stop working. Audited."""
    row = check_link(token, lock=True)  # the row lock: of two requests with one link, the second waits, then fails
    check_password_rules(password)
    # Spent by a conditional UPDATE as well, so that even without row locks (SQLite) only one request wins.
    spent = db.session.execute(sa.update(AccountToken)
                               .where(AccountToken.id == row.id, AccountToken.used_at.is_(None))
                               .values(used_at=utcnow()))
    if spent.rowcount != 1:
        raise LinkNotValid("used", _("This link has already been used. If you set your password with it, sign in."))
    user = row.user
    accepted = user.invited
    user.password_hash = hash_password(password)
    spend_tokens(user)
    end_sessions(user)
    audit.record("user.invitation_accepted" if accepted else "user.password_reset", user, actor=user)
    return user


def invitation_hours() -> int:
    return int(_lifetime(TokenPurpose.INVITATION).total_seconds() // 3600)
