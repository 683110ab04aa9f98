"""Private links: replacing one (the participant or the secretariat asks), and what an old one then says.

The token in the link opens the participant's data, so a link that may have been seen by someone else (forwarded,
left in a shared mailbox) is replaced: a new token is e-mailed to the participant's address, and the old one stops
working at once. The old address then answers "this link has been replaced" rather than "not valid", so that the
participant knows to look for the newer e-mail.
"""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select

from conference.core import audit
from conference.core.errors import Gone
from conference.core.i18n import _
from conference.extensions import db
from conference.mail.services import queue_mail
from conference.registration.models import Registration, ReplacedLink
from conference.registration.services.workflow import status_url


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def replace_link(r: Registration, *, actor) -> str:
    """Give `r` a new private link and e-mail it to the participant; the old link stops working at once.

    `actor` is the secretariat's user (from the back office) or "participant". Audited; returns the new token.
    """
    db.session.add(ReplacedLink(registration_id=r.id, token_digest=digest(r.status_token)))
    r.status_token = secrets.token_urlsafe(32)
    db.session.flush()
    audit.record("registration.link_replaced", r, actor=actor)
    queue_mail(r.email, "registration_new_link", r.language, registration=r, conference=r.conference,
               status_url=status_url(r))
    return r.status_token


def refuse_replaced(conference_id: int, token: str) -> None:
    """Raise Gone when `token` is a private link of this session that was replaced; return otherwise."""
    replaced = db.session.scalar(
        select(ReplacedLink.id).join(Registration, Registration.id == ReplacedLink.registration_id)
        .where(ReplacedLink.token_digest == digest(token), Registration.conference_id == conference_id))
    if replaced is not None:
        raise Gone(_("This link has been replaced by a newer one, sent to your e-mail address. Use the link in the "
                     "most recent e-mail, or ask the secretariat to send you a new one."))
