"""The secretariat's address (Conference.contact_email, issue 14): set on the session's settings page, checked and
audited; shown on the session's public pages and in its e-mails; a participant who withdraws is told to write to it."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from conference.conferences.models import Conference
from conference.core.models import AuditLog, OutgoingMail
from conference.registration.models import RegistrationStatus
from tests.conftest import csrf_token
from tests.factories import make_conference, make_delegation, make_entity, make_registration
from tests.test_registration import future_conference
from tests.test_sessions_web import admin, settings_data  # noqa: F401 - the fixture

ADDRESS = "cop13.secretariat@un.example"


def _settings(client, **overrides):
    data = {"csrf_token": csrf_token(client, "/admin/cop13/settings"), **settings_data(**overrides)}
    return client.post("/admin/cop13/settings", data=data)


def test_the_address_is_set_checked_and_audited(client, db_session, admin):  # noqa: F811
    c = make_conference("cop13", starts_on=date(2027, 10, 11), ends_on=date(2027, 10, 15))
    db_session.commit()
    assert 'name="contact_email"' in client.get("/admin/cop13/settings").get_data(as_text=True)
    assert _settings(client, contact_email=f"  {ADDRESS.upper()} ").status_code == 302
    db_session.expire_all()
    assert db_session.get(Conference, c.id).contact_email == ADDRESS  # as stored: trimmed, lower case
    entry = db_session.scalar(select(AuditLog).where(AuditLog.action == "conference.settings_changed"))
    assert (entry.before["contact_email"], entry.after["contact_email"]) == ("", ADDRESS)
    assert f'value="{ADDRESS}"' in client.get("/admin/cop13/settings").get_data(as_text=True)

    response = _settings(client, contact_email="secretariat@", venue="Somewhere else")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="contact_email-error"' in page and 'value="secretariat@"' in page
    db_session.expire_all()
    assert (db_session.get(Conference, c.id).contact_email, db_session.get(Conference, c.id).venue) == (
        ADDRESS, "Vienna International Centre")  # nothing half-saved

    assert _settings(client, contact_email="").status_code == 302  # no address: none shown
    db_session.expire_all()
    assert db_session.get(Conference, c.id).contact_email == ""


def test_public_pages_show_it(client, db_session):
    c = future_conference("cop13", contact_email=ADDRESS)
    make_delegation(c, make_entity(name="Austria", iso3="AUT"))
    db_session.commit()
    for path in ("/cop13/", "/cop13/register", "/cop13/register/state", "/cop13/programme",
                 "/cop13/registration/resend"):
        assert f'href="mailto:{ADDRESS}"' in client.get(path).get_data(as_text=True), path


def test_a_participant_who_withdraws_is_told_where_to_write(client, db_session):
    c = future_conference("cop13", contact_email=ADDRESS)
    r = make_registration(make_delegation(c, make_entity(name="Austria", iso3="AUT")),
                          status=RegistrationStatus.SUBMITTED)
    db_session.commit()
    path = f"/cop13/registration/{r.status_token}/withdraw"
    page = client.get(path).get_data(as_text=True)
    assert "To reopen it, or with any question, write to the secretariat at" in page and ADDRESS in page
    response = client.post(path, data={"csrf_token": csrf_token(client, path), "reason": "I cannot travel."},
                           follow_redirects=True)
    assert f"If this was a mistake, write to the secretariat at {ADDRESS}." in response.get_data(as_text=True)
    mail = db_session.scalar(select(OutgoingMail).where(OutgoingMail.recipient == r.email,
                                                       OutgoingMail.subject.contains("withdrawn")))
    assert f"If this was a mistake, write to the secretariat at {ADDRESS}: only the secretariat" in mail.body_text


def test_a_focal_points_invitation_carries_it(client, db_session, admin):  # noqa: F811
    c = make_conference("cop13", contact_email=ADDRESS)
    d = make_delegation(c, make_entity(name="Austria", iso3="AUT"))
    db_session.commit()
    page = f"/admin/cop13/delegations/{d.id}"
    client.post(f"{page}/focal-points", data={"email": "fp@mission.example", "language": "en",
                                               "csrf_token": csrf_token(client, page)})
    mail = db_session.scalar(select(OutgoingMail).where(OutgoingMail.recipient == "fp@mission.example"))
    assert mail.body_text.rstrip().endswith(f"The Secretariat\n{ADDRESS}")
