"""The programme: side-event applications and their review, scheduling with conflict checks,
publication, invitations to closed sessions, and sign-ups with a waiting list.

One module per task (applications, review, scheduling, seats, queries); this package re-exports their public
names, so callers keep writing `services.schedule(...)` whatever module holds it.
"""

from conference.programme.services.applications import (
    ACTIVE_APPLICATION,
    BALANCE_SHARE,
    MAX_PREFERRED_SLOTS,
    MAX_SPEAKERS,
    REVIEW_SORTS,
    Application,
    Priorities,
    Speaker,
    acts_for_entity,
    applications_open,
    apply,
    confirm_co_organizer,
    is_balanced,
    is_balanced_counts,
    led_by,
    merge,
    priorities,
    review_list,
    slot_times,
)
from conference.programme.services.queries import (
    ProgrammeFilters,
    as_json,
    get_session,
    organizers_on_programme,
    public_sessions,
    sessions_of_applicant,
    user_label,
)
from conference.programme.services.review import REVIEW, REVIEW_LABELS, REVIEW_MAIL, review
from conference.programme.services.scheduling import (
    HOLDS_PLACE,
    conflicts,
    create_session,
    grid,
    overlaps,
    schedule,
    suggest_room,
    update_session,
)
from conference.programme.services.seats import (
    cancel_signup,
    has_own_seat,
    invite,
    invited_to,
    seats,
    sign_up,
    signups_of,
    uninvite,
    visible_to,
)

__all__ = [
    "ACTIVE_APPLICATION", "Application", "BALANCE_SHARE", "HOLDS_PLACE", "MAX_PREFERRED_SLOTS", "MAX_SPEAKERS",
    "Priorities", "ProgrammeFilters", "REVIEW", "REVIEW_LABELS", "REVIEW_MAIL", "REVIEW_SORTS", "Speaker",
    "acts_for_entity", "applications_open", "apply", "as_json", "cancel_signup", "confirm_co_organizer", "conflicts",
    "create_session", "get_session", "grid", "has_own_seat", "invite", "invited_to", "is_balanced",
    "is_balanced_counts", "led_by", "merge", "organizers_on_programme", "overlaps", "priorities", "public_sessions",
    "review", "review_list", "schedule", "seats", "sessions_of_applicant", "sign_up", "signups_of", "slot_times",
    "suggest_room", "uninvite", "update_session", "user_label", "visible_to",
]
