"""Seats at a session: fewer seats than people who hold one, and the waiting list under concurrency."""

from __future__ import annotations

import threading
from datetime import time

import pytest
from sqlalchemy import func, select

from conference.core.errors import Invalid
from conference.core.models import OutgoingMail
from conference.extensions import db
from conference.programme import services
from conference.programme.models import Session, SessionSignup, SignupStatus
from conference.registration.models import Registration
from tests.conftest import csrf_token
from tests.test_programme import at, cop, people, small_event  # noqa: F401  (fixtures)
from tests.test_programme_web import login


def statuses(db_session, s) -> dict[int, SignupStatus]:
    db_session.expire_all()
    return dict(db_session.execute(select(SessionSignup.registration_id, SessionSignup.status)
                                   .where(SessionSignup.session_id == s.id)).all())


def full(cop, s, db_session, seats=4, waiting=1):  # noqa: F811
    services.update_session(s, capacity=seats, actor="t")
    crowd = people(cop, seats + waiting, start=500)
    for p in crowd:
        services.sign_up(s, p)
    db_session.commit()
    return crowd


def test_fewer_seats_than_confirmed_people_is_refused_unless_asked_otherwise(cop, small_event, db_session):  # noqa: F811
    crowd = full(cop, small_event, db_session)
    before = statuses(db_session, small_event)
    with pytest.raises(Invalid) as refused:
        services.update_session(small_event, capacity=2, actor="t")
    assert "4 people hold a confirmed seat" in refused.value.errors["capacity"][0]
    db_session.rollback()
    assert small_event.capacity == 4 and statuses(db_session, small_event) == before
    assert len(crowd) == 5


def test_moving_the_last_confirmed_back_to_the_waiting_list_tells_them(cop, small_event, db_session):  # noqa: F811
    a, b, c, d, e = full(cop, small_event, db_session)
    # d got a seat, then gave it up; e (waiting) took it: e is now the last to have got a seat.
    services.cancel_signup(small_event, d)
    db_session.commit()
    assert statuses(db_session, small_event)[e.id] == SignupStatus.CONFIRMED
    services.update_session(small_event, capacity=2, over_capacity="waitlist", actor="t")
    db_session.commit()
    now = statuses(db_session, small_event)
    assert [now[p.id] for p in (a, b, c, e)] == [SignupStatus.CONFIRMED, SignupStatus.CONFIRMED,
                                                 SignupStatus.WAITLISTED, SignupStatus.WAITLISTED]
    told = db_session.scalars(select(OutgoingMail.recipient).where(OutgoingMail.subject.contains("back on the"))).all()
    assert sorted(told) == sorted([c.email, e.email])
    # They keep their order of arrival: c is first in line for the next seat.
    services.cancel_signup(small_event, a)
    assert statuses(db_session, small_event)[c.id] == SignupStatus.CONFIRMED


def test_the_back_office_keeps_what_was_typed_and_offers_the_choice(client, cop, small_event, db_session):  # noqa: F811
    full(cop, small_event, db_session)
    login(client, "coord@example.org")
    page = f"/admin/cop70/programme/sessions/{small_event.id}"
    response = client.post(f"{page}/edit", data={"capacity": "3", "csrf_token": csrf_token(client, page)})
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and "4 people hold a confirmed seat" in body
    assert 'value="3"' in body and 'value="waitlist"' in body
    response = client.post(f"{page}/edit", data={"capacity": "3", "over_capacity": "waitlist",
                                                 "csrf_token": csrf_token(client, page)}, follow_redirects=True)
    assert "1 person is back on the waiting list" in response.get_data(as_text=True)
    assert services.seats(db.session.get(Session, small_event.id))["CONFIRMED"] == 3


def _run_together(app, jobs):
    barrier = threading.Barrier(len(jobs))
    errors = []

    def worker(job):
        with app.app_context():
            try:
                barrier.wait()
                job()
                db.session.commit()
            except Exception as exc:  # noqa: BLE001 - collected; the test says which are expected
                errors.append(exc)
                db.session.rollback()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return errors


def test_promotion_under_concurrency_never_gives_two_seats_at_once(app, cop, small_event, db_session,  # noqa: F811
                                                                  database_url):
    """Seats free up in one session while the people waiting for them sign up for another at the same time:
    each ends with at most one seat at that time, and no session holds more people than seats."""
    if not database_url.startswith("postgresql"):
        pytest.skip("concurrency is PostgreSQL's business; SQLite serializes every write")
    holders = full(cop, small_event, db_session, seats=6, waiting=0)
    waiting = people(cop, 6, start=700)
    for p in waiting:
        services.sign_up(small_event, p)
    other = services.create_session(cop["c"], small_event.kind, "At the same time, elsewhere", actor="t",
                                     capacity=50, expected_attendance=30)
    services.schedule(other, cop["rooms"]["m4"], at(cop, time(13, 0)), at(cop, time(14, 0)), actor="t")
    services.review(other, "publish", actor="t")
    db_session.commit()
    ids = {"event": small_event.id, "other": other.id}

    def cancel(registration_id):
        return lambda: services.cancel_signup(db.session.get(Session, ids["event"]),
                                              db.session.get(Registration, registration_id))

    def elsewhere(registration_id):
        return lambda: services.sign_up(db.session.get(Session, ids["other"]),
                                        db.session.get(Registration, registration_id))

    errors = _run_together(app, [cancel(p.id) for p in holders] + [elsewhere(p.id) for p in waiting])
    assert all("already hold a seat" in str(e) for e in errors), errors
    db_session.expire_all()
    confirmed = db_session.execute(
        select(SessionSignup.registration_id, func.count()).where(SessionSignup.status == SignupStatus.CONFIRMED,
                                                                  SessionSignup.session_id.in_(ids.values()))
        .group_by(SessionSignup.registration_id)).all()
    assert all(n == 1 for _, n in confirmed), confirmed
    assert services.seats(db_session.get(Session, ids["event"]))["CONFIRMED"] <= 6


def test_fewer_seats_and_sign_ups_at_the_same_time_never_overbook(app, cop, small_event, db_session,  # noqa: F811
                                                                  database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("concurrency is PostgreSQL's business; SQLite serializes every write")
    full(cop, small_event, db_session, seats=8, waiting=0)
    newcomers = [p.id for p in people(cop, 6, start=800)]
    db_session.commit()
    session_id = small_event.id

    def shrink():
        services.update_session(db.session.get(Session, session_id), capacity=5, over_capacity="waitlist",
                                 actor="t")

    def join(registration_id):
        return lambda: services.sign_up(db.session.get(Session, session_id),
                                        db.session.get(Registration, registration_id))

    assert _run_together(app, [shrink] + [join(i) for i in newcomers]) == []
    db_session.expire_all()
    s = db_session.get(Session, session_id)
    assert s.capacity == 5 and services.seats(s) == {"CONFIRMED": 5, "WAITLISTED": 9, "INVITED": 0}
