"""The programme's rules: applications, review, conflicts, publication, invitations and sign-ups."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from conference.accounts.models import Role
from conference.core.db import utcnow
from conference.core.errors import Invalid, PermissionDenied, RuleViolation
from conference.core.models import AuditLog, OutgoingMail
from conference.extensions import db
from conference.programme import services
from conference.programme.models import (
    OrganizerRole,
    Session,
    SessionKind,
    SessionSignup,
    SessionSpeaker,
    SignupStatus,
)
from conference.programme.models import (
    SessionStatus as St,
)
from conference.programme.services import REVIEW, Application, Speaker, overlaps
from conference.registration.models import EntityType, RegionalGroup, RegistrationStatus
from tests.factories import make_delegation, make_entity, make_registration, make_room, make_session, make_user
from tests.test_registration import future_conference

# -- the interval logic, property-based ----------------------------------------------------------------

moments = st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2024, 1, 3)).map(
    lambda d: d.replace(tzinfo=UTC))
intervals = st.tuples(moments, st.timedeltas(min_value=timedelta(minutes=1), max_value=timedelta(hours=5))).map(
    lambda t: (t[0], t[0] + t[1]))


@given(intervals, intervals)
def test_overlap_is_symmetric_and_matches_shared_minutes(a, b):
    assert overlaps(*a, *b) == overlaps(*b, *a)
    shared = min(a[1], b[1]) - max(a[0], b[0])
    assert overlaps(*a, *b) == (shared > timedelta(0))


@given(intervals, st.timedeltas(min_value=timedelta(0), max_value=timedelta(hours=3)))
def test_back_to_back_is_no_overlap(a, gap):
    start = a[1] + gap
    assert not overlaps(*a, start, start + timedelta(minutes=45))


@given(intervals)
def test_an_interval_overlaps_itself_and_anything_inside_it(a):
    assert overlaps(*a, *a)
    middle = a[0] + (a[1] - a[0]) / 2
    assert overlaps(*a, middle, middle + timedelta(seconds=1))


# -- fixtures ------------------------------------------------------------------------------------------

@pytest.fixture
def cop(db_session):
    now = utcnow()
    c = future_conference("cop70", side_events_open_at=now - timedelta(days=5),
                          side_events_close_at=now + timedelta(days=5))
    rooms = {slug: make_room(c, slug, cap) for slug, cap in (("plenary", 900), ("m1", 120), ("m4", 40))}
    day = c.starts_on
    plenary = make_session(c, rooms["plenary"], kind=SessionKind.PLENARY, title="Plenary, 1st meeting", day=day,
                           start=time(10), end=time(13), published_at=now)
    italy = make_delegation(c, make_entity(EntityType.STATE, "Italy", "ITA", RegionalGroup.WEOG))
    uganda = make_delegation(c, make_entity(EntityType.STATE, "Uganda", "UGA", RegionalGroup.AFRICAN))
    ngo = make_delegation(c, make_entity(EntityType.NGO_ECOSOC, "Friends of Justice"))
    applicant = make_registration(italy, status=RegistrationStatus.APPROVED, email="it@example.org")
    coordinator = make_user("coord@example.org", roles=[Role.SIDE_EVENT_COORDINATOR])
    db_session.commit()
    return {"c": c, "rooms": rooms, "day": day, "plenary": plenary, "italy": italy, "uganda": uganda, "ngo": ngo,
            "applicant": applicant, "coordinator": coordinator}


def application(cop, **kw) -> Application:
    values = dict(title="Responses to organized crime: the review mechanism",
                  description="A panel on the review mechanism of the Convention, with questions from the floor. " * 2,
                  expected_attendance=80, preferred=[(cop["day"], 1)],
                  co_organizer_ids=[cop["uganda"].id],
                  speakers=[Speaker("Ghada Waly", "female"), Speaker("Kiryowa Kiwanuka", "male")])
    values.update(kw)
    return Application(**values)


def accepted(cop, **kw) -> Session:
    s = services.apply(cop["c"], cop["applicant"], application(cop, **kw))
    services.review(s, "accept", actor=cop["coordinator"])
    return s


def at(cop, clock: time, day: date | None = None) -> datetime:
    return cop["c"].at_venue(day or cop["day"], clock)


# -- applications --------------------------------------------------------------------------------------

def test_applying_makes_a_submitted_application_and_tells_the_organizer(cop, db_session):
    s = services.apply(cop["c"], cop["applicant"], application(cop))
    assert s.status == St.SUBMITTED and s.submitted_at is not None
    roles = {o.entity.name: o.role for o in s.organizers}
    assert roles == {"Italy": OrganizerRole.LEAD, "Uganda": OrganizerRole.CO_ORGANIZER}
    uganda_row = next(o for o in s.organizers if o.entity.name == "Uganda")
    assert uganda_row.confirmed_at is None  # a co-organizer must confirm
    assert db_session.scalar(select(OutgoingMail.recipient)) == "it@example.org"


def test_one_application_per_lead_organizer_unless_the_session_allows_more(cop, db_session):
    services.apply(cop["c"], cop["applicant"], application(cop))
    colleague = make_registration(cop["italy"], email="it2@example.org")
    with pytest.raises(RuleViolation, match="allows 1 per lead organizer"):
        services.apply(cop["c"], colleague, application(cop, title="A second event of Italy's own"))
    cop["c"].side_events_per_organizer = 2
    assert services.apply(cop["c"], colleague, application(cop, title="A second event of Italy's own"))


def test_applications_only_in_the_window(cop, db_session):
    cop["c"].side_events_close_at = utcnow() - timedelta(minutes=1)
    with pytest.raises(RuleViolation, match="Applications for side events closed"):
        services.apply(cop["c"], cop["applicant"], application(cop))


@pytest.mark.parametrize("changes, field", [
    ({"title": "Short"}, "title"),
    ({"description": "Too short."}, "description"),
    ({"expected_attendance": 0}, "expected_attendance"),
    ({"preferred": []}, "preferred"),
    ({"preferred": [(date(2000, 1, 1), 0)]}, "preferred"),
    ({"speakers": []}, "speakers"),
    ({"speakers": [Speaker("A B", "robot")]}, "speakers"),
    ({"co_organizer_ids": [999_999]}, "co_organizers"),
])
def test_bad_applications_name_the_field(cop, db_session, changes, field):
    with pytest.raises(Invalid) as caught:
        services.apply(cop["c"], cop["applicant"], application(cop, **changes))
    assert field in caught.value.errors


def test_a_co_organizer_confirms(cop, db_session):
    s = services.apply(cop["c"], cop["applicant"], application(cop))
    ugandan = make_registration(cop["uganda"], email="ug@example.org")
    services.confirm_co_organizer(s, ugandan)
    assert all(o.confirmed_at for o in s.organizers)
    outsider = make_registration(cop["ngo"], email="ngo@example.org")
    with pytest.raises(PermissionDenied):
        services.confirm_co_organizer(s, outsider)


CASES = [(action, status) for action in REVIEW for status in St]


@pytest.mark.parametrize("action, status", CASES, ids=[f"{a}-from-{s.value}" for a, s in CASES])
def test_every_review_transition(cop, db_session, action, status):
    s = make_session(cop["c"], cop["rooms"]["m1"], status=status, day=cop["day"], start=time(13, 15),
                     end=time(14, 45))
    sources, target, _ = REVIEW[action]
    if status in sources:
        services.review(s, action, actor=cop["coordinator"], reason="Because.")
        assert s.status == target
        logged = db_session.scalar(select(AuditLog.action).where(AuditLog.object_id == s.id,
                                                                 AuditLog.object_type == "Session"))
        assert logged == f"session.{action}"
    else:
        with pytest.raises(RuleViolation):
            services.review(s, action, actor=cop["coordinator"], reason="Because.")
        assert s.status == status


def test_merging_two_applications_makes_one_joint_event(cop, db_session):
    a = services.apply(cop["c"], cop["applicant"], application(cop))
    ngo_person = make_registration(cop["ngo"], email="n@example.org")
    b = services.apply(cop["c"], ngo_person, application(
        cop, title="Civil society and the review mechanism", co_organizer_ids=[],
        speakers=[Speaker("Amina Diallo", "female"), Speaker("Ghada Waly", "female")], expected_attendance=100))
    services.merge(a, b, actor=cop["coordinator"])
    assert {o.entity.name for o in a.organizers} == {"Italy", "Uganda", "Friends of Justice"}
    assert sorted(sp.name for sp in a.speakers) == ["Amina Diallo", "Ghada Waly", "Kiryowa Kiwanuka"]
    assert a.expected_attendance == 100
    assert b.status == St.CANCELLED and "Merged into" in b.status_reason


def test_the_reason_of_a_merge_is_written_in_the_applicant_s_language(cop, db_session):
    a = services.apply(cop["c"], cop["applicant"], application(cop))
    ngo_person = make_registration(cop["ngo"], email="n@example.org", language="fr")
    b = services.apply(cop["c"], ngo_person, application(cop, title="Civil society and the review mechanism",
                                                         co_organizer_ids=[]))
    services.merge(a, b, actor=cop["coordinator"])  # the coordinator works in English
    assert b.status_reason.startswith("Fusionnée") and f"nº {a.id}" in b.status_reason, b.status_reason


def test_review_priorities(cop, db_session):
    s = services.apply(cop["c"], cop["applicant"], application(cop))
    p = services.priorities(s)
    assert p.state_co_organized and p.joint and p.balanced_panel and p.regional_groups == 2
    assert not services.is_balanced([SessionSpeaker(name="a", gender="male"), SessionSpeaker(name="b", gender="male"),
                                     SessionSpeaker(name="c", gender="female")])
    ngo_person = make_registration(cop["ngo"], email="n@example.org")
    solo = services.apply(cop["c"], ngo_person, application(cop, title="A solo NGO event on cybercrime",
                                                            co_organizer_ids=[], speakers=[Speaker("X Y", "male")]))
    items = services.review_list(cop["c"], sort="state")
    assert [x.id for x, _ in items] == [s.id, solo.id]
    assert [x.id for x, _ in services.review_list(cop["c"], sort="balance")][0] == s.id


# -- conflicts -------------------------------------------------------------------------------------------

def test_a_side_event_may_not_fall_in_a_sitting(cop, db_session):
    s = accepted(cop)
    with pytest.raises(RuleViolation, match="falls in a sitting: “Plenary, 1st meeting”"):
        services.schedule(s, cop["rooms"]["m1"], at(cop, time(12, 30)), at(cop, time(13, 30)), actor="t")


def test_a_room_is_not_double_booked_but_back_to_back_is_fine(cop, db_session):
    first = accepted(cop)
    services.schedule(first, cop["rooms"]["m1"], at(cop, time(13, 15)), at(cop, time(14, 0)), actor="t")
    other_lead = make_registration(cop["ngo"], email="n@example.org")
    second = services.apply(cop["c"], other_lead, application(cop, title="Another event entirely, on fraud",
                                                              co_organizer_ids=[],
                                                              speakers=[Speaker("Someone Else", "male")]))
    services.review(second, "accept", actor="t")
    with pytest.raises(RuleViolation, match="Conference Room|M1 is taken by"):
        services.schedule(second, cop["rooms"]["m1"], at(cop, time(13, 45)), at(cop, time(14, 45)), actor="t")
    services.schedule(second, cop["rooms"]["m1"], at(cop, time(14, 0)), at(cop, time(14, 45)), actor="t")


def test_the_room_must_seat_the_expected_attendance(cop, db_session):
    s = accepted(cop, expected_attendance=80)
    with pytest.raises(RuleViolation, match="M4 seats 40, fewer than the 80 expected"):
        services.schedule(s, cop["rooms"]["m4"], at(cop, time(13, 15)), at(cop, time(14, 45)), actor="t")


def test_the_slot_must_be_in_the_session_and_the_venue_hours(cop, db_session):
    s = accepted(cop)
    with pytest.raises(RuleViolation, match="outside the session"):
        services.schedule(s, cop["rooms"]["m1"], at(cop, time(13), cop["c"].ends_on + timedelta(days=1)),
                          at(cop, time(14), cop["c"].ends_on + timedelta(days=1)), actor="t")
    with pytest.raises(RuleViolation, match="outside its hours"):
        services.schedule(s, cop["rooms"]["m1"], at(cop, time(19, 30)), at(cop, time(20, 30)), actor="t")


def test_a_speaker_cannot_speak_in_two_places_at_once(cop, db_session):
    first = accepted(cop)
    services.schedule(first, cop["rooms"]["m1"], at(cop, time(13, 15)), at(cop, time(14, 45)), actor="t")
    other_lead = make_registration(cop["ngo"], email="n@example.org")
    second = services.apply(cop["c"], other_lead, application(
        cop, title="Another event entirely, on fraud", co_organizer_ids=[],
        speakers=[Speaker("ghada  WALY", "female")], expected_attendance=30))
    services.review(second, "accept", actor="t")
    with pytest.raises(RuleViolation, match="ghada WALY is speaking at"):
        services.schedule(second, cop["rooms"]["m4"], at(cop, time(14, 0)), at(cop, time(15, 0)), actor="t")


def test_every_conflict_is_named_at_once(cop, db_session):
    s = accepted(cop, expected_attendance=80)
    reasons = services.conflicts(s, cop["rooms"]["plenary"], at(cop, time(12)), at(cop, time(13)))
    assert any("taken by" in r for r in reasons) and any("falls in a sitting" in r for r in reasons)
    assert services.conflicts(s, cop["rooms"]["m4"], at(cop, time(18, 15)), at(cop, time(19, 45))) == [
        "M4 seats 40, fewer than the 80 expected."]


def test_only_accepted_sessions_are_scheduled(cop, db_session):
    s = services.apply(cop["c"], cop["applicant"], application(cop))
    with pytest.raises(RuleViolation, match="Only accepted sessions"):
        services.schedule(s, cop["rooms"]["m1"], at(cop, time(13, 15)), at(cop, time(14, 45)), actor="t")


# -- publication and changes -------------------------------------------------------------------------------

def test_changing_a_published_session_raises_its_sequence(cop, db_session):
    s = accepted(cop)
    services.schedule(s, cop["rooms"]["m1"], at(cop, time(13, 15)), at(cop, time(14, 45)), actor="t")
    services.review(s, "publish", actor="t")
    assert (s.status, s.sequence, s.changed_at) == (St.PUBLISHED, 0, None)
    uid = s.uid
    services.schedule(s, cop["rooms"]["m1"], at(cop, time(18, 15)), at(cop, time(19, 45)), actor="t")
    assert s.sequence == 1 and s.changed_at is not None and "Moved to" in s.change_note and s.uid == uid
    services.review(s, "cancel", actor="t", reason="The speakers cannot travel.")
    assert s.sequence == 2 and s.status == St.CANCELLED
    public = services.public_sessions(cop["c"])
    assert s in public  # cancelled published sessions stay visible, marked cancelled


def test_closed_sessions_never_reach_the_public_programme(cop, db_session):
    roundtable = services.create_session(cop["c"], SessionKind.ROUNDTABLE, "Partners' engagement roundtable",
                                         actor="t", is_closed=True, expected_attendance=30)
    services.schedule(roundtable, cop["rooms"]["m4"], at(cop, time(13, 15)), at(cop, time(14, 45)), actor="t")
    services.review(roundtable, "publish", actor="t")
    assert roundtable not in services.public_sessions(cop["c"])
    guest = make_registration(cop["italy"], email="donor@example.org")
    assert not services.visible_to(roundtable, guest)
    services.invite(roundtable, guest, actor="t")
    assert services.visible_to(roundtable, guest)
    with pytest.raises(RuleViolation, match="by invitation only"):
        services.sign_up(roundtable, make_registration(cop["uganda"], email="u@example.org"))


# -- sign-ups ----------------------------------------------------------------------------------------------

@pytest.fixture
def small_event(cop, db_session):
    s = accepted(cop)
    services.schedule(s, cop["rooms"]["m1"], at(cop, time(13, 15)), at(cop, time(14, 45)), actor="t")
    services.review(s, "publish", actor="t")
    services.update_session(s, capacity=2, actor="t")
    db_session.commit()
    return s


def people(cop, n, start=0):
    return [make_registration(cop["uganda"], email=f"p{start + i}@example.org") for i in range(n)]


def test_a_full_session_puts_people_on_the_waiting_list_and_promotes_them_in_order(cop, small_event, db_session):
    a, b, c, d = people(cop, 4)
    statuses = [services.sign_up(small_event, p).status for p in (a, b, c, d)]
    assert statuses == [SignupStatus.CONFIRMED, SignupStatus.CONFIRMED, SignupStatus.WAITLISTED,
                        SignupStatus.WAITLISTED]
    services.cancel_signup(small_event, a)
    mine = {signup.registration_id: signup.status for signup in db_session.scalars(select(SessionSignup))}
    assert mine[c.id] == SignupStatus.CONFIRMED and mine[d.id] == SignupStatus.WAITLISTED
    mail = db_session.scalars(select(OutgoingMail).where(OutgoingMail.recipient == c.email)).all()
    assert any("seat" in m.subject for m in mail)
    # More seats promote the rest of the list.
    services.update_session(small_event, capacity=3, actor="t")
    assert db_session.scalar(select(SessionSignup.status).where(SessionSignup.registration_id == d.id)) == \
        SignupStatus.CONFIRMED


def test_signing_up_twice_changes_nothing(cop, small_event, db_session):
    (a,) = people(cop, 1)
    first = services.sign_up(small_event, a)
    assert services.sign_up(small_event, a).id == first.id
    assert db_session.scalar(select(func.count()).select_from(SessionSignup)) == 1


def test_no_two_confirmed_seats_at_the_same_time(cop, small_event, db_session):
    other_lead = make_registration(cop["ngo"], email="n@example.org")
    clash = services.apply(cop["c"], other_lead, application(cop, title="Another event entirely, on fraud",
                                                             co_organizer_ids=[], expected_attendance=30,
                                                             speakers=[Speaker("Someone Else", "male")]))
    services.review(clash, "accept", actor="t")
    services.schedule(clash, cop["rooms"]["m4"], at(cop, time(14, 0)), at(cop, time(15, 0)), actor="t")
    services.review(clash, "publish", actor="t")
    services.update_session(clash, capacity=10, actor="t")
    (a,) = people(cop, 1)
    services.sign_up(small_event, a)
    with pytest.raises(RuleViolation, match="already hold a seat"):
        services.sign_up(clash, a)


def test_only_approved_participants_sign_up(cop, small_event, db_session):
    pending = make_registration(cop["uganda"], email="pending@example.org", status=RegistrationStatus.SUBMITTED)
    with pytest.raises(RuleViolation, match="approved"):
        services.sign_up(small_event, pending)


def test_concurrent_sign_ups_never_overbook(app, cop, small_event, db_session, database_url):
    """Many threads, one nearly full session: exactly the free seats are taken (row locks on PostgreSQL)."""
    if not database_url.startswith("postgresql"):
        pytest.skip("concurrency is PostgreSQL's business; SQLite serializes every write")
    services.update_session(small_event, capacity=10, actor="t")
    taken = people(cop, 8, start=100)
    for p in taken:
        services.sign_up(small_event, p)
    newcomers = people(cop, 20, start=200)
    db_session.commit()
    session_id, ids = small_event.id, [p.id for p in newcomers]
    barrier = threading.Barrier(len(ids))
    errors = []

    def worker(registration_id):
        with app.app_context():
            try:
                barrier.wait()
                s = db.session.get(Session, session_id)
                r = db.session.get(type(newcomers[0]), registration_id)
                services.sign_up(s, r)
                db.session.commit()
            except Exception as exc:  # noqa: BLE001 - any failure fails the test below
                errors.append(exc)
                db.session.rollback()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    db_session.expire_all()
    counts = dict(db_session.execute(select(SessionSignup.status, func.count())
                                     .where(SessionSignup.session_id == session_id)
                                     .group_by(SessionSignup.status)).all())
    assert counts[SignupStatus.CONFIRMED] == 10
    assert counts[SignupStatus.WAITLISTED] == 18


@pytest.mark.parametrize("status", [RegistrationStatus.SUBMITTED, RegistrationStatus.PREAPPROVED,
                                    RegistrationStatus.NEEDS_INFO])
def test_a_registration_nobody_approved_does_not_act_for_its_entity(cop, db_session, status):
    """Anyone can submit a registration for the African Union: it must not use up the entity's one application."""
    impostor = make_registration(cop["italy"], status=status, email="someone@example.org")
    with pytest.raises(RuleViolation, match="not approved yet"):
        services.apply(cop["c"], impostor, application(cop))
    assert db_session.scalar(select(func.count()).select_from(Session).where(
        Session.kind == SessionKind.SIDE_EVENT)) == 0
    # The approved participant still has the entity's application to make; an unapproved co-organizer
    # cannot confirm for Uganda, an approved one can.
    s = services.apply(cop["c"], cop["applicant"], application(cop))
    pending_ugandan = make_registration(cop["uganda"], status=status, email="ug-pending@example.org")
    with pytest.raises(PermissionDenied, match="not approved yet"):
        services.confirm_co_organizer(s, pending_ugandan)
    assert next(o for o in s.organizers if o.entity_id == cop["uganda"].entity_id).confirmed_at is None
    services.confirm_co_organizer(s, make_registration(cop["uganda"], email="ug@example.org"))
    assert all(o.confirmed_at for o in s.organizers)


def test_the_entitys_focal_point_acts_for_it_before_approval(cop, db_session):
    focal = make_registration(cop["italy"], status=RegistrationStatus.SUBMITTED, email="focal.ita@example.org")
    make_user("Focal.ITA@example.org", roles=[Role.FOCAL_POINT], delegation_id=cop["italy"].id)
    # A focal point of another delegation, with the same e-mail in this one, does not.
    stranger = make_registration(cop["uganda"], status=RegistrationStatus.SUBMITTED, email="focal.uga@example.org")
    make_user("focal.uga@example.org", roles=[Role.FOCAL_POINT], delegation_id=cop["italy"].id)
    assert services.acts_for_entity(focal) and not services.acts_for_entity(stranger)
    s = services.apply(cop["c"], focal, application(cop))
    assert s.status == St.SUBMITTED
