"""Files at their limits go through together; a file over its limit gets its message in the form, never the generic
413 page (issue 17)."""

from __future__ import annotations

import io
import re

from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from conference.registration.document_models import DelegationDocument
from conference.registration.models import Registration
from conference.registration.uploads import DOCUMENT_MAX_BYTES, PHOTO_MAX_BYTES
from tests.test_photo_limits import files
from tests.test_registration_web import form_data, jpeg, site  # noqa: F401 - the fixture
from tests.test_uploads import _pdf_of_size

PATH = "/cop50/register/state"


def photo_of_size(size: int) -> bytes:
    """A real JPEG padded after its end marker (decoders stop there) to exactly `size` bytes."""
    data = jpeg()
    return data + b"\0" * (size - len(data))


def post(client, path: str, data: dict):
    """Post `data` as multipart, encoded in memory: the test client would spool a large body to a temporary file
    that nothing closes (a ResourceWarning later)."""
    fields = {k: FileStorage(v[0], v[1], content_type=v[2]) if isinstance(v, tuple) else v for k, v in data.items()}
    boundary, body = encode_multipart(fields)
    return client.post(path, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def _count(db_session) -> int:
    return db_session.scalar(select(func.count()).select_from(Registration))


def test_a_photo_and_a_document_at_their_limits_are_accepted_together(client, site, db_session):  # noqa: F811
    data = form_data(client, PATH, delegation_id=str(site["kenya"].id),
                     photo=(io.BytesIO(photo_of_size(PHOTO_MAX_BYTES)), "me.jpg", "image/jpeg"),
                     document=(io.BytesIO(_pdf_of_size(DOCUMENT_MAX_BYTES)), "nv.pdf", "application/pdf"))
    response = post(client, PATH, data)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    paths = db_session.scalars(select(DelegationDocument.path).where(
        DelegationDocument.delegation_id == site["kenya"].id))
    assert [p.split("/")[0] for p in paths] == ["documents"] and _count(db_session) == 1


def test_files_over_their_limits_get_their_messages_in_the_form(client, site, db_session, app):  # noqa: F811
    before = files(app.config["UPLOAD_FOLDER"])
    data = form_data(client, PATH, delegation_id=str(site["kenya"].id), family_name="Ünal",
                     photo=(io.BytesIO(photo_of_size(2 * PHOTO_MAX_BYTES)), "me.jpg", "image/jpeg"),
                     document=(io.BytesIO(_pdf_of_size(2 * DOCUMENT_MAX_BYTES)), "nv.pdf", "application/pdf"))
    response = post(client, PATH, data)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(r'id="photo-error"[^>]*>[^<]*The photo is 10(\.0)? MB; the limit is 5 MB', body)
    assert re.search(r'id="document-error"[^>]*>[^<]*The nominating document is 20(\.0)? MB; the limit is 10 MB',
                     body)
    assert 'value="Ünal"' in body  # what was typed stays
    assert files(app.config["UPLOAD_FOLDER"]) == before and _count(db_session) == 0


def test_a_request_too_large_to_read_comes_back_to_the_form_with_a_message(client, site, db_session, app):  # noqa: F811
    before = files(app.config["UPLOAD_FOLDER"])
    too_big = app.config["MAX_CONTENT_LENGTH"] + 1024
    data = form_data(client, PATH, delegation_id=str(site["kenya"].id),
                     document=(io.BytesIO(b"%PDF-" + b"x" * too_big), "scan.pdf", "application/pdf"))
    response = post(client, PATH, data)
    assert response.status_code == 303 and response.headers["Location"].endswith(PATH)
    page = client.get(PATH).get_data(as_text=True)
    assert "more than this site reads at once (40 MB)" in page and "at most 10 MB" in page
    assert 'name="family_name"' in page  # the form itself, ready to be sent again
    assert files(app.config["UPLOAD_FOLDER"]) == before and _count(db_session) == 0


def test_a_page_without_files_keeps_the_generic_answer(client, app):
    body = {"email": "x@example.org", "password": "y" * (app.config["MAX_CONTENT_LENGTH"] + 1)}
    response = post(client, "/login", body)
    assert response.status_code == 413 and "larger than this site accepts" in response.get_data(as_text=True)
