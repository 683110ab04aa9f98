"""With STORAGE_URL=s3://...: a photo and a nominating document uploaded through the public form, a badge run that
prints the photo and is downloaded, the photo served to its participant, then the purge; every file in the object
store (moto's S3 server on loopback), none on this machine's disk."""

from __future__ import annotations

import io
import re
from datetime import date

import boto3
import pytest
from pypdf import PdfReader
from sqlalchemy import select

from conference.accounts.models import Role
from conference.core.db import utcnow
from conference.core.models import JobStatus
from conference.participants_list import jobs as list_jobs
from conference.registration.document_models import DelegationDocument
from conference.registration.models import Registration, RegistrationStatus
from tests.conftest import csrf_token
from tests.factories import make_user
from tests.test_badges import _wait_for, login
from tests.test_registration_web import form_data, jpeg, site  # noqa: F401 - the fixture
from tests.test_uploads import minimal_pdf


@pytest.fixture
def s3_storage(app, s3_bucket, tmp_path, monkeypatch):
    """The application on S3, with the local folders pointed at empty places that must stay empty."""
    monkeypatch.setitem(app.config, "STORAGE_URL", f"s3://{s3_bucket}/plenary")
    for setting in ("UPLOAD_FOLDER", "BADGE_RUNS_FOLDER", "PARTICIPANTS_LISTS_FOLDER"):
        monkeypatch.setitem(app.config, setting, str(tmp_path / setting.lower()))
    return s3_bucket


def _objects(bucket: str) -> dict[str, bytes]:
    s3 = boto3.session.Session().client("s3")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    return {key: s3.get_object(Bucket=bucket, Key=key)["Body"].read() for key in keys}


def test_upload_badge_and_purge_on_s3(app, client, runner, db_session, site, s3_storage, tmp_path,  # noqa: F811
                                      monkeypatch):
    bucket = s3_storage
    path = "/cop50/register/state"
    data = form_data(client, path, delegation_id=str(site["kenya"].id),
                     photo=(io.BytesIO(jpeg((900, 1200))), "me.jpg", "image/jpeg"),
                     document=(io.BytesIO(minimal_pdf()), "note-verbale.pdf", "application/pdf"))
    response = client.post(path, data=data, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]

    registration = db_session.scalars(select(Registration)).one()
    photo_key = f"plenary/uploads/{registration.photo}"
    [document] = db_session.scalars(select(DelegationDocument).where(
        DelegationDocument.delegation_id == site["kenya"].id))
    document_key = f"plenary/uploads/{document.path}"
    stored = _objects(bucket)
    assert set(stored) == {photo_key, document_key}
    assert stored[document_key] == minimal_pdf()
    assert stored[photo_key].startswith(b"\xff\xd8")  # the normalized JPEG

    # The participant's page shows the photo, streamed from the store.
    with client.get(f"/cop50/registration/{registration.status_token}/photo") as photo:
        assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
        assert photo.data == stored[photo_key]
        assert photo.headers["Content-Length"] == str(len(stored[photo_key])) and photo.headers["ETag"]
        etag = photo.headers["ETag"]
    with client.get(f"/cop50/registration/{registration.status_token}/photo",
                    headers={"If-None-Match": etag}) as again:
        assert again.status_code == 304 and again.data == b""
    with client.get(f"/cop50/registration/{registration.status_token}/photo", headers={"Range": "bytes=2-11"}) as part:
        assert part.status_code == 206 and part.data == stored[photo_key][2:12]

    # A badge run, carried out in a thread of this process: the photo is read from the store, the PDF goes there.
    registration.status, registration.approved_at = RegistrationStatus.APPROVED, utcnow()
    db_session.commit()
    make_user("desk@example.org", roles=[Role.BADGE_DESK, Role.REGISTRATION_OFFICER])
    login(client, "desk@example.org")
    token = csrf_token(client, "/admin/cop50/badges")
    response = client.post("/admin/cop50/badges", data={"csrf_token": token, "category": "", "delegation": "",
                                                        "size": "a6"})
    assert response.status_code == 302
    job = _wait_for(db_session, int(re.search(r"/jobs/(\d+)", response.headers["Location"]).group(1)))
    assert job.status == JobStatus.DONE, job.error
    stored = _objects(bucket)
    [run_key] = [k for k in stored if k.startswith("plenary/badges/")]
    assert run_key == f"plenary/badges/{job.result_path}"
    with client.get(f"/admin/cop50/badges/jobs/{job.id}/badges.pdf") as pdf:
        assert pdf.status_code == 200 and pdf.data == stored[run_key]
    [page] = PdfReader(io.BytesIO(stored[run_key])).pages
    assert (700, 900) in [image.image.size for image in page.images]  # the photo, printed from the store

    # The nominating document, downloaded by the secretariat from the store.
    with client.get(f"/admin/cop50/delegations/{site['kenya'].id}/documents/{document.id}") as download:
        assert download.status_code == 200 and download.mimetype == "application/pdf"
        assert download.data == minimal_pdf() and "attachment" in download.headers["Content-Disposition"]

    # A list of participants, made by the worker's code and downloaded from the store.
    monkeypatch.setattr(list_jobs, "enqueue_list_run", lambda job_id: None)
    page = "/admin/cop50/participants-list"
    response = client.post(page, data={"format": "xlsx", "language": "en", "csrf_token": csrf_token(client, page)})
    assert response.status_code == 302
    list_job = int(re.search(r"/jobs/(\d+)", response.headers["Location"]).group(1))
    list_jobs.run_list_job(list_job)
    stored = _objects(bucket)
    [list_key] = [k for k in stored if k.startswith("plenary/lists/")]
    with client.get(response.headers["Location"] + "/download") as download:
        assert download.status_code == 200 and download.data == stored[list_key]

    # The purge erases the session's files in the store.
    conference = site["c"]
    conference.starts_on, conference.ends_on, conference.retention_days = date(2020, 5, 4), date(2020, 5, 8), 30
    db_session.commit()
    result = runner.invoke(args=["purge-personal-data", "cop50"])
    assert result.exit_code == 0, result.output
    assert "1 badge-run PDFs, 1 lists of participants" in result.output
    assert _objects(bucket) == {}
    # Nothing was ever written to this machine's folders.
    assert not any(p.is_file() for p in tmp_path.rglob("*"))
