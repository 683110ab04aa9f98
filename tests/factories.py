"""Small builders of domain objects for tests, each with sensible defaults."""

from __future__ import annotations

import itertools
import secrets
from datetime import UTC, date, datetime, time

from conference.accounts.models import Role
from conference.accounts.services import create_user
from conference.conferences.models import Conference, Room
from conference.extensions import db
from conference.programme.models import Session, SessionKind, SessionStatus
from conference.registration.document_models import DelegationDocument, DocumentKind
from conference.registration.models import (
    PARTY_KINDS,
    Delegation,
    DelegationRole,
    EntityType,
    Gender,
    ParticipatingEntity,
    RegionalGroup,
    Registration,
    RegistrationStatus,
    TreatyStatus,
)
from conference.registration.services import name_key

_counter = itertools.count(1)
PASSWORD = "correct horse battery staple"


def make_conference(code: str = "cop99", **kw) -> Conference:
    values = dict(code=code, title=f"Test session {code}", short_title=code.upper(),
                  venue="Vienna International Centre", city="Vienna", timezone="Europe/Vienna",
                  starts_on=date(2024, 10, 14), ends_on=date(2024, 10, 18))
    values.update(kw)
    c = Conference(**values)
    db.session.add(c)
    db.session.flush()
    return c


def make_room(conference: Conference, slug: str = "m1", capacity: int = 100) -> Room:
    room = Room(conference_id=conference.id, slug=slug, name=slug.upper(), capacity=capacity)
    db.session.add(room)
    db.session.flush()
    return room


def make_entity(entity_type: EntityType = EntityType.STATE, name: str | None = None,
                iso3: str | None = None, group: RegionalGroup | None = None, **kw) -> ParticipatingEntity:
    n = next(_counter)
    if entity_type == EntityType.STATE and iso3 is None:
        iso3 = _free_iso3()  # every State has its code (a check constraint)
    e = ParticipatingEntity(entity_type=entity_type, name=name or f"Entity {n}", iso3=iso3,
                            regional_group=group, **kw)
    db.session.add(e)
    db.session.flush()
    return e


def _free_iso3() -> str:
    """A code of three capitals that no State has (ISO 3166 leaves XAA-XZZ to users)."""
    n = next(_counter)
    return "X" + chr(ord("A") + n // 26 % 26) + chr(ord("A") + n % 26)


def make_delegation(conference: Conference, entity: ParticipatingEntity, *, nomination_document: str | None = None,
                    nomination_received_at: datetime | None = None, credentials_document: str | None = None,
                    **kw) -> Delegation:
    """A delegation; with `nomination_document` (or only `nomination_received_at`: received on paper) and
    `credentials_document` it has them on file, as version 1 that counts. A State's (or the REIO's) is a party
    unless `treaty_status` says otherwise."""
    if entity.entity_type in PARTY_KINDS:
        kw.setdefault("treaty_status", TreatyStatus.PARTY)
    d = Delegation(conference_id=conference.id, entity_id=entity.id, **kw)
    db.session.add(d)
    db.session.flush()
    on_file = [(DocumentKind.NOMINATION, nomination_document, nomination_received_at)] \
        if nomination_document or nomination_received_at else []
    if credentials_document:
        on_file.append((DocumentKind.CREDENTIALS, credentials_document, None))
    for kind, path, received in on_file:
        db.session.add(DelegationDocument(delegation_id=d.id, kind=kind, version=1, path=path, is_current=True,
                                          received_at=received or datetime.now(UTC)))
    db.session.flush()
    return d


def make_registration(delegation: Delegation, *, status: RegistrationStatus = RegistrationStatus.APPROVED,
                      gender: Gender = Gender.FEMALE, role: DelegationRole = DelegationRole.ADVISER,
                      **kw) -> Registration:
    n = next(_counter)
    values = dict(conference_id=delegation.conference_id, delegation_id=delegation.id, family_name=f"Family{n}",
                  given_names=f"Given{n}", badge_name=f"Given{n} Family{n}", gender=gender,
                  email=f"person{n}@example.org", delegation_role=role, status=status,
                  status_token=secrets.token_urlsafe(16), agenda_token=secrets.token_urlsafe(16))
    if status == RegistrationStatus.APPROVED:
        values["approved_at"] = datetime(2024, 10, 1, tzinfo=UTC)
    values.update(kw)
    values.setdefault("name_key", name_key(values["family_name"], values["given_names"]))
    r = Registration(**values)
    db.session.add(r)
    db.session.flush()
    return r


def make_session(conference: Conference, room: Room | None = None, *, kind: SessionKind = SessionKind.SIDE_EVENT,
                 day: date = date(2024, 10, 14), start: time = time(13, 15), end: time = time(14, 45),
                 status: SessionStatus = SessionStatus.PUBLISHED, **kw) -> Session:
    s = Session(conference_id=conference.id, kind=kind, title=kw.pop("title", f"Session {next(_counter)}"),
                room_id=room.id if room else None, starts_at=conference.at_venue(day, start),
                ends_at=conference.at_venue(day, end), status=status, **kw)
    db.session.add(s)
    db.session.flush()
    return s


def make_user(email: str = "officer@example.org", roles=(Role.REGISTRATION_OFFICER,), **kw):
    user = create_user(email, list(roles), PASSWORD, actor="test", **kw)
    db.session.commit()
    return user
