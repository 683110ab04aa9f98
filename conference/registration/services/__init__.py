"""Registration: the rules of who may take part, and every change of a registration's state.

Every way in (the public form, a focal point, the back office, the CSV
import) goes through these functions, so the rules hold whichever door was
used. Functions flush but never commit: the caller commits, and e-mails queued
here leave only once it has.

The package is split by what each part does; every name is importable from here:

- `rules`: what a person sends is checked; quotas, one head, one accreditation, NGO admission, the period;
- `workflow`: the state machine (`ACTIONS`, `transition`) and the messages that go with it;
- `intake`: registering and changing a registration (`register`, `submit_public`, `update`);
- `delegations`: choosing a delegation, nominating documents, credentials, NGO admission steps;
- `documents`: the delegation's documents on file, in versions, and which one counts;
- `treaty`: each State's treaty status at a session (on its delegation);
- `links`: replacing a private link, and what a replaced one says;
- `queries`: finding registrations (by link, number, e-mail; the back office's queue).
"""

from conference.registration.services.delegations import (
    MAX_QUOTA,
    NGO_DECISIONS,
    NGO_STEP_LABELS,
    NGO_STEP_REFUSED,
    NGO_STEPS,
    NOMINATION_BY_TYPE,
    NOMINATION_LABELS,
    NOMINATION_MISSING,
    attach_nomination,
    delegation_names,
    delegation_of,
    delegations_for,
    file_document,
    get_delegation,
    ngo_admission_step,
    nomination_needed,
    places_used,
    send_nomination,
    set_credentials,
    set_official_names,
    set_quota,
    submit_credentials,
)
from conference.registration.services.documents import (
    choose_document,
    document_versions,
    get_document,
)
from conference.registration.services.intake import (
    register,
    register_for_delegation,
    submit_public,
    update,
)
from conference.registration.services.links import replace_link
from conference.registration.services.queries import (
    QueueFilters,
    count_matches,
    delegation_counts,
    get_by_email,
    get_by_token,
    get_member,
    get_registration,
    queue_conditions,
    search,
    status_counts,
)
from conference.registration.services.rules import (
    ACTIVE,
    CATEGORIES,
    EDITABLE,
    NGO_OBJECTION_DAYS,
    PERSONAL_FIELDS,
    Actor,
    RegistrationData,
    approval_problem,
    category_of,
    fold,
    name_key,
    ngo_admission_problem,
    outlet_problem,
    quota_of,
    registration_open,
    role_problem,
    validate,
)
from conference.registration.services.treaty import set_treaty_status, states_of
from conference.registration.services.workflow import (
    ACTION_LABELS,
    ACTIONS,
    MAIL_ON,
    NOT_EDITABLE,
    NOT_FROM_STATUS,
    NOW_IN_STATUS,
    ONLY_WHO_MAY,
    REASON_NEEDED,
    allowed_actions,
    bulk_transition,
    done_message,
    not_editable,
    now_in_status,
    resend_link,
    status_url,
    transition,
)

__all__ = [
    "NGO_OBJECTION_DAYS",
    "ACTIVE",
    "EDITABLE",
    "Actor",
    "CATEGORIES",
    "category_of",
    "fold",
    "replace_link",
    "name_key",
    "RegistrationData",
    "PERSONAL_FIELDS",
    "validate",
    "quota_of",
    "ngo_admission_problem",
    "outlet_problem",
    "approval_problem",
    "registration_open",
    "role_problem",
    "ACTIONS",
    "ACTION_LABELS",
    "ONLY_WHO_MAY",
    "NOT_FROM_STATUS",
    "REASON_NEEDED",
    "NOT_EDITABLE",
    "MAIL_ON",
    "NOW_IN_STATUS",
    "now_in_status",
    "done_message",
    "not_editable",
    "allowed_actions",
    "transition",
    "status_url",
    "resend_link",
    "bulk_transition",
    "register",
    "register_for_delegation",
    "submit_public",
    "update",
    "NOMINATION_BY_TYPE",
    "NOMINATION_LABELS",
    "NOMINATION_MISSING",
    "nomination_needed",
    "delegation_names",
    "delegation_of",
    "delegations_for",
    "get_delegation",
    "attach_nomination",
    "file_document",
    "choose_document",
    "document_versions",
    "get_document",
    "submit_credentials",
    "send_nomination",
    "set_credentials",
    "NGO_STEPS",
    "NGO_DECISIONS",
    "NGO_STEP_LABELS",
    "NGO_STEP_REFUSED",
    "ngo_admission_step",
    "set_official_names",
    "MAX_QUOTA",
    "places_used",
    "set_quota",
    "get_by_token",
    "get_member",
    "get_registration",
    "get_by_email",
    "QueueFilters",
    "count_matches",
    "delegation_counts",
    "queue_conditions",
    "search",
    "status_counts",
    "set_treaty_status",
    "states_of",
]
