"""Every model, imported in one place so that the metadata (and Alembic) sees the whole schema."""

from conference.accounts.models import AccountToken, Role, User, UserRole  # noqa: F401
from conference.badges.models import Badge  # noqa: F401
from conference.checkin.models import CheckIn, CheckInResult  # noqa: F401
from conference.conferences.models import Conference, Room  # noqa: F401
from conference.core.models import AuditLog, Job, OutgoingMail  # noqa: F401
from conference.programme.models import (  # noqa: F401
    Session,
    SessionOrganizer,
    SessionSignup,
    SessionSpeaker,
)
from conference.registration.document_models import DelegationDocument  # noqa: F401
from conference.registration.models import (  # noqa: F401
    Delegation,
    ParticipatingEntity,
    Registration,
    ReplacedLink,
    ReviewMechanismContact,
)
from conference.registration.request_models import OrganizationRequest  # noqa: F401
