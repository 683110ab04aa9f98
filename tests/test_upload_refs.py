"""The signed references a form keeps to an accepted upload: tied to their kind, their form and their browser
(issue 16: a nominating document's reference was replayed as a photo); documents must open as PDFs."""

from __future__ import annotations

import io
import re

import pytest
from flask import g
from sqlalchemy import func, select

from conference.registration import web
from conference.registration.models import Registration
from conference.registration.models import RegistrationStatus as S
from conference.registration.uploads import UploadError, check_pdf
from tests.factories import make_registration
from tests.test_registration_web import form_data, jpeg, site  # noqa: F401 - the fixture
from tests.test_uploads import minimal_pdf

PATH = "/cop50/register/state"


def polyglot_svg() -> bytes:
    """An SVG image whose comments hold what a naive PDF check looks for."""
    return (b'<?xml version="1.0"?>\n<!-- %PDF-1.7 -->\n<svg xmlns="http://www.w3.org/2000/svg" width="10" '
            b'height="10"><image href="http://127.0.0.1:9/x.png" width="10" height="10"/></svg>\n<!-- %%EOF -->\n')


def _ref(body: str, name: str) -> str:
    return re.search(rf'name="{name}_ref" value="([^"]+)"', body).group(1)


def _accepted_document_ref(client, site) -> str:  # noqa: F811
    """Kenya has no nominating document yet: send one with a mistake elsewhere, and keep the reference."""
    data = form_data(client, PATH, delegation_id=str(site["kenya"].id), gender="",
                     document=(io.BytesIO(minimal_pdf()), "nv.pdf", "application/pdf"))
    body = client.post(PATH, data=data, content_type="multipart/form-data").get_data(as_text=True)
    return _ref(body, "document")


def _count(db_session) -> int:
    return db_session.scalar(select(func.count()).select_from(Registration))


def test_a_documents_reference_replayed_as_a_photo_is_refused(client, site, db_session):  # noqa: F811
    ref = _accepted_document_ref(client, site)
    data = form_data(client, PATH, delegation_id=str(site["france"].id), photo_ref=ref)
    response = client.post(PATH, data=data, content_type="multipart/form-data")
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(r'id="photo-error"[^>]*>[^<]*Please choose the photo again', body)
    assert _count(db_session) == 0
    # The same reference in its own slot is accepted: the refusal above is about the kind, nothing else.
    data = form_data(client, PATH, delegation_id=str(site["kenya"].id), document_ref=ref,
                     photo=(io.BytesIO(jpeg()), "me.jpg", "image/jpeg"))
    assert client.post(PATH, data=data, content_type="multipart/form-data").status_code == 302
    assert _count(db_session) == 1


def test_a_reference_from_another_form_or_browser_is_refused(app, client, site, db_session):  # noqa: F811
    data = form_data(client, PATH, delegation_id=str(site["france"].id), gender="",
                     photo=(io.BytesIO(jpeg()), "me.jpg", "image/jpeg"))
    ref = _ref(client.post(PATH, data=data, content_type="multipart/form-data").get_data(as_text=True), "photo")

    # Another form: somebody's private edit page (another endpoint, another token), in the same browser.
    r = make_registration(site["france"], status=S.SUBMITTED, nationality="FRA", email="other@example.org")
    db_session.commit()
    edit = f"/cop50/registration/{r.status_token}/edit"
    data = form_data(client, edit, email=r.email, date_of_birth="1970-01-01", photo_ref=ref)
    data.pop("consent")
    response = client.post(edit, data=data, content_type="multipart/form-data")
    assert response.status_code == 422 and "Please choose the photo again" in response.get_data(as_text=True)
    db_session.refresh(r)
    assert r.photo is None

    # Another form of the same page family: the NGO form instead of the State form.
    ngo = "/cop50/register/ngo"
    data = form_data(client, ngo, delegation_id=str(site["ngo"].id), photo_ref=ref)
    del data["delegation_role"]
    assert "Please choose the photo again" in client.post(ngo, data=data, content_type="multipart/form-data") \
        .get_data(as_text=True)

    # Another browser (a different session cookie), on the very form that issued it.
    other = app.test_client()
    g.pop("csrf_token", None)  # Flask-WTF caches the token in `g`, which the tests' app context keeps across clients
    data = form_data(other, PATH, delegation_id=str(site["france"].id), photo_ref=ref)
    response = other.post(PATH, data=data, content_type="multipart/form-data")
    assert response.status_code == 422, response.get_data(as_text=True)[:3000]
    assert "Please choose the photo again" in response.get_data(as_text=True)
    assert _count(db_session) == 1  # only the one made with make_registration

    # The issuing form and browser: accepted.
    g.pop("csrf_token", None)
    data = form_data(client, PATH, delegation_id=str(site["france"].id), photo_ref=ref)
    assert client.post(PATH, data=data, content_type="multipart/form-data").status_code == 302


@pytest.mark.parametrize("tamper", ["", "x", "swap"])
def test_a_forged_or_tampered_reference_is_refused(client, site, db_session, tamper):  # noqa: F811
    data = form_data(client, PATH, delegation_id=str(site["france"].id), gender="",
                     photo=(io.BytesIO(jpeg()), "me.jpg", "image/jpeg"))
    ref = _ref(client.post(PATH, data=data, content_type="multipart/form-data").get_data(as_text=True), "photo")
    forged = {"": "photos/guessed.jpg", "x": ref[:-2] + ("AA" if not ref.endswith("AA") else "BB"),
              "swap": ref.replace(ref.split(".")[0], "WyJwaG90b3MveC5qcGciXQ")}[tamper]
    data = form_data(client, PATH, delegation_id=str(site["france"].id), photo_ref=forged)
    response = client.post(PATH, data=data, content_type="multipart/form-data")
    assert response.status_code == 422 and "Please choose the photo again" in response.get_data(as_text=True)
    assert _count(db_session) == 0


def test_an_old_reference_is_refused(client, site, db_session, monkeypatch):  # noqa: F811
    data = form_data(client, PATH, delegation_id=str(site["france"].id), gender="",
                     photo=(io.BytesIO(jpeg()), "me.jpg", "image/jpeg"))
    ref = _ref(client.post(PATH, data=data, content_type="multipart/form-data").get_data(as_text=True), "photo")
    monkeypatch.setattr(web, "REF_MAX_AGE", -1)  # every reference is now older than its life
    data = form_data(client, PATH, delegation_id=str(site["france"].id), photo_ref=ref)
    assert "Please choose the photo again" in client.post(PATH, data=data, content_type="multipart/form-data") \
        .get_data(as_text=True)
    assert _count(db_session) == 0


def test_an_svg_with_pdf_markers_in_its_comments_is_not_a_document(client, site, db_session):  # noqa: F811
    with pytest.raises(UploadError, match="could not be opened as a PDF"):
        check_pdf(polyglot_svg())
    data = form_data(client, PATH, delegation_id=str(site["kenya"].id),
                     photo=(io.BytesIO(jpeg()), "me.jpg", "image/jpeg"),
                     document=(io.BytesIO(polyglot_svg()), "nv.pdf", "application/pdf"))
    response = client.post(PATH, data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    assert re.search(r'id="document-error"[^>]*>[^<]*could not be opened as a PDF', response.get_data(as_text=True))
    assert _count(db_session) == 0


@pytest.mark.parametrize("data", [
    b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",  # the markers and an object, but no page
    b"%PDF-1.4\n<html><body>a web page</body></html>\n%%EOF\n",
])
def test_a_pdf_without_pages_is_refused(data):
    with pytest.raises(UploadError, match="could not be opened as a PDF"):
        check_pdf(data)
