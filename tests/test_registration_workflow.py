"""The state machine holds its rules on every way in: the quota on entering an active status, withdrawals that
ask for a reason and tell the person, reopenings that tell the person."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from conference.accounts.models import Role
from conference.core.errors import Invalid, RuleViolation
from conference.core.models import OutgoingMail
from conference.registration.models import EntityType, Registration
from conference.registration.models import RegistrationStatus as S
from conference.registration.services import Actor, transition
from tests.conftest import csrf_token
from tests.factories import make_delegation, make_entity, make_registration, make_user
from tests.test_registration import future_conference
from tests.test_registration_web import login


@pytest.fixture
def full(db_session):
    """An NGO with a quota of one, already taken, and a draft from the CSV import waiting to be submitted."""
    c = future_conference("cop90")
    ngo = make_delegation(c, make_entity(EntityType.NGO_ECOSOC, "Friends of Justice"), quota=1)
    taken = make_registration(ngo, status=S.SUBMITTED)
    draft = make_registration(ngo, status=S.DRAFT)
    officer = make_user("officer@example.org", roles=[Role.REGISTRATION_OFFICER])
    db_session.commit()
    return {"c": c, "ngo": ngo, "taken": taken, "draft": draft, "officer": officer}


def _mails(db_session, recipient: str) -> list[OutgoingMail]:
    return db_session.scalars(select(OutgoingMail).where(OutgoingMail.recipient == recipient)
                              .order_by(OutgoingMail.id)).all()


@pytest.mark.parametrize("actor", [Actor.PARTICIPANT, Actor.SECRETARIAT, Actor.COMMAND_LINE])
def test_a_draft_submitted_later_meets_the_quota(full, db_session, actor):
    user = full["officer"] if actor == Actor.SECRETARIAT else None
    with pytest.raises(RuleViolation, match="reached its quota of 1 participant"):
        transition(full["draft"], "submit", actor=actor, user=user)
    db_session.rollback()
    # Once the place is free again, the same draft goes in.
    transition(full["taken"], "withdraw", actor=Actor.COMMAND_LINE, reason="Cannot travel.")
    transition(full["draft"], "submit", actor=actor, user=user)
    assert full["draft"].status == S.SUBMITTED


def test_the_back_offices_bulk_submit_meets_the_quota_too(client, full, db_session):
    login(client, "officer@example.org")
    token = csrf_token(client, "/admin/cop90/registrations")
    client.post("/admin/cop90/registrations/bulk", data={"csrf_token": token, "action": "submit",
                                                         "ids": [str(full["draft"].id)]})
    db_session.rollback()
    assert db_session.get(Registration, full["draft"].id).status == S.DRAFT


def test_reopening_a_rejected_registration_meets_the_quota_and_tells_the_person(full, db_session):
    rejected = make_registration(full["ngo"], status=S.REJECTED, email="rejected@example.org")
    db_session.commit()
    with pytest.raises(RuleViolation, match="quota"):
        transition(rejected, "reopen", actor=Actor.COMMAND_LINE)
    db_session.rollback()
    full["ngo"].quota = 3
    transition(rejected, "reopen", actor=Actor.COMMAND_LINE, reason="The letter arrived after all.")
    db_session.commit()
    (mail,) = _mails(db_session, "rejected@example.org")
    assert "under review again" in mail.subject
    assert "The letter arrived after all." in mail.body_text and rejected.status_token in mail.body_text


def test_withdrawing_needs_a_reason_and_tells_the_person(full, db_session):
    r = full["taken"]
    with pytest.raises(Invalid) as refused:
        transition(r, "withdraw", actor=Actor.COMMAND_LINE, reason="  ")
    assert "reason" in refused.value.errors
    transition(r, "withdraw", actor=Actor.COMMAND_LINE, reason="Replaced by a colleague.")
    db_session.commit()
    (mail,) = _mails(db_session, r.email)
    assert "registration withdrawn" in mail.subject and "Replaced by a colleague." in mail.body_text


def test_the_participant_confirms_and_says_why(client, full, db_session):
    r = full["taken"]
    status = f"/cop90/registration/{r.status_token}"
    page = client.get(status).get_data(as_text=True)
    assert f'href="{status}/withdraw"' in page  # a link to a page that asks, not a button that does it at once
    confirm = client.get(status + "/withdraw")
    assert confirm.status_code == 200 and 'name="reason"' in confirm.get_data(as_text=True)
    token = csrf_token(client, status + "/withdraw")
    refused = client.post(status + "/withdraw", data={"csrf_token": token, "reason": ""})
    assert refused.status_code == 422 and 'id="reason-error"' in refused.get_data(as_text=True)
    db_session.rollback()
    assert db_session.get(Registration, r.id).status == S.SUBMITTED
    done = client.post(status + "/withdraw", data={"csrf_token": token, "reason": "My flight was cancelled."})
    assert done.status_code == 302 and done.headers["Location"] == status
    db_session.rollback()
    assert db_session.get(Registration, r.id).status == S.WITHDRAWN
    assert db_session.get(Registration, r.id).status_reason == "My flight was cancelled."
    assert "My flight was cancelled." in _mails(db_session, r.email)[-1].body_text
    # Withdrawn already: the page says so rather than offering it again.
    assert client.get(status + "/withdraw").status_code == 302


def test_the_focal_point_and_the_secretariat_confirm_and_say_why(client, full, db_session):
    ngo = full["ngo"]
    ngo.quota = 5
    first, second = make_registration(ngo, status=S.SUBMITTED), make_registration(ngo, status=S.SUBMITTED)
    make_user("fp@example.org", roles=[Role.FOCAL_POINT], delegation_id=ngo.id)
    db_session.commit()
    login(client, "fp@example.org")
    assert f'href="/focal/registrations/{first.id}/withdraw"' in client.get("/focal/").get_data(as_text=True)
    path = f"/focal/registrations/{first.id}/withdraw"
    assert client.post(path, data={"csrf_token": csrf_token(client, path), "reason": ""}).status_code == 422
    assert client.post(path, data={"csrf_token": csrf_token(client, path),
                                   "reason": "Not travelling."}).status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client, "/focal/")})

    login(client, "officer@example.org")
    detail = f"/admin/cop90/registrations/{second.id}"
    assert f'href="{detail}/withdraw"' in client.get(detail).get_data(as_text=True)
    assert client.post(detail + "/withdraw", data={"csrf_token": csrf_token(client, detail + "/withdraw"),
                                                   "reason": "Duplicate of another."}).status_code == 302
    db_session.rollback()
    assert db_session.get(Registration, first.id).status == S.WITHDRAWN
    assert db_session.get(Registration, second.id).status == S.WITHDRAWN
    assert "Not travelling." in _mails(db_session, first.email)[-1].body_text
    assert "Duplicate of another." in _mails(db_session, second.email)[-1].body_text
