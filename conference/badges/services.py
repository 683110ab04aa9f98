"""Badges: serials, the signed code on them, issuing, collecting, and choosing whom a run prints (the
rendering itself is in badges/rendering.py, re-exported here).

The code printed as a QR on a badge is opaque: a version prefix, the badge's
random serial and a truncated HMAC-SHA256 of both under a key derived from the
application's SECRET_KEY ("P1.<serial>.<mac>"). It carries no personal data;
without the key nobody can make a valid one. A reprint issues a new serial and
supersedes the earlier badge, which the doors then refuse as replaced.

Rendering runs in worker processes (one per CPU core), in chunks; workers get
plain dictionaries, never ORM objects, and write each chunk's PDF to a
temporary file; the parent concatenates them in order.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from conference.accounts.models import User
from conference.badges.models import Badge
from conference.badges.rendering import (  # noqa: F401 (the services' public names, as before the split)
    CHUNK_SIZE,
    SIZES,
    STYLESHEET,
    TEMPLATE,
    badges_html,
    name_fit,
    name_width_em,
    names_to_check,
    render_badge_run,
    render_badges,
)
from conference.conferences.models import Conference
from conference.core.audit import record
from conference.core.db import utcnow
from conference.core.errors import PlenaryError, RuleViolation
from conference.core.i18n import _, current_language, force_locale, format_day_range, language_of
from conference.extensions import db
from conference.registration.models import (
    NGO_TYPES,
    PARTY_KINDS,
    BadgeState,
    Delegation,
    DelegationRole,
    EntityType,
    Modality,
    ParticipatingEntity,
    Registration,
    RegistrationStatus,
)

log = logging.getLogger(__name__)

# Crockford's base32: no I, L, O or U, so a serial typed at the door survives misreading.
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
SERIAL_LENGTH = 10  # 50 bits of randomness
QR_VERSION = "P1"
MAC_BYTES = 10  # 80 bits of the HMAC, base32: 16 characters


class Forged(PlenaryError):
    """A code that looks like a badge's QR value but whose signature does not match."""


# --------------------------------------------------------------------------------------------------------------------
# Serials and the signed code


def new_serial() -> str:
    """A random badge serial: 10 characters of Crockford base32 from `secrets`."""
    return "".join(secrets.choice(CROCKFORD) for _ in range(SERIAL_LENGTH))


def normalize_serial(typed: str) -> str:
    """A serial as door staff may type it: case, spaces and hyphens ignored, O read as 0, I and L as 1."""
    cleaned = "".join(typed.split()).replace("-", "").upper()
    return cleaned.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))


def _key(secret_key: str | bytes) -> bytes:
    secret = secret_key.encode() if isinstance(secret_key, str) else secret_key
    # A key of its own, so that a badge code can never stand in for a session cookie's signature or the reverse.
    return hmac.new(secret, b"plenary badge code v1", hashlib.sha256).digest()


def _mac(serial: str, secret_key: str | bytes) -> str:
    digest = hmac.new(_key(secret_key), f"{QR_VERSION}.{serial}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest[:MAC_BYTES]).decode().rstrip("=")


def _secret(secret_key: str | bytes | None) -> str | bytes:
    if secret_key is not None:
        return secret_key
    return current_app.config["SECRET_KEY"]


def qr_value(serial: str, secret_key: str | bytes | None = None) -> str:
    """The value of a badge's QR code: "P1.<serial>.<HMAC>", signed with the app's key (or `secret_key`)."""
    return f"{QR_VERSION}.{serial}.{_mac(serial, _secret(secret_key))}"


def is_qr_value(value: str) -> bool:
    """Whether `value` has the shape of a QR code's value rather than a typed serial."""
    return value.strip().upper().startswith(QR_VERSION + ".")


def read_qr(value: str, secret_key: str | bytes | None = None) -> str:
    """The serial in a QR code's value; raises Forged when its signature is wrong or its form unknown."""
    parts = value.strip().split(".")
    if len(parts) != 3 or parts[0].upper() != QR_VERSION:
        raise Forged(_("This code was not issued by this conference."))
    serial, mac = parts[1].upper(), parts[2].upper()
    expected = _mac(serial, _secret(secret_key))
    if not hmac.compare_digest(expected.encode(), mac.encode()):
        raise Forged(_("The code's signature does not match: it was not issued here."))
    return serial


# --------------------------------------------------------------------------------------------------------------------
# Categories


def badge_category(entity_type: EntityType, role: DelegationRole) -> str:
    """The badge category (a key of the conference's badge scheme) of a person of `entity_type` in `role`: a
    government's delegation (a State's, or the REIO's) is told apart by role, whatever its treaty status."""
    if entity_type in PARTY_KINDS:
        return {DelegationRole.HEAD: "HEAD", DelegationRole.PARTY_OVERFLOW: "OVERFLOW",
                DelegationRole.PARTY_GUEST: "GUEST"}.get(role, "DELEGATE")
    if entity_type in (EntityType.UN_ENTITY, EntityType.SPECIALIZED_AGENCY):
        return "UN"
    if entity_type == EntityType.IGO:
        return "IGO"
    if entity_type in NGO_TYPES:
        return "NGO"
    if entity_type == EntityType.MEDIA:
        return "PRESS"
    if entity_type == EntityType.SECRETARIAT:
        return "SECRETARIAT"
    return "GUEST"


# Which entity types each category is drawn from, for the back office's filter.
CATEGORIES = ("HEAD", "DELEGATE", "OVERFLOW", "UN", "IGO", "NGO", "PRESS", "SECRETARIAT", "GUEST")


# --------------------------------------------------------------------------------------------------------------------
# Issuing and collecting


def valid_badge(registration: Registration) -> Badge | None:
    """The registration's badge now valid (not superseded), if any."""
    return db.session.scalar(select(Badge).where(Badge.registration_id == registration.id,
                                                 Badge.superseded_at.is_(None)))


def printed_by(badge: Badge | None) -> str | None:
    """The e-mail address of whoever printed the badge, when a user did (not the command line)."""
    if badge is None or badge.printed_by_id is None:
        return None
    return db.session.scalar(select(User.email).where(User.id == badge.printed_by_id))


def issue_badge(registration: Registration, *, user=None, actor: str | None = None) -> Badge:
    """Issue (print) a badge for an approved registration, with a new random serial.

    A reprint supersedes the badge valid until now: its serial stays in `badge`, so the doors answer
    "badge replaced" for it. The registration's `badge_serial` becomes the new serial and its state PRINTED.
    `user` is who prints (a User), or `actor` a label such as "command line". Raises RuleViolation unless the
    registration is APPROVED.
    """
    if registration.status != RegistrationStatus.APPROVED:
        raise RuleViolation(_("%(name)s: only approved registrations get a badge (the status of this one: "
                              "%(status)s).", name=registration.badge_name, status=registration.status.label))
    if registration.modality != Modality.IN_PERSON:
        raise RuleViolation(online_reason(registration))
    now = utcnow()
    earlier = valid_badge(registration)
    if earlier is not None:
        earlier.superseded_at = now
        db.session.flush()  # the partial unique index allows one valid badge at a time
    serial = _unused_serial()
    badge = Badge(registration_id=registration.id, serial=serial, issued_at=now, printed_at=now,
                  printed_by_id=getattr(user, "id", None))
    db.session.add(badge)
    before = {"badge_state": registration.badge_state, "badge_serial": registration.badge_serial}
    registration.badge_serial = serial
    registration.badge_state = BadgeState.PRINTED
    db.session.flush()
    record("badge.reprint" if earlier is not None else "badge.issue", registration, actor=user or actor,
           before=before, after={"badge_state": BadgeState.PRINTED, "badge_serial": serial})
    return badge


def _unused_serial() -> str:
    # 50 random bits: a clash is all but impossible, but it costs one query to be sure.
    while True:
        serial = new_serial()
        if db.session.scalar(select(Badge.id).where(Badge.serial == serial)) is None:
            return serial


def mark_collected(registration: Registration, *, user=None, photo_checked: bool) -> Badge:
    """Record that the participant collected their printed badge at the pass office.

    The pass office compares the person with the photo (and a photo ID): without `photo_checked` it is refused.
    """
    if not photo_checked:
        raise RuleViolation(_("Compare the person with the photo on the badge and tick \"photo checked\" first."))
    badge = valid_badge(registration)
    if badge is None or registration.badge_state == BadgeState.NOT_PRINTED:
        raise RuleViolation(_("%(name)s: the badge has not been printed yet.", name=registration.badge_name))
    if registration.badge_state == BadgeState.COLLECTED:
        raise RuleViolation(_("%(name)s: the badge was already collected.", name=registration.badge_name))
    badge.collected_at = utcnow()
    badge.collected_by_id = getattr(user, "id", None)
    registration.badge_state = BadgeState.COLLECTED
    db.session.flush()
    record("badge.collect", registration, actor=user, before={"badge_state": BadgeState.PRINTED},
           after={"badge_state": BadgeState.COLLECTED, "badge_serial": badge.serial, "photo_checked": True})
    return badge


def set_short_name(registration: Registration, short_name: str, *, user=None) -> None:
    """The secretariat's short form of a name, for a badge on which the whole name does not fit ("" clears it)."""
    short_name = " ".join((short_name or "").split())
    if len(short_name) > 60:
        raise RuleViolation(_("Keep the short form under %(num)d characters.", num=60), field="short_name")
    before = registration.badge_short_name
    registration.badge_short_name = short_name or None
    db.session.flush()
    record("badge.short_name", registration, actor=user, before={"badge_short_name": before},
           after={"badge_short_name": registration.badge_short_name})


# --------------------------------------------------------------------------------------------------------------------
# Choosing whom to print


@dataclass(frozen=True)
class BadgeFilter:
    """Whose badges a run prints. Empty fields do not filter."""

    category: str | None = None  # a key of CATEGORIES
    delegation_id: int | None = None
    only_unprinted: bool = False
    registration_id: int | None = None

    def as_dict(self) -> dict:
        return {"category": self.category, "delegation_id": self.delegation_id,
                "only_unprinted": self.only_unprinted, "registration_id": self.registration_id}


def online_reason(registration: Registration) -> str:
    """Why a registration gets no printed badge: it takes part online."""
    return _("%(name)s takes part online (%(modality)s): no printed badge unless the registration changes to "
             "in person.", name=registration.badge_name, modality=registration.modality.label)


def select_registrations(conference: Conference, badge_filter: BadgeFilter, *,
                         online: bool = False) -> list[int]:
    """Ids of the approved registrations of `conference` that `badge_filter` selects, in print order.

    Ordered by entity category, entity name and the name on the badge, so that a delegation's badges come out
    together. Only those who come in person get a printed badge; `online=True` gives instead the ones the
    filter would select but who take part online (for the badge desk to be told why they are left out).
    """
    stmt = (
        select(Registration.id, Registration.delegation_role, ParticipatingEntity.entity_type)
        .join(Delegation, Delegation.id == Registration.delegation_id)
        .join(ParticipatingEntity, ParticipatingEntity.id == Delegation.entity_id)
        .where(Registration.conference_id == conference.id, Registration.status == RegistrationStatus.APPROVED,
               (Registration.modality != Modality.IN_PERSON) if online else
               (Registration.modality == Modality.IN_PERSON))
        .order_by(ParticipatingEntity.entity_type, ParticipatingEntity.name, Registration.badge_name,
                  Registration.id)
    )
    if badge_filter.delegation_id:
        stmt = stmt.where(Registration.delegation_id == badge_filter.delegation_id)
    if badge_filter.only_unprinted:
        stmt = stmt.where(Registration.badge_state == BadgeState.NOT_PRINTED)
    if badge_filter.registration_id:
        stmt = stmt.where(Registration.id == badge_filter.registration_id)
    rows = db.session.execute(stmt).all()
    if badge_filter.category:
        rows = [r for r in rows if badge_category(r.entity_type, r.delegation_role) == badge_filter.category]
    return [r.id for r in rows]


def prepare_badges(conference: Conference, registration_ids: Sequence[int], *, user=None, actor: str | None = None,
                   reprint: bool = False) -> list[dict]:
    """Issue the badges of a run and return what the renderer needs, as plain dictionaries.

    A registration without a valid badge gets one (a serial, PRINTED, by `user` or `actor`); with `reprint`
    every registration gets a new serial and its earlier badge stops working. Otherwise an existing badge is
    printed again with its serial (a jammed printer). Nothing personal beyond what the badge shows leaves here:
    no passport number, no date of birth. The caller commits.
    """
    out: list[dict] = []
    for start in range(0, len(registration_ids), 500):
        ids = list(registration_ids[start:start + 500])
        regs = db.session.scalars(
            select(Registration).where(Registration.id.in_(ids))
            .options(joinedload(Registration.delegation).joinedload(Delegation.entity))).all()
        by_id = {r.id: r for r in regs}
        for rid in ids:
            registration = by_id.get(rid)
            if registration is None:
                continue
            if reprint or registration.badge_serial is None or registration.badge_state == BadgeState.NOT_PRINTED \
                    or valid_badge(registration) is None:
                issue_badge(registration, user=user, actor=actor)
            out.append(badge_data(conference, registration))
    return out


def badge_data(conference: Conference, registration: Registration, secret_key: str | bytes | None = None) -> dict:
    """What one badge shows, as a plain dictionary a worker process can take; `photo` is the photo's key in the
    uploads' storage, read by the process that renders the badge (rendering.with_photos)."""
    entity = registration.delegation.entity
    category = badge_category(entity.entity_type, registration.delegation_role)
    style = conference.badge_style(category)
    return {
        "serial": registration.badge_serial,
        "qr": qr_value(registration.badge_serial, secret_key),
        "name": registration.badge_name,
        "short_name": registration.badge_short_name or "",
        "function": registration.function_title,
        "entity": entity.display_name,  # the official name in the language of the run, where loaded
        "category": category,
        "colour": style["colour"],
        "ink": style["ink"],
        "letter": style["letter"],
        "label": str(style["label"]),  # the category's name in the language of the run (see `in_language`)
        "photo": registration.photo,
    }


def conference_data(conference: Conference, language: str | None = None) -> dict:
    """What every badge of a conference shows about the session itself, with the language the badges are printed in
    (by default the page's: the language of whoever asks)."""
    code = language_of(language) if language else current_language().code
    with in_language(code):
        dates = format_day_range(conference.starts_on, conference.ends_on)
    return {"title": conference.title, "short_title": conference.short_title, "dates": dates,
            "venue": conference.venue, "city": conference.city, "language": code}


@contextlib.contextmanager
def in_language(code: str | None):
    """Badge texts (category names, dates, messages) in the language `code`, also in a badge job's thread or worker
    and on the command line, where no request chose one."""
    code = language_of(code)
    with force_locale(code):
        yield code
