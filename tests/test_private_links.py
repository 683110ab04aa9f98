"""Private links are replaced on request (participant or secretariat): the new one is e-mailed, the old one says so."""

from __future__ import annotations

from sqlalchemy import select

from conference.accounts.models import Role
from conference.core.models import AuditLog, OutgoingMail
from conference.registration.models import RegistrationStatus as S
from tests.conftest import csrf_token
from tests.factories import make_registration, make_user
from tests.test_registration_web import login, site  # noqa: F401  (fixture)


def mails_to(db_session, email):
    return db_session.scalars(select(OutgoingMail).where(OutgoingMail.recipient == email)
                              .order_by(OutgoingMail.id)).all()


def test_the_participant_asks_for_a_new_link(client, site, db_session):  # noqa: F811
    r = make_registration(site["france"], status=S.SUBMITTED, email="helene@example.org")
    db_session.commit()
    old = r.status_token
    base = f"/cop50/registration/{old}"
    assert "Send me a new link" in client.get(base).get_data(as_text=True)
    response = client.post(base + "/new-link", data={"csrf_token": csrf_token(client, base)})
    assert response.status_code == 302 and response.headers["Location"] == "/cop50/"
    db_session.refresh(r)
    new = r.status_token
    assert new != old and len(new) >= 40
    # The new link goes by e-mail only, never to whoever used the old one.
    assert new not in client.get("/cop50/").get_data(as_text=True)
    (mail,) = mails_to(db_session, "helene@example.org")
    assert f"http://localhost/cop50/registration/{new}" in mail.body_text and old not in mail.body_text
    assert client.get(f"/cop50/registration/{new}").status_code == 200
    # Every page behind the old link says it was replaced: a 410, not "not valid" and never a 500.
    for path in ("", "/edit", "/programme", "/photo"):
        page = client.get(base + path)
        assert page.status_code == 410, path
        assert "replaced" in page.get_data(as_text=True)
    assert client.post(base + "/withdraw", data={"csrf_token": csrf_token(client, "/login")}).status_code == 410
    db_session.refresh(r)
    assert r.status == S.SUBMITTED
    actions = db_session.scalars(select(AuditLog.actor).where(AuditLog.action == "registration.link_replaced")).all()
    assert actions == ["participant"]


def test_a_replaced_link_of_another_session_or_a_made_up_one_stays_not_valid(client, site, db_session):  # noqa: F811
    r = make_registration(site["france"], status=S.SUBMITTED)
    db_session.commit()
    old = r.status_token
    base = f"/cop50/registration/{old}"
    client.post(base + "/new-link", data={"csrf_token": csrf_token(client, base)})
    assert client.get("/cop50/registration/made-up-token").status_code == 404
    from tests.test_registration import future_conference

    future_conference("cop51")
    db_session.commit()
    assert client.get(f"/cop51/registration/{old}").status_code == 404


def test_the_secretariat_replaces_a_link(client, site, db_session):  # noqa: F811
    r = make_registration(site["france"], status=S.APPROVED, email="helene@example.org")
    make_user("officer@example.org", roles=[Role.REGISTRATION_OFFICER])
    db_session.commit()
    old, rid = r.status_token, r.id
    login(client, "officer@example.org")
    detail = f"/admin/cop50/registrations/{rid}"
    assert "Replace the private link" in client.get(detail).get_data(as_text=True)
    response = client.post(detail + "/new-link", data={"csrf_token": csrf_token(client, detail)})
    assert response.status_code == 302
    db_session.refresh(r)
    assert r.status_token != old
    assert client.get(f"/cop50/registration/{old}").status_code == 410
    (mail,) = mails_to(db_session, "helene@example.org")
    assert r.status_token in mail.body_text
    entry = db_session.scalar(select(AuditLog).where(AuditLog.action == "registration.link_replaced"))
    assert entry.actor == "officer@example.org" and entry.object_id == rid
    assert "link replaced" in client.get(detail).get_data(as_text=True)  # in the registration's history


def test_only_the_secretariat_replaces_a_link_from_the_back_office(client, site, db_session):  # noqa: F811
    r = make_registration(site["france"], status=S.APPROVED)
    make_user("door@example.org", roles=[Role.DOOR_STAFF])
    db_session.commit()
    old = r.status_token
    token = csrf_token(client, "/login")
    login(client, "door@example.org")
    assert client.post(f"/admin/cop50/registrations/{r.id}/new-link", data={"csrf_token": token}).status_code == 403
    db_session.refresh(r)
    assert r.status_token == old
