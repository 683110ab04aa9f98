"""Operations on sessions: find one; set one up from nothing or from an earlier one; its settings.

One module per task (sessions, copy, settings); this package re-exports their public names, so callers keep writing
`services.copy_conference(...)` whatever module holds it.
"""

from conference.conferences.services.badges import BadgeCategory, badge_scheme_of, update_badge_scheme
from conference.conferences.services.copy import (
    DEFAULT_CLOSING_TIME,
    DEFAULT_REGISTRATION_LEAD,
    CopyRequest,
    copy_conference,
)
from conference.conferences.services.rooms import (
    MAX_CAPACITY,
    RoomData,
    add_room,
    delete_room,
    get_room,
    reinstate_room,
    retire_room,
    room_usage,
    sessions_in,
    update_room,
)
from conference.conferences.services.sessions import CODE_PATTERN, all_conferences, check_new_code, get_conference
from conference.conferences.services.settings import (
    DEFAULT_VENUE_CLOSES,
    DEFAULT_VENUE_OPENS,
    SETTING_FIELDS,
    SessionSettings,
    create_conference,
    settings_of,
    update_settings,
)

__all__ = [
    "BadgeCategory", "badge_scheme_of", "update_badge_scheme",
    "add_room", "all_conferences", "check_new_code", "CODE_PATTERN", "copy_conference", "CopyRequest",
    "create_conference", "DEFAULT_CLOSING_TIME", "DEFAULT_REGISTRATION_LEAD", "DEFAULT_VENUE_CLOSES",
    "DEFAULT_VENUE_OPENS", "delete_room", "get_conference", "get_room", "MAX_CAPACITY", "reinstate_room",
    "retire_room", "room_usage", "RoomData", "sessions_in", "SessionSettings", "SETTING_FIELDS", "settings_of",
    "update_room", "update_settings",
]
