"""The public form tells nobody whether an address, a passport number or a person is registered: the answer is the
same as for a new registration, and only the registered address hears of it (issue 16)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from conference.core.models import OutgoingMail
from conference.registration.models import Registration
from conference.registration.models import RegistrationStatus as S
from tests.factories import make_registration
from tests.test_registration_web import form_data, site  # noqa: F401 (site is a fixture)

PATH = "/cop50/register/state"


def _send(client, site, **overrides):  # noqa: F811
    data = form_data(client, PATH, delegation_id=str(site["france"].id), modality="ONLINE_OBSERVER", **overrides)
    response = client.post(PATH, data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    page = re.sub(r'name="csrf_token"[^>]*>', "", page)
    page = page.replace(overrides.get("email", "helene@example.org"), "EMAIL")
    return response.headers["Location"], page


@pytest.mark.parametrize("same", [
    {"email": "amina@example.org"},  # the same address
    {"passport_number": "A7654321", "email": "someone.else@example.org"},  # the same passport, another address
    {"family_name": "Diallo", "given_names": "Amina", "date_of_birth": "1985-03-21",
     "email": "third@example.org"},  # the same person by name and date of birth
])
def test_someone_registered_gets_the_answer_anyone_gets(client, site, db_session, same):  # noqa: F811
    known = make_registration(site["kenya"], status=S.APPROVED, email="amina@example.org", family_name="Diallo",
                              given_names="Amina", passport_number="A7654321",
                              date_of_birth=date(1985, 3, 21))
    db_session.commit()
    new_answer = _send(client, site, email="new.person@example.org", passport_number="N1", family_name="Nouveau")
    again_answer = _send(client, site, **{"passport_number": "Z9", **same})
    assert again_answer == new_answer  # word for word, the same page at the same address
    db_session.rollback()
    # No second registration; the registered person's own address is told, with their link; nobody else is.
    assert db_session.scalar(select(func.count()).select_from(Registration)) == 2
    mails = db_session.scalars(select(OutgoingMail).order_by(OutgoingMail.id)).all()
    assert [m.recipient for m in mails] == ["new.person@example.org", "amina@example.org"]
    assert "already registered" in mails[1].subject and known.status_token in mails[1].body_text


def test_a_form_with_mistakes_still_says_what_to_correct(client, site, db_session):  # noqa: F811
    make_registration(site["kenya"], email="amina@example.org")
    db_session.commit()
    data = form_data(client, PATH, delegation_id=str(site["france"].id), email="amina@example.org",
                     passport_expiry="2000-01-01", modality="ONLINE_OBSERVER")
    body = client.post(PATH, data=data).get_data(as_text=True)
    assert 'id="passport_expiry-error"' in body and "already registered" not in body
