"""The rules of registration and its state machine, enforced in the services layer for every way in."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError

from conference.accounts.models import Role
from conference.core import audit
from conference.core.db import utcnow
from conference.core.errors import Invalid, NotFound, PermissionDenied, RuleViolation
from conference.core.models import AuditLog, OutgoingMail
from conference.extensions import db
from conference.registration import services
from conference.registration.models import (
    ACTIVE_STATUSES,
    Category,
    CredentialsStatus,
    DelegationRole,
    EntityType,
    Gender,
    NgoAdmission,
    RegionalGroup,
    Registration,
)
from conference.registration.models import (
    RegistrationStatus as S,
)
from conference.registration.services import ACTIONS, Actor, QueueFilters, RegistrationData, intake, workflow
from tests.factories import make_conference, make_delegation, make_entity, make_registration, make_user


def future_conference(code="cop99", **kw):
    today = utcnow().date()
    now = utcnow()
    values = dict(starts_on=today + timedelta(days=40), ends_on=today + timedelta(days=44),
                  registration_opens_at=now - timedelta(days=10), registration_closes_at=now + timedelta(days=20))
    values.update(kw)
    return make_conference(code, **values)


def person(conference, **kw) -> RegistrationData:
    values = dict(family_name="Dubois", given_names="Hélène", gender=Gender.FEMALE, email="helene@example.org",
                  date_of_birth=date(1980, 5, 17), passport_number="P1234567",
                  passport_expiry=conference.ends_on + timedelta(days=400), delegation_role=DelegationRole.ADVISER,
                  consent=True, nationality="FRA", language="fr")
    values.update(kw)
    return RegistrationData(**values)


@pytest.fixture
def world(db_session):
    c = future_conference()
    france = make_delegation(c, make_entity(EntityType.STATE, "France", "FRA", RegionalGroup.WEOG))
    kenya = make_delegation(c, make_entity(EntityType.STATE, "Kenya", "KEN", RegionalGroup.AFRICAN))
    ngo = make_delegation(c, make_entity(EntityType.NGO_ECOSOC, "Friends of Justice"), quota=2)
    media = make_delegation(c, make_entity(EntityType.MEDIA, "Danube Wire"))
    officer = make_user("officer@example.org", roles=[Role.REGISTRATION_OFFICER])
    focal_fr = make_user("fp.fr@example.org", roles=[Role.FOCAL_POINT], delegation_id=france.id)
    db_session.commit()
    return {"c": c, "france": france, "kenya": kenya, "ngo": ngo, "media": media, "officer": officer,
            "focal_fr": focal_fr}


# -- the state machine: every (action, state) pair, allowed or refused --------------------------

CASES = [(action, status) for action in ACTIONS for status in S]


@pytest.mark.parametrize("action, status", CASES, ids=[f"{a}-from-{s.value}" for a, s in CASES])
def test_every_transition_for_the_secretariat(world, db_session, action, status):
    r = make_registration(world["france"], status=status, photo="photos/x.jpg")
    sources, target, actors, needs_reason = ACTIONS[action]
    allowed = status in sources and Actor.SECRETARIAT in actors
    if allowed:
        services.transition(r, action, actor=Actor.SECRETARIAT, user=world["officer"], reason="Because.")
        assert r.status == target
        entry = db_session.scalars(select(AuditLog).where(AuditLog.object_id == r.id,
                                                          AuditLog.action == f"registration.{action}")).one()
        assert entry.before == {"status": status.value} and entry.after == {"status": target.value}
        assert entry.user_id == world["officer"].id and entry.reason == "Because."
    else:
        with pytest.raises((RuleViolation, PermissionDenied)):
            services.transition(r, action, actor=Actor.SECRETARIAT, user=world["officer"], reason="Because.")
        assert r.status == status
    db_session.rollback()


def test_who_may_do_what(world, db_session):
    r = make_registration(world["france"], status=S.SUBMITTED, photo="photos/x.jpg")
    with pytest.raises(PermissionDenied):
        services.transition(r, "approve", actor=Actor.PARTICIPANT)
    with pytest.raises(PermissionDenied):
        services.transition(r, "approve", actor=Actor.FOCAL_POINT, user=world["focal_fr"])
    with pytest.raises(PermissionDenied):
        services.transition(r, "preapprove", actor=Actor.SECRETARIAT, user=world["officer"])
    door = make_user("door@example.org", roles=[Role.DOOR_STAFF])
    with pytest.raises(PermissionDenied):
        services.transition(r, "approve", actor=Actor.SECRETARIAT, user=door)
    services.transition(r, "preapprove", actor=Actor.FOCAL_POINT, user=world["focal_fr"])
    assert r.status == S.PREAPPROVED


def test_a_focal_point_acts_for_their_own_delegation_only(world, db_session):
    other = make_registration(world["kenya"], status=S.SUBMITTED)
    with pytest.raises(PermissionDenied):
        services.transition(other, "preapprove", actor=Actor.FOCAL_POINT, user=world["focal_fr"])
    with pytest.raises(PermissionDenied):
        services.update(other, person(world["c"]), actor=Actor.FOCAL_POINT, user=world["focal_fr"])
    with pytest.raises(PermissionDenied):
        services.register(world["c"], world["kenya"], person(world["c"]), actor=Actor.FOCAL_POINT,
                          user=world["focal_fr"])


def test_a_reason_is_needed_to_reject_or_ask_for_information(world, db_session):
    r = make_registration(world["france"], status=S.SUBMITTED)
    for action in ("reject", "request_info"):
        with pytest.raises(Invalid) as caught:
            services.transition(r, action, actor=Actor.SECRETARIAT, user=world["officer"], reason="  ")
        assert "reason" in caught.value.errors
    assert r.status == S.SUBMITTED


def test_approval_needs_a_photo_for_people_who_come_in_person(world, db_session):
    r = make_registration(world["france"], status=S.SUBMITTED)
    with pytest.raises(RuleViolation, match="no photo"):
        services.transition(r, "approve", actor=Actor.SECRETARIAT, user=world["officer"])


def test_editing_after_approval_is_for_the_secretariat_only(world, db_session):
    c = world["c"]
    r = services.register(c, world["france"], person(c), actor=Actor.PARTICIPANT)
    r.photo = "photos/x.jpg"
    services.transition(r, "approve", actor=Actor.SECRETARIAT, user=world["officer"])
    with pytest.raises(RuleViolation, match="only the secretariat"):
        services.update(r, person(c, function_title="Minister"), actor=Actor.PARTICIPANT)
    services.update(r, person(c, function_title="Minister"), actor=Actor.SECRETARIAT, user=world["officer"])
    assert r.function_title == "Minister"


def test_answering_a_request_for_information_resubmits(world, db_session):
    c = world["c"]
    r = services.register(c, world["france"], person(c), actor=Actor.PARTICIPANT)
    services.transition(r, "request_info", actor=Actor.SECRETARIAT, user=world["officer"], reason="Photo please")
    services.update(r, person(c, phone="+33 1 23"), actor=Actor.PARTICIPANT, photo="photos/new.jpg")
    assert r.status == S.SUBMITTED and r.photo == "photos/new.jpg"


# -- rules ---------------------------------------------------------------------------------------

def test_registering_queues_the_confirmation_in_the_participants_language(world, db_session):
    c = world["c"]
    r = services.register(c, world["france"], person(c), actor=Actor.PARTICIPANT)
    assert r.status == S.SUBMITTED and r.submitted_at is not None
    assert r.name_key == "dubois helene"
    mail = db_session.scalars(select(OutgoingMail)).one()
    assert mail.recipient == "helene@example.org" and mail.language == "fr"
    assert r.status_token in mail.body_text


def test_quota_of_an_ngo(world, db_session):
    c, ngo = world["c"], world["ngo"]
    for i in range(2):
        services.register(c, ngo, person(c, email=f"n{i}@example.org", passport_number=f"N{i}",
                                         family_name=f"Name{i}"), actor=Actor.PARTICIPANT)
    with pytest.raises(RuleViolation, match="reached its quota of 2"):
        services.register(c, ngo, person(c, email="n3@example.org", passport_number="N3"), actor=Actor.PARTICIPANT)


def test_the_session_default_quota_applies_to_ngos(world, db_session):
    ngo = make_delegation(world["c"], make_entity(EntityType.NGO_OTHER, "Other NGO"))
    assert services.quota_of(ngo) == world["c"].ngo_quota == 10
    assert services.quota_of(world["france"]) is None


def test_approval_respects_the_quota(world, db_session):
    ngo = world["ngo"]
    a = make_registration(ngo, status=S.APPROVED)
    b = make_registration(ngo, status=S.APPROVED)
    c = make_registration(ngo, status=S.SUBMITTED, photo="photos/x.jpg")
    assert a and b
    with pytest.raises(RuleViolation, match="quota"):
        services.transition(c, "approve", actor=Actor.SECRETARIAT, user=world["officer"])


def _race(app, monkeypatch, jobs) -> tuple[int, list[str]]:
    """Run the jobs in threads that all reach the delegation's row lock together (a barrier in front of the real
    lock), so each has passed every check before any of them counts. Returns (how many committed, refusals)."""
    barrier = threading.Barrier(len(jobs))
    met = threading.local()

    def meet_then_lock(delegation, real):
        # Only at a thread's first lock: a registration locks again, on its way into "submitted", the row it holds.
        if not getattr(met, "done", False):
            met.done = True
            barrier.wait(timeout=30)
        real(delegation)

    for module in (intake, workflow):
        monkeypatch.setattr(module, "_lock", lambda delegation, real=module._lock: meet_then_lock(delegation, real))
    done, refused = [], []

    def worker(job):
        with app.app_context():
            try:
                job()
                db.session.commit()
                done.append(job)
            except RuleViolation as exc:
                db.session.rollback()
                refused.append(exc.message)
            except Exception as exc:  # noqa: BLE001 - anything else fails the test below
                db.session.rollback()
                refused.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return len(done), refused


def test_two_people_registering_for_the_last_place_of_a_quota_one_succeeds(app, world, db_session, database_url,
                                                                            monkeypatch):
    if not database_url.startswith("postgresql"):
        pytest.skip("concurrency is PostgreSQL's business; SQLite serializes every write")
    c, ngo = world["c"], world["ngo"]  # a quota of 2
    services.register(c, ngo, person(c, email="first@example.org", passport_number="F1", family_name="First"),
                      actor=Actor.PARTICIPANT)
    db_session.commit()
    ids = (c.id, ngo.id)
    racers = [person(c, email=f"racer{n}@example.org", passport_number=f"R{n}", family_name=f"Racer{n}")
              for n in range(2)]

    def register(data):
        return lambda: services.register(db.session.get(type(c), ids[0]), db.session.get(type(ngo), ids[1]), data,
                                         actor=Actor.PARTICIPANT)

    committed, refused = _race(app, monkeypatch, [register(data) for data in racers])
    assert committed == 1 and len(refused) == 1 and "reached its quota of 2" in refused[0], refused
    db_session.expire_all()
    assert db_session.scalar(select(func.count()).select_from(Registration)
                             .where(Registration.delegation_id == ngo.id)) == 2


def test_two_approvals_for_the_last_approved_place_of_a_quota_one_succeeds(app, world, db_session, database_url,
                                                                           monkeypatch):
    if not database_url.startswith("postgresql"):
        pytest.skip("concurrency is PostgreSQL's business; SQLite serializes every write")
    ngo = world["ngo"]  # a quota of 2
    make_registration(ngo, status=S.APPROVED)
    waiting = [make_registration(ngo, status=S.SUBMITTED, photo="photos/x.jpg").id for _ in range(2)]
    db_session.commit()

    def approve(registration_id):
        return lambda: services.transition(db.session.get(Registration, registration_id), "approve",
                                           actor=Actor.COMMAND_LINE)

    committed, refused = _race(app, monkeypatch, [approve(i) for i in waiting])
    assert committed == 1 and len(refused) == 1 and "quota" in refused[0], refused
    db_session.expire_all()
    assert db_session.scalar(select(func.count()).select_from(Registration).where(
        Registration.delegation_id == ngo.id, Registration.status == S.APPROVED)) == 2


@pytest.mark.parametrize("same, field", [
    ({"email": "HELENE@example.org"}, "email"),
    ({"passport_number": "p 1234567"}, "passport_number"),
    ({"family_name": "DUBOIS", "given_names": "Helene"}, "family_name"),
])
def test_one_accreditation_per_person(world, db_session, same, field):
    c = world["c"]
    services.register(c, world["france"], person(c), actor=Actor.PARTICIPANT)
    other = {"email": "other@example.org", "passport_number": "Z999", "family_name": "Other", **same}
    with pytest.raises(Invalid) as caught:
        # Under another category too: a journalist cannot also be a delegate.
        services.register(c, world["media"], person(c, **other), actor=Actor.PARTICIPANT)
    assert field in caught.value.errors
    told = caught.value.errors[field][0]
    # The participant is not told where the other accreditation is: anyone can type a passport number.
    assert "one accreditation" in told and "France" not in told and "private link" in told
    # The secretariat is.
    with pytest.raises(Invalid) as caught:
        services.register(c, world["media"], person(c, **other), actor=Actor.SECRETARIAT)
    told = caught.value.errors[field][0]
    assert "France" in told and "one accreditation" in told and "Submitted" in told


def test_ngo_without_ecosoc_status_waits_for_the_objection_period(world, db_session):
    c = world["c"]
    d = make_delegation(c, make_entity(EntityType.NGO_OTHER, "New NGO"), ngo_admission=NgoAdmission.NOT_APPLICABLE)
    r = make_registration(d, status=S.SUBMITTED, photo="photos/x.jpg")
    with pytest.raises(RuleViolation, match="not yet been listed"):
        services.transition(r, "approve", actor=Actor.SECRETARIAT, user=world["officer"])
    listed = utcnow() - timedelta(days=10)
    services.ngo_admission_step(d, "list", user=world["officer"], now=listed)
    with pytest.raises(RuleViolation, match="objection period ends on"):
        services.transition(r, "approve", actor=Actor.SECRETARIAT, user=world["officer"])
    # Thirty days later, nobody having objected, the delegates can be approved.
    services.transition(r, "approve", actor=Actor.SECRETARIAT, user=world["officer"],
                        now=listed + timedelta(days=30, minutes=1))
    assert r.status == S.APPROVED


def test_an_objection_sends_the_ngo_to_the_conference(world, db_session):
    c = world["c"]
    d = make_delegation(c, make_entity(EntityType.NGO_OTHER, "Contested NGO"))
    r = make_registration(d, status=S.SUBMITTED, photo="photos/x.jpg")
    services.ngo_admission_step(d, "list", user=world["officer"], now=utcnow() - timedelta(days=40))
    services.ngo_admission_step(d, "object", user=world["officer"], reason="Objection by a State")
    with pytest.raises(RuleViolation, match="Conference must decide"):
        services.transition(r, "approve", actor=Actor.SECRETARIAT, user=world["officer"])
    services.ngo_admission_step(d, "admit", user=world["officer"], reason="Decision of the Conference")
    services.transition(r, "approve", actor=Actor.SECRETARIAT, user=world["officer"])
    with pytest.raises(RuleViolation):
        services.ngo_admission_step(world["ngo"], "list", user=world["officer"])  # ECOSOC NGOs need none


def test_registration_window(world, db_session):
    c = world["c"]
    c.registration_closes_at = utcnow() - timedelta(hours=1)
    with pytest.raises(RuleViolation, match="Registration closed on .* Only the secretariat"):
        services.register(c, world["france"], person(c), actor=Actor.PARTICIPANT)
    with pytest.raises(RuleViolation):
        services.register(c, world["france"], person(c), actor=Actor.FOCAL_POINT, user=world["focal_fr"])
    r = services.register(c, world["france"], person(c), actor=Actor.SECRETARIAT, user=world["officer"],
                          require_consent=False)
    assert r.late_registration
    c.registration_opens_at = utcnow() + timedelta(days=1)
    c.registration_closes_at = utcnow() + timedelta(days=2)
    assert "Registration opens on" in services.registration_open(c)


@pytest.mark.parametrize("changes, field", [
    ({"family_name": " "}, "family_name"),
    ({"email": "not-an-address"}, "email"),
    ({"gender": None}, "gender"),
    ({"date_of_birth": date(2090, 1, 1)}, "date_of_birth"),
    ({"passport_expiry": date(2000, 1, 1)}, "passport_expiry"),
    ({"passport_number": "AB-12"}, "passport_number"),
    ({"phone": "call me"}, "phone"),
    ({"delegation_role": None}, "delegation_role"),
    ({"consent": False}, "consent"),
    ({"nationality": "12"}, "nationality"),
    ({"family_name": "x" * 121}, "family_name"),
])
def test_bad_data_names_the_field(world, db_session, changes, field):
    c = world["c"]
    with pytest.raises(Invalid) as caught:
        services.register(c, world["france"], person(c, **changes), actor=Actor.PARTICIPANT)
    assert field in caught.value.errors
    assert db_session.scalar(select(func.count()).select_from(Registration)) == 0


def test_attendance_days_must_fall_in_the_session(world, db_session):
    c = world["c"]
    with pytest.raises(Invalid) as caught:
        services.register(c, world["france"], person(c, attendance_from=c.ends_on, attendance_to=c.starts_on),
                          actor=Actor.PARTICIPANT)
    assert "attendance_to" in caught.value.errors
    with pytest.raises(Invalid) as caught:
        services.register(c, world["france"], person(c, attendance_from=c.starts_on - timedelta(days=1)),
                          actor=Actor.PARTICIPANT)
    assert "attendance_from" in caught.value.errors


def test_names_are_cleaned_of_control_characters(world, db_session):
    c = world["c"]
    r = services.register(c, world["france"], person(c, family_name="Du\u0000bois\u200b", badge_name=""),
                          actor=Actor.PARTICIPANT)
    assert r.family_name == "Dubois" and r.badge_name == "Hélène Dubois"


def test_one_head_per_delegation(world, db_session):
    c = world["c"]
    services.register(c, world["france"], person(c, delegation_role=DelegationRole.HEAD), actor=Actor.PARTICIPANT)
    with pytest.raises(Invalid) as caught:
        services.register(c, world["france"], person(c, email="b@example.org", passport_number="B1",
                                                     family_name="B", delegation_role=DelegationRole.HEAD),
                          actor=Actor.PARTICIPANT)
    assert "delegation_role" in caught.value.errors
    # A member of the public is not told who the head is; the secretariat is.
    assert "Dubois" not in caught.value.errors["delegation_role"][0]
    with pytest.raises(Invalid) as caught:
        services.register(c, world["france"], person(c, email="b@example.org", passport_number="B1",
                                                     family_name="B", delegation_role=DelegationRole.HEAD),
                          actor=Actor.SECRETARIAT)
    assert "Hélène Dubois" in caught.value.errors["delegation_role"][0]


def test_the_head_index_and_the_services_agree_on_the_active_statuses(world, db_session):
    """One list of active statuses: the services refuse a second head, and the database's partial unique index
    refuses it too, for exactly the statuses in ACTIVE_STATUSES (the index condition is built from it)."""
    c = world["c"]
    assert set(services.ACTIVE) == set(ACTIVE_STATUSES) == {S.SUBMITTED, S.PREAPPROVED, S.NEEDS_INFO, S.APPROVED}
    for status in S:
        delegation = make_delegation(c, make_entity(EntityType.STATE, f"State {status.value}"))
        make_registration(delegation, role=DelegationRole.HEAD, status=status)
        refused = status in ACTIVE_STATUSES
        try:
            services.validate(c, delegation, person(c, delegation_role=DelegationRole.HEAD),
                              actor=Actor.SECRETARIAT)
            said_no = False
        except Invalid as exc:
            said_no = "delegation_role" in exc.errors
        assert said_no == refused, status
        try:
            with db_session.begin_nested():
                make_registration(delegation, role=DelegationRole.HEAD, status=S.SUBMITTED)
            held = False
        except IntegrityError:
            held = True
        assert held == refused, status


def test_status_counts_and_delegation_names_for_the_back_office(world, db_session):
    c = world["c"]
    other = future_conference("cop77")
    make_registration(world["france"], status=S.SUBMITTED)
    make_registration(world["france"], status=S.SUBMITTED)
    make_registration(world["france"], status=S.APPROVED)
    make_registration(make_delegation(other, make_entity(EntityType.STATE, "Chile")), status=S.REJECTED)
    counts = services.status_counts()
    assert counts[c.id] == {"SUBMITTED": 2, "APPROVED": 1} and counts[other.id] == {"REJECTED": 1}
    names = services.delegation_names(c)
    assert [name for _i, name in names] == sorted(name for _i, name in names)
    assert (world["france"].id, "France") in names and all(name != "Chile" for _i, name in names)


def test_the_history_of_a_registration_is_its_own_audit_entries_oldest_first(world, db_session):
    c = world["c"]
    r = services.register(c, world["france"], person(c), actor=Actor.PARTICIPANT)
    other = make_registration(world["kenya"], status=S.SUBMITTED, photo="photos/x.jpg")
    services.transition(other, "approve", actor=Actor.COMMAND_LINE)
    services.transition(r, "request_info", actor=Actor.COMMAND_LINE, reason="A photo, please.")
    # Another kind of object with the same number is not this registration.
    db_session.add(AuditLog(action="delegation.test", object_type="Delegation", object_id=r.id, actor="test"))
    db_session.commit()
    assert [h.action for h in audit.history(r)] == ["registration.create", "registration.submit",
                                                    "registration.request_info"]


def test_a_focal_point_finds_members_of_their_own_delegation_only(world, db_session):
    own = make_registration(world["france"])
    other = make_registration(world["kenya"])
    assert services.get_member(world["france"].id, own.id) is own
    for delegation_id, registration_id in ((world["france"].id, other.id), (world["france"].id, 10**6),
                                           (None, own.id)):
        with pytest.raises(NotFound, match="no such registration"):
            services.get_member(delegation_id, registration_id)


def test_credentials(world, db_session):
    services.submit_credentials(world["france"], "documents/cred.pdf", user=world["focal_fr"])
    assert world["france"].credentials_status == CredentialsStatus.PROVISIONAL
    services.set_credentials(world["france"], CredentialsStatus.RECEIVED, user=world["officer"])
    assert world["france"].credentials_received_at is not None
    focal_ngo = make_user("fp.ngo@example.org", roles=[Role.FOCAL_POINT], delegation_id=world["ngo"].id)
    with pytest.raises(RuleViolation, match="States parties"):
        services.submit_credentials(world["ngo"], "documents/x.pdf", user=focal_ngo)
    with pytest.raises(PermissionDenied):
        services.submit_credentials(world["kenya"], "documents/x.pdf", user=world["focal_fr"])


def test_bulk_decisions_report_each_refusal(world, db_session):
    ok1 = make_registration(world["france"], status=S.SUBMITTED, photo="photos/a.jpg")
    ok2 = make_registration(world["kenya"], status=S.PREAPPROVED, photo="photos/b.jpg")
    no_photo = make_registration(world["kenya"], status=S.SUBMITTED, family_name="Nophoto")
    rejected = make_registration(world["france"], status=S.REJECTED)
    done, refused = services.bulk_transition(world["c"], [ok1.id, ok2.id, no_photo.id, rejected.id, 999_999],
                                             "approve", actor=Actor.SECRETARIAT, user=world["officer"])
    db_session.commit()
    assert {r.id for r in done} == {ok1.id, ok2.id}
    assert "no photo" in refused[no_photo.id] and "cannot be approved" in refused[rejected.id]
    assert refused[999_999] == "not found in this session"
    db_session.expire_all()
    assert db_session.get(Registration, no_photo.id).status == S.SUBMITTED
    assert db_session.get(Registration, ok1.id).status == S.APPROVED


# -- the queue -----------------------------------------------------------------------------------

def test_search_in_any_script_ignores_case_and_accents(world, db_session):
    c = world["c"]
    make_registration(world["france"], family_name="Dubois", given_names="Hélène",
                      name_key=services.name_key("Dubois", "Hélène"))
    make_registration(world["kenya"], family_name="Иванов", given_names="Сергей",
                      name_key=services.name_key("Иванов", "Сергей"))
    make_registration(world["kenya"], family_name="王", given_names="伟", name_key=services.name_key("王", "伟"))
    make_registration(world["kenya"], family_name="العلي", given_names="فاطمة",
                      name_key=services.name_key("العلي", "فاطمة"))

    def names(q, **kw):
        rows, total = services.search(c, QueueFilters(q=q, **kw))
        return sorted(r.family_name for r in rows)

    assert names("HELENE dubois") == ["Dubois"]
    assert names("иванов") == ["Иванов"]
    assert names("王") == ["王"]
    assert names("فاطمة") == ["العلي"]
    assert names("100%_") == []
    assert names("", category=Category.STATE_PARTY, regional_group="AFRICAN") == sorted(["Иванов", "王", "العلي"])


def test_the_queue_page_costs_the_same_queries_for_10_or_60_rows(world, db_session, client):
    c = world["c"]
    made = [make_registration(world["france"] if i % 2 else world["kenya"], status=S.SUBMITTED) for i in range(60)]
    db_session.commit()
    # One French registration, searched by its given names (the factory numbers them across the whole run).
    wanted = made[1].given_names
    from tests.test_accounts import login

    login(client, "officer@example.org")

    def queries(path):
        count = 0

        def counter(*_):
            nonlocal count
            count += 1

        event.listen(db.engine, "before_cursor_execute", counter)
        try:
            assert client.get(path).status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", counter)
        return count

    small = queries(f"/admin/{c.code}/registrations?delegation={world['france'].id}&q={wanted}")
    large = queries(f"/admin/{c.code}/registrations")
    assert large == small
    rows, total = services.search(c, QueueFilters(), page=2, per_page=50)
    assert total == 60 and len(rows) == 10


@pytest.mark.parametrize(("family", "given", "written"), [
    ("王", "小明", "王小明"), ("山田", "花子", "山田花子"), ("김", "민준", "김민준"), ("佐々木", "花子", "佐々木花子"),
    ("𠮷田", "太郎", "𠮷田太郎"),
    ("Schröder", "Käthe", "Käthe Schröder"), ("المصري", "ليلى", "ليلى المصري"), ("Щербакова", "Александра",
                                                                              "Александра Щербакова"),
    ("Wang", "Xiaoming", "Xiaoming Wang"),  # in Latin letters the person chose the order: given names first
])
def test_names_are_written_the_way_their_script_writes_them(family, given, written):
    from conference.registration.models import person_name

    assert person_name(family, given) == written


def test_a_participant_is_found_by_e_mail_in_any_case_and_only_at_their_session(world, db_session):
    c = world["c"]
    r = services.register(c, world["france"], person(c), actor=Actor.PARTICIPANT)
    assert services.get_by_email(c, "  HELENE@Example.org ") == r
    other = future_conference("cop98")
    for conference, email in ((c, "nobody@example.org"), (c, ""), (other, "helene@example.org")):
        with pytest.raises(NotFound, match="No participant of this session"):
            services.get_by_email(conference, email)
