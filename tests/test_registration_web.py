"""Registration through the web: the public form, the private link, the back office and the focal point."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select

from conference.accounts.models import Role
from conference.core.models import OutgoingMail
from conference.registration.document_models import DelegationDocument
from conference.registration.models import (
    DelegationRole,
    EntityType,
    RegionalGroup,
    Registration,
)
from conference.registration.models import (
    RegistrationStatus as S,
)
from tests.conftest import csrf_token
from tests.factories import PASSWORD, make_delegation, make_entity, make_registration, make_user
from tests.test_registration import future_conference
from tests.test_uploads import minimal_pdf

PDF = minimal_pdf()


def jpeg(size=(600, 800)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 180, 160)).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def site(db_session):
    c = future_conference("cop50")
    france = make_delegation(c, make_entity(EntityType.STATE, "France", "FRA", RegionalGroup.WEOG),
                             nomination_document="documents/nv.pdf")
    kenya = make_delegation(c, make_entity(EntityType.STATE, "Kenya", "KEN", RegionalGroup.AFRICAN))
    ngo = make_delegation(c, make_entity(EntityType.NGO_ECOSOC, "Friends of Justice"))
    db_session.commit()
    return {"c": c, "france": france, "kenya": kenya, "ngo": ngo}


def form_data(client, path, **overrides):
    c_data = {
        "csrf_token": csrf_token(client, path), "family_name": "Dubois", "given_names": "Hélène",
        "badge_name": "", "gender": "female", "nationality": "FRA", "date_of_birth": "1980-05-17",
        "passport_number": "P1234567", "passport_expiry": "2035-01-01", "email": "helene@example.org",
        "delegation_role": "ADVISER", "modality": "IN_PERSON", "language": "fr", "consent": "y",
        "function_title": "Counsellor",
    }
    c_data.update(overrides)
    return c_data


def login(client, email):
    client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": csrf_token(client, "/login")})


def test_the_start_page_offers_the_categories(client, site):
    body = client.get("/cop50/register").get_data(as_text=True)
    for category in ("state", "igo", "ngo", "media"):
        assert f"/cop50/register/{category}" in body


def test_the_state_form_lists_only_states(client, site):
    body = client.get("/cop50/register/state").get_data(as_text=True)
    assert "France" in body and "Kenya" in body and "Friends of Justice" not in body
    assert 'name="delegation_role"' in body
    ngo_body = client.get("/cop50/register/ngo").get_data(as_text=True)
    assert "Friends of Justice" in ngo_body and 'name="delegation_role"' not in ngo_body


def test_registering_with_a_photo_sends_the_private_link(client, site, db_session):
    path = "/cop50/register/state"
    data = form_data(client, path, delegation_id=str(site["france"].id),
                     photo=(io.BytesIO(jpeg()), "me.jpg", "image/jpeg"))
    response = client.post(path, data=data, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    r = db_session.scalars(select(Registration)).one()
    # The private link comes by e-mail (the page after the form is the same for anyone: see test_nondisclosure.py).
    assert response.headers["Location"] == "/cop50/register/received"
    assert r.status_token in db_session.scalars(select(OutgoingMail)).one().body_text
    assert r.status == S.SUBMITTED and r.photo.startswith("photos/") and r.email == "helene@example.org"
    page = client.get(f"/cop50/registration/{r.status_token}").get_data(as_text=True)
    assert "Submitted" in page and "Hélène" in page
    photo = client.get(f"/cop50/registration/{r.status_token}/photo")
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    assert photo.get_data()[:3] == b"\xff\xd8\xff"
    photo.close()
    assert db_session.scalar(select(func.count()).select_from(OutgoingMail)) == 1


def test_bad_input_is_shown_next_to_the_field_and_kept(client, site, db_session):
    path = "/cop50/register/state"
    data = form_data(client, path, delegation_id=str(site["france"].id), email="not an e-mail",
                     passport_expiry="2000-01-01", family_name="Ünal-Ğüneş",
                     photo=(io.BytesIO(b"GIF89a not a photo"), "me.jpg", "image/jpeg"))
    response = client.post(path, data=data, content_type="multipart/form-data")
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'value="Ünal-Ğüneş"' in body  # what was typed stays
    assert re.search(r'id="email-error"[^>]*>[^<]*e-mail', body)
    assert re.search(r'id="photo-error"[^>]*>[^<]*JPEG or PNG', body)
    assert 'aria-invalid="true"' in body and 'role="alert"' in body
    assert db_session.scalar(select(func.count()).select_from(Registration)) == 0


@pytest.mark.parametrize("category, delegation", [("state", "france"), ("ngo", "ngo")])
def test_a_wrong_e_mail_is_said_with_every_other_error_in_one_round(client, site, db_session, category, delegation):
    # The tester's case: the e-mail's format was checked by the services only once the form had no other error.
    path = f"/cop50/register/{category}"
    data = form_data(client, path, delegation_id=str(site[delegation].id), email="not-an-email", family_name="",
                     gender="", date_of_birth="", consent="")
    body = client.post(path, data=data, content_type="multipart/form-data").get_data(as_text=True)
    assert re.search(r'id="email-error"[^>]*>[^<]*Enter an e-mail address like name@example.org', body)
    for name in ("family_name", "gender", "date_of_birth", "consent"):
        assert f'id="{name}-error"' in body
    assert db_session.scalar(select(func.count()).select_from(Registration)) == 0


def test_an_accepted_photo_is_kept_when_another_field_is_wrong(client, site, db_session):
    path = "/cop50/register/state"
    data = form_data(client, path, delegation_id=str(site["france"].id), gender="",
                     photo=(io.BytesIO(jpeg()), "me.jpg", "image/jpeg"))
    body = client.post(path, data=data, content_type="multipart/form-data").get_data(as_text=True)
    assert "A photo is attached" in body
    ref = re.search(r'name="photo_ref" value="([^"]+)"', body).group(1)
    data = form_data(client, path, delegation_id=str(site["france"].id), photo_ref=ref)
    assert client.post(path, data=data, content_type="multipart/form-data").status_code == 302
    assert db_session.scalars(select(Registration)).one().photo.startswith("photos/")


def test_a_forged_photo_reference_is_refused(client, site, db_session):
    path = "/cop50/register/state"
    data = form_data(client, path, delegation_id=str(site["france"].id), photo_ref="photos/someone-else.jpg")
    body = client.post(path, data=data, content_type="multipart/form-data").get_data(as_text=True)
    assert re.search(r'id="photo-error"[^>]*>[^<]*Please choose the photo again', body)
    assert db_session.scalar(select(func.count()).select_from(Registration)) == 0


def test_a_delegation_without_nomination_needs_the_document(client, site, db_session):
    path = "/cop50/register/state"
    data = form_data(client, path, delegation_id=str(site["kenya"].id),
                     photo=(io.BytesIO(jpeg()), "me.jpg", "image/jpeg"))
    body = client.post(path, data=data, content_type="multipart/form-data").get_data(as_text=True)
    assert "note verbale" in body and 'id="document-error"' in body
    data = form_data(client, path, delegation_id=str(site["kenya"].id), photo_ref=re.search(
        r'name="photo_ref" value="([^"]+)"', body).group(1), document=(io.BytesIO(PDF), "nv.pdf", "application/pdf"))
    assert client.post(path, data=data, content_type="multipart/form-data").status_code == 302
    [kept] = db_session.scalars(select(DelegationDocument).where(DelegationDocument.delegation_id == site["kenya"].id))
    assert kept.path.startswith("documents/") and kept.is_current and kept.original_filename == "nv.pdf"


def test_registration_closed_says_until_when(client, site, db_session):
    site["c"].registration_closes_at = site["c"].registration_opens_at + timedelta(hours=1)
    db_session.commit()
    body = client.get("/cop50/register/state").get_data(as_text=True)
    assert "Registration closed on" in body and "Only the secretariat" in body
    assert 'name="family_name"' not in body


def test_the_private_link_edits_and_withdraws(client, site, db_session):
    r = make_registration(site["france"], status=S.SUBMITTED, photo="photos/x.jpg", nationality="FRA")
    db_session.commit()
    base = f"/cop50/registration/{r.status_token}"
    form = client.get(base + "/edit").get_data(as_text=True)
    assert f'value="{r.family_name}"' in form
    data = form_data(client, base + "/edit", email=r.email, family_name="Martin", date_of_birth="1970-01-01")
    data.pop("consent")
    response = client.post(base + "/edit", data=data, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    db_session.refresh(r)
    assert r.family_name == "Martin"
    client.post(base + "/withdraw", data={"csrf_token": csrf_token(client, base + "/withdraw"),
                                          "reason": "Cannot travel."})
    db_session.refresh(r)
    assert r.status == S.WITHDRAWN
    assert "Change your registration" not in client.get(base).get_data(as_text=True)


def test_a_wrong_token_is_a_plain_404(client, site):
    response = client.get("/cop50/registration/not-a-token")
    assert response.status_code == 404 and "not valid" in response.get_data(as_text=True)


def test_the_back_office_approves_and_the_participant_sees_it(client, site, db_session):
    r = make_registration(site["france"], status=S.SUBMITTED, photo="photos/x.jpg")
    make_user("officer@example.org", roles=[Role.REGISTRATION_OFFICER])
    login(client, "officer@example.org")
    queue = client.get("/admin/cop50/registrations?status=SUBMITTED").get_data(as_text=True)
    assert r.family_name in queue
    detail = f"/admin/cop50/registrations/{r.id}"
    page = client.get(detail).get_data(as_text=True)
    assert "Approve" in page
    response = client.post(detail + "/action", data={"csrf_token": csrf_token(client, detail), "action": "approve"})
    assert response.status_code == 302
    db_session.refresh(r)
    assert r.status == S.APPROVED
    status_page = client.get(f"/cop50/registration/{r.status_token}").get_data(as_text=True)
    assert "Approved" in status_page and "pass office" in status_page


def test_the_back_office_names_the_nationality_and_joins_only_what_is_there(client, site, db_session):
    site["france"].entity.names = {"fr": "France (la République française)"}
    senior = make_registration(site["france"], nationality="FRA", function_title="Senior Prosecutor", organization="")
    nobody = make_registration(site["kenya"], nationality="BRA", function_title="", organization="")
    make_user("officer@example.org", roles=[Role.REGISTRATION_OFFICER])
    db_session.commit()
    login(client, "officer@example.org")

    def fact(page: str, name: str) -> str:
        return re.search(rf"<dt>{name}</dt><dd>(.*?)</dd>", page, re.S).group(1)

    page = client.get(f"/admin/cop50/registrations/{senior.id}").get_data(as_text=True)
    assert fact(page, "Function") == "<bdi>Senior Prosecutor</bdi>"  # no "·" before an empty organization
    assert fact(page, "Nationality") == "<bdi>France</bdi>"  # the country's name, not FRA
    french = client.get(f"/admin/cop50/registrations/{senior.id}", headers={"Accept-Language": "fr"})
    assert "France (la République française)" in fact(french.get_data(as_text=True), "Nationalité")
    page = client.get(f"/admin/cop50/registrations/{nobody.id}").get_data(as_text=True)
    assert fact(page, "Function") == "—" and fact(page, "Nationality") == "<bdi>Brazil</bdi>"


def test_a_refused_action_says_why(client, site, db_session):
    r = make_registration(site["france"], status=S.SUBMITTED)
    make_user("officer@example.org", roles=[Role.REGISTRATION_OFFICER])
    login(client, "officer@example.org")
    detail = f"/admin/cop50/registrations/{r.id}"
    client.post(detail + "/action", data={"csrf_token": csrf_token(client, detail), "action": "approve"})
    assert "no photo" in client.get(detail).get_data(as_text=True)
    client.post(detail + "/action", data={"csrf_token": csrf_token(client, detail), "action": "reject"})
    assert "reason" in client.get(detail).get_data(as_text=True)
    db_session.refresh(r)
    assert r.status == S.SUBMITTED


def test_bulk_approval_from_the_queue(client, site, db_session):
    rs = [make_registration(site["france"], status=S.SUBMITTED, photo="photos/x.jpg") for _ in range(3)]
    make_user("officer@example.org", roles=[Role.REGISTRATION_OFFICER])
    login(client, "officer@example.org")
    queue = "/admin/cop50/registrations"
    client.post(queue + "/bulk", data={"csrf_token": csrf_token(client, queue), "action": "approve",
                                       "ids": [str(r.id) for r in rs[:2]]})
    statuses = db_session.scalars(select(Registration.status).order_by(Registration.id)).all()
    assert statuses == [S.APPROVED, S.APPROVED, S.SUBMITTED]


def test_sensitive_data_only_for_those_who_may_see_it(client, site, db_session):
    r = make_registration(site["france"], passport_number="SECRET123")
    db_session.commit()
    make_user("officer@example.org", roles=[Role.REGISTRATION_OFFICER])
    login(client, "officer@example.org")
    assert "SECRET123" in client.get(f"/admin/cop50/registrations/{r.id}").get_data(as_text=True)
    assert "SECRET123" not in client.get(f"/cop50/registration/{r.status_token}").get_data(as_text=True)


# -- focal points ----------------------------------------------------------------------------------

def test_a_focal_point_registers_and_preapproves(client, site, db_session):
    make_user("fp@example.org", roles=[Role.FOCAL_POINT], delegation_id=site["france"].id)
    login(client, "fp@example.org")
    assert client.get("/admin/").status_code == 403
    path = "/focal/register"
    data = form_data(client, path, delegation_role="HEAD")
    data.pop("consent")
    assert client.post(path, data=data, content_type="multipart/form-data").status_code == 302
    r = db_session.scalars(select(Registration)).one()
    assert r.status == S.PREAPPROVED and r.delegation_role == DelegationRole.HEAD
    self_registered = make_registration(site["france"], status=S.SUBMITTED)
    db_session.commit()
    page = client.get("/focal/").get_data(as_text=True)
    assert self_registered.family_name in page and "Pre-approve" in page
    client.post(f"/focal/registrations/{self_registered.id}/action",
                data={"csrf_token": csrf_token(client, "/focal/"), "action": "preapprove"})
    db_session.refresh(self_registered)
    assert self_registered.status == S.PREAPPROVED


def test_a_focal_point_cannot_touch_another_delegation(client, site, db_session):
    other = make_registration(site["kenya"], status=S.SUBMITTED)
    make_user("fp@example.org", roles=[Role.FOCAL_POINT], delegation_id=site["france"].id)
    login(client, "fp@example.org")
    assert other.family_name not in client.get("/focal/").get_data(as_text=True)
    assert client.get(f"/focal/registrations/{other.id}/edit").status_code == 404
    token = csrf_token(client, "/focal/")
    assert client.post(f"/focal/registrations/{other.id}/action",
                       data={"csrf_token": token, "action": "preapprove"}).status_code == 404
    assert client.get(f"/admin/cop50/registrations/{other.id}").status_code == 403
    db_session.refresh(other)
    assert other.status == S.SUBMITTED


def test_a_focal_point_sends_credentials(client, site, db_session):
    make_user("fp@example.org", roles=[Role.FOCAL_POINT], delegation_id=site["france"].id)
    login(client, "fp@example.org")
    token = csrf_token(client, "/focal/")
    client.post("/focal/credentials", data={"csrf_token": token, "document": (io.BytesIO(b"not a pdf"), "c.pdf")},
                content_type="multipart/form-data")
    assert "must be a PDF" in client.get("/focal/").get_data(as_text=True)
    client.post("/focal/credentials", data={"csrf_token": token, "document": (io.BytesIO(PDF), "c.pdf")},
                content_type="multipart/form-data")
    db_session.refresh(site["france"])
    assert site["france"].credentials_status.value == "PROVISIONAL"


# -- the permission matrix of the back office ---------------------------------------------------------

ROLES = [Role.ADMIN, Role.REGISTRATION_OFFICER, Role.SIDE_EVENT_COORDINATOR, Role.BADGE_DESK, Role.DOOR_STAFF,
         Role.FOCAL_POINT]
MAY_REVIEW = {Role.ADMIN, Role.REGISTRATION_OFFICER}


@pytest.mark.parametrize("role", ROLES + [None], ids=[r.value if r else "anonymous" for r in ROLES + [None]])
def test_back_office_routes_by_role(client, site, db_session, role):
    r = make_registration(site["france"], status=S.SUBMITTED)
    db_session.commit()
    if role is not None:
        make_user("user@example.org", roles=[role],
                  delegation_id=site["france"].id if role == Role.FOCAL_POINT else None)
        login(client, "user@example.org")
    pages = ["/admin/cop50/registrations", f"/admin/cop50/registrations/{r.id}", "/admin/cop50/registrations/new",
             f"/admin/cop50/delegations/{site['france'].id}"]
    for page in pages:
        response = client.get(page)
        if role is None:
            assert response.status_code == 302 and "/login" in response.headers["Location"], page
        else:
            assert response.status_code == (200 if role in MAY_REVIEW else 403), (page, role)
    token = csrf_token(client, "/cop50/register/state")  # any page with a form
    client.post(f"/admin/cop50/registrations/{r.id}/action",
                           data={"csrf_token": token, "action": "reject", "reason": "No."})
    db_session.refresh(r)
    assert (r.status == S.REJECTED) == (role in MAY_REVIEW)


def test_the_database_going_away_mid_request_leaves_nothing_half_written(client, site, db_session, monkeypatch):
    from conference.extensions import db

    dialect = db.engine.dialect
    original = dialect.do_execute

    def failing(cursor, statement, parameters, context=None):
        if statement.lstrip().upper().startswith("INSERT INTO AUDIT_LOG"):
            raise dialect.loaded_dbapi.OperationalError("server closed the connection unexpectedly")
        return original(cursor, statement, parameters, context)

    path = "/cop50/register/state"
    data = form_data(client, path, delegation_id=str(site["france"].id),
                     photo=(io.BytesIO(jpeg()), "me.jpg", "image/jpeg"))
    monkeypatch.setattr(dialect, "do_execute", failing)
    response = client.post(path, data=data, content_type="multipart/form-data")
    monkeypatch.setattr(dialect, "do_execute", original)
    assert response.status_code == 503
    assert "Nothing was saved" in response.get_data(as_text=True)
    # The registration row was written before the audit entry failed: the transaction took both away.
    assert db_session.scalar(select(func.count()).select_from(Registration)) == 0
    assert db_session.scalar(select(func.count()).select_from(OutgoingMail)) == 0
