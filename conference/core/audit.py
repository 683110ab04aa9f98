"""The one audit log: every change of state goes through `record`, in the same transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from conference.core.models import AuditLog
from conference.extensions import db

Actor = Any  # a User, or a label such as "participant" or "command line"


def record(
    action: str,
    obj: Any,
    *,
    actor: Actor = None,
    before: dict | None = None,
    after: dict | None = None,
    reason: str = "",
    conference_id: int | None = None,
) -> AuditLog:
    """Add an audit entry for `action` on `obj` to the current transaction.

    It commits or rolls back with the change it describes, so the log never
    claims a change that did not happen.
    """
    user_id = getattr(actor, "id", None) if actor is not None and not isinstance(actor, str) else None
    label = actor if isinstance(actor, str) else (getattr(actor, "email", "") or "")
    entry = AuditLog(
        action=action,
        object_type=type(obj).__name__,
        object_id=getattr(obj, "id", None),
        conference_id=conference_id if conference_id is not None else getattr(obj, "conference_id", None),
        user_id=user_id,
        actor=label,
        before=_jsonable(before),
        after=_jsonable(after),
        reason=reason,
    )
    db.session.add(entry)
    return entry


def history(obj: Any) -> list[AuditLog]:
    """What the log says happened to `obj`, oldest first."""
    return list(db.session.scalars(select(AuditLog).where(AuditLog.object_type == type(obj).__name__,
                                                          AuditLog.object_id == obj.id)
                                   .order_by(AuditLog.at, AuditLog.id)))


def _jsonable(values: dict | None) -> dict | None:
    if values is None:
        return None
    out = {}
    for key, value in values.items():
        if value is None or isinstance(value, (str, int, float, bool)):
            out[key] = value
        else:
            out[key] = str(value)
    return out
