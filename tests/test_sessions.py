"""A new session from an earlier one (`flask sessions copy`), and the demonstration's open session."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from conference.accounts.models import Role, User
from conference.checkin.models import CheckInResult
from conference.conferences.models import Conference, Room
from conference.conferences.services import CopyRequest, all_conferences, copy_conference
from conference.core.errors import RuleViolation
from conference.core.models import AuditLog
from conference.demo.next_session import ensure_open_session, first_day
from conference.programme.services import applications_open
from conference.registration.document_models import DelegationDocument
from conference.registration.models import (
    Category,
    CredentialsStatus,
    Delegation,
    DelegationRole,
    EntityType,
    NgoAdmission,
    NominationDocumentKind,
    ParticipatingEntity,
    RegionalGroup,
    Registration,
    RegistrationStatus,
    TreatyStatus,
)
from conference.registration.services import registration_open, set_treaty_status
from conference.statistics.services import compute
from tests.factories import make_conference, make_delegation, make_entity, make_registration, make_room, make_user

NOW = datetime(2026, 12, 6, 21, 7, 33, tzinfo=UTC)


@pytest.fixture
def cop12(db_session):
    """An earlier session with rooms, a badge scheme, delegations with documents and credentials, people."""
    c = make_conference("cop12", venue_opens=time(8, 30), venue_closes=time(19, 0), retention_days=400,
                        ngo_quota=8, side_events_per_organizer=2, languages=["en", "fr"],
                        badge_scheme={"HEAD": {"colour": "#000080", "letter": "H"}},
                        side_event_slots=[{"starts": "13:00", "ends": "14:30"}])
    c.registration_opens_at = c.at_venue(date(2024, 7, 1), time(9, 0))
    c.registration_closes_at = c.at_venue(date(2024, 10, 4), time(17, 30))
    c.side_events_open_at = c.at_venue(date(2024, 7, 15), time(9, 0))
    c.side_events_close_at = c.at_venue(date(2024, 8, 30), time(18, 0))  # 45 days before the first day
    c.opening_at = c.at_venue(date(2024, 10, 14), time(10, 0))
    make_room(c, "plenary", capacity=1200)
    make_room(c, "m3", capacity=80)
    party = make_entity(EntityType.STATE, "Austria", iso3="AUT")
    ngo = make_entity(EntityType.NGO_OTHER, "Friends of the Convention")
    ecosoc = make_entity(EntityType.NGO_ECOSOC, "Transparency Watch")
    igo = make_entity(EntityType.IGO, "Interpol")
    received = c.at_venue(date(2024, 10, 1), time(12, 0))
    d = make_delegation(c, party, quota=12, nomination_kind=NominationDocumentKind.NOTE_VERBALE,
                        nomination_document="nominations/aut.pdf", nomination_received_at=received,
                        credentials_status=CredentialsStatus.RECEIVED, credentials_received_at=received,
                        credentials_document="credentials/aut.pdf")
    make_delegation(c, ngo, quota=5, ngo_admission=NgoAdmission.ADMITTED, ngo_listed_at=received)
    make_delegation(c, ecosoc, ngo_admission=NgoAdmission.ECOSOC)
    make_delegation(c, igo)
    make_registration(d)
    make_user("focal@example.org", (Role.FOCAL_POINT,), delegation_id=d.id)
    db_session.commit()
    return c


def copy_args(*extra: str) -> list[str]:
    return ["sessions", "copy", "cop12", "cop13", "--title", "Thirteenth session", "--starts", "2027-10-11",
            "--ends", "2027-10-15", *extra]


def cop13(db_session) -> Conference:
    return db_session.scalar(select(Conference).where(Conference.code == "cop13"))


def test_copy_keeps_rooms_settings_and_entities_but_no_people_nor_documents(runner, db_session, cop12):
    result = runner.invoke(args=copy_args())
    assert result.exit_code == 0, result.output
    assert "created cop13" in result.output
    new = cop13(db_session)
    assert (new.title, new.short_title, new.starts_on, new.ends_on) == (
        "Thirteenth session", "COP13", date(2027, 10, 11), date(2027, 10, 15))
    assert (new.venue, new.city, new.timezone, new.venue_opens, new.venue_closes) == (
        cop12.venue, cop12.city, "Europe/Vienna", time(8, 30), time(19, 0))
    assert (new.retention_days, new.ngo_quota, new.side_events_per_organizer) == (400, 8, 2)
    assert new.badge_scheme == {"HEAD": {"colour": "#000080", "letter": "H"}}
    assert new.side_event_slots == [{"starts": "13:00", "ends": "14:30"}]
    assert new.languages == ["en", "fr"]
    assert new.local(new.opening_at) == datetime(2027, 10, 11, 10, 0, tzinfo=new.tz)
    assert sorted((r.slug, r.capacity) for r in new.rooms) == [("m3", 80), ("plenary", 1200)]

    delegations = {d.entity.name: d for d in db_session.scalars(
        select(Delegation).where(Delegation.conference_id == new.id))}
    assert set(delegations) == {"Austria", "Friends of the Convention", "Transparency Watch", "Interpol"}
    austria = delegations["Austria"]
    assert austria.quota == 12
    assert austria.nomination_kind is None
    assert (austria.credentials_status, austria.credentials_received_at) == (CredentialsStatus.PENDING, None)
    # No document of any version comes along; the earlier session keeps both of its own.
    on_file = db_session.execute(select(Delegation.conference_id, func.count()).join(
        DelegationDocument, DelegationDocument.delegation_id == Delegation.id).group_by(Delegation.conference_id)).all()
    assert on_file == [(cop12.id, 2)]
    assert delegations["Friends of the Convention"].quota == 5
    # Admission without ECOSOC status is decided per session: listed to States again.
    assert delegations["Friends of the Convention"].ngo_admission == NgoAdmission.NOT_APPLICABLE
    assert delegations["Friends of the Convention"].ngo_listed_at is None
    assert delegations["Transparency Watch"].ngo_admission == NgoAdmission.ECOSOC
    assert delegations["Interpol"].credentials_status == CredentialsStatus.NOT_REQUIRED
    assert db_session.scalar(select(func.count()).select_from(Registration)
                             .where(Registration.conference_id == new.id)) == 0
    # Focal points are people: they are not carried over (the earlier one keeps the earlier delegation).
    assert db_session.scalar(select(func.count()).select_from(User)
                             .join(Delegation, User.delegation_id == Delegation.id)
                             .where(Delegation.conference_id == new.id)) == 0
    # The earlier session is untouched.
    db_session.refresh(cop12)
    assert len(cop12.rooms) == 2 and cop12.registration_closes_at.year == 2024
    entry = db_session.scalar(select(AuditLog).where(AuditLog.action == "conference.copied"))
    assert entry.conference_id == new.id and entry.before == {"from": "cop12"} and entry.after["delegations"] == 4


def test_treaty_status_belongs_to_each_session(db_session, cop12):
    """A State that ratified since the last session is a party in the new one, and stays a signatory in the old
    one's records and statistics."""
    iran = make_entity(EntityType.STATE, "Iran (Islamic Republic of)", "IRN", RegionalGroup.ASIA_PACIFIC)
    old = make_delegation(cop12, iran, treaty_status=TreatyStatus.SIGNATORY, quota=7)
    make_registration(old, role=DelegationRole.HEAD)
    eu = make_delegation(cop12, make_entity(EntityType.REIO, "European Union"))
    db_session.commit()

    new = copy_conference("cop12", CopyRequest(code="cop13", title="Thirteenth session",
                                               starts_on=date(2027, 10, 11), ends_on=date(2027, 10, 15)), now=NOW)
    db_session.commit()
    copied = {d.entity.name: d for d in db_session.scalars(
        select(Delegation).where(Delegation.conference_id == new.id))}
    # Copied as it stood: status, quota and (for parties) credentials to send again.
    assert (copied["Iran (Islamic Republic of)"].treaty_status, copied["Iran (Islamic Republic of)"].quota) == (
        TreatyStatus.SIGNATORY, 7)
    assert (copied["Austria"].treaty_status, copied["Austria"].credentials_status) == (
        TreatyStatus.PARTY, CredentialsStatus.PENDING)
    assert copied["European Union"].treaty_status == TreatyStatus.PARTY and eu.treaty_status == TreatyStatus.PARTY
    assert copied["Interpol"].treaty_status is None

    # Iran ratifies before the new session.
    assert set_treaty_status(copied["Iran (Islamic Republic of)"], TreatyStatus.PARTY, user=None)
    db_session.commit()
    make_registration(copied["Iran (Islamic Republic of)"], role=DelegationRole.HEAD)
    db_session.commit()
    db_session.expire_all()

    newer = db_session.get(Delegation, copied["Iran (Islamic Republic of)"].id)
    assert (newer.category, newer.credentials_status) == (Category.STATE_PARTY, CredentialsStatus.PENDING)
    earlier = db_session.get(Delegation, old.id)
    assert (earlier.treaty_status, earlier.category) == (TreatyStatus.SIGNATORY, Category.SIGNATORY)
    # The earlier session's statistics still count Iran among signatories, the new one's among parties.
    then, now = compute(cop12), compute(new)
    assert then["by_category"]["SIGNATORY"] == 1 and then["entities_by_category"]["SIGNATORY"] == 1
    assert then["entities_by_category"]["STATE_PARTY"] == 1  # Austria alone
    assert now["by_category"]["SIGNATORY"] == 0 and now["by_category"]["STATE_PARTY"] == 1
    assert now["credentials"]["PENDING"] == 1
    entry = db_session.scalar(select(AuditLog).where(AuditLog.action == "delegation.treaty_status"))
    assert entry.conference_id == new.id and entry.before["treaty_status"] == "SIGNATORY"
    assert entry.after == {"treaty_status": "PARTY", "credentials": "PENDING"}


def test_only_states_and_the_reio_have_a_treaty_status(db_session, cop12):
    interpol = db_session.scalar(select(Delegation).join(Delegation.entity).where(
        Delegation.conference_id == cop12.id, ParticipatingEntity.name == "Interpol"))
    with pytest.raises(RuleViolation, match="Only States"):
        set_treaty_status(interpol, TreatyStatus.PARTY, user=None)
    assert interpol.treaty_status is None


def test_registration_opens_now_and_closes_14_days_before_the_first_day(db_session, cop12):
    new = copy_conference("cop12", CopyRequest(code="cop13", title="Thirteenth session",
                                               starts_on=date(2027, 10, 11), ends_on=date(2027, 10, 15)), now=NOW)
    assert new.registration_opens_at == datetime(2026, 12, 6, 21, 7, tzinfo=UTC)  # to the minute
    # 14 days before, at the time of day the earlier session closed.
    assert new.local(new.registration_closes_at) == datetime(2027, 9, 27, 17, 30, tzinfo=new.tz)
    assert registration_open(new, NOW + timedelta(minutes=1)) is None
    assert registration_open(new, datetime(2027, 9, 27, 16, 0, tzinfo=UTC)) is not None
    # Side events: as many days before the first day as the earlier session (45), opening now.
    assert new.side_events_open_at == new.registration_opens_at
    assert new.local(new.side_events_close_at) == datetime(2027, 8, 27, 18, 0, tzinfo=new.tz)
    assert applications_open(new, NOW + timedelta(minutes=1)) is None


def test_given_closing_day_and_a_side_event_window_never_after_registration(db_session, cop12):
    new = copy_conference("cop12", CopyRequest(code="cop13", title="T", starts_on=date(2027, 1, 11),
                                               ends_on=date(2027, 1, 15),
                                               registration_closes_on=date(2026, 12, 20)), now=NOW)
    assert new.local(new.registration_closes_at).date() == date(2026, 12, 20)
    # 45 days before 11 January is already past: side events close with registration instead.
    assert new.side_events_close_at == new.registration_closes_at


@pytest.mark.parametrize("args, message", [
    (["sessions", "copy", "cop11", "cop13", "--title", "T", "--starts", "2027-10-11", "--ends", "2027-10-15"],
     "no conference with the code 'cop11' (known: cop12)"),
    (["sessions", "copy", "cop12", "cop12", "--title", "T", "--starts", "2027-10-11", "--ends", "2027-10-15"],
     "A session with the code cop12 already exists."),
    (["sessions", "copy", "cop12", "COP12", "--title", "T", "--starts", "2027-10-11", "--ends", "2027-10-15"],
     "A session with the code cop12 already exists."),
    (["sessions", "copy", "cop12", "cop 13", "--title", "T", "--starts", "2027-10-11", "--ends", "2027-10-15"],
     "The code must be 2 to 32 characters"),
    (["sessions", "copy", "cop12", "admin", "--title", "T", "--starts", "2027-10-11", "--ends", "2027-10-15"],
     "The code admin is used by Plenary itself"),
    (["sessions", "copy", "cop12", "cop13", "--title", " ", "--starts", "2027-10-11", "--ends", "2027-10-15"],
     "Give the new session a title."),
    (["sessions", "copy", "cop12", "cop13", "--title", "T", "--starts", "2027-10-11", "--ends", "2027-10-10"],
     "The last day (2027-10-10) is before the first day (2027-10-11)."),
    (["sessions", "copy", "cop12", "cop13", "--title", "T", "--starts", "2027-10-11", "--ends", "2027-10-15",
      "--registration-closes", "2027-10-20"],
     "Registration cannot close after the last day of the session (2027-10-15)."),
    (["sessions", "copy", "cop12", "cop13", "--title", "T", "--starts", "2020-10-11", "--ends", "2020-10-15"],
     "which is already past"),
    (["sessions", "copy", "cop12", "cop13", "--title", "T", "--starts", "2027-02-30", "--ends", "2027-10-15"],
     "Invalid value for '--starts': '2027-02-30' does not match the format '%Y-%m-%d'"),
    (["sessions", "copy", "cop12", "cop13", "--title", "T", "--starts", "2027-10-11"],
     "Missing option '--ends'"),
])
def test_bad_input_is_one_message_and_saves_nothing(runner, db_session, cop12, args, message):
    result = runner.invoke(args=args)
    assert result.exit_code != 0
    assert message in result.output
    assert isinstance(result.exception, SystemExit), result.exception  # a message, not a traceback
    db_session.rollback()
    assert db_session.scalar(select(func.count()).select_from(Conference)) == 1
    assert db_session.scalar(select(func.count()).select_from(Room)) == 2
    assert db_session.scalar(select(func.count()).select_from(Delegation)) == 4
    assert db_session.scalar(select(func.count()).select_from(AuditLog)
                             .where(AuditLog.action == "conference.copied")) == 0


def test_a_failure_after_the_session_row_leaves_nothing(runner, db_session, cop12, monkeypatch):
    """Rooms and delegations are written after the session: a failure there must take the session with it."""
    def broken(*args, **kwargs):
        raise RuleViolation("boom")
    monkeypatch.setattr("conference.core.audit.record", broken)
    result = runner.invoke(args=copy_args())
    assert result.exit_code == 1 and "boom" in result.output
    db_session.rollback()
    assert cop13(db_session) is None
    assert db_session.scalar(select(func.count()).select_from(Room)) == 2


def test_a_code_taken_by_a_racing_request_is_refused_at_the_code(db_session, cop12, monkeypatch):
    """Another member created the code after the check: the unique constraint, told by its name on either
    database, refuses it at the field "code", and nothing of the copy is left."""
    monkeypatch.setattr("conference.conferences.services.copy.check_new_code", lambda code: code.strip().lower())
    with pytest.raises(RuleViolation) as refused:
        copy_conference("cop12", CopyRequest(code="cop12", title="T", starts_on=date(2027, 10, 11),
                                             ends_on=date(2027, 10, 15)), now=NOW)
    assert refused.value.field == "code" and refused.value.message == "A session with the code cop12 already exists."
    db_session.rollback()
    assert db_session.scalar(select(func.count()).select_from(Conference)) == 1


def test_the_demonstration_keeps_an_open_session_beside_cop12(runner, db_session, cop12):
    result = runner.invoke(args=["demo", "--if-empty", "--open-session"])
    assert result.exit_code == 0, result.output
    assert "nothing loaded" in result.output and "cop13 (UNTOC COP13), created" in result.output
    new = cop13(db_session)
    today = date.today()
    assert new.starts_on == first_day(today) and new.starts_on.weekday() == 0
    assert 90 <= (new.starts_on - today).days < 98 and new.ends_on == new.starts_on + timedelta(days=4)
    assert registration_open(new) is None and applications_open(new) is None
    assert len(new.rooms) == 2
    # Its own contact address, in the footer and e-mails (a real `sessions copy` keeps the earlier session's).
    assert new.contact_email == "secretariat@cop13.example" != cop12.contact_email
    # Again: nothing changes.
    result = runner.invoke(args=["demo", "--if-empty", "--open-session"])
    assert result.exit_code == 0 and "already there" in result.output
    assert db_session.scalar(select(func.count()).select_from(Conference)) == 3  # with the meeting in progress


def test_the_demonstration_keeps_a_meeting_in_progress_whose_door_admits_today(runner, db_session, cop12):
    from conference.badges.services import qr_value
    from conference.checkin.services import check_in
    from conference.core.db import utcnow

    result = runner.invoke(args=["demo", "--if-empty", "--open-session"])
    assert result.exit_code == 0, result.output
    wg = db_session.scalar(select(Conference).where(Conference.code == "wg11"))
    today = wg.local(utcnow()).date()
    assert wg.starts_on == today - timedelta(days=1) and wg.ends_on == today + timedelta(days=2)
    assert "wg11 (Firearms WG11), created" in result.output and wg.contact_email == "secretariat@wg11.example"
    assert len(wg.rooms) == 2
    person = db_session.scalars(select(Registration).where(Registration.conference_id == wg.id)).one()
    assert person.status == RegistrationStatus.APPROVED and person.badge_serial in result.output
    # A typed serial, confirmed by the officer, admits at the gate at any hour of today; the printed QR at a
    # meeting room's door (another door) too.
    late = wg.at_venue(today, time(23, 30))
    asked = check_in(wg, code_or_serial=person.badge_serial, door="gate", now=late)
    assert asked.to_confirm
    assert check_in(wg, code_or_serial=person.badge_serial, door="gate", now=late,
                    confirmation=asked.to_confirm).admitted
    early = wg.at_venue(today, time(0, 30))
    assert check_in(wg, code_or_serial=qr_value(person.badge_serial), door="gate", now=early).result \
        == CheckInResult.ALREADY_ADMITTED
    # Run again on a later day: the meeting's days move to cover it.
    db_session.commit()
    wg.starts_on, wg.ends_on = wg.starts_on - timedelta(days=30), wg.ends_on - timedelta(days=30)
    person.attendance_from, person.attendance_to = wg.starts_on, wg.ends_on
    db_session.commit()
    result = runner.invoke(args=["demo", "--if-empty", "--open-session"])
    assert "wg11 (Firearms WG11), days moved to cover today" in result.output
    db_session.refresh(wg)
    db_session.refresh(person)
    assert wg.starts_on <= today <= wg.ends_on and person.attendance_from == wg.starts_on
    # (not "door closed": it admitted this person today already)
    assert check_in(wg, code_or_serial=qr_value(person.badge_serial), door="gate", now=late).result \
        == CheckInResult.ALREADY_ADMITTED


def test_the_open_session_takes_public_registrations(client, db_session, cop12):
    ensure_open_session()
    db_session.commit()
    page = client.get("/cop13/register/state").get_data(as_text=True)
    assert "Austria" in page
    assert "Registration closed" not in page


def test_no_open_session_without_cop12(runner, db_session):
    make_conference("cop99")
    db_session.commit()
    result = runner.invoke(args=["demo", "--if-empty", "--open-session"])
    assert result.exit_code == 0 and "no cop12 to copy" in result.output
    assert ensure_open_session() == (None, False)


def test_every_session_is_listed_the_latest_first(db_session):
    older = make_conference("cop10", starts_on=date(2020, 10, 12), ends_on=date(2020, 10, 16))
    newer = make_conference("cop11", starts_on=date(2022, 10, 17), ends_on=date(2022, 10, 21))
    assert [c.code for c in all_conferences()] == [newer.code, older.code]
