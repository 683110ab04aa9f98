"""A delegation's nominating documents and credentials in versions (issue 14): each upload kept, read only by the
roles that may, the secretariat choosing which version counts (audited), and the files' privacy kept."""

from __future__ import annotations

import io
import os
import time
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from conference.accounts.models import Role
from conference.core.models import AuditLog
from conference.privacy.services import clean_stale_files
from conference.registration import services
from conference.registration.document_models import DelegationDocument, DocumentKind
from conference.registration.services import Actor
from conference.registration.uploads import store
from tests.conftest import csrf_token
from tests.factories import make_conference, make_delegation, make_user
from tests.test_registration_web import login, site  # noqa: F401 - the fixture
from tests.test_uploads import minimal_pdf

PDF = minimal_pdf()


@pytest.fixture
def filed(app, site, db_session):  # noqa: F811
    """France with two versions of its note verbale (the first counts) and a copy of its credentials, real files."""
    folder = Path(app.config["UPLOAD_FOLDER"])
    france = site["france"]
    db_session.execute(DelegationDocument.__table__.delete())
    focal = make_user("fp@example.org", roles=[Role.FOCAL_POINT], delegation_id=france.id, name="Jeanne Focale")
    first = services.attach_nomination(france, store(folder, "documents", PDF, "pdf"), actor=Actor.SECRETARIAT,
                                       filename="Note verbale 12-2026.pdf")
    second = services.send_nomination(france, store(folder, "documents", PDF + b"\n% v2\n", "pdf"), user=focal,
                                      filename="C:\\Users\\mission\\NV révisée.pdf")
    credentials = services.submit_credentials(france, store(folder, "documents", PDF, "pdf"), user=focal,
                                              filename="pouvoirs")
    db_session.commit()
    return {**site, "folder": folder, "first": first, "second": second, "credentials": credentials, "focal": focal}


def _url(doc, code="cop50") -> str:
    return f"/admin/{code}/delegations/{doc.delegation_id}/documents/{doc.id}"


def test_each_upload_is_a_version_and_the_first_counts(filed, db_session):
    first, second, credentials = filed["first"], filed["second"], filed["credentials"]
    assert [(d.kind, d.version, d.is_current) for d in (first, second, credentials)] == [
        (DocumentKind.NOMINATION, 1, True), (DocumentKind.NOMINATION, 2, False), (DocumentKind.CREDENTIALS, 1, True)]
    assert second.path != first.path and (filed["folder"] / first.path).is_file()
    assert second.original_filename == "NV révisée.pdf"  # the name only, never a path
    assert (second.sent_by_user_id, second.sent_by_email) == (filed["focal"].id, "fp@example.org")
    assert credentials.download_name == "pouvoirs.pdf"
    received = [a.after for a in db_session.scalars(select(AuditLog).where(
        AuditLog.action == "delegation.document_received").order_by(AuditLog.id))]
    assert received == [{"kind": "NOMINATION", "version": 1, "counts": True},
                        {"kind": "NOMINATION", "version": 2, "counts": False},
                        {"kind": "CREDENTIALS", "version": 1, "counts": True}]


def test_the_database_holds_one_counting_version(filed, db_session):
    filed["second"].is_current = True
    with pytest.raises(Exception, match="(?i)unique|duplicate"):
        db_session.flush()
    db_session.rollback()


def test_the_delegation_page_lists_versions_with_date_and_sender(client, filed):
    make_user("officer@example.org")
    login(client, "officer@example.org")
    page = client.get(f"/admin/cop50/delegations/{filed['france'].id}").get_data(as_text=True)
    for doc in (filed["first"], filed["second"], filed["credentials"]):
        assert f'href="{_url(doc)}"' in page
    assert "Note verbale 12-2026.pdf" in page and "NV révisée.pdf" in page
    assert "Jeanne Focale" in page and "fp@example.org" in page
    assert "Make version 2 the one that counts" in page and "A newer version has arrived" in page
    title = page[page.index("<title>"):page.index("</title>")]
    assert "History" not in title  # the history once leaked into the page's title


@pytest.mark.parametrize("role,status", [
    (Role.REGISTRATION_OFFICER, 200), (Role.ADMIN, 200), (Role.DOOR_STAFF, 403), (Role.BADGE_DESK, 403),
    (Role.SIDE_EVENT_COORDINATOR, 403), (Role.FOCAL_POINT, 403)])
def test_only_registration_officers_and_admins_read_them(client, filed, role, status):
    make_user("someone@example.org", roles=[role],
              delegation_id=filed["france"].id if role == Role.FOCAL_POINT else None)
    login(client, "someone@example.org")
    response = client.get(_url(filed["second"]))
    body = response.get_data()
    response.close()  # the file it streamed from
    assert response.status_code == status
    if status == 200:
        assert body == PDF + b"\n% v2\n"
        assert response.mimetype == "application/pdf"
        assert response.headers["Content-Disposition"].startswith("attachment;")
        assert "NV%20r%C3%A9vis%C3%A9e.pdf" in response.headers["Content-Disposition"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "no-store" in response.headers["Cache-Control"]
    else:
        assert PDF not in body


def test_anonymous_people_are_sent_to_sign_in(client, filed):
    response = client.get(_url(filed["first"]))
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_another_sessions_or_delegations_document_is_not_found(client, filed, db_session):
    other = make_conference("cop51")
    make_delegation(other, filed["france"].entity)
    db_session.commit()
    make_user("officer@example.org")
    login(client, "officer@example.org")
    assert client.get(_url(filed["first"], code="cop51")).status_code == 404
    kenya = filed["kenya"]
    assert client.get(f"/admin/cop50/delegations/{kenya.id}/documents/{filed['first'].id}").status_code == 404
    found = client.get(_url(filed["first"]))
    found.close()
    assert found.status_code == 200


def test_a_version_without_a_file_is_not_found(client, filed, db_session):
    filed["first"].path = None
    db_session.commit()
    make_user("officer@example.org")
    login(client, "officer@example.org")
    assert client.get(_url(filed["first"])).status_code == 404


def test_choosing_the_version_that_counts_is_audited(client, filed, db_session):
    make_user("officer@example.org")
    login(client, "officer@example.org")
    page = f"/admin/cop50/delegations/{filed['france'].id}"
    choose = _url(filed["second"]) + "/choose"
    assert client.post(choose).status_code == 400  # no CSRF token
    response = client.post(choose, data={"csrf_token": csrf_token(client, page)})
    assert response.status_code == 302
    db_session.expire_all()
    assert (db_session.get(DelegationDocument, filed["first"].id).is_current,
            db_session.get(DelegationDocument, filed["second"].id).is_current) == (False, True)
    entry = db_session.scalar(select(AuditLog).where(AuditLog.action == "delegation.document_chosen"))
    assert (entry.actor, entry.before, entry.after) == (
        "officer@example.org", {"kind": "NOMINATION", "version": 1}, {"kind": "NOMINATION", "version": 2})
    assert "Version 2 now counts." in client.get(page).get_data(as_text=True)


def test_badge_desk_cannot_choose_either(client, filed, db_session):
    make_user("desk@example.org", roles=[Role.BADGE_DESK])
    login(client, "desk@example.org")
    response = client.post(_url(filed["second"]) + "/choose", data={"csrf_token": csrf_token(client, "/account")})
    assert response.status_code == 403
    db_session.expire_all()
    assert db_session.get(DelegationDocument, filed["first"].id).is_current


def test_the_focal_point_sends_a_nomination_again_without_replacing_it(client, filed, db_session):
    login(client, "fp@example.org")
    page = client.get("/focal/").get_data(as_text=True)
    assert "Version 2, received" in page and "the one that counts" in page
    token = csrf_token(client, "/focal/")
    client.post("/focal/nomination", data={"csrf_token": token, "document": (io.BytesIO(b"<svg/>"), "nv.pdf")},
                content_type="multipart/form-data")
    assert "must be a PDF" in client.get("/focal/").get_data(as_text=True)
    response = client.post("/focal/nomination", data={"csrf_token": token, "document": (io.BytesIO(PDF), "nv3.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    versions = db_session.scalars(select(DelegationDocument).where(
        DelegationDocument.kind == DocumentKind.NOMINATION).order_by(DelegationDocument.version)).all()
    assert [(v.version, v.is_current, v.original_filename) for v in versions] == [
        (1, True, "Note verbale 12-2026.pdf"), (2, False, "NV révisée.pdf"), (3, False, "nv3.pdf")]


def test_stale_file_cleanup_keeps_every_version(app, filed):
    folder = filed["folder"]
    old = time.time() - 3 * 24 * 3600
    for doc in (filed["first"], filed["second"], filed["credentials"]):
        os.utime(folder / doc.path, (old, old))
    orphan = store(folder, "documents", PDF, "pdf")
    os.utime(folder / orphan, (old, old))
    assert clean_stale_files()["orphaned_uploads"] == 1
    assert not (folder / orphan).exists()
    assert all((folder / d.path).is_file() for d in (filed["first"], filed["second"], filed["credentials"]))


def test_purge_erases_every_version_and_keeps_the_record(app, runner, filed, db_session):
    c = filed["c"]
    c.starts_on, c.ends_on, c.retention_days = date(2020, 10, 12), date(2020, 10, 16), 30
    c.registration_opens_at = c.registration_closes_at = None
    db_session.commit()
    paths = [filed["folder"] / d.path for d in (filed["first"], filed["second"], filed["credentials"])]
    result = runner.invoke(args=["purge-personal-data", "cop50"])
    assert result.exit_code == 0, result.output
    assert not any(p.exists() for p in paths)
    db_session.expire_all()
    kept = db_session.scalars(select(DelegationDocument).order_by(DelegationDocument.id)).all()
    assert [(d.version, d.path, d.original_filename, d.sent_by_email) for d in kept] == [
        (1, None, "", ""), (2, None, "", ""), (1, None, "", "")]


def _file(client, delegation, kind: str, content: bytes, name: str = "nv-by-email.pdf"):
    page = f"/admin/cop50/delegations/{delegation.id}"
    return client.post(f"{page}/documents", content_type="multipart/form-data",
                       data={"csrf_token": csrf_token(client, page), "kind": kind,
                             "document": (io.BytesIO(content), name)})


def test_the_secretariat_files_a_document_received_otherwise(client, filed, db_session):
    officer = make_user("officer@example.org")
    login(client, "officer@example.org")
    response = _file(client, filed["france"], "NOMINATION", PDF)
    assert response.status_code == 302 and response.headers["Location"].endswith("#documents")
    third = db_session.scalar(select(DelegationDocument).where(DelegationDocument.version == 3))
    assert (third.kind, third.is_current, third.sent_by_user_id, third.original_filename) == (
        DocumentKind.NOMINATION, False, officer.id, "nv-by-email.pdf")  # the one on file still counts
    # Kenya has nothing on file: its first document counts at once.
    assert _file(client, filed["kenya"], "CREDENTIALS", PDF).status_code == 302
    [first] = db_session.scalars(select(DelegationDocument).where(
        DelegationDocument.delegation_id == filed["kenya"].id)).all()
    assert (first.kind, first.version, first.is_current) == (DocumentKind.CREDENTIALS, 1, True)


def test_what_the_secretariat_cannot_file_is_said(client, filed, db_session):
    make_user("officer@example.org")
    login(client, "officer@example.org")
    page = f"/admin/cop50/delegations/{filed['ngo'].id}"
    before = db_session.scalar(select(func.count()).select_from(DelegationDocument))
    _file(client, filed["ngo"], "CREDENTIALS", PDF)
    assert "Only delegations of States parties carry credentials." in client.get(page).get_data(as_text=True)
    _file(client, filed["ngo"], "NOMINATION", b"<svg/>")
    assert "must be a PDF" in client.get(page).get_data(as_text=True)
    _file(client, filed["ngo"], "LETTER", PDF)
    assert "Choose which document it is" in client.get(page).get_data(as_text=True)
    assert db_session.scalar(select(func.count()).select_from(DelegationDocument)) == before


def test_door_staff_cannot_file_documents(client, filed, db_session):
    make_user("door@example.org", roles=[Role.DOOR_STAFF])
    login(client, "door@example.org")
    response = client.post(f"/admin/cop50/delegations/{filed['france'].id}/documents",
                           data={"csrf_token": csrf_token(client, "/account"), "kind": "NOMINATION",
                                 "document": (io.BytesIO(PDF), "x.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 403
