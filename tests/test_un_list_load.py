"""Loading the UN list into the participating entities (`entities load-un-list`, and every new session): it adds
what is missing, brings names and groups up to date, and never duplicates or deletes (SQLite and PostgreSQL)."""

from __future__ import annotations

import time as clock
from datetime import date, time

import pytest
from sqlalchemy import func, select

from conference.conferences.services import SessionSettings, create_conference
from conference.core.models import AuditLog
from conference.registration.models import (
    IGO_TYPES,
    EntityType,
    ParticipatingEntity,
    RegionalGroup,
    TreatyStatus,
)
from conference.registration.services.un_list import load_un_list, un_list
from tests.factories import make_conference, make_delegation, make_entity

LISTED = len(un_list())


def entities(db_session) -> dict[str, ParticipatingEntity]:
    """Every entity by its ISO code, else its name."""
    return {e.iso3 or e.name: e for e in db_session.scalars(select(ParticipatingEntity))}


def count(db_session, model=ParticipatingEntity) -> int:
    return db_session.scalar(select(func.count()).select_from(model))


def test_an_empty_database_gets_every_state_and_organization(db_session):
    report = load_un_list()
    db_session.commit()
    assert len(report.created) == LISTED and not report.updated and not report.problems
    found = entities(db_session)
    states = [e for e in found.values() if e.iso3]
    assert len(states) == 195 and all(e.is_state for e in states)
    assert found["TUR"].name == "Türkiye" and found["TUR"].regional_group == RegionalGroup.WEOG
    assert found["USA"].regional_group == RegionalGroup.WEOG and found["KIR"].regional_group is None
    assert found["KOR"].names == {"fr": "République de Corée", "es": "República de Corea", "ru": "Республика Корея",
                                  "zh": "大韩民国", "ar": "جمهورية كوريا"}
    # Only States are offered as States: organizations and the European Union have no ISO code, and no organization
    # is in a State's category.
    eu = found["European Union"]
    assert eu.iso3 is None and eu.short_name == "EU" and not eu.is_state
    assert found["International Organization for Migration"].entity_type == EntityType.SPECIALIZED_AGENCY
    organizations = [e for e in found.values() if e.iso3 is None and e is not eu]
    assert organizations and all(e.entity_type in IGO_TYPES and not e.is_state for e in organizations)
    assert count(db_session, AuditLog) == LISTED  # each addition in the audit log


def test_loading_twice_changes_nothing(db_session):
    load_un_list()
    db_session.commit()
    before = {key: (e.id, e.name, e.names, e.regional_group, e.short_name) for key, e in entities(db_session).items()}
    audited = count(db_session, AuditLog)
    started = clock.perf_counter()
    report = load_un_list()
    db_session.commit()
    elapsed = clock.perf_counter() - started
    assert not report.changed and report.unchanged == LISTED
    after = {key: (e.id, e.name, e.names, e.regional_group, e.short_name) for key, e in entities(db_session).items()}
    assert after == before and count(db_session, AuditLog) == audited
    assert elapsed < 5  # one query, nothing written: a new session does not wait for it


def test_a_renamed_state_is_updated_and_keeps_its_status_and_delegations(db_session):
    conference = make_conference("cop11")
    turkey = make_entity(EntityType.STATE, name="Turkey", iso3="TUR", group=RegionalGroup.ASIA_PACIFIC,
                         names={"fr": "Turquie", "de": "Türkei"})
    delegation = make_delegation(conference, turkey, treaty_status=TreatyStatus.SIGNATORY)
    db_session.commit()
    report = load_un_list(actor="someone")
    db_session.commit()
    assert report.updated.count("Türkiye") == 1
    found = entities(db_session)
    assert found["TUR"].id == turkey.id and found["TUR"].name == "Türkiye"
    assert found["TUR"].regional_group == RegionalGroup.WEOG
    # The UN's names written over CLDR's; a language the list does not have is kept.
    assert found["TUR"].names["fr"] == "Türkiye" and found["TUR"].names["de"] == "Türkei"
    # The treaty status (the delegation's, per session) is not the list's to change.
    assert found["TUR"].entity_type == EntityType.STATE and delegation.treaty_status == TreatyStatus.SIGNATORY
    assert delegation.entity_id == turkey.id and count(db_session, ParticipatingEntity) == LISTED
    entry = db_session.scalar(select(AuditLog).where(AuditLog.action == "entity.un_list",
                                                     AuditLog.object_id == turkey.id))
    assert entry.actor == "someone" and entry.before["name"] == "Turkey" and entry.after["name"] == "Türkiye"
    assert entry.before["regional_group"] == "ASIA_PACIFIC" and "entity_type" not in entry.after


def test_organizations_are_matched_by_name_or_acronym_never_duplicated(db_session):
    coe = make_entity(EntityType.IGO, name="council of europe")
    interpol = make_entity(EntityType.IGO, name="ICPO-INTERPOL", short_name="Interpol")
    eu = make_entity(EntityType.REIO, name="European Union")
    db_session.commit()
    load_un_list()
    db_session.commit()
    found = entities(db_session)
    assert found["Council of Europe"].id == coe.id and coe.short_name == "CoE" and coe.names["ru"] == "Совет Европы"
    assert found["International Criminal Police Organization"].id == interpol.id
    assert interpol.short_name == "INTERPOL"
    assert found["European Union"].id == eu.id and eu.entity_type == EntityType.REIO and eu.iso3 is None
    assert count(db_session, ParticipatingEntity) == LISTED


def test_nothing_is_deleted(db_session):
    conference = make_conference("cop11")
    ngo = make_entity(EntityType.NGO_OTHER, name="Friends of the Convention")
    regional = make_entity(EntityType.IGO, name="Regional Anti-Crime Centre", short_name="RACC")
    other = make_entity(EntityType.OTHER, name="Observer without a seat")
    make_delegation(conference, ngo)
    db_session.commit()
    load_un_list()
    db_session.commit()
    found = entities(db_session)
    assert {ngo.name, regional.name, other.name} <= set(found)
    assert count(db_session, ParticipatingEntity) == LISTED + 3


def test_a_name_held_by_another_entity_is_reported_not_forced(db_session):
    # Two entries for one State: the one with the code cannot take the other's name (one name per category).
    old = make_entity(EntityType.STATE, name="Turkey", iso3="TUR", group=RegionalGroup.WEOG)
    make_entity(EntityType.STATE, name="Türkiye", iso3="XTR")
    db_session.commit()
    report = load_un_list()
    db_session.commit()
    assert old.name == "Turkey" and old.names["fr"] == "Türkiye"
    assert any("TUR" in p and "Turkey" in p for p in report.problems)
    report = load_un_list()
    assert len(report.problems) == 1 and not report.changed


def test_the_command_loads_and_says_what_it_did(runner, db_session):
    result = runner.invoke(args=["entities", "load-un-list"])
    assert result.exit_code == 0, result.output
    assert f"{LISTED} added, 0 updated, 0 already as the list has them" in result.output
    result = runner.invoke(args=["entities", "load-un-list"])
    assert result.exit_code == 0 and f"0 added, 0 updated, {LISTED} already" in result.output
    assert count(db_session, ParticipatingEntity) == LISTED


def test_a_new_session_has_the_states_to_choose_from(db_session):
    settings = SessionSettings(titles={"en": "Thirteenth session"}, short_titles={"en": "COP13"},
                               venue="Vienna International Centre", city="Vienna", timezone="Europe/Vienna",
                               starts_on=date(2027, 10, 11), ends_on=date(2027, 10, 15), venue_opens=time(8, 0),
                               venue_closes=time(20, 0), languages=["en", "fr"])
    create_conference("cop13", settings, actor="admin")
    db_session.commit()
    states = db_session.scalars(select(ParticipatingEntity).where(ParticipatingEntity.iso3.is_not(None))).all()
    assert len(states) == 195 and all(s.entity_type == EntityType.STATE for s in states)


def test_two_loads_at_once_do_not_fail(db_session, monkeypatch):
    """Two sessions created at the same moment on a database without the list: the other one commits Afghanistan
    between this load's reading and its writing; this one then matches it rather than failing."""
    from conference.extensions import db
    from conference.registration.services import un_list as module

    if db.engine.dialect.name == "sqlite":
        pytest.skip("SQLite has one writer at a time: the second is refused ('database is locked'), not raced")
    create = module._create

    def meanwhile(item, taken, report):
        if item.iso3 == "AFG" and not report.created:
            with db.engine.begin() as other:
                other.execute(ParticipatingEntity.__table__.insert().values(
                    entity_type=module.NEW_STATE_TYPE.value, name="Afghanistan", iso3="AFG", names={},
                    website=""))
        return create(item, taken, report)

    monkeypatch.setattr(module, "_create", meanwhile)
    report = load_un_list()
    db_session.commit()
    # Matched on the second try, and given its names and group.
    assert len(report.created) == LISTED - 1 and report.updated == ["Afghanistan"]
    assert count(db_session, ParticipatingEntity) == LISTED


def test_the_back_office_page_loads_the_list(client, db_session):
    from conference.accounts.models import Role
    from tests.conftest import csrf_token
    from tests.factories import make_user
    from tests.test_accounts import login

    make_user("admin@example.org", roles=(Role.ADMIN,))
    make_user("officer@example.org")
    login(client, "officer@example.org")
    assert client.get("/admin/entities/").status_code == 403  # setting up sessions is the admins'
    client.post("/logout", data={"csrf_token": csrf_token(client, "/admin/")})
    login(client, "admin@example.org")
    page = client.get("/admin/entities/").get_data(as_text=True)
    assert "Load the UN list" in page and "No State yet" in page
    assert client.post("/admin/entities/load-un-list").status_code == 400  # no CSRF token
    assert count(db_session, ParticipatingEntity) == 0
    response = client.post("/admin/entities/load-un-list",
                           data={"csrf_token": csrf_token(client, "/admin/entities/")}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and f"{LISTED} added, 0 brought up to date" in page
    assert "195 States" in page and "Türkiye" in page and "Not a member of a regional group" in page
    assert count(db_session, ParticipatingEntity) == LISTED
    entry = db_session.scalar(select(AuditLog).where(AuditLog.action == "entity.un_list").limit(1))
    assert entry.actor == "admin@example.org"
    # In French, each State's French name beside its English one.
    page = client.get("/admin/entities/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "République de Corée" in page
