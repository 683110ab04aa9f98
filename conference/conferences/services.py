"""Operations on conferences."""

from __future__ import annotations

from sqlalchemy import select

from conference.conferences.models import Conference
from conference.core.errors import NotFound
from conference.core.i18n import _
from conference.extensions import db


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
