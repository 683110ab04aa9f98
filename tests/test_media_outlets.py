"""Media registration by outlet: a journalist chooses an outlet or types one nobody listed; the secretariat checks a
typed outlet (accept, merge into one on the list, or refuse) before approving anyone of it."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from conference.core.errors import Invalid, RuleViolation
from conference.core.models import OutgoingMail
from conference.registration import services
from conference.registration.document_models import DelegationDocument
from conference.registration.models import Delegation, EntityType, ParticipatingEntity, Registration
from conference.registration.models import RegistrationStatus as S
from conference.registration.request_models import OrganizationRequest, RequestKind, RequestStatus
from conference.registration.services import Actor
from tests.conftest import csrf_token
from tests.factories import make_delegation, make_entity
from tests.test_accounts import login
from tests.test_participants_csv import world  # noqa: F401  (fixture)
from tests.test_registration import person

PAGE = "/admin/cop99/outlets/"


@pytest.fixture
def standard(world, db_session):  # noqa: F811
    d = make_delegation(world["c"], make_entity(EntityType.MEDIA, "Der Standard"))
    db_session.commit()
    return d


def journalist(world, n: int, outlet: str = "Vienna Daily Times", delegation_id: int = 0):  # noqa: F811
    c = world["c"]
    r = services.submit_public(c, delegation_id, person(c, email=f"j{n}@example.org", family_name=f"Writer{n}",
                                                        passport_number=f"J{n:07d}"),
                               photo=f"photos/j{n}.jpg", document=f"documents/j{n}.pdf", outlet=outlet)
    return r


def decide(client, request_id: int, **values):
    data = {f"r{request_id}-{k}": v for k, v in values.items()}
    return client.post(f"{PAGE}{request_id}", data={"csrf_token": csrf_token(client, PAGE), **data})


def error_of(body: str, name: str) -> str:
    match = re.search(rf'<p class="error" id="{name}-error">(.*?)</p>', body, re.S)
    return match.group(1) if match else ""


def test_the_media_form_offers_typing_an_outlet(client, world, standard):  # noqa: F811
    body = client.get("/cop99/register/media").get_data(as_text=True)
    assert 'name="outlet"' in body and "Der Standard" in body
    assert 'name="outlet"' not in client.get("/cop99/register/state").get_data(as_text=True)
    response = client.post("/cop99/register/media", data={"csrf_token": csrf_token(client, "/cop99/register/media"),
                                                            "delegation_id": "0", "outlet": ""})
    assert "Choose your outlet, or type its name" in error_of(response.get_data(as_text=True), "delegation_id")


def test_a_typed_outlet_waits_for_the_secretariat(world, standard, db_session):  # noqa: F811
    first = journalist(world, 1)
    second = journalist(world, 2, outlet="vienna  daily TIMES")
    db_session.commit()
    assert first.delegation_id == second.delegation_id != standard.id
    assert first.delegation.entity.entity_type == EntityType.MEDIA
    request = db_session.scalars(select(OrganizationRequest)).one()  # one request for both
    assert (request.kind, request.status, request.email) == (RequestKind.MEDIA, RequestStatus.PENDING,
                                                             "j1@example.org")
    assert services.delegations_for(world["c"], "media") == [standard]  # not offered to others yet
    with pytest.raises(RuleViolation, match="typed by a journalist"):
        services.transition(first, "approve", actor=Actor.COMMAND_LINE)
    # Typing an outlet on the list is choosing it.
    third = journalist(world, 3, outlet="der standard")
    assert third.delegation_id == standard.id
    with pytest.raises(Invalid):
        journalist(world, 4, outlet="x" * 301)


def test_an_accepted_outlet_joins_the_list(client, world, standard, db_session):  # noqa: F811
    r = journalist(world, 1)
    db_session.commit()
    request = db_session.scalars(select(OrganizationRequest)).one()
    login(client, "officer@example.org")
    # The registration's page says why it cannot be approved yet.
    body = client.get(f"/admin/cop99/registrations/{r.id}").get_data(as_text=True)
    assert "was typed by a journalist, not chosen from the list" in body
    assert "Vienna Daily Times" in client.get(PAGE).get_data(as_text=True)
    assert decide(client, request.id, decision="accept", into="0", reason="").status_code == 302
    db_session.expire_all()
    assert db_session.get(OrganizationRequest, request.id).status == RequestStatus.ADMITTED
    r = db_session.get(Registration, r.id)
    services.transition(r, "approve", actor=Actor.COMMAND_LINE)
    assert r.status == S.APPROVED
    assert {d.entity.name for d in services.delegations_for(world["c"], "media")} == {"Der Standard",
                                                                                       "Vienna Daily Times"}


def test_a_typed_outlet_merged_into_one_on_the_list_moves_its_people(client, world, standard,  # noqa: F811
                                                                      db_session):
    services.submit_public(world["c"], standard.id, person(world["c"], email="s@example.org", family_name="Huber",
                                                           passport_number="S0000001"),
                           photo="photos/s.jpg", document="documents/s.pdf")
    r = journalist(world, 1, outlet="Standard (Vienna)")
    db_session.commit()
    typed = r.delegation
    typed_id, typed_entity_id = typed.id, typed.entity_id
    request = db_session.scalars(select(OrganizationRequest)).one()
    login(client, "officer@example.org")
    response = decide(client, request.id, decision="merge", into="0", reason="")
    assert response.status_code == 422 and "Choose the outlet" in response.get_data(as_text=True)
    assert decide(client, request.id, decision="merge", into=str(standard.id), reason="").status_code == 302
    db_session.expire_all()
    assert db_session.get(Registration, r.id).delegation_id == standard.id
    assert db_session.get(Delegation, typed_id) is None and db_session.get(ParticipatingEntity, typed_entity_id) is None
    request = db_session.get(OrganizationRequest, request.id)
    assert request.status == RequestStatus.ADMITTED and request.entity_id == standard.entity_id
    documents = db_session.scalars(select(DelegationDocument).where(DelegationDocument.delegation_id == standard.id)
                                   .order_by(DelegationDocument.version)).all()
    assert [(d.version, d.is_current, d.path) for d in documents] == [(1, True, "documents/s.pdf"),
                                                                       (2, False, "documents/j1.pdf")]
    services.transition(db_session.get(Registration, r.id), "approve", actor=Actor.COMMAND_LINE)


def test_a_refused_outlet_rejects_its_registrations_with_the_reason(client, world, db_session):  # noqa: F811
    r = journalist(world, 1, outlet="Totally Real News")
    db_session.commit()
    request = db_session.scalars(select(OrganizationRequest)).one()
    login(client, "officer@example.org")
    response = decide(client, request.id, decision="refuse", into="0", reason="")
    assert response.status_code == 422
    assert "Say why" in error_of(response.get_data(as_text=True), f"r{request.id}-reason")
    assert decide(client, request.id, decision="refuse", into="0", reason="Not a news outlet").status_code == 302
    db_session.expire_all()
    assert db_session.get(Registration, r.id).status == S.REJECTED
    mail = db_session.scalars(select(OutgoingMail).where(OutgoingMail.recipient == "j1@example.org")
                              .order_by(OutgoingMail.id.desc())).first()
    assert "Not a news outlet" in mail.body_text
    with pytest.raises(RuleViolation, match="did not accept"):
        journalist(world, 2, outlet="totally real news")


def test_only_the_secretariat_checks_outlets(app, world):  # noqa: F811
    badges = app.test_client()
    login(badges, "badges@example.org")
    assert badges.get(PAGE).status_code == 403
