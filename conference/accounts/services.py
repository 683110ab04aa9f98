"""Accounts: creating users, checking passwords."""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select

from conference.accounts.models import Role, User, UserRole
from conference.core import audit
from conference.core.db import utcnow
from conference.core.errors import RuleViolation
from conference.core.i18n import _
from conference.extensions import db

# argon2id with the library's defaults (RFC 9106 low-memory profile).
_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 12
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


def create_user(email: str, roles: list[Role], password: str, *, name: str = "",
                delegation_id: int | None = None, actor=None) -> User:
    """Create a back-office account. A focal point must belong to a delegation; nobody else may."""
    email = normalize_email(email)
    if not roles:
        raise RuleViolation(_("give the account at least one role"), field="role")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise RuleViolation(_("the password must have at least %(num)d characters", num=MIN_PASSWORD_LENGTH),
                            field="password")
    if (Role.FOCAL_POINT in roles) != (delegation_id is not None):
        raise RuleViolation(_("a focal point account belongs to exactly one delegation, and only a focal point's does"),
                            field="delegation")
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise RuleViolation(_("an account for %(email)s already exists", email=email), field="email")
    user = User(email=email, name=name, password_hash=hash_password(password), delegation_id=delegation_id,
                role_rows=[UserRole(role=r) for r in dict.fromkeys(roles)])
    db.session.add(user)
    db.session.flush()
    audit.record("user.create", user, actor=actor or "command line",
                 after={"email": email, "roles": ",".join(sorted(r.value for r in roles))})
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active user with these credentials, or None. Rehashes when the parameters changed."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if user is None or not user.is_active:
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
    if len(password) < MIN_PASSWORD_LENGTH:
        raise RuleViolation(_("the password must have at least %(num)d characters", num=MIN_PASSWORD_LENGTH),
                            field="password")
    user.password_hash = hash_password(password)
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
    user = db.session.get(User, int(number)) if int(number) < 2**31 else None
    if user is None or user.session_version != int(version) or not user.active:
        return None
    return user


def set_active(email: str, active: bool, *, actor=None) -> User:
    """Deactivate an account (it can no longer sign in, and every sign-in ends) or activate it again."""
    user = db.session.scalar(select(User).where(User.email == normalize_email(email)))
    if user is None:
        raise RuleViolation(_("no account for %(email)s", email=email), field="email")
    if user.active != active:
        user.active = active
        if not active:
            end_sessions(user)
        audit.record("user.activate" if active else "user.deactivate", user, actor=actor or "command line",
                     before={"active": not active}, after={"active": active})
    return user
