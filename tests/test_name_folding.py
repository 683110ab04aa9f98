"""Names as readers compare them: one folding for the back office's search and the duplicate check."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from alembic.migration import MigrationContext
from alembic.operations import Operations
from alembic.script import ScriptDirectory
from flask_migrate import upgrade
from sqlalchemy import select

from conference import create_app
from conference.core.errors import Invalid
from conference.core.i18n import fold
from conference.extensions import db
from conference.registration.models import EntityType, RegionalGroup, Registration
from conference.registration.services import Actor, QueueFilters, name_key, register, search
from tests.factories import make_delegation, make_entity, make_registration, make_user
from tests.test_migrations import empty_database  # noqa: F401 (a fixture)
from tests.test_registration import future_conference, person
from tests.test_registration_web import login

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


@pytest.mark.parametrize("typed, stored", [
    ("Lukasiewicz", "Łukasiewicz"), ("lukasiewicz", "ŁUKASIEWICZ"), ("Strasse", "Straße"), ("Muller", "Müller"),
    ("Gudmundsdottir", "Guðmundsdóttir"), ("Orsted", "Ørsted"), ("Dogan", "Doğan"), ("Kiliç", "Kılıç"),
    ("Maria", "María"), ("Μαρια", "Μαρία"), ("محمد", "مُحَمَّد"), ("Елкин", "Ёлкин"), ("ANNA  marie", "Anna Marie"),
])
def test_what_readers_fold_is_folded(typed, stored):
    assert fold(typed) == fold(stored)


@pytest.mark.parametrize("one, other", [
    ("Андрей", "Андреи"),  # й is a letter of its own, not и with an accent
    ("Її", "Іі"),  # Ukrainian ї is not і
    ("Ўладзімір", "Уладзімір"),  # Belarusian ў is not у
    ("が", "か"),  # Japanese: the voicing mark makes another syllable
    ("क्षमा", "कषमा"),  # Devanagari: the virama joins two letters into one
])
def test_letters_that_change_a_name_stay_apart(one, other):
    assert fold(one) != fold(other)


def test_the_folded_key_stays_within_its_column():
    assert len(name_key("ß" * 120, "æ" * 120)) == 250


@pytest.fixture
def world(db_session):
    c = future_conference("cop80")
    poland = make_delegation(c, make_entity(EntityType.STATE, "Poland", "POL", RegionalGroup.EASTERN_EUROPEAN))
    russia = make_delegation(c, make_entity(EntityType.STATE, "Russian Federation", "RUS",
                                            RegionalGroup.EASTERN_EUROPEAN))
    db_session.commit()
    return {"c": c, "poland": poland, "russia": russia}


def test_the_back_office_finds_lukasiewicz_from_lukasiewicz(client, world, db_session):
    r = register(world["c"], world["poland"], person(world["c"], family_name="Łukasiewicz", given_names="Jan",
                                                     email="jan@example.org", passport_number="PL1"),
                 actor=Actor.COMMAND_LINE, require_consent=False)
    make_registration(world["poland"], family_name="Lukas", given_names="Anna")
    db_session.commit()
    rows, total = search(world["c"], QueueFilters(q="Lukasiewicz"))
    assert [row.id for row in rows] == [r.id] and total == 1
    assert [row.id for row in search(world["c"], QueueFilters(q="jan łukasiewicz"))[0]] == [r.id]
    make_user("officer@example.org")
    login(client, "officer@example.org")
    page = client.get("/admin/cop80/registrations?q=Lukasiewicz").get_data(as_text=True)
    assert "Łukasiewicz" in page and "Lukas<" not in page and "Anna" not in page


def test_the_duplicate_check_keeps_short_i_apart_and_folds_accents(world, db_session):
    c, russia = world["c"], world["russia"]
    born = date(1975, 2, 3)
    register(c, russia, person(c, family_name="Петров", given_names="Андрей", date_of_birth=born,
                               email="a1@example.org", passport_number="RU1"), actor=Actor.COMMAND_LINE,
             require_consent=False)
    # Андреи is another name: not refused as the same person.
    other = register(c, russia, person(c, family_name="Петров", given_names="Андреи", date_of_birth=born,
                                       email="a2@example.org", passport_number="RU2"), actor=Actor.COMMAND_LINE,
                     require_consent=False)
    assert other.id is not None
    db_session.commit()
    # The same name in other case and spacing, or with ł typed as l, is the same person.
    with pytest.raises(Invalid) as refused:
        register(c, russia, person(c, family_name="ПЕТРОВ", given_names=" андрей ", date_of_birth=born,
                                   email="a3@example.org", passport_number="RU3"), actor=Actor.COMMAND_LINE,
                 require_consent=False)
    assert "family_name" in refused.value.errors
    db_session.rollback()
    register(c, world["poland"], person(c, family_name="Łukasiewicz", given_names="Jan", date_of_birth=born,
                                        email="j1@example.org", passport_number="PL1"), actor=Actor.COMMAND_LINE,
             require_consent=False)
    with pytest.raises(Invalid) as refused:
        register(c, world["poland"], person(c, family_name="Lukasiewicz", given_names="Jan", date_of_birth=born,
                                            email="j2@example.org", passport_number="PL2"), actor=Actor.COMMAND_LINE,
                 require_consent=False)
    assert "family_name" in refused.value.errors


def test_the_migration_folds_the_stored_keys_anew(empty_database):  # noqa: F811
    url, engine_options = empty_database
    app = create_app({"PLENARY_ENV": "testing", "DATABASE_URL": url,
                      "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, **engine_options}})
    born = date(1970, 1, 1)
    with app.app_context():
        try:
            upgrade()
            c = future_conference("cop81")
            d = make_delegation(c, make_entity(EntityType.STATE, "Poland", "POL"))
            # Keys as the earlier folding stored them: ł kept, й taken for и.
            ids = [make_registration(d, family_name=family, given_names=given, date_of_birth=born, name_key=old).id
                   for family, given, old in (("Łukasiewicz", "Jan", "łukasiewicz jan"),
                                              ("Петров", "Андрей", "петров андреи"),
                                              ("Lukasiewicz", "Piotr", "lukasiewicz piotr"),
                                              ("Łukasiewicz", "Piotr", "łukasiewicz piotr"))]
            db.session.commit()
            # The data migration run again over the stored keys (going down and up through the later migrations
            # would rebuild tables on SQLite and lose the rows).
            script = ScriptDirectory(str(MIGRATIONS)).get_revision("8f3d2a61c7b4")
            with db.engine.begin() as conn, Operations.context(MigrationContext.configure(conn)):
                script.module.upgrade()
            db.session.remove()
            keys = dict(db.session.execute(select(Registration.id, Registration.name_key)
                                           .where(Registration.id.in_(ids))).all())
            # Two people who now read the same, born the same day: the later keeps its key (the log says which).
            assert [keys[i] for i in ids] == ["lukasiewicz jan", "петров андрей", "lukasiewicz piotr",
                                              "łukasiewicz piotr"]
        finally:
            db.session.remove()
            db.engine.dispose()  # the SQLite file and the PostgreSQL schema go with the fixture
