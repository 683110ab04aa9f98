"""A focal point invited from the delegation's page (issue 14): the invitation of /admin/users, the delegation
already chosen; an address already in use is said at the field with what was typed kept."""

from __future__ import annotations

from sqlalchemy import func, select

from conference.accounts.models import Role, User
from conference.core.models import OutgoingMail
from tests.conftest import csrf_token
from tests.factories import make_conference, make_delegation, make_entity, make_user
from tests.test_invitations import _fresh_requests, as_admin, link_in, login, mails_to, set_password  # noqa: F401


def _austria(db_session):
    c = make_conference("cop13")
    d = make_delegation(c, make_entity(name="Austria", iso3="AUT"))
    db_session.commit()
    return d


def _invite(client, d, **fields):
    page = f"/admin/cop13/delegations/{d.id}"
    data = {"email": "focal@mission.example", "name": "Anna Berger", "language": "fr",
            "csrf_token": csrf_token(client, page)}
    data.update(fields)
    return client.post(f"{page}/focal-points", data=data)


def test_the_invitation_makes_a_focal_point_of_this_delegation(app, client, db_session):
    d = _austria(db_session)
    as_admin(client)
    page = client.get(f"/admin/cop13/delegations/{d.id}").get_data(as_text=True)
    assert "Invite a focal point" in page and "No focal point has an account" in page
    response = _invite(client, d)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/delegations/{d.id}#focal-points")
    user = db_session.scalar(select(User).where(User.email == "focal@mission.example"))
    assert (user.roles, user.delegation_id, user.name, user.invited) == ({Role.FOCAL_POINT}, d.id, "Anna Berger", True)
    page = client.get(f"/admin/cop13/delegations/{d.id}").get_data(as_text=True)
    assert "focal@mission.example" in page and "invited; the link works until" in page
    # The same e-mail as from /admin/users: its link sets the password, and the focal point sees the delegation.
    (mail,) = mails_to(user.email)
    assert mail.language == "fr"
    invitee = app.test_client()
    assert set_password(invitee, link_in(mail)).status_code == 302
    assert login(invitee, user.email, "a long enough new password").status_code == 302
    assert "Austria" in invitee.get("/focal/").get_data(as_text=True)


def test_an_address_in_use_is_said_at_the_field(client, db_session):
    d = _austria(db_session)
    make_user("taken@example.org", roles=[Role.BADGE_DESK])
    as_admin(client)
    response = _invite(client, d, email="Taken@Example.org", name="Kept Name")
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert 'id="email-error"' in body and "already exists" in body
    assert 'value="Kept Name"' in body and 'value="Taken@Example.org"' in body
    assert db_session.scalar(select(func.count()).select_from(User)) == 2
    assert db_session.scalar(select(func.count()).select_from(OutgoingMail)) == 0


def test_a_malformed_address_is_said_at_the_field(client, db_session):
    d = _austria(db_session)
    as_admin(client)
    response = _invite(client, d, email="not an address")
    assert response.status_code == 422 and 'id="email-error"' in response.get_data(as_text=True)


def test_only_admins_invite_and_officers_see_no_form(client, db_session):
    d = _austria(db_session)
    make_user("officer@example.org")
    login(client, "officer@example.org")
    assert "Invite a focal point" not in client.get(f"/admin/cop13/delegations/{d.id}").get_data(as_text=True)
    assert _invite(client, d).status_code == 403
    assert db_session.scalar(select(User).where(User.email == "focal@mission.example")) is None


def test_another_sessions_delegation_is_not_found(client, db_session):
    d = _austria(db_session)
    make_conference("cop14")
    db_session.commit()
    as_admin(client)
    response = client.post(f"/admin/cop14/delegations/{d.id}/focal-points",
                           data={"email": "x@example.org", "language": "fr",
                                 "csrf_token": csrf_token(client, "/account")})
    assert response.status_code == 404
