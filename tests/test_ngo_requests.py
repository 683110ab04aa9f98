"""'My organization is not on the list': an NGO asks from the public registration path, the secretariat admits it
(an entity and a delegation at the session) or not, and whoever asked is told by e-mail."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from conference.core.models import AuditLog, OutgoingMail
from conference.registration import services
from conference.registration.models import Delegation, EntityType, NgoAdmission, ParticipatingEntity
from conference.registration.request_models import OrganizationRequest, RequestStatus
from tests.conftest import csrf_token
from tests.factories import make_entity
from tests.test_accounts import login
from tests.test_participants_csv import world  # noqa: F401  (fixture)
from tests.test_registration_resend import limited  # noqa: F401  (fixture)

ASK = "/cop99/register/ngo/request"
REQUESTS = "/admin/cop99/ngos/requests"
GOOD = {"name": "Rule of Law Watch", "acronym": "RLW", "country": "KEN", "ecosoc_status": "",
        "website": "rlw.example.org",
        "contact_name": "Amina Odhiambo", "email": "Amina@Example.org", "language": "fr",
        "message": "We work on witness protection."}


def ask(client, **values):
    return client.post(ASK, data={"csrf_token": csrf_token(client, ASK), **GOOD, **values})


def decide(client, request_id: int, **values):
    data = {f"r{request_id}-{k}": v for k, v in values.items()}
    return client.post(f"{REQUESTS}/{request_id}", data={"csrf_token": csrf_token(client, REQUESTS), **data})


def signed_in(client):
    """The same browser, now signed in as a registration officer (a second test client would share the first's
    CSRF token through the test's application context)."""
    login(client, "officer@example.org")
    return client


def error_of(body: str, name: str) -> str:
    match = re.search(rf'<p class="error" id="{name}-error">(.*?)</p>', body, re.S)
    return match.group(1) if match else ""


def test_the_ngo_form_links_the_request(client, world):  # noqa: F811
    assert f'href="{ASK}"' in client.get("/cop99/register/ngo").get_data(as_text=True)
    assert f'href="{ASK}"' not in client.get("/cop99/register/state").get_data(as_text=True)


def test_a_request_waits_for_the_secretariat_then_is_admitted(client, world, db_session):  # noqa: F811
    response = ask(client)
    assert response.status_code == 302
    request = db_session.scalars(select(OrganizationRequest)).one()
    assert (request.name, request.email, request.language, request.status) == (
        "Rule of Law Watch", "amina@example.org", "fr", RequestStatus.PENDING)
    assert request.website == "https://rlw.example.org" and request.country_iso3 == "KEN"
    # Nothing on the list yet: the public form does not offer it.
    assert not db_session.scalars(select(ParticipatingEntity).where(ParticipatingEntity.name == request.name)).all()
    officer = signed_in(client)
    body = officer.get("/admin/cop99/ngos/").get_data(as_text=True)
    assert "1 waiting" in body
    assert "Rule of Law Watch" in officer.get(REQUESTS).get_data(as_text=True)
    response = decide(officer, request.id, decision="admit", reason="")
    assert response.status_code == 302
    db_session.expire_all()
    request = db_session.get(OrganizationRequest, request.id)
    entity = request.entity
    assert request.status == RequestStatus.ADMITTED and request.decided_at is not None
    assert (entity.name, entity.entity_type, entity.short_name, entity.country_iso3) == (
        "Rule of Law Watch", EntityType.NGO_OTHER, "RLW", "KEN")
    d = db_session.scalars(select(Delegation).where(Delegation.entity_id == entity.id)).one()
    assert d.conference_id == world["c"].id and d.ngo_admission == NgoAdmission.ADMITTED
    assert d in services.delegations_for(world["c"], "ngo")
    mail = db_session.scalars(select(OutgoingMail).where(OutgoingMail.recipient == "amina@example.org")).one()
    assert "Rule of Law Watch" in mail.body_text and "/cop99/register/ngo" in mail.body_text and mail.language == "fr"
    actions = set(db_session.scalars(select(AuditLog.action)))
    assert {"organization_request.create", "organization_request.admit", "delegation.ngo_admit"} <= actions
    # Decided once: a second decision is refused.
    response = decide(officer, request.id, decision="refuse", reason="No")
    assert response.status_code == 422 and "decided already" in response.get_data(as_text=True)


def test_an_admitted_request_joins_the_ngo_already_on_the_roster(client, world, db_session):  # noqa: F811
    known = make_entity(EntityType.NGO_ECOSOC, "Rule of Law Watch")
    db_session.commit()
    assert ask(client, name="rule of law  WATCH").status_code == 302
    request = db_session.scalars(select(OrganizationRequest)).one()
    officer = signed_in(client)
    assert decide(officer, request.id, decision="admit", reason="Known to us").status_code == 302
    db_session.expire_all()
    assert db_session.get(OrganizationRequest, request.id).entity_id == known.id
    assert len(db_session.scalars(select(ParticipatingEntity).where(
        ParticipatingEntity.entity_type.in_([EntityType.NGO_ECOSOC, EntityType.NGO_OTHER]))).all()) == 2


def test_a_refusal_needs_a_reason_and_is_sent(client, world, db_session):  # noqa: F811
    ask(client)
    request = db_session.scalars(select(OrganizationRequest)).one()
    officer = signed_in(client)
    response = decide(officer, request.id, decision="refuse", reason="")
    assert response.status_code == 422
    assert "Say why" in error_of(response.get_data(as_text=True), f"r{request.id}-reason")
    assert db_session.get(OrganizationRequest, request.id).status == RequestStatus.PENDING
    assert decide(officer, request.id, decision="refuse", reason="Not an NGO").status_code == 302
    db_session.expire_all()
    assert db_session.get(OrganizationRequest, request.id).status == RequestStatus.REFUSED
    mail = db_session.scalars(select(OutgoingMail).where(OutgoingMail.recipient == "amina@example.org")).one()
    assert "Not an NGO" in mail.body_text
    assert not db_session.scalars(select(ParticipatingEntity).where(ParticipatingEntity.name == request.name)).all()


def test_bad_input_is_said_at_the_field_and_kept(client, world, db_session):  # noqa: F811
    response = ask(client, name="", email="not an address", website="not a site", contact_name="")
    body = response.get_data(as_text=True).replace("&#34;", '"')
    assert response.status_code == 422
    assert error_of(body, "name") and error_of(body, "contact_name")
    assert 'value="not a site"' in body and "We work on witness protection." in body
    response = ask(client, email="not an address", website="not a site")
    body = response.get_data(as_text=True).replace("&#34;", '"')
    assert response.status_code == 422
    assert "not a web address" in error_of(body, "website") and "valid e-mail" in error_of(body, "email")
    assert not db_session.scalars(select(OrganizationRequest)).all()


def test_an_ngo_on_the_list_or_already_asked_for_is_refused(client, world, db_session):  # noqa: F811
    response = ask(client, name="Friends of Justice")
    assert response.status_code == 422 and "on the list already" in error_of(response.get_data(as_text=True), "name")
    assert ask(client).status_code == 302
    response = ask(client, name="RULE OF LAW WATCH", email="other@example.org")
    assert response.status_code == 422 and "already with the secretariat" in response.get_data(as_text=True)
    assert len(db_session.scalars(select(OrganizationRequest)).all()) == 1


@pytest.mark.parametrize("language, words", [("fr", "Mon organisation ne figure pas sur la liste"),
                                             ("es", "Mi organización no figura en la lista"),
                                             ("ar", "منظمتي ليست في القائمة"), ("zh", "我的组织不在名单上"),
                                             ("ru", "Моей организации нет в списке")])
def test_the_request_page_speaks_six_languages(client, world, language, words):  # noqa: F811
    client.get(f"/language/{language}?next=/")
    assert words in client.get(ASK).get_data(as_text=True)


def test_requests_are_throttled(limited):  # noqa: F811
    client = limited.test_client()
    path = "/cop91/register/ngo/request"

    def send(i):
        return client.post(path, data={"csrf_token": csrf_token(client, path), **GOOD, "name": f"NGO number {i}"})

    # A request sent back with its errors costs nothing; five that went through, and the sixth waits.
    assert client.post(path, data={"csrf_token": csrf_token(client, path), **GOOD, "name": ""}).status_code == 422
    assert [send(i).status_code for i in range(6)] == [302] * 5 + [429]
    assert client.get(path).status_code == 200
