"""The demonstration session reproduces the published figures of UNTOC COP12 and breaks no rule."""

from __future__ import annotations

import inspect
import json
import unicodedata
from collections import Counter
from datetime import time

import pytest
from sqlalchemy import distinct, func, select

from conference.checkin.models import CheckIn, CheckInResult
from conference.conferences.models import Conference
from conference.demo import targets
from conference.demo.services import (
    GATHERING,
    MINISTERIAL_EVENT,
    NGO_BRIEFING,
    REVIEW_MECHANISM_EVENT,
    ROUNDTABLE,
    load_demo,
)
from conference.programme.models import (
    SITTING_KINDS,
    Session,
    SessionKind,
    SessionSignup,
    SessionSpeaker,
    SignupStatus,
)
from conference.registration.models import (
    CredentialsStatus,
    Delegation,
    DelegationRole,
    EntityType,
    ParticipatingEntity,
    Registration,
    RegistrationStatus,
    ReviewMechanismContact,
    TreatyStatus,
)
from conference.statistics.services import compute

pytestmark = pytest.mark.slow


@pytest.fixture
def demo(runner, db_session):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    return db_session.scalar(select(Conference).where(Conference.code == "cop12"))


def check_published_figures(demo, runner):
    """What the report prints for the replay is what the UNODC published (conference/demo/targets.py)."""
    result = runner.invoke(args=["stats", "cop12", "--json"])
    figures = json.loads(result.output)
    assert (figures["participants"], figures["states"], figures["igos"], figures["ngos"]) == (
        targets.PARTICIPANTS, targets.STATES, targets.IGOS, targets.NGOS)
    assert figures["headline"] == ("1,400 participants from 131 States, 15 intergovernmental organizations "
                                   "and 212 non-governmental organizations")
    by_category = figures["by_category"]
    assert by_category["NGO_ECOSOC"] + by_category["NGO_OTHER"] > targets.NON_GOVERNMENTAL_STAKEHOLDERS_OVER
    state_delegates = by_category["STATE_PARTY"] + by_category["SIGNATORY"] + by_category["NON_SIGNATORY"]
    assert targets.STATE_DELEGATES_AT_LEAST <= state_delegates < targets.STATE_DELEGATES_UNDER
    # The State outside the groups has its row, and the groups add up to the State delegations.
    assert figures["regional_groups"]["NO_GROUP"]["states"] == 1
    assert sum(figures["by_regional_group"].values()) == state_delegates
    assert figures["side_events"] == targets.SIDE_EVENTS
    assert figures["side_events_co_organized_by_ngos"] == targets.SIDE_EVENTS_BY_NGOS

    events = {s["title"]: s for s in figures["sessions"]}
    assert events[REVIEW_MECHANISM_EVENT]["attendees"] > targets.REVIEW_MECHANISM_ATTENDEES_OVER
    # The Review Mechanism event is the one with more than 100.
    assert [t for t, s in events.items() if s["attendees"] > targets.REVIEW_MECHANISM_ATTENDEES_OVER] == [
        REVIEW_MECHANISM_EVENT]
    assert (events[ROUNDTABLE]["attendees"], events[ROUNDTABLE]["states"]) == (
        targets.ROUNDTABLE_ATTENDEES, targets.ROUNDTABLE_STATES)
    assert events[ROUNDTABLE]["kind"] == "ROUNDTABLE" and events[ROUNDTABLE]["closed"]
    gathering = events[GATHERING]
    assert targets.GATHERING_ATTENDEES_NEARLY - 10 <= gathering["attendees"] < targets.GATHERING_ATTENDEES_NEARLY
    assert gathering["states"] > targets.GATHERING_COUNTRIES_OVER
    briefing = events[NGO_BRIEFING]
    assert briefing["starts"].startswith(targets.NGO_BRIEFING_DAY.isoformat()) and briefing["kind"] == "BRIEFING"
    assert abs(briefing["attendees"] - targets.NGO_BRIEFING_ATTENDEES) <= targets.NGO_BRIEFING_TOLERANCE
    assert events[MINISTERIAL_EVENT]["starts"].startswith(targets.MINISTERIAL_DAY.isoformat())


def check_attendance_is_not_registration(demo, runner, db_session):
    """Some approved participants never came; sign-ups are not attendance; popular events keep a waiting list;
    rejected and withdrawn registrations exist and are not participants."""
    figures = json.loads(runner.invoke(args=["stats", "cop12", "--json"]).output)
    assert 0.9 * figures["participants"] < figures["attended"] < figures["participants"]
    events = [s for s in figures["sessions"] if s["kind"] in ("SIDE_EVENT", "BRIEFING")]
    # Some who signed up stayed away (fewer attendees than sign-ups), some came without signing up (walk-ins).
    assert sum(s["attendees"] for s in events) < sum(s["signups"] for s in events)
    full = [s for s in events if s["waitlisted"]]
    assert len(full) >= 3 and all(s["signups"] == s["seats"] for s in full)
    assert all(s["signups"] <= s["seats"] for s in events)
    walk_ins = db_session.scalar(
        select(func.count(distinct(CheckIn.id))).where(
            CheckIn.session_id.is_not(None), CheckIn.result == CheckInResult.ADMITTED,
            ~select(SessionSignup.id).where(SessionSignup.session_id == CheckIn.session_id,
                                           SessionSignup.registration_id == CheckIn.registration_id).exists()))
    assert walk_ins > 0
    # Nobody on a waiting list was admitted to a full event.
    waitlisted_admitted = db_session.scalar(
        select(func.count()).select_from(SessionSignup).join(
            CheckIn, (CheckIn.session_id == SessionSignup.session_id)
            & (CheckIn.registration_id == SessionSignup.registration_id))
        .where(SessionSignup.status == SignupStatus.WAITLISTED, CheckIn.result == CheckInResult.ADMITTED))
    assert waitlisted_admitted == 0
    statuses = Counter(db_session.scalars(select(Registration.status)))
    assert statuses[RegistrationStatus.REJECTED] > 0 and statuses[RegistrationStatus.WITHDRAWN] > 0
    assert statuses[RegistrationStatus.APPROVED] == targets.PARTICIPANTS


def check_states_are_real_and_grouped(demo, db_session):
    states = db_session.scalars(select(ParticipatingEntity).where(ParticipatingEntity.iso3.is_not(None))).all()
    by_iso = {s.iso3: s for s in states}
    assert len(states) == 131
    assert by_iso["ISR"].regional_group.value == "WEOG"
    assert by_iso["TUR"].regional_group.value == "WEOG"
    assert by_iso["KAZ"].regional_group.value == "ASIA_PACIFIC"
    # Treaty status as it stood in October 2024 (UN Treaty Collection): Iran had signed only, South Sudan neither.
    assert {s.entity_type for s in states} == {EntityType.STATE}
    cop12 = {d.entity.iso3: d.treaty_status for d in db_session.scalars(
        select(Delegation).join(Conference).where(Conference.code == "cop12")) if d.entity.is_state}
    assert len(cop12) == 131
    assert {iso3: status for iso3, status in cop12.items() if status != TreatyStatus.PARTY} == {
        "IRN": TreatyStatus.SIGNATORY, "SSD": TreatyStatus.NON_SIGNATORY}
    counts = Counter(s.regional_group.value if s.regional_group else None for s in states)
    assert counts["EASTERN_EUROPEAN"] == 23  # the whole group
    # The USA observes WEOG and is counted there (domain.md); Kiribati is in no group.
    assert by_iso["USA"].regional_group.value == "WEOG"
    assert by_iso["KIR"].regional_group is None and counts[None] == 1
    eu = db_session.scalar(select(ParticipatingEntity).where(ParticipatingEntity.name == "European Union"))
    assert eu.entity_type == EntityType.REIO and eu.iso3 is None


def check_delegations(demo, db_session):
    heads = db_session.scalar(select(func.count()).select_from(Registration).join(Delegation)
                              .join(ParticipatingEntity)
                              .where(Registration.delegation_role == DelegationRole.HEAD,
                                     Registration.status == RegistrationStatus.APPROVED,
                                     ParticipatingEntity.iso3.is_not(None)))
    assert heads == 131  # every State has its head of delegation
    pending = db_session.scalar(select(func.count()).select_from(Registration)
                                .where(Registration.status != RegistrationStatus.APPROVED))
    assert pending > 0  # the back office has work to show
    credentials = Counter(db_session.scalars(select(Delegation.credentials_status)))
    assert credentials[CredentialsStatus.RECEIVED] > 100 and credentials[CredentialsStatus.PENDING] > 0
    # NGOs stay within their quota of 10.
    biggest_ngo = db_session.scalar(
        select(func.count()).select_from(Registration).join(Delegation).join(ParticipatingEntity)
        .where(ParticipatingEntity.entity_type.in_([EntityType.NGO_ECOSOC, EntityType.NGO_OTHER]))
        .group_by(Delegation.id).order_by(func.count().desc()).limit(1))
    assert biggest_ngo <= 10
    assert db_session.scalar(select(func.count()).select_from(ReviewMechanismContact)) >= 90


def check_names_in_many_scripts_and_a_realistic_gender_mix(demo, db_session):
    names = db_session.scalars(select(Registration.badge_name)).all()
    scripts = Counter()
    for name in names:
        for ch in name:
            if ch.isalpha():
                scripts[unicodedata.name(ch).split()[0]] += 1
    for script in ("LATIN", "CYRILLIC", "ARABIC", "CJK", "GREEK", "HANGUL"):
        assert scripts[script] > 0, script
    assert any(unicodedata.decomposition(ch) for name in names for ch in name if "LATIN" in unicodedata.name(ch, ""))
    genders = Counter(db_session.scalars(select(Registration.gender).where(
        Registration.status == RegistrationStatus.APPROVED)))
    share = genders["female"] / sum(genders.values())
    assert 0.35 < share < 0.55


def check_programme_has_no_clash(demo, db_session):
    sessions = db_session.scalars(select(Session).where(Session.conference_id == demo.id)).all()
    sittings = [s for s in sessions if s.kind in SITTING_KINDS]
    assert len([s for s in sittings if s.kind == SessionKind.PLENARY]) == 10
    for s in sessions:
        local_start, local_end = demo.local(s.starts_at), demo.local(s.ends_at)
        assert demo.starts_on <= local_start.date() <= demo.ends_on
        assert demo.venue_opens <= local_start.time() and local_end.time() <= demo.venue_closes
        if s.kind == SessionKind.PLENARY:
            assert (local_start.time(), local_end.time()) in ((time(10), time(13)), (time(15), time(18)))
        if s.capacity and s.expected_attendance:
            assert s.room.capacity >= s.expected_attendance
    for a in sessions:
        for b in sessions:
            if a.id < b.id and a.starts_at < b.ends_at and b.starts_at < a.ends_at:
                assert a.room_id != b.room_id, (a.title, b.title)
                assert not ({a.kind, b.kind} & set(SITTING_KINDS)) or {a.kind, b.kind} <= set(SITTING_KINDS), \
                    f"{a.title} overlaps the sitting {b.title}"
    # The scheduling rules of the programme (rooms, sittings, capacity, venue hours, speakers) find nothing.
    from conference.programme.services import conflicts

    assert [(s.title, conflicts(s, s.room, s.starts_at, s.ends_at)) for s in sessions
            if conflicts(s, s.room, s.starts_at, s.ends_at)] == []
    # Nobody speaks on two panels at the same time.
    speakers = db_session.execute(select(SessionSpeaker.name, Session.starts_at).join(Session)).all()
    assert len(speakers) == len(set(speakers))
    assert len({s.uid for s in sessions}) == len(sessions)


def check_nobody_is_admitted_twice_at_one_door(demo, db_session):
    duplicates = db_session.execute(
        select(CheckIn.registration_id, CheckIn.door, CheckIn.venue_day, func.count())
        .where(CheckIn.result == CheckInResult.ADMITTED)
        .group_by(CheckIn.registration_id, CheckIn.door, CheckIn.venue_day).having(func.count() > 1)).all()
    assert duplicates == []


def check_demo_badges_can_be_typed_at_the_door(demo, db_session):
    from conference.badges.models import Badge
    from conference.badges.services import normalize_serial

    serials = db_session.scalars(select(Badge.serial)).all()
    assert serials and all(normalize_serial(s.lower()) == s for s in serials)


def check_loading_twice_changes_nothing(demo, runner, db_session):
    before = db_session.scalar(select(func.count()).select_from(Registration))
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0 and "already loaded" in result.output
    assert db_session.scalar(select(func.count()).select_from(Registration)) == before
    assert "nothing loaded" in runner.invoke(args=["demo", "--if-empty"]).output


def test_loading_is_deterministic(app, db_session):
    def fingerprint():
        return db_session.execute(select(Registration.badge_name, Registration.email, Registration.gender)
                                  .order_by(Registration.id)).all()

    load_demo(700)
    db_session.commit()
    first = fingerprint()
    assert len([r for r in first]) >= 700
    from tests.conftest import _clean
    db_session.remove()
    _clean(app)
    load_demo(700)
    db_session.commit()
    assert fingerprint() == first


def test_too_few_participants_is_a_clear_error(runner):
    result = runner.invoke(args=["demo", "--participants", "50"])
    assert result.exit_code == 1 and "at least 600 participants" in result.output


def test_a_smaller_demonstration_keeps_every_entity(runner, db_session):
    result = runner.invoke(args=["demo", "--participants", "600"])
    assert result.exit_code == 0, result.output
    figures = compute(db_session.scalar(select(Conference)))
    assert (figures["participants"], figures["states"], figures["igos"], figures["ngos"]) == (600, 131, 15, 212)


def _people_of(db_session, iso3: str) -> list[tuple[str, str, str]]:
    return db_session.execute(
        select(Registration.given_names, Registration.family_name, Registration.gender).join(Delegation)
        .join(ParticipatingEntity).where(ParticipatingEntity.iso3 == iso3)).all()


def check_names_fit_each_delegation(demo, db_session):
    # Nobody shares a full name with someone else in the same delegation.
    repeated = db_session.execute(
        select(Delegation.id, Registration.given_names, Registration.family_name, func.count())
        .join(Registration.delegation).group_by(Delegation.id, Registration.given_names, Registration.family_name)
        .having(func.count() > 1)).all()
    assert repeated == []
    # Where the language marks gender in the family name, a woman carries the woman's form and a man the man's.
    endings = {"CZE": ("á", "ová"), "SVK": ("á", "ová"), "ISL": ("dóttir",), "LTU": ("ienė", "aitė"),
               "LVA": ("a", "e"), "RUS": ("а",), "BGR": ("а",), "AZE": ("a",)}
    for iso3, female_endings in endings.items():
        people = _people_of(db_session, iso3)
        women = [family for _g, family, gender in people if gender == "female"]
        men = [family for _g, family, gender in people if gender == "male"]
        assert women and men, iso3
        assert all(family.endswith(female_endings) for family in women), (iso3, women)
        assert not any(family.endswith(female_endings) for family in men), (iso3, men)
    assert all(f.endswith("son") for _g, f, gender in _people_of(db_session, "ISL") if gender == "male")
    assert not any(f.endswith(("ski", "cki")) for _g, f, gender in _people_of(db_session, "POL")
                   if gender == "female")
    # Ukrainians are named in Ukrainian: no letter that only Russian has, no Russian given name.
    from conference.demo.names import NAMES

    russian_given = set(NAMES["russian"][0] + NAMES["russian"][1])
    ukrainians = _people_of(db_session, "UKR")
    assert ukrainians
    for given, family, _gender in ukrainians:
        assert not set(given + family) & set("ыэъёЫЭЪЁ"), (given, family)
        assert given not in russian_given
    # Icelanders are not given Finnish (or other Nordic) names: all from the Icelandic pool.
    icelandic = set(NAMES["icelandic"][0] + NAMES["icelandic"][1])
    assert {g for g, _f, _s in _people_of(db_session, "ISL")} <= icelandic


def check_heads_functions_ngos_and_speakers(demo, db_session):
    heads = db_session.scalars(
        select(Registration.function_title).join(Delegation).join(ParticipatingEntity)
        .where(Registration.delegation_role == DelegationRole.HEAD, ParticipatingEntity.iso3.is_not(None))).all()
    assert len(set(heads)) >= 8 and Counter(heads).most_common(1)[0][1] < len(heads) / 2
    # Every NGO is seated in a country; the real ones where they are, with their real status.
    ngos = {e.name: e for e in db_session.scalars(select(ParticipatingEntity).where(
        ParticipatingEntity.entity_type.in_([EntityType.NGO_ECOSOC, EntityType.NGO_OTHER])))}
    assert all(e.country_iso3 for e in ngos.values())
    assert ngos["Transparency International"].country_iso3 == "DEU"
    assert ngos["Transparency International"].ecosoc_status.value == "SPECIAL"
    from conference.demo.data import NGO_CITIES

    in_a_city = [(name.rsplit(" – ", 1)[1], e.country_iso3) for name, e in ngos.items() if " – " in name]
    assert len(in_a_city) > 100 and all(NGO_CITIES[city] == iso3 for city, iso3 in in_a_city)
    # Every speaker has a name and a gender; side-event capacities vary.
    speakers = db_session.execute(select(SessionSpeaker.name, SessionSpeaker.gender)).all()
    assert speakers and all(name and gender in ("female", "male") for name, gender in speakers)
    assert not any(name.startswith("Permanent Representative") for name, _g in speakers)
    capacities = db_session.scalars(select(Session.capacity).where(Session.kind == SessionKind.SIDE_EVENT)).all()
    assert len(set(capacities)) >= 5


# Building the replay takes seconds (more on PostgreSQL): it is built once per backend and every check above runs
# on that one build, in turn; loading it twice comes last, since it loads again.
REPLAY_CHECKS = [
    check_published_figures,
    check_attendance_is_not_registration,
    check_states_are_real_and_grouped,
    check_delegations,
    check_names_in_many_scripts_and_a_realistic_gender_mix,
    check_programme_has_no_clash,
    check_nobody_is_admitted_twice_at_one_door,
    check_demo_badges_can_be_typed_at_the_door,
    check_names_fit_each_delegation,
    check_heads_functions_ngos_and_speakers,
    check_loading_twice_changes_nothing,
]


def test_the_replay(demo, runner, db_session):
    given = {"demo": demo, "runner": runner, "db_session": db_session}
    for check in REPLAY_CHECKS:
        check(**{name: given[name] for name in inspect.signature(check).parameters})
