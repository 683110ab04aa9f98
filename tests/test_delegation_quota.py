"""A delegation's quota, set from the back office: the places used shown, never below the places held, audited."""

from __future__ import annotations

import pytest

from conference.core.errors import RuleViolation
from conference.core.models import AuditLog
from conference.registration import services
from conference.registration.models import EntityType, RegionalGroup
from conference.registration.models import RegistrationStatus as S
from tests.conftest import csrf_token
from tests.factories import make_delegation, make_entity, make_registration, make_user
from tests.test_registration import future_conference
from tests.test_registration_web import login


@pytest.fixture
def kenya(db_session):
    c = future_conference("cop50")
    d = make_delegation(c, make_entity(EntityType.STATE, "Kenya", "KEN", RegionalGroup.AFRICAN), quota=15)
    for status in [S.APPROVED] * 10 + [S.SUBMITTED, S.NEEDS_INFO] + [S.WITHDRAWN, S.REJECTED, S.DRAFT]:
        make_registration(d, status=status)
    db_session.commit()
    return d


def _officer(client):
    make_user("officer@example.org")
    login(client, "officer@example.org")


def test_the_delegation_page_shows_the_places_used(client, kenya):
    _officer(client)
    body = client.get(f"/admin/cop50/delegations/{kenya.id}").get_data(as_text=True)
    assert "12 of 15 places used" in body  # withdrawn, rejected and drafts hold no place
    assert 'name="quota"' in body and 'value="15"' in body


def test_the_quota_is_changed_and_audited(client, kenya, db_session):
    _officer(client)
    page = f"/admin/cop50/delegations/{kenya.id}"
    response = client.post(f"{page}/quota", data={"csrf_token": csrf_token(client, page), "quota": "20"})
    assert response.status_code == 302
    db_session.refresh(kenya)
    assert kenya.quota == 20
    entry = db_session.query(AuditLog).filter_by(action="delegation.quota", object_id=kenya.id).one()
    assert entry.before == {"quota": 15} and entry.after == {"quota": 20} and entry.actor == "officer@example.org"
    assert "12 of 20 places used" in client.get(page).get_data(as_text=True)


def test_a_quota_below_the_places_held_is_refused_naming_the_count(client, kenya, db_session):
    _officer(client)
    page = f"/admin/cop50/delegations/{kenya.id}"
    response = client.post(f"{page}/quota", data={"csrf_token": csrf_token(client, page), "quota": "11"})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "12 people already hold a place in this delegation: the quota cannot be lower than 12." in body
    assert 'value="11"' in body  # what was typed is kept
    db_session.refresh(kenya)
    assert kenya.quota == 15
    assert db_session.query(AuditLog).filter_by(action="delegation.quota").count() == 0


def test_the_quota_may_equal_the_places_held_or_be_cleared(kenya, db_session):
    services.set_quota(kenya, 12, user=None)
    db_session.commit()
    assert kenya.quota == 12
    services.set_quota(kenya, None, user=None)  # a State: no default quota
    db_session.commit()
    assert kenya.quota is None and services.quota_of(kenya) is None


def test_clearing_an_ngo_quota_is_refused_when_the_sessions_default_is_below_the_places_held(db_session):
    c = future_conference("cop51", ngo_quota=2)
    ngo = make_delegation(c, make_entity(EntityType.NGO_ECOSOC, "Friends of Justice"), quota=5)
    for _ in range(3):
        make_registration(ngo, status=S.APPROVED)
    db_session.commit()
    with pytest.raises(RuleViolation, match="3 people already hold a place"):
        services.set_quota(ngo, None, user=None)


@pytest.mark.parametrize("typed", ["0", "-5", "abc", "1.5", "100001"])
def test_a_quota_that_is_not_a_sensible_number_is_refused_at_the_field(client, kenya, db_session, typed):
    _officer(client)
    page = f"/admin/cop50/delegations/{kenya.id}"
    response = client.post(f"{page}/quota", data={"csrf_token": csrf_token(client, page), "quota": typed})
    assert response.status_code == 422
    assert 'id="quota-error"' in response.get_data(as_text=True)
    db_session.refresh(kenya)
    assert kenya.quota == 15


def test_the_next_registration_meets_the_new_quota(kenya, db_session):
    officer = make_user("officer@example.org")
    services.set_quota(kenya, 13, user=officer)
    db_session.commit()
    r = make_registration(kenya, status=S.DRAFT)
    db_session.commit()
    services.transition(r, "submit", actor=services.Actor.SECRETARIAT, user=officer)
    db_session.commit()
    extra = make_registration(kenya, status=S.DRAFT)
    db_session.commit()
    with pytest.raises(RuleViolation, match="quota of 13"):
        services.transition(extra, "submit", actor=services.Actor.SECRETARIAT, user=officer)


def test_only_the_secretariat_may_change_a_quota(client, kenya, db_session):
    from conference.accounts.models import Role

    make_user("badges@example.org", roles=[Role.BADGE_DESK])
    login(client, "badges@example.org")
    token = csrf_token(client, "/cop50/register/state")
    response = client.post(f"/admin/cop50/delegations/{kenya.id}/quota", data={"csrf_token": token, "quota": "99"})
    assert response.status_code == 403
    db_session.refresh(kenya)
    assert kenya.quota == 15
