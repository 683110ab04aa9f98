"""A delegation's documents on file: nominating documents and credentials, kept in versions.

Nothing sent ever replaces what is on file. Each upload (the public form, the focal point, the secretariat) becomes
the next version of its kind; the first version of a kind counts at once (there is nothing else), and after that
the secretariat chooses which version counts (`choose_document`). The database holds at most one counting version per
delegation and kind (a partial unique index), and version numbers are drawn under the delegation's row lock.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from sqlalchemy import exists, func, select, update
from sqlalchemy.orm import joinedload

from conference.accounts.models import User
from conference.conferences.models import Conference
from conference.core import audit
from conference.core.db import utcnow
from conference.core.errors import NotFound
from conference.core.i18n import _
from conference.extensions import db
from conference.registration.document_models import DelegationDocument, DocumentKind
from conference.registration.models import Delegation, Registration
from conference.registration.services.rules import Actor, _lock

FILENAME_MAX = 200


def clean_filename(name: str | None) -> str:
    """The file's own name as the sender's computer gave it, for showing and offering again on download: its last
    path component, without control characters, at most 200 characters; empty when nothing usable is left."""
    name = PurePosixPath((name or "").replace("\\", "/")).name
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return name[-FILENAME_MAX:]


def has_any(delegation: Delegation, kind: DocumentKind) -> bool:
    """Whether the delegation has any version of `kind` on file (read from the database: callers hold the lock)."""
    return bool(db.session.scalar(select(exists().where(DelegationDocument.delegation_id == delegation.id,
                                                       DelegationDocument.kind == kind))))


def add_version(delegation: Delegation, kind: DocumentKind, path: str | None, *, actor: Actor,
                user: User | None = None, registration: Registration | None = None,
                filename: str = "") -> DelegationDocument:
    """Keep a document a delegation sent as the next version of its kind; return it.

    It counts at once only when it is the first of its kind: otherwise the version that counts stays so until the
    secretariat chooses another. `user` is the account that sent it (focal point, secretariat); `registration` the
    participant who sent it with the public form. Takes the delegation's row lock, so two uploads at once get
    distinct numbers (the unique constraint on the number backs it).
    """
    _lock(delegation)
    last = db.session.scalar(select(func.max(DelegationDocument.version)).where(
        DelegationDocument.delegation_id == delegation.id, DelegationDocument.kind == kind)) or 0
    document = DelegationDocument(
        delegation_id=delegation.id, kind=kind, version=last + 1, path=path, original_filename=clean_filename(filename),
        received_at=utcnow(), sent_by_user_id=user.id if user is not None else None,
        sent_by_registration_id=registration.id if registration is not None else None,
        sent_by_email=(registration.email if registration is not None else user.email if user is not None else ""),
        is_current=last == 0)
    db.session.add(document)
    db.session.flush()
    audit.record("delegation.document_received", delegation, actor=user or actor.value,
                 after={"kind": kind.value, "version": document.version, "counts": document.is_current})
    return document


def document_versions(delegation: Delegation) -> dict[DocumentKind, list[DelegationDocument]]:
    """Every version on file, by kind, the newest first (with their senders, in one query)."""
    found: dict[DocumentKind, list[DelegationDocument]] = {kind: [] for kind in DocumentKind}
    for document in db.session.scalars(
            select(DelegationDocument).where(DelegationDocument.delegation_id == delegation.id)
            .options(joinedload(DelegationDocument.sent_by_user), joinedload(DelegationDocument.sent_by_registration))
            .order_by(DelegationDocument.kind, DelegationDocument.version.desc())):
        found[document.kind].append(document)
    return found


def current(delegation: Delegation, kind: DocumentKind) -> DelegationDocument | None:
    """The version of `kind` that counts, or None."""
    return db.session.scalar(select(DelegationDocument).where(
        DelegationDocument.delegation_id == delegation.id, DelegationDocument.kind == kind,
        DelegationDocument.is_current.is_(True)))


def get_document(conference: Conference, delegation_id: int, document_id: int) -> DelegationDocument:
    """A document of that delegation at that session; any other (another session's, another delegation's) is
    answered as if it did not exist."""
    document = db.session.get(DelegationDocument, document_id)
    if (document is None or document.delegation_id != delegation_id
            or document.delegation.conference_id != conference.id):
        raise NotFound(_("There is no such document for this delegation."))
    return document


def choose_document(document: DelegationDocument, *, user: User | None) -> None:
    """The secretariat chooses the version that counts; the one that counted before no longer does (audited)."""
    delegation = document.delegation
    _lock(delegation)
    before = current(delegation, document.kind)
    if before is not None and before.id == document.id:
        return
    # The former one first: the unique index allows one counting version at any moment, even within a transaction.
    db.session.execute(update(DelegationDocument).where(
        DelegationDocument.delegation_id == delegation.id, DelegationDocument.kind == document.kind,
        DelegationDocument.is_current.is_(True)).values(is_current=False).execution_options(synchronize_session="fetch"))
    document.is_current = True
    db.session.flush()
    audit.record("delegation.document_chosen", delegation, actor=user or Actor.SECRETARIAT.value,
                 before={"kind": document.kind.value, "version": before.version if before else None},
                 after={"kind": document.kind.value, "version": document.version})
