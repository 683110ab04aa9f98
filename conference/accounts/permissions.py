"""The one permission check. Views and services ask `can(user, Permission.X)`, nothing else."""

from __future__ import annotations

import functools

from flask import abort
from flask_login import current_user

from conference.accounts.models import Role
from conference.core.db import StrEnum, labels
from conference.core.i18n import _, _l
from conference.extensions import login_manager


class Permission(StrEnum):
    VIEW_BACK_OFFICE = "VIEW_BACK_OFFICE"
    REVIEW_REGISTRATIONS = "REVIEW_REGISTRATIONS"
    VIEW_SENSITIVE_DATA = "VIEW_SENSITIVE_DATA"  # passport numbers, dates of birth
    READ_DELEGATION_DOCUMENTS = "READ_DELEGATION_DOCUMENTS"  # nominating documents and credentials, as sent
    MANAGE_DELEGATION = "MANAGE_DELEGATION"  # a focal point, for their own delegation only
    MANAGE_PROGRAMME = "MANAGE_PROGRAMME"
    PRINT_BADGES = "PRINT_BADGES"
    CHECK_IN = "CHECK_IN"
    VIEW_STATISTICS = "VIEW_STATISTICS"
    MANAGE_USERS = "MANAGE_USERS"
    MANAGE_SESSIONS = "MANAGE_SESSIONS"  # create a session, change its settings, rooms and badge categories


labels(Permission, {
    Permission.VIEW_BACK_OFFICE: _l("See the back office"),
    Permission.REVIEW_REGISTRATIONS: _l("Review registrations"),
    Permission.VIEW_SENSITIVE_DATA: _l("See passport numbers and dates of birth"),
    Permission.READ_DELEGATION_DOCUMENTS: _l("Read nominating documents and credentials"),
    Permission.MANAGE_DELEGATION: _l("Manage one's own delegation"),
    Permission.MANAGE_PROGRAMME: _l("Manage the programme"),
    Permission.PRINT_BADGES: _l("Print badges"),
    Permission.CHECK_IN: _l("Check people in at the doors"),
    Permission.VIEW_STATISTICS: _l("See the statistics"),
    Permission.MANAGE_USERS: _l("Manage accounts"),
    Permission.MANAGE_SESSIONS: _l("Set up sessions"),
})


# Admins hold every permission but a focal point's (which belongs to one delegation, and which the
# secretariat exercises through the back office); the rest is listed here and only here.
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission) - {Permission.MANAGE_DELEGATION},
    Role.REGISTRATION_OFFICER: frozenset({
        Permission.VIEW_BACK_OFFICE, Permission.REVIEW_REGISTRATIONS,
        Permission.VIEW_SENSITIVE_DATA, Permission.READ_DELEGATION_DOCUMENTS, Permission.VIEW_STATISTICS,
    }),
    Role.SIDE_EVENT_COORDINATOR: frozenset({
        Permission.VIEW_BACK_OFFICE, Permission.MANAGE_PROGRAMME, Permission.VIEW_STATISTICS,
    }),
    Role.BADGE_DESK: frozenset({Permission.VIEW_BACK_OFFICE, Permission.PRINT_BADGES}),
    Role.DOOR_STAFF: frozenset({Permission.CHECK_IN}),
    Role.FOCAL_POINT: frozenset({Permission.MANAGE_DELEGATION}),
}


def can(user, permission: Permission) -> bool:
    """Whether `user` (possibly anonymous or deactivated) holds `permission`."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return any(permission in ROLE_PERMISSIONS[role] for role in user.roles)


def permission_required(permission: Permission):
    """Guard a view: anonymous users are sent to sign in, others without the permission get 403."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not can(current_user, permission):
                abort(403, description=_("Your account does not have the role this page needs."))
            return view(*args, **kwargs)

        wrapper.required_permission = permission  # read by the route-walking permission test
        return wrapper

    return decorator


def public(reason: str):
    """Mark a view as open to anyone, saying why (e.g. "the private link's token is the key").

    The route-walking test accepts only views that are public on purpose or
    guarded by `permission_required`.
    """

    def decorator(view):
        view.public_because = reason
        return view

    return decorator
