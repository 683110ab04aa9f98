"""The registration form as people meet it: a field left unchosen, required fields, dates, nationalities."""

from __future__ import annotations

import html
import re

from sqlalchemy import func, select

from conference.accounts.models import Role
from conference.registration.models import Registration
from tests.factories import make_user
from tests.test_registration_web import form_data, login, site  # noqa: F401 (site is a fixture)


def _count(db_session) -> int:
    return db_session.scalar(select(func.count()).select_from(Registration))


def _field_error(body: str, name: str) -> str:
    match = re.search(rf'id="{name}-error"[^>]*>([^<]*)<', body)
    return match.group(1) if match else ""


def test_delegation_left_at_choose_is_a_field_error_and_the_form_is_kept(client, site, db_session):  # noqa: F811
    path = "/cop50/register/state"
    response = client.post(path, data=form_data(client, path, delegation_id="0", family_name="Łukasiewicz"))
    body = response.get_data(as_text=True)
    assert response.status_code == 422, body[:300]
    assert "Choose your delegation or organization" in _field_error(body, "delegation_id")
    assert 'value="Łukasiewicz"' in body and 'value="helene@example.org"' in body
    assert 'href="#delegation_id"' in body  # the error summary leads to the field
    assert _count(db_session) == 0


def test_the_back_office_form_says_the_same_when_no_delegation_is_chosen(client, site, db_session):  # noqa: F811
    make_user("officer@example.org", roles=[Role.REGISTRATION_OFFICER])
    login(client, "officer@example.org")
    path = "/admin/cop50/registrations/new"
    response = client.post(path, data=form_data(client, path, delegation_id="0", family_name="Kowalska"))
    body = response.get_data(as_text=True)
    assert response.status_code == 422, body[:300]
    assert "Choose your delegation or organization" in _field_error(body, "delegation_id")
    assert 'value="Kowalska"' in body
    assert _count(db_session) == 0


def test_required_fields_are_marked_for_the_eye_and_for_screen_readers(client, site):  # noqa: F811
    body = client.get("/cop50/register/state").get_data(as_text=True)
    for name in ("delegation_id", "family_name", "given_names", "gender", "date_of_birth", "passport_number",
                 "email", "consent"):
        assert re.search(rf'<label for="{name}">[^<]*</label> <span class="required" aria-hidden="true">\(required\)',
                         body), name
        assert re.search(rf'<(input|select)[^>]*aria-required="true"[^>]*id="{name}"', body) or \
            re.search(rf'<(input|select)[^>]*id="{name}"[^>]*aria-required="true"', body), name
    for name in ("title", "nationality", "phone", "badge_name"):
        assert not re.search(rf'<label for="{name}">[^<]*</label> <span class="required"', body), name


def test_the_mark_is_translated(client, site):  # noqa: F811
    client.get("/language/fr?next=/")
    body = client.get("/cop50/register/state").get_data(as_text=True)
    assert '<span class="required" aria-hidden="true">(obligatoire)</span>' in body


def test_date_fields_say_the_format(client, site):  # noqa: F811
    body = client.get("/cop50/register/state").get_data(as_text=True)
    for name in ("date_of_birth", "passport_expiry", "attendance_from", "attendance_to"):
        field = re.search(rf'<input[^>]*id="{name}"[^>]*>', body).group(0)
        assert 'type="text"' in field and f"{name}-hint" in field, field
        hint = re.search(rf'id="{name}-hint">([^<]*)<', body).group(1)
        assert "Year-month-day, e.g. 1980-05-17." in hint, hint
    # The hint the form gives for the days of the session comes with the format, not instead of it.
    assert re.search(r'id="attendance_from-hint">The session runs [^<]*Year-month-day', body)


def test_a_date_in_another_order_is_explained_and_kept(client, site, db_session):  # noqa: F811
    path = "/cop50/register/state"
    data = form_data(client, path, delegation_id=str(site["france"].id), date_of_birth="17/05/1980")
    response = client.post(path, data=data)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Write the date as year-month-day, e.g. 1980-05-17." in _field_error(body, "date_of_birth")
    assert 'value="17/05/1980"' in body
    assert _count(db_session) == 0


def test_nationalities_are_named_as_the_un_names_states(client, site):  # noqa: F811
    body = client.get("/cop50/register/state").get_data(as_text=True)
    nationality = re.search(r'<select[^>]*id="nationality".*?</select>', body, re.S).group(0)
    for code, name in (("GBR", "United Kingdom of Great Britain and Northern Ireland"),
                       ("KOR", "Republic of Korea"), ("PSE", "State of Palestine"),
                       ("NLD", "Netherlands (Kingdom of the)"), ("VAT", "Holy See"),
                       ("BOL", "Bolivia (Plurinational State of)")):
        assert f'<option value="{code}">{name}</option>' in nationality.replace("&#39;", "'"), name
    assert "Korea, Republic of" not in nationality and "Vatican City State" not in nationality


def _officer(client):
    make_user("officer@example.org", roles=[Role.REGISTRATION_OFFICER])
    login(client, "officer@example.org")


def test_the_back_office_marks_the_role_required_as_the_public_form_does(client, site):  # noqa: F811
    _officer(client)
    body = client.get("/admin/cop50/registrations/new").get_data(as_text=True)
    assert re.search(r'<label for="delegation_role">[^<]*</label> <span class="required" aria-hidden="true">'
                     r"\(required\)", body)
    assert re.search(r'<select[^>]*aria-required="true"[^>]*id="delegation_role"', body) or \
        re.search(r'<select[^>]*id="delegation_role"[^>]*aria-required="true"', body)
    assert "Needed in the delegation of a State or of the European Union" in \
        re.search(r'id="delegation_role-hint">([^<]*)<', body).group(1)


def test_the_back_office_refuses_a_states_member_without_a_role_at_the_field(client, site, db_session):  # noqa: F811
    _officer(client)
    path = "/admin/cop50/registrations/new"
    # With another field wrong too: both are said at once, everything typed kept.
    response = client.post(path, data=form_data(client, path, delegation_id=str(site["france"].id),
                                                 delegation_role="", given_names="", family_name="Kowalska"))
    body = response.get_data(as_text=True)
    assert response.status_code == 422, body[:300]
    assert html.unescape(_field_error(body, "delegation_role")) == \
        "Choose the person's role: every member of this delegation has one."
    assert "Enter your given names" in _field_error(body, "given_names")
    assert 'href="#delegation_role"' in body and 'value="Kowalska"' in body and 'value="P1234567"' in body
    assert _count(db_session) == 0
    # The rule itself, whatever the form: the service refuses it too.
    response = client.post(path, data=form_data(client, path, delegation_id=str(site["kenya"].id),
                                                 delegation_role="REPRESENTATIVE"))
    assert response.status_code == 422
    assert "every member of this delegation has one" in _field_error(response.get_data(as_text=True),
                                                                     "delegation_role")
    assert _count(db_session) == 0


def test_the_back_office_registers_an_ngos_member_without_a_role(client, site, db_session):  # noqa: F811
    _officer(client)
    path = "/admin/cop50/registrations/new"
    response = client.post(path, data=form_data(client, path, delegation_id=str(site["ngo"].id), delegation_role=""))
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert db_session.scalar(select(Registration.delegation_role)).value == "REPRESENTATIVE"


def test_the_back_office_says_it_in_french_too(client, site):  # noqa: F811
    _officer(client)
    client.get("/language/fr?next=/")
    path = "/admin/cop50/registrations/new"
    body = client.post(path, data=form_data(client, path, delegation_id=str(site["france"].id),
                                            delegation_role="")).get_data(as_text=True)
    assert "Choisissez le rôle de la personne" in _field_error(body, "delegation_role")
    assert "Obligatoire dans la délégation d'un État" in html.unescape(body)
