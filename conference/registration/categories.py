"""What a participating entity is, and the category it takes part in at one session.

An entity's kind (`EntityType`) does not change from one session to the next: Austria is a State, the European
Union a regional economic integration organization. Its standing towards the Convention does: a State that ratifies
between two sessions is a signatory in the earlier one's records and a party in the later one's (domain.md). So the
treaty status lives on the delegation, the entity at one session (`Delegation.treaty_status`), and the category a
participant is registered, badged, admitted, listed and counted in (`Category`) is read from both, by
`category_of`, and nowhere else.
"""

from __future__ import annotations

import sqlalchemy as sa

from conference.core.db import StrEnum, labels
from conference.core.i18n import _l


class EntityType(StrEnum):
    """What a participating entity is, whatever the session."""

    STATE = "STATE"
    # A regional economic integration organization (the European Union): it may be a party, but is not a State.
    REIO = "REIO"
    UN_ENTITY = "UN_ENTITY"  # Secretariat units and bodies, funds and programmes
    SPECIALIZED_AGENCY = "SPECIALIZED_AGENCY"  # and related organizations (IOM, IAEA)
    IGO = "IGO"
    NGO_ECOSOC = "NGO_ECOSOC"
    NGO_OTHER = "NGO_OTHER"
    MEDIA = "MEDIA"
    SECRETARIAT = "SECRETARIAT"
    HOST_COUNTRY = "HOST_COUNTRY"
    OTHER = "OTHER"

labels(EntityType, {
    EntityType.STATE: _l("State"),
    EntityType.REIO: _l("Regional economic integration organization"),
    EntityType.UN_ENTITY: _l("United Nations entity"),
    EntityType.SPECIALIZED_AGENCY: _l("Specialized agency or related organization"),
    EntityType.IGO: _l("Intergovernmental organization"),
    EntityType.NGO_ECOSOC: _l("NGO in consultative status with ECOSOC"),
    EntityType.NGO_OTHER: _l("Other NGO"),
    EntityType.MEDIA: _l("Media"),
    EntityType.SECRETARIAT: _l("Secretariat"),
    EntityType.HOST_COUNTRY: _l("Host country"),
    EntityType.OTHER: _l("Other"),
})


class TreatyStatus(StrEnum):
    """Where a State (or the regional economic integration organization) stands towards the Convention at one
    session: it has ratified or acceded to it, signed it only, or neither."""

    PARTY = "PARTY"
    SIGNATORY = "SIGNATORY"
    NON_SIGNATORY = "NON_SIGNATORY"

labels(TreatyStatus, {
    TreatyStatus.PARTY: _l("Party"),
    TreatyStatus.SIGNATORY: _l("Signatory"),
    TreatyStatus.NON_SIGNATORY: _l("Not a signatory"),
})


class Category(StrEnum):
    """The categories participants are registered, listed and counted in at a session, in the order of UN lists of
    participants. Every kind of entity but the State is a category of its own; a State's category is its treaty
    status at that session."""

    STATE_PARTY = "STATE_PARTY"
    SIGNATORY = "SIGNATORY"
    NON_SIGNATORY = "NON_SIGNATORY"
    REIO = "REIO"
    UN_ENTITY = "UN_ENTITY"
    SPECIALIZED_AGENCY = "SPECIALIZED_AGENCY"
    IGO = "IGO"
    NGO_ECOSOC = "NGO_ECOSOC"
    NGO_OTHER = "NGO_OTHER"
    MEDIA = "MEDIA"
    SECRETARIAT = "SECRETARIAT"
    HOST_COUNTRY = "HOST_COUNTRY"
    OTHER = "OTHER"

labels(Category, {
    Category.STATE_PARTY: _l("State party"),
    Category.SIGNATORY: _l("Signatory State"),
    Category.NON_SIGNATORY: _l("Non-signatory State"),
    Category.REIO: _l("Regional economic integration organization"),
    Category.UN_ENTITY: _l("United Nations entity"),
    Category.SPECIALIZED_AGENCY: _l("Specialized agency or related organization"),
    Category.IGO: _l("Intergovernmental organization"),
    Category.NGO_ECOSOC: _l("NGO in consultative status with ECOSOC"),
    Category.NGO_OTHER: _l("Other NGO"),
    Category.MEDIA: _l("Media"),
    Category.SECRETARIAT: _l("Secretariat"),
    Category.HOST_COUNTRY: _l("Host country"),
    Category.OTHER: _l("Other"),
})


# The kinds that hold a treaty status at each session and send a government's kind of delegation (a head,
# alternates, advisers, experts; a note verbale): the States and the regional economic integration organization.
PARTY_KINDS = (EntityType.STATE, EntityType.REIO)
IGO_TYPES = (EntityType.UN_ENTITY, EntityType.SPECIALIZED_AGENCY, EntityType.IGO)
NGO_TYPES = (EntityType.NGO_ECOSOC, EntityType.NGO_OTHER)
STATE_CATEGORIES = (Category.STATE_PARTY, Category.SIGNATORY, Category.NON_SIGNATORY)
# Admitted to meetings restricted to parties (domain.md: parties and signatories).
PARTY_MEETING_STATUSES = (TreatyStatus.PARTY, TreatyStatus.SIGNATORY)

_STATE_CATEGORY = {TreatyStatus.PARTY: Category.STATE_PARTY, TreatyStatus.SIGNATORY: Category.SIGNATORY,
                   TreatyStatus.NON_SIGNATORY: Category.NON_SIGNATORY}


def category_of(kind: EntityType, status: TreatyStatus | None) -> Category:
    """The category of an entity of `kind` whose delegation has `status` at a session. A State whose status was
    never recorded for the session is counted as not a signatory: nobody is a party, with a party's rights, by
    omission."""
    if kind == EntityType.STATE:
        return _STATE_CATEGORY.get(status, Category.NON_SIGNATORY)
    return Category(kind.value)


def category_sql(kind, status):
    """`category_of` as an SQL expression over an entity-type column and a treaty-status column (filters and
    ordering in the database)."""
    # Compared and returned as plain text: the result holds categories, which are not entity types.
    kind, status = sa.type_coerce(kind, sa.String), sa.type_coerce(status, sa.String)
    state = sa.case(
        (status == TreatyStatus.PARTY.value, Category.STATE_PARTY.value),
        (status == TreatyStatus.SIGNATORY.value, Category.SIGNATORY.value),
        else_=Category.NON_SIGNATORY.value)
    return sa.case((kind == EntityType.STATE.value, state), else_=kind)
