"""The COP28-shaped session (`demo --participants N` above LARGE_FROM): its shape, and rows that break no rule.

Built at 3,000 participants here; the 100,000 of the bench (bench/large_demo.py) is the same code with more batches.
"""

from __future__ import annotations

import json
import statistics

import pytest
from sqlalchemy import distinct, func, select

from conference.badges.services import badge_category
from conference.checkin.models import CheckIn, CheckInResult
from conference.conferences.models import Conference
from conference.demo import large
from conference.registration.models import (
    ACTIVE_STATUSES,
    NGO_TYPES,
    PARTY_KINDS,
    Delegation,
    DelegationRole,
    EntityType,
    ParticipatingEntity,
    Registration,
    RegistrationStatus,
)

pytestmark = pytest.mark.slow

N = 3000


@pytest.fixture
def cop28(runner, db_session, monkeypatch):
    # Above LARGE_FROM, `demo --participants N` builds the COP28 shape without being asked; small batches, so that
    # the 3,000 take several of them, as the 100,000 do.
    monkeypatch.setattr(large, "LARGE_FROM", N - 1)
    monkeypatch.setattr(large, "BATCH", 700)
    result = runner.invoke(args=["demo", "--participants", str(N)])
    assert result.exit_code == 0, result.output
    assert "loaded cop28" in result.output
    return db_session.scalar(select(Conference).where(Conference.code == large.CODE))


def _sizes(db_session, conference, *types):
    """{(iso3 or name): approved people} of the delegations of entities of those types."""
    rows = db_session.execute(
        select(ParticipatingEntity.iso3, ParticipatingEntity.name, func.count(Registration.id))
        .join(Delegation, Delegation.entity_id == ParticipatingEntity.id)
        .join(Registration, Registration.delegation_id == Delegation.id)
        .where(Delegation.conference_id == conference.id, Registration.status == RegistrationStatus.APPROVED,
               ParticipatingEntity.entity_type.in_(types))
        .group_by(ParticipatingEntity.id, ParticipatingEntity.iso3, ParticipatingEntity.name)).all()
    return {iso3 or name: n for iso3, name, n in rows}


def test_cop28_shape_and_statistics(cop28, runner, db_session):
    parties = _sizes(db_session, cop28, *PARTY_KINDS)
    assert len(parties) == 198  # 197 States and the European Union
    ranked = sorted(parties.items(), key=lambda kv: kv[1], reverse=True)
    # One huge delegation, the host's; a few over 1 % of all; most far smaller.
    assert ranked[0][0] == "ARE" and ranked[0][1] >= 1.4 * ranked[1][1]
    assert abs(ranked[0][1] - round(large.LARGEST["ARE"] * N)) <= 5
    assert 4 <= sum(1 for _k, n in ranked if n > N / 100) <= 10
    assert statistics.median(parties.values()) < ranked[0][1] / 20
    ngos = _sizes(db_session, cop28, *NGO_TYPES)
    assert len(ngos) == round(N * large.NGOS_PER_PARTICIPANT)
    # Most send a few, some many: the median below the mean, the largest several times the median.
    assert statistics.median(ngos.values()) < statistics.mean(ngos.values())
    assert max(ngos.values()) > 3 * statistics.median(ngos.values())

    roles = dict(db_session.execute(
        select(Registration.delegation_role, func.count()).where(Registration.conference_id == cop28.id)
        .group_by(Registration.delegation_role)).all())
    assert roles[DelegationRole.PARTY_OVERFLOW] > 0 and roles[DelegationRole.PARTY_GUEST] > 0
    # Overflow and guests belong to Parties' delegations and carry their own badge categories.
    outside = db_session.scalar(
        select(func.count()).select_from(Registration).join(Delegation).join(ParticipatingEntity)
        .where(Registration.conference_id == cop28.id, ParticipatingEntity.entity_type.not_in(PARTY_KINDS),
               Registration.delegation_role.in_([DelegationRole.PARTY_OVERFLOW, DelegationRole.PARTY_GUEST])))
    assert outside == 0
    assert badge_category(EntityType.STATE, DelegationRole.PARTY_OVERFLOW) == "OVERFLOW"
    assert badge_category(EntityType.STATE, DelegationRole.PARTY_GUEST) == "GUEST"

    figures = json.loads(runner.invoke(args=["stats", large.CODE, "--json"]).output)
    assert figures["participants"] == N
    assert sum(figures["by_category"].values()) == N
    assert figures["states"] == 197 and figures["by_category"]["REIO"] > 0
    assert figures["ngos"] == len(ngos)
    assert sum(figures["by_gender"].values()) == N
    attended = db_session.scalar(select(func.count(distinct(CheckIn.registration_id))).where(
        CheckIn.conference_id == cop28.id, CheckIn.result == CheckInResult.ADMITTED))
    assert figures["attended"] == attended and 0.75 * N < attended < 0.95 * N


def test_cop28_rows_as_real_registrations_have_them(cop28, runner, db_session):
    regs = select(Registration).where(Registration.conference_id == cop28.id).subquery()
    statuses = dict(db_session.execute(select(regs.c.status, func.count()).group_by(regs.c.status)).all())
    assert statuses[RegistrationStatus.APPROVED] == N
    for status in (RegistrationStatus.SUBMITTED, RegistrationStatus.REJECTED, RegistrationStatus.WITHDRAWN):
        assert statuses.get(status, 0) > 0
    total = sum(statuses.values())
    assert db_session.scalar(select(func.count(distinct(regs.c.status_token)))) == total
    assert db_session.scalar(select(func.count(distinct(regs.c.agenda_token)))) == total
    assert db_session.scalar(select(func.count()).where(regs.c.status == RegistrationStatus.APPROVED,
                                                        regs.c.approved_at.is_(None))) == 0
    assert db_session.scalar(select(func.count()).where(regs.c.status != RegistrationStatus.APPROVED,
                                                        regs.c.approved_at.is_not(None))) == 0
    # One head per Party delegation; the NGOs' quotas hold what they have in the pipeline.
    heads = db_session.scalar(select(func.count()).where(regs.c.delegation_role == DelegationRole.HEAD))
    assert heads == 198
    over_quota = db_session.scalar(
        select(func.count()).select_from(
            select(Delegation.id).join(Registration, Registration.delegation_id == Delegation.id)
            .where(Delegation.conference_id == cop28.id, Delegation.quota.is_not(None),
                   Registration.status.in_(ACTIVE_STATUSES))
            .group_by(Delegation.id, Delegation.quota).having(func.count() > Delegation.quota).subquery()))
    assert over_quota == 0

    result = runner.invoke(args=["demo", "--participants", str(N)])
    assert result.exit_code == 0 and "already loaded" in result.output


def test_cop28_needs_enough_people(runner, db_session):
    result = runner.invoke(args=["demo", "--shape", "cop28", "--participants", "500"])
    assert result.exit_code == 1
    assert "at least 1000" in result.output
    assert db_session.scalar(select(Conference).where(Conference.code == large.CODE)) is None
