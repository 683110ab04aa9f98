"""Finding a session, and the rules of a new session's code."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from conference.conferences.models import RESERVED_CODES, Conference
from conference.core.db import violated_constraint
from conference.core.errors import NotFound, RuleViolation
from conference.core.i18n import _
from conference.extensions import db

# The code is the first part of every public address of the session (/cop13/register): keep it plain.
CODE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{1,31}$")


def all_conferences() -> list[Conference]:
    """Every session, the latest first: the home page, the back office and the doors list them alike."""
    return list(db.session.scalars(select(Conference).order_by(Conference.starts_on.desc())))


def get_conference(code: str) -> Conference:
    """The conference with this code (case-insensitive); NotFound names the known codes otherwise."""
    conference = db.session.scalar(select(Conference).where(Conference.code == code.strip().lower()))
    if conference is None:
        known = db.session.scalars(select(Conference.code).order_by(Conference.code)).all()
        if known:
            raise NotFound(_("no conference with the code %(code)s (known: %(known)s)", code=repr(code),
                             known=", ".join(known)))
        raise NotFound(_("no conference with the code %(code)s (there are none yet: `flask --app wsgi demo` loads one)",
                         code=repr(code)))
    return conference


def check_new_code(code: str) -> str:
    """The code of a new session, normalized; RuleViolation (field "code") when it cannot be used."""
    code = (code or "").strip().lower()
    if not CODE_PATTERN.match(code):
        raise RuleViolation(_("The code must be 2 to 32 characters: lower-case letters, digits and hyphens, "
                              "starting with a letter or a digit (e.g. cop13)."), field="code")
    if code in RESERVED_CODES:
        raise RuleViolation(_("The code %(code)s is used by Plenary itself; choose another.", code=code),
                            field="code")
    if db.session.scalar(select(Conference.id).where(Conference.code == code)) is not None:
        raise _code_taken(code)
    return code


def add_new_conference(conference: Conference) -> None:
    """Add a new session and flush it. Another secretariat member may have created the same code since
    `check_new_code`: the unique constraint, told by its name, then refuses it, and the code field says so. Any other
    refusal of the database is a bug, and goes on."""
    db.session.add(conference)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as exc:
        if violated_constraint(exc) != "uq_conference_code":
            raise
        raise _code_taken(conference.code) from None


def _code_taken(code: str) -> RuleViolation:
    return RuleViolation(_("A session with the code %(code)s already exists.", code=code), field="code")
