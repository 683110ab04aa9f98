"""Versions of a session's calendar feeds, kept in the database so that a feed's ETag is known without building it.

`Conference.programme_version` changes with everything the public feeds show (the conference's own settings, its
rooms, its sessions and their organizers, an organizer's name); `Conference.agenda_version` with what the personal
agendas add (sign-ups, the participants' names): every change of a registration, and of an entity with a delegation
at the session (the back office's counts of registrations are kept by it too). They are bumped here, by SQLAlchemy
session events, so that no path that changes those rows can forget to: every ORM change of a watched row is noted
after each flush, and the bump is the last statement of the transaction (in `before_commit`, after the final flush),
committed with the change itself. Being last, the lock on the conference row is held only until the commit, and
never before a lock on another row, so it cannot take part in a deadlock. Bulk INSERT/UPDATE/DELETE statements on a
watched table bump every session's versions: they are rare (anonymization, maintenance), and a version bumped for
nothing only costs one rebuild.

A version is read before the feed is built; the data read after it is at least as new (the bump commits with the
data), so a feed can only be newer than its ETag says, never older: a stale 304 cannot happen.
"""

from __future__ import annotations

from sqlalchemy import event, inspect, select, update
from sqlalchemy.orm import ORMExecuteState
from sqlalchemy.orm import Session as OrmSession

from conference.conferences.models import Conference, Room
from conference.programme.models import Session, SessionOrganizer, SessionSignup
from conference.registration.models import Delegation, ParticipatingEntity, Registration

PROGRAMME, AGENDA = "programme_version", "agenda_version"
ALL = 0  # in the pending sets: every conference
_KEY = "plenary_feed_versions"
_TABLES = {m.__table__.name: kind for m, kind in ((Conference, PROGRAMME), (Room, PROGRAMME), (Session, PROGRAMME),
                                                   (SessionOrganizer, PROGRAMME), (ParticipatingEntity, PROGRAMME),
                                                   (SessionSignup, AGENDA), (Registration, AGENDA),
                                                   (Delegation, AGENDA))}


def _pending(session: OrmSession) -> dict[str, set]:
    return session.info.setdefault(_KEY, {PROGRAMME: set(), AGENDA: set(), "sessions": set(), "entities": set()})


def _changed(session: OrmSession, obj) -> bool:
    if not isinstance(obj, Conference):
        return session.is_modified(obj, include_collections=False)
    # A conference row changed by something other than its versions (a bump never counts as a change).
    state = inspect(obj)
    return any(attr.history.has_changes() for attr in state.attrs if attr.key not in (PROGRAMME, AGENDA)
               and attr.key in state.mapper.column_attrs)


@event.listens_for(OrmSession, "after_flush")
def _note(session: OrmSession, _context) -> None:
    pending = _pending(session)
    dirty = [o for o in session.dirty if _changed(session, o)]
    for obj in [*session.new, *dirty, *session.deleted]:
        if isinstance(obj, Conference):
            pending[PROGRAMME].add(obj.id)
        elif isinstance(obj, (Room, Session)):
            pending[PROGRAMME].add(obj.conference_id)
        elif isinstance(obj, SessionOrganizer):
            pending["sessions"].add((PROGRAMME, obj.session_id))
        elif isinstance(obj, SessionSignup):
            pending["sessions"].add((AGENDA, obj.session_id))
        elif isinstance(obj, ParticipatingEntity):
            pending["entities"].add(obj.id)
        elif isinstance(obj, (Registration, Delegation)):
            # A delegation's treaty status is its people's category in the back office's kept rows and counts.
            pending[AGENDA].add(obj.conference_id)


@event.listens_for(OrmSession, "do_orm_execute")
def _note_bulk(state: ORMExecuteState) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    kind = _TABLES.get(getattr(table, "name", None))
    if kind is not None and not state.execution_options.get(_KEY):
        _pending(state.session)[kind].add(ALL)


@event.listens_for(OrmSession, "before_commit")
def _bump(session: OrmSession) -> None:
    session.flush()  # before_commit comes before the commit's own flush: note the last changes first
    if _KEY not in session.info:
        return
    pending = session.info.pop(_KEY)
    by_session = {}
    for kind, session_id in pending["sessions"]:
        by_session.setdefault(session_id, set()).add(kind)
    if by_session:
        for session_id, conference_id in session.execute(
                select(Session.id, Session.conference_id).where(Session.id.in_(by_session))):
            for kind in by_session[session_id]:
                pending[kind].add(conference_id)
    if pending["entities"]:
        pending[PROGRAMME].update(session.scalars(
            select(Session.conference_id).join(SessionOrganizer, SessionOrganizer.session_id == Session.id)
            .where(SessionOrganizer.entity_id.in_(pending["entities"])).distinct()))
        # The back office's counts of registrations filter by the entity's category and group (registration queries).
        pending[AGENDA].update(session.scalars(
            select(Delegation.conference_id).where(Delegation.entity_id.in_(pending["entities"])).distinct()))
    for kind in (PROGRAMME, AGENDA):
        ids = pending[kind] - {None}
        if not ids:
            continue
        column = getattr(Conference, kind)
        statement = update(Conference).values({kind: column + 1})
        if ALL not in ids:
            statement = statement.where(Conference.id.in_(sorted(ids)))  # sorted: rows locked in one order
        session.execute(statement.execution_options(synchronize_session=False, **{_KEY: True}))
    session.info.pop(_KEY, None)  # the statements above are bumps, not changes


@event.listens_for(OrmSession, "after_soft_rollback")
def _forget(session: OrmSession, previous) -> None:
    # A savepoint rolled back keeps what the transaction around it changed before: a bump too many costs a rebuild,
    # one too few a stale feed.
    if not previous.nested:
        session.info.pop(_KEY, None)
