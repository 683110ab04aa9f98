"""Finding registrations: by private link, number or e-mail, and the back office's filtered queue."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from conference.conferences.models import Conference
from conference.core.errors import NotFound
from conference.core.i18n import _, countries
from conference.core.versioned import kept
from conference.extensions import db
from conference.registration.categories import Category, category_sql
from conference.registration.models import (
    BadgeState,
    Delegation,
    ParticipatingEntity,
    RegionalGroup,
    Registration,
)
from conference.registration.models import (
    RegistrationStatus as S,
)
from conference.registration.services.links import refuse_replaced
from conference.registration.services.rules import fold


def get_by_token(conference: Conference, token: str, *, agenda: bool = False) -> Registration:
    """The registration behind a private link (or, with `agenda`, behind a personal calendar address);
    NotFound for anything else, without saying why."""
    column = Registration.agenda_token if agenda else Registration.status_token
    r = None
    if token and len(token) <= 64:
        r = db.session.scalar(select(Registration).where(Registration.conference_id == conference.id,
                                                         column == token))
    if r is None and token and len(token) <= 64 and not agenda:
        refuse_replaced(conference.id, token)
    if r is None:
        raise NotFound(_("This calendar address is not valid (it may have been renewed).") if agenda else
                       _("This private link is not valid. Check that you copied it whole, or ask the secretariat."))
    return r


def get_registration(conference: Conference, registration_id: int) -> Registration:
    """A registration of this session by its number; NotFound otherwise (also for another session's)."""
    r = db.session.get(Registration, registration_id)
    if r is None or r.conference_id != conference.id:
        raise NotFound(_("There is no such registration at this session."))
    return r


def get_member(delegation_id: int | None, registration_id: int) -> Registration:
    """A registration of this delegation by its number; NotFound for any other, without saying whose it is
    (a focal point sees their own delegation only)."""
    r = db.session.get(Registration, registration_id)
    if r is None or delegation_id is None or r.delegation_id != delegation_id:
        raise NotFound(_("There is no such registration at this session."))
    return r


def get_by_email(conference: Conference, email: str) -> Registration:
    """The participant of this session with this e-mail address, in any case; NotFound otherwise."""
    email = (email or "").strip().lower()
    r = db.session.scalar(select(Registration).where(Registration.conference_id == conference.id,
                                                     Registration.email == email)) if email else None
    if r is None:
        raise NotFound(_("No participant of this session has the e-mail address “%(email)s”.", email=email))
    return r


def status_counts() -> dict[int, dict[str, int]]:
    """How many registrations each session has in each status: {conference id: {status value: number}}."""
    counts: dict[int, dict[str, int]] = {}
    for conference_id, status, n in db.session.execute(
            select(Registration.conference_id, Registration.status, func.count())
            .group_by(Registration.conference_id, Registration.status)):
        counts.setdefault(conference_id, {})[status.value] = n
    return counts


@dataclass
class QueueFilters:
    """What the back office's registration queue is filtered by."""

    status: S | None = None
    category: Category | None = None  # the delegation's at this session
    delegation_id: int | None = None
    regional_group: str | None = None
    badge_state: str | None = None
    q: str = ""

    @property
    def needs_entity(self) -> bool:
        return self.category is not None or bool(self.regional_group)


def queue_conditions(conference: Conference, filters: QueueFilters) -> list:
    """The WHERE conditions of the queue filtered by `filters`, for the queue's pages and its CSV download alike.
    A category or a regional group is a condition on `ParticipatingEntity`: the query joins the delegation and its
    entity then (`filters.needs_entity`).

    The name search folds case and accents and works in any script: every
    word typed must appear in the family or given names (or the e-mail).
    """
    conditions = [Registration.conference_id == conference.id]
    if filters.status is not None:
        conditions.append(Registration.status == filters.status)
    if filters.category is not None:
        conditions.append(category_sql(ParticipatingEntity.entity_type, Delegation.treaty_status)
                          == filters.category.value)
    if filters.delegation_id is not None:
        conditions.append(Registration.delegation_id == filters.delegation_id)
    if filters.regional_group:
        conditions.append(ParticipatingEntity.regional_group == RegionalGroup(filters.regional_group))
    if filters.badge_state:
        conditions.append(Registration.badge_state == BadgeState(filters.badge_state))
    for word in fold(filters.q).split()[:6]:
        pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        conditions.append(or_(Registration.name_key.like(pattern, escape="\\"),
                              Registration.email.like(pattern, escape="\\")))
    return conditions


def search(conference: Conference, filters: QueueFilters, *, page: int = 1, per_page: int = 50,
           total: int | None = None):
    """One page of the registration queue and the number of matches (`queue_conditions` says what matches).

    The number is counted once per version of the session's registrations (`count_matches`); pass `total` when the
    caller knows it already. The page's ids come first, newest first (the order of arrival), from an index that
    matches the filter and the order; then those rows with their delegations: two queries whatever the page, and a
    page costs the same whatever the number of registrations.
    """
    if total is None:
        total = count_matches(conference, filters)
    page = max(1, page)
    ids = db.session.scalars(_matching(conference, filters).with_only_columns(Registration.id)
                             .order_by(Registration.id.desc()).offset((page - 1) * per_page).limit(per_page)).all()
    rows = db.session.scalars(
        select(Registration).options(joinedload(Registration.delegation).joinedload(Delegation.entity))
        .where(Registration.id.in_(ids)).order_by(Registration.id.desc())).all() if ids else []
    return rows, total


def _matching(conference: Conference, filters: QueueFilters):
    base = select(Registration).where(*queue_conditions(conference, filters))
    if filters.needs_entity:
        # Only the entity's category and group need the joins; without them the counts stay on one table.
        base = (base.join(Delegation, Delegation.id == Registration.delegation_id)
                .join(ParticipatingEntity, ParticipatingEntity.id == Delegation.entity_id))
    return base


def count_matches(conference: Conference, filters: QueueFilters) -> int:
    """How many registrations match, kept in this process until the session's registrations change: counting 100,000
    rows for every page of the queue is most of its time. `agenda_version` is bumped with every change of a
    registration (and of an entity, whose category and group the filters read; see feeds/versions.py), committed
    with it, so every process counts again as soon as anything changes; never by time."""
    key = (filters.status, filters.category, filters.delegation_id, filters.regional_group,
           filters.badge_state, filters.q)
    counting = _matching(conference, filters).with_only_columns(func.count(Registration.id))
    return kept("registration_count", conference, key, conference.agenda_version, lambda: db.session.scalar(counting),
                size=current_app.config.get("PAGE_CACHE_SIZE", 256))


def delegation_counts(delegation_id: int) -> dict[S, int]:
    """How many of a delegation's registrations are in each status, in one query."""
    return dict(db.session.execute(select(Registration.status, func.count()).where(
        Registration.delegation_id == delegation_id).group_by(Registration.status)).all())


def nationality_name(iso3: str | None) -> str:
    """A nationality (its ISO alpha-3 code) as people read it: the State's official name in the page's language
    where the secretariat has it (as the delegation list shows it), else the UN's short name in English, else the
    code itself; empty for none."""
    if not iso3:
        return ""
    entity = db.session.scalar(select(ParticipatingEntity).where(ParticipatingEntity.iso3 == iso3))
    if entity is not None:
        return entity.display_name
    return dict(countries()).get(iso3, iso3)
