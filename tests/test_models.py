"""Integrity held by the database itself, on SQLite and PostgreSQL alike."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.exc import IntegrityError, StatementError

from conference.badges.models import Badge
from conference.checkin.models import GATE, CheckIn, CheckInResult
from conference.conferences.models import Conference, Room
from conference.programme.models import Session, SessionKind
from conference.registration.models import (
    BadgeState,
    DelegationRole,
    EntityType,
    Registration,
    RegistrationStatus,
)
from tests.factories import (
    make_conference,
    make_delegation,
    make_entity,
    make_registration,
    make_room,
    make_session,
)


@pytest.fixture
def delegation(db_session):
    conference = make_conference()
    return make_delegation(conference, make_entity(iso3="AUT"))


def test_times_keep_their_offset(db_session):
    vienna = datetime(2024, 10, 14, 10, 0, tzinfo=ZoneInfo("Europe/Vienna"))
    c = make_conference(registration_opens_at=vienna)
    db_session.commit()
    db_session.expire_all()
    loaded = db_session.get(Conference, c.id).registration_opens_at
    assert loaded.tzinfo is not None
    assert loaded.utcoffset() == timedelta(0)
    assert loaded == vienna  # the same instant
    assert loaded.hour == 8  # 10:00 CEST is 08:00 UTC
    # The raw stored value is UTC too, whatever the backend.
    raw = db_session.execute(text("SELECT registration_opens_at FROM conference")).scalar_one()
    assert "08:00" in str(raw)


def test_naive_datetimes_are_refused(db_session):
    with pytest.raises(StatementError, match="naive datetime"):
        make_conference(registration_opens_at=datetime(2024, 10, 14, 10, 0))
    db_session.rollback()


def test_venue_time_conversion_across_daylight_saving(db_session):
    c = make_conference(starts_on=date(2024, 10, 24), ends_on=date(2024, 10, 28))
    before = c.at_venue(date(2024, 10, 26), time(10, 0))
    after = c.at_venue(date(2024, 10, 28), time(10, 0))
    assert before.hour == 8 and after.hour == 9  # CEST then CET
    assert c.local(after).hour == 10


def test_foreign_keys_are_enforced(delegation, db_session):
    with pytest.raises(IntegrityError):
        make_registration(delegation, delegation_id=999_999)
    db_session.rollback()


def test_one_registration_per_person_and_session(delegation, db_session):
    make_registration(delegation, email="same@example.org")
    with pytest.raises(IntegrityError):
        make_registration(delegation, email="same@example.org")
    db_session.rollback()


def test_the_same_passport_cannot_register_twice(delegation, db_session):
    make_registration(delegation, passport_number="X123")
    make_registration(delegation, passport_number=None)
    make_registration(delegation, passport_number=None)  # unknown passports do not collide
    with pytest.raises(IntegrityError):
        make_registration(delegation, passport_number="X123")
    db_session.rollback()


def test_the_same_name_and_birth_date_cannot_register_twice(delegation, db_session):
    make_registration(delegation, name_key="dubois helene", date_of_birth=date(1980, 5, 1))
    with pytest.raises(IntegrityError):
        make_registration(delegation, name_key="dubois helene", date_of_birth=date(1980, 5, 1))
    db_session.rollback()


def test_the_same_person_may_attend_another_session(delegation, db_session):
    other = make_conference("cop98")
    make_registration(delegation, email="same@example.org", passport_number="X1")
    make_registration(make_delegation(other, delegation.entity), email="same@example.org", passport_number="X1")
    db_session.commit()


def test_a_delegation_has_one_head(delegation, db_session):
    make_registration(delegation, role=DelegationRole.HEAD)
    # A withdrawn head does not block the new one.
    make_registration(delegation, role=DelegationRole.HEAD, status=RegistrationStatus.WITHDRAWN)
    with pytest.raises(IntegrityError):
        make_registration(delegation, role=DelegationRole.HEAD, status=RegistrationStatus.SUBMITTED)
    db_session.rollback()


def test_email_is_stored_lower_case(delegation, db_session):
    with pytest.raises(IntegrityError):
        make_registration(delegation, email="Upper@Example.org")
    db_session.rollback()


def test_a_printed_badge_needs_a_serial_and_an_approval(delegation, db_session):
    with pytest.raises(IntegrityError):
        make_registration(delegation, badge_state=BadgeState.PRINTED)
    db_session.rollback()
    with pytest.raises(IntegrityError):
        make_registration(delegation, status=RegistrationStatus.SUBMITTED, badge_state=BadgeState.PRINTED,
                          badge_serial="S1")
    db_session.rollback()


def test_enumerations_are_checked_by_the_database(delegation, db_session):
    r = make_registration(delegation)
    db_session.commit()
    with pytest.raises(IntegrityError):
        db_session.execute(text("UPDATE registration SET status = 'LOST' WHERE id = :id"), {"id": r.id})
    db_session.rollback()


@pytest.mark.parametrize("values", [
    {"code": "COP12"},  # codes are lower case
    {"ends_on": date(2024, 10, 1)},  # before the start
    {"retention_days": -1},
])
def test_conference_checks(db_session, values):
    with pytest.raises(IntegrityError):
        make_conference(**values)
    db_session.rollback()


def test_room_and_session_checks(db_session):
    c = make_conference()
    with pytest.raises(IntegrityError):
        make_room(c, capacity=0)
    db_session.rollback()
    c = make_conference()
    room = make_room(c)
    with pytest.raises(IntegrityError):
        make_session(c, room, start=time(14, 0), end=time(13, 0))
    db_session.rollback()
    c = make_conference()
    make_room(c, "m1")
    with pytest.raises(IntegrityError):
        make_room(c, "m1")
    db_session.rollback()


def test_only_states_have_iso_codes(db_session):
    with pytest.raises(IntegrityError):
        make_entity(EntityType.NGO_ECOSOC, iso3="XYZ")
    db_session.rollback()
    with pytest.raises(IntegrityError):
        make_entity(EntityType.STATE, iso3="aut")
    db_session.rollback()


def test_a_person_is_admitted_once_per_door_and_day(delegation, db_session):
    r = make_registration(delegation)
    c_id = delegation.conference_id
    scan = dict(conference_id=c_id, registration_id=r.id, door=GATE, venue_day=date(2024, 10, 14),
                scanned_at=datetime(2024, 10, 14, 7, tzinfo=UTC))
    db_session.execute(insert(CheckIn), [{**scan, "result": CheckInResult.ADMITTED},
                                         {**scan, "result": CheckInResult.ALREADY_ADMITTED},
                                         {**scan, "result": CheckInResult.ADMITTED,
                                          "venue_day": date(2024, 10, 15)}])
    db_session.commit()
    with pytest.raises(IntegrityError):
        db_session.execute(insert(CheckIn), [{**scan, "result": CheckInResult.ADMITTED}])
    db_session.rollback()


def test_a_check_in_names_its_door_consistently(delegation, db_session):
    r = make_registration(delegation)
    with pytest.raises(IntegrityError):
        db_session.add(CheckIn(conference_id=delegation.conference_id, registration_id=r.id, door="session-1",
                               venue_day=date(2024, 10, 14), result=CheckInResult.ADMITTED))
        db_session.flush()
    db_session.rollback()


def test_one_valid_badge_per_registration(delegation, db_session):
    r = make_registration(delegation)
    now = datetime.now(UTC)
    db_session.add(Badge(registration_id=r.id, serial="A1", superseded_at=now))
    db_session.add(Badge(registration_id=r.id, serial="A2"))
    db_session.flush()
    with pytest.raises(IntegrityError):
        db_session.add(Badge(registration_id=r.id, serial="A3"))
        db_session.flush()
    db_session.rollback()


def test_session_uid_is_stable_and_unique(db_session):
    c = make_conference()
    a, b = make_session(c), make_session(c)
    db_session.commit()
    uid = a.uid
    a.title = "Renamed"
    db_session.commit()
    db_session.expire_all()
    assert db_session.get(Session, a.id).uid == uid != b.uid
    assert db_session.scalar(select(Session.kind).where(Session.id == a.id)) == SessionKind.SIDE_EVENT


def test_deleting_a_room_in_use_is_refused(db_session):
    c = make_conference()
    room = make_room(c)
    make_session(c, room)
    db_session.commit()
    with pytest.raises(IntegrityError):
        db_session.execute(text("DELETE FROM room WHERE id = :id"), {"id": room.id})
        db_session.flush()
    db_session.rollback()
    assert db_session.get(Room, room.id) is not None


def test_registration_full_name(delegation):
    r = make_registration(delegation, given_names="Hélène", family_name="Dubois")
    assert isinstance(r, Registration) and r.full_name == "Hélène Dubois"
