"""The demonstration's open session: `cop13`, copied from `cop12` with dates ahead of today.

COP12 is history (its registration closed in 2024), so on its own it cannot show registering, applying for a side
event or a focal point's work. Next to it, the demonstration keeps a session whose windows are open now.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from conference.conferences.models import Conference
from conference.conferences.services import CopyRequest, copy_conference
from conference.demo.services import CODE as HISTORY_CODE
from conference.extensions import db

CODE = "cop13"
TITLE = ("Conference of the Parties to the United Nations Convention against Transnational Organized Crime, "
         "thirteenth session")
SHORT_TITLE = "UNTOC COP13"
# About three months ahead: registration (until 14 days before) and side events stay open for weeks.
LEAD = timedelta(days=91)
# The open session's own contact address. `sessions copy` keeps the earlier session's address, which is right for a
# real secretariat (the same people answer from one session to the next); the demonstration's sessions each have
# an address named after them, so cop13's footer and e-mails must not give cop12's.
CONTACT_EMAIL = f"secretariat@{CODE}.example"


def first_day(today: date) -> date:
    """The Monday on or after `today` + LEAD: a session runs Monday to Friday."""
    start = today + LEAD
    return start + timedelta(days=(7 - start.weekday()) % 7)


def ensure_open_session(today: date | None = None) -> tuple[Conference | None, bool]:
    """The open session, copied from cop12 when it is missing (and cop12 is there). Returns it (None without
    cop12) and whether it was created now. Flushes, does not commit."""
    existing = db.session.scalar(select(Conference).where(Conference.code == CODE))
    if existing is not None:
        if existing.contact_email == f"secretariat@{HISTORY_CODE}.example":  # made before it had its own
            existing.contact_email = CONTACT_EMAIL
        return existing, False
    if db.session.scalar(select(Conference.id).where(Conference.code == HISTORY_CODE)) is None:
        return None, False
    starts = first_day(today or date.today())
    conference = copy_conference(HISTORY_CODE, CopyRequest(code=CODE, title=TITLE, short_title=SHORT_TITLE,
                                                           starts_on=starts, ends_on=starts + timedelta(days=4)),
                                 actor="demonstration")
    conference.contact_email = CONTACT_EMAIL
    return conference, True
