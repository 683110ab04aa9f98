"""Accounts: creating users, checking passwords."""

from __future__ import annotations

import secrets

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
    audit.record("user.set_password", user, actor=actor or "command line")
    return user
