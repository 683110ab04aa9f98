"""Back-office accounts and their roles."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conference.core.db import StrEnum, UTCDateTime, enum_type, labels, utcnow
from conference.core.i18n import _l
from conference.extensions import db

if TYPE_CHECKING:
    from conference.registration.models import Delegation


class Role(StrEnum):
    ADMIN = "ADMIN"
    REGISTRATION_OFFICER = "REGISTRATION_OFFICER"
    SIDE_EVENT_COORDINATOR = "SIDE_EVENT_COORDINATOR"
    BADGE_DESK = "BADGE_DESK"
    DOOR_STAFF = "DOOR_STAFF"
    FOCAL_POINT = "FOCAL_POINT"


labels(Role, {
    Role.ADMIN: _l("Administrator"),
    Role.REGISTRATION_OFFICER: _l("Registration officer"),
    Role.SIDE_EVENT_COORDINATOR: _l("Side-event coordinator"),
    Role.BADGE_DESK: _l("Badge desk"),
    Role.DOOR_STAFF: _l("Door staff"),
    Role.FOCAL_POINT: _l("Focal point"),
})


class User(UserMixin, db.Model):
    """A person who signs in: secretariat staff, or the focal point of one delegation."""

    __tablename__ = "user"
    __table_args__ = (sa.CheckConstraint("email = lower(email)", name="email_normalized"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200), default="")
    # None until an invited person sets their password through the invitation's link: no password exists that anyone
    # could print, send or guess, and signing in is impossible until then.
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    # A focal point belongs to exactly one delegation and sees nothing else.
    delegation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("delegation.id", ondelete="RESTRICT"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    # Part of the identity kept in the session and remember-me cookies ("id:version"): raising it ends every
    # sign-in at once, copies of the cookies included (signing out, a new password, deactivation, "sign out
    # everywhere"). Sessions are signed cookies, so there is nothing on the server to delete instead.
    session_version: Mapped[int] = mapped_column(default=1, server_default=sa.text("1"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    role_rows: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )
    delegation: Mapped[Delegation | None] = relationship()

    def __repr__(self) -> str:
        return f"<User {self.email}>"

    def get_id(self) -> str:  # Flask-Login: what the session and remember-me cookies carry
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:  # Flask-Login: a deactivated account cannot sign in
        return self.active

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(r.role for r in self.role_rows)

    @property
    def invited(self) -> bool:
        """Invited and not yet signed up: the invitation's link has not been used to set a password."""
        return self.password_hash is None


class UserRole(db.Model):
    __tablename__ = "user_role"
    __table_args__ = (sa.UniqueConstraint("user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    role: Mapped[Role] = mapped_column(enum_type(Role, "role"))

    user: Mapped[User] = relationship(back_populates="role_rows")


class TokenPurpose(StrEnum):
    INVITATION = "INVITATION"
    PASSWORD_RESET = "PASSWORD_RESET"


labels(TokenPurpose, {
    TokenPurpose.INVITATION: _l("Invitation"),
    TokenPurpose.PASSWORD_RESET: _l("Password reset"),
})


class AccountToken(db.Model):
    """A link that sets an account's password: an invitation or a reset. Valid until `expires_at`, once.

    Only a hash of the token is kept: the link exists in the e-mail alone, so neither a copy of the database nor
    a look at the back office lets anyone use it. (SHA-256 is enough: the token is 256 random bits, nothing to
    guess from a dictionary, so a slow hash would only slow down every check.)
    """

    __tablename__ = "account_token"
    __table_args__ = (
        sa.CheckConstraint("expires_at > created_at", name="expires_after_created"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[TokenPurpose] = mapped_column(enum_type(TokenPurpose, "token_purpose"))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<AccountToken {self.purpose} for {self.user_id}>"
