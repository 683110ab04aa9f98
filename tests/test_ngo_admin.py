"""The back office's NGOs: one NGO's details corrected, and the session's decision on it (admitted or not, on a day,
for a reason), audited."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from conference.core.db import utcnow
from conference.core.errors import RuleViolation
from conference.core.models import AuditLog
from conference.registration import services
from conference.registration.models import Delegation, EntityType, NgoAdmission, ParticipatingEntity
from conference.registration.models import RegistrationStatus as S
from conference.registration.services import Actor
from tests.conftest import csrf_token
from tests.factories import make_delegation, make_entity, make_registration
from tests.test_accounts import login
from tests.test_participants_csv import world  # noqa: F401  (fixture)


@pytest.fixture
def officer(client, world):  # noqa: F811
    login(client, "officer@example.org")
    return client


def page(world) -> str:  # noqa: F811
    return f"/admin/cop99/ngos/{world['entities']['ngo'].id}"


def save(client, world, **values):  # noqa: F811
    data = {"name": "Friends of Justice", "acronym": "", "country": "", "ecosoc_status": "SPECIAL", "website": "",
            **values}
    return client.post(page(world), data={"csrf_token": csrf_token(client, page(world)), **data})


def decide(client, world, **values):  # noqa: F811
    return client.post(page(world) + "/decision", data={"csrf_token": csrf_token(client, page(world)), **values})


def error_of(body: str, name: str) -> str:
    match = re.search(rf'<p class="error" id="{name}-error">(.*?)</p>', body, re.S)
    return match.group(1) if match else ""


def test_the_list_shows_the_roster_and_each_ones_standing(officer, world, db_session):  # noqa: F811
    make_entity(EntityType.NGO_OTHER, "Roster Only")
    db_session.commit()
    body = officer.get("/admin/cop99/ngos/").get_data(as_text=True)
    assert "Friends of Justice" in body and page(world) in body
    assert "Roster Only" in body and "Not at this session" in body
    assert "France" not in body and "Francophonie" not in body


def test_admitting_an_ngo_of_the_roster_gives_it_a_delegation(officer, world, db_session):  # noqa: F811
    e = make_entity(EntityType.NGO_OTHER, "Roster Only")
    db_session.commit()
    response = officer.post(f"/admin/cop99/ngos/{e.id}/decision", data={
        "csrf_token": csrf_token(officer, f"/admin/cop99/ngos/{e.id}"), "decision": "admit", "decided_on": "",
        "reason": "Listed 30 days, no objection"})
    assert response.status_code == 302
    d = db_session.scalars(select(Delegation).where(Delegation.entity_id == e.id)).one()
    assert d.conference_id == world["c"].id and d.ngo_admission == NgoAdmission.ADMITTED
    assert d in services.delegations_for(world["c"], "ngo")  # offered on the public form now


def test_an_ngo_is_corrected_and_the_change_audited(officer, world, db_session):  # noqa: F811
    response = save(officer, world, name="Friends  of Justice International", acronym="FoJI", country="KEN",
                    ecosoc_status="", website="foji.example.org")
    assert response.status_code == 302
    db_session.expire_all()
    e = db_session.get(ParticipatingEntity, world["entities"]["ngo"].id)
    assert (e.name, e.short_name, e.country_iso3, e.website) == ("Friends of Justice International", "FoJI", "KEN",
                                                                 "https://foji.example.org")
    # Without consultative status it becomes an NGO that goes through the objection period.
    assert e.entity_type == EntityType.NGO_OTHER and e.ecosoc_status is None
    entry = db_session.scalars(select(AuditLog).where(AuditLog.action == "entity.edit")).one()
    assert entry.actor == "officer@example.org"
    assert entry.before["name"] == "Friends of Justice" and entry.after["ecosoc_status"] is None
    body = officer.get(page(world)).get_data(as_text=True)
    assert "Friends of Justice International" in body and "details changed" in body  # the history says what happened
    # Saved again unchanged: nothing new in the log.
    save(officer, world, name="Friends of Justice International", acronym="FoJI", country="KEN", ecosoc_status="",
         website="https://foji.example.org")
    assert db_session.scalars(select(AuditLog).where(AuditLog.action == "entity.edit")).all() == [entry]


def test_bad_details_are_said_at_their_fields_and_nothing_is_saved(officer, world, db_session):  # noqa: F811
    make_entity(EntityType.NGO_ECOSOC, "Transparency Watch")
    db_session.commit()
    response = save(officer, world, name="", website="not a site", acronym="A" * 81)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Enter the organization" in error_of(body, "name")
    assert error_of(body, "acronym") and 'value="not a site"' in body
    response = save(officer, world, name="Transparency Watch", website="not a site")
    body = response.get_data(as_text=True).replace("&#34;", '"')
    assert response.status_code == 422 and "not a web address" in error_of(body, "website")
    response = save(officer, world, name="Transparency Watch")
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and "Another NGO is already called" in error_of(body, "name")
    assert 'value="Transparency Watch"' in body
    db_session.expire_all()
    assert db_session.get(ParticipatingEntity, world["entities"]["ngo"].id).name == "Friends of Justice"
    assert not db_session.scalars(select(AuditLog).where(AuditLog.action == "entity.edit")).all()


def test_a_decision_is_recorded_with_its_day_and_reason(officer, world, db_session):  # noqa: F811
    d = world["ngo"]
    r = make_registration(d, status=S.SUBMITTED, photo="photos/x.jpg")
    db_session.commit()
    response = decide(officer, world, decision="refuse", decided_on="", reason="")
    assert response.status_code == 422 and "Say why" in error_of(response.get_data(as_text=True), "reason")
    tomorrow = (utcnow().date() + timedelta(days=2)).isoformat()
    response = decide(officer, world, decision="refuse", decided_on=tomorrow, reason="Objection upheld")
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and "cannot be dated after today" in error_of(body, "decided_on")
    assert "Objection upheld" in body  # what was typed is kept
    db_session.expire_all()
    assert db_session.get(type(d), d.id).ngo_admission == NgoAdmission.NOT_APPLICABLE  # as the fixture made it
    response = decide(officer, world, decision="refuse", decided_on="2026-10-12", reason="Objection upheld")
    assert response.status_code == 302
    db_session.expire_all()
    d = db_session.get(type(d), d.id)
    assert (d.ngo_admission, d.ngo_decided_on, d.ngo_decision_reason) == (NgoAdmission.REFUSED, date(2026, 10, 12),
                                                                          "Objection upheld")
    entry = db_session.scalars(select(AuditLog).where(AuditLog.action == "delegation.ngo_refuse")).one()
    assert entry.reason == "Objection upheld" and entry.after["decided_on"] == "2026-10-12"
    # Not admitted: its delegates cannot be approved, though it is in consultative status.
    with pytest.raises(RuleViolation, match="did not admit"):
        services.transition(db_session.merge(r), "approve", actor=Actor.COMMAND_LINE)
    db_session.rollback()
    assert decide(officer, world, decision="admit", decided_on="", reason="").status_code == 302
    db_session.expire_all()
    d = db_session.get(type(d), d.id)
    assert d.ngo_admission == NgoAdmission.ADMITTED and d.ngo_decided_on is not None


def test_other_entities_have_no_ngo_page(officer, world):  # noqa: F811
    france = world["entities"]["france"].id
    assert officer.get(f"/admin/cop99/ngos/{france}").status_code == 404
    assert officer.post(f"/admin/cop99/ngos/{france}/decision", data={
        "csrf_token": csrf_token(officer, page(world)), "decision": "admit"}).status_code == 404


def test_a_decision_on_an_ngo_without_status_ends_its_wait(world, db_session):  # noqa: F811
    d = make_delegation(world["c"], make_entity(EntityType.NGO_OTHER, "New NGO"))
    r = make_registration(d, status=S.SUBMITTED, photo="photos/x.jpg")
    with pytest.raises(RuleViolation, match="not yet been listed"):
        services.transition(r, "approve", actor=Actor.COMMAND_LINE)
    services.ngo_admission_step(d, "admit", user=None, reason="Admitted by the Conference",
                                decided_on=utcnow().date())
    services.transition(r, "approve", actor=Actor.COMMAND_LINE)
    assert r.status == S.APPROVED


def test_only_the_secretariat_may(app, world):  # noqa: F811
    badges = app.test_client()
    login(badges, "badges@example.org")
    assert badges.get("/admin/cop99/ngos/").status_code == 403
    assert badges.get(page(world)).status_code == 403
