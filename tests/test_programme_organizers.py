"""A side event's own people: told when it gets its room and time and when either changes, and never queuing
for a seat at it."""

from __future__ import annotations

import re
from datetime import time

from sqlalchemy import select

from conference.core.models import OutgoingMail
from conference.programme import services
from conference.programme.models import SessionSignup, SignupStatus
from tests.factories import make_registration
from tests.test_programme import accepted, application, at, cop, people  # noqa: F401  (fixtures)
from tests.test_programme_web import login


def mail_to(db_session, email) -> list[OutgoingMail]:
    return db_session.scalars(select(OutgoingMail).where(OutgoingMail.recipient == email)
                              .order_by(OutgoingMail.id)).all()


def test_the_organizer_is_told_the_room_and_time_and_every_change(cop, db_session):  # noqa: F811
    s = accepted(cop)
    told = len(mail_to(db_session, "it@example.org"))
    services.schedule(s, cop["rooms"]["m1"], at(cop, time(13, 15)), at(cop, time(14, 45)), actor="t")
    first = mail_to(db_session, "it@example.org")[told:]
    assert [m.subject for m in first] == ["COP70: your side event has its room and time"]
    assert "13:15–14:45, M1" in first[0].body_text and "once the programme is published" in first[0].body_text
    # The same room and time again: nothing new to tell.
    services.schedule(s, cop["rooms"]["m1"], at(cop, time(13, 15)), at(cop, time(14, 45)), actor="t")
    assert len(mail_to(db_session, "it@example.org")) == told + 1
    services.review(s, "publish", actor="t")
    services.schedule(s, cop["rooms"]["m1"], at(cop, time(18, 15)), at(cop, time(19, 45)), actor="t")
    services.schedule(s, cop["rooms"]["plenary"], at(cop, time(18, 15)), at(cop, time(19, 45)), actor="t")
    moved = mail_to(db_session, "it@example.org")[told + 1:]
    assert [m.subject for m in moved] == ["COP70: your side event has a new room or time"] * 2
    assert "18:15–19:45, M1" in moved[0].body_text and "18:15–19:45, PLENARY" in moved[1].body_text
    assert "once the programme is published" not in moved[1].body_text


def test_the_organizer_is_told_in_their_language(cop, db_session):  # noqa: F811
    cop["applicant"].language = "fr"
    s = accepted(cop)
    services.schedule(s, cop["rooms"]["m1"], at(cop, time(13, 15)), at(cop, time(14, 45)), actor="t")
    subject = mail_to(db_session, "it@example.org")[-1].subject
    assert subject == "COP70 : votre manifestation parallèle a sa salle et son horaire"


def _full_event(cop, db_session):  # noqa: F811
    s = accepted(cop)
    services.schedule(s, cop["rooms"]["m1"], at(cop, time(13, 15)), at(cop, time(14, 45)), actor="t")
    services.review(s, "publish", actor="t")
    services.update_session(s, capacity=2, actor="t")
    crowd = people(cop, 3, start=900)
    for p in crowd:
        services.sign_up(s, p)
    return s, crowd


def test_the_lead_organizer_and_the_speakers_never_queue(cop, db_session):  # noqa: F811
    s, crowd = _full_event(cop, db_session)
    assert services.seats(s) == {"CONFIRMED": 2, "WAITLISTED": 1, "INVITED": 0}
    # Speakers as typed in the application: "Ghada Waly" and "Kiryowa Kiwanuka".
    speaker = make_registration(cop["uganda"], given_names="Kiryowa", family_name="KIWANUKA",
                                email="kiwanuka@example.org")
    stranger = make_registration(cop["uganda"], given_names="Someone", family_name="Else", email="else@example.org")
    assert services.sign_up(s, cop["applicant"]).status == SignupStatus.CONFIRMED
    assert services.sign_up(s, speaker).status == SignupStatus.CONFIRMED
    assert services.sign_up(s, stranger).status == SignupStatus.WAITLISTED
    # They count against the seats: nobody else is promoted while they hold theirs.
    assert services.seats(s)["CONFIRMED"] == 4
    services.cancel_signup(s, crowd[0])
    assert services.seats(s)["CONFIRMED"] == 3
    # Fewer seats move others back, never the event's own people.
    services.update_session(s, capacity=1, over_capacity="waitlist", actor="t")
    mine = dict(db_session.execute(select(SessionSignup.registration_id, SessionSignup.status)
                                   .where(SessionSignup.session_id == s.id)).all())
    assert mine[cop["applicant"].id] == mine[speaker.id] == SignupStatus.CONFIRMED
    assert mine[crowd[1].id] == SignupStatus.WAITLISTED


# -- the scheduling form and the application pages -------------------------------------------------------------------

def test_the_suggested_room_is_the_smallest_that_fits(cop, db_session):  # noqa: F811
    rooms = cop["rooms"]  # plenary 900, m1 120, m4 40
    assert services.suggest_room(cop["c"], 80) == rooms["m1"]
    assert services.suggest_room(cop["c"], 40) == rooms["m4"]
    assert services.suggest_room(cop["c"], 5000) == rooms["plenary"]  # nothing fits: the largest, and the form says so


def test_the_scheduling_form_offers_the_room_that_fits(client, cop, db_session):  # noqa: F811
    s = accepted(cop, expected_attendance=80)
    db_session.commit()
    login(client, "coord@example.org")
    body = client.get(f"/admin/cop70/programme/sessions/{s.id}").get_data(as_text=True)
    assert re.search(rf'<option selected value="{cop["rooms"]["m1"].id}">M1 ', body)
    assert "Suggested: M1, the smallest room for the 80 people expected." in body


def test_the_one_application_rule_is_told_before_the_form(client, cop, db_session):  # noqa: F811
    token = cop["applicant"].status_token
    mine, form = f"/cop70/registration/{token}/programme", f"/cop70/registration/{token}/side-events/new"
    for page in (mine, form):
        assert "Italy</bdi> may lead 1 side-event application at this session" in client.get(page).get_data(
            as_text=True)
    s = services.apply(cop["c"], make_registration(cop["italy"], email="colleague@example.org"), application(cop))
    db_session.commit()
    for page in (mine, form):
        body = client.get(page).get_data(as_text=True)
        assert "Italy</bdi> already leads 1 side-event application, as many as this session allows" in body
        assert f'href="{mine}#application-{s.id}"' in body
        assert "Send the application" not in body and f'href="{form}"' not in body
    assert f'id="application-{s.id}"' in client.get(mine).get_data(as_text=True)
