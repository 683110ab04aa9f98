"""A race past the Python checks: the database refuses, and the person is told which field, by the name of the
constraint that refused, never by the words of the error (which quote the values on PostgreSQL)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from conference.core.db import utcnow, violated_constraint
from conference.core.errors import Invalid
from conference.extensions import db
from conference.programme.models import Session, SessionSignup
from conference.registration import services
from conference.registration.models import DelegationRole, Registration
from conference.registration.services import Actor, rules
from tests.factories import make_registration, make_session
from tests.test_registration import person, world  # noqa: F401  (fixture)


def refusal(statement) -> IntegrityError:
    with pytest.raises(IntegrityError) as caught:
        with db.session.begin_nested():
            db.session.execute(statement)
    return caught.value


def test_the_constraint_is_told_by_its_name(world, db_session):  # noqa: F811
    c, france = world["c"], world["france"]
    r = make_registration(france, email="someone@example.org", passport_number="P1")
    s = make_session(c)
    columns = {"conference_id": c.id, "delegation_id": france.id, "family_name": "X", "given_names": "Y",
               "badge_name": "Y X", "gender": "female", "delegation_role": "ADVISER", "status": "SUBMITTED",
               "status_token": "t1", "agenda_token": "a1", "name_key": "x y"}
    assert violated_constraint(refusal(insert(Registration).values(**columns, email="someone@example.org"))) == \
        "uq_registration_conference_id_email"
    assert violated_constraint(refusal(insert(Registration).values(
        **columns, email="other@example.org", passport_number="P1"))) == \
        "uq_registration_conference_id_passport_number"
    signup = {"session_id": s.id, "registration_id": r.id, "status": "CONFIRMED", "created_at": utcnow()}
    db_session.execute(insert(SessionSignup).values(**signup))
    assert violated_constraint(refusal(insert(SessionSignup).values(**signup))) == \
        "uq_session_signup_session_id_registration_id"
    assert violated_constraint(refusal(Session.__table__.update().where(Session.id == s.id).values(capacity=0))) == \
        "ck_session_capacity_positive"


@pytest.fixture
def raced(monkeypatch):
    """The checks in Python found nothing, and then another request wrote the conflicting row: as if they had
    run a moment before it."""
    monkeypatch.setattr(rules, "_check_identity", lambda *args, **kw: None)
    monkeypatch.setattr(rules, "_check_one_head", lambda *args, **kw: None)


# Values chosen to hold the words the old code looked for in the error text ("passport", "head", "email").
CASES = {
    "email": (dict(email="head.of.passport.office@example.org"),
              dict(email="head.of.passport.office@example.org", passport_number="Z9", family_name="Other")),
    "passport_number": (dict(email="a.head@example.org", passport_number="EMAIL1"),
                        dict(email="b@example.org", passport_number="EMAIL1", family_name="Other")),
    "family_name": (dict(email="c@example.org", family_name="Passport", given_names="Head",
                         name_key=rules.name_key("Passport", "Head"), date_of_birth=date(1980, 5, 17)),
                    dict(email="d@example.org", passport_number="Z8", family_name="Passport", given_names="Head")),
    "delegation_role": (dict(email="passport.desk@example.org", delegation_role=DelegationRole.HEAD),
                        dict(email="e.passport@example.org", passport_number="Z7", family_name="Other",
                             delegation_role=DelegationRole.HEAD)),
}


@pytest.mark.parametrize("field", CASES)
def test_a_race_past_the_checks_names_the_right_field(world, db_session, raced, field):  # noqa: F811
    existing, new = CASES[field]
    make_registration(world["france"], **existing)
    db_session.commit()
    with pytest.raises(Invalid) as refused:
        services.register(world["c"], world["france"], person(world["c"], **new), actor=Actor.PARTICIPANT)
    assert list(refused.value.errors) == [field]
