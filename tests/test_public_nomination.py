"""The public form gives a delegation its first nominating document and never replaces one on file (issue 16: any
member of the public could replace a delegation's note verbale and reset the date it was received). Since issue 14
a document sent again is kept as a further version, and the one on file counts until the secretariat chooses."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from sqlalchemy import select

from conference.core.models import AuditLog
from conference.registration import services
from conference.registration.document_models import DelegationDocument, DocumentKind
from conference.registration.services import Actor
from tests.test_registration_web import form_data, jpeg, site  # noqa: F401 - the fixture
from tests.test_uploads import minimal_pdf

PATH = "/cop50/register/state"
RECEIVED = datetime(2024, 9, 1, 8, 30, tzinfo=UTC)


def _submit(client, delegation, n: int):
    data = form_data(client, PATH, delegation_id=str(delegation.id), email=f"person{n}@example.org",
                     passport_number=f"P{n:07d}", family_name=f"Dubois{'-Martin' * n}",
                     photo=(io.BytesIO(jpeg()), "me.jpg", "image/jpeg"),
                     document=(io.BytesIO(minimal_pdf()), f"sent-{n}.pdf", "application/pdf"))
    return client.post(PATH, data=data, content_type="multipart/form-data")


def _versions(db_session, delegation) -> list[tuple[int, str | None, bool, datetime]]:
    db_session.expire_all()
    return [(v.version, v.path, v.is_current, v.received_at) for v in db_session.scalars(
        select(DelegationDocument).where(DelegationDocument.delegation_id == delegation.id,
                                         DelegationDocument.kind == DocumentKind.NOMINATION)
        .order_by(DelegationDocument.version))]


def test_the_public_form_never_replaces_a_document_on_file(client, site, db_session):  # noqa: F811
    france = site["france"]
    db_session.execute(DelegationDocument.__table__.update().values(received_at=RECEIVED))
    db_session.commit()
    assert _submit(client, france, 1).status_code == 302  # the registration itself goes through
    (first, second) = _versions(db_session, france)
    assert first == (1, "documents/nv.pdf", True, RECEIVED)  # still the one that counts, with its date
    assert second[:3] == (2, second[1], False) and second[1].startswith("documents/") and second[1] != first[1]
    sent = db_session.scalar(select(DelegationDocument).where(DelegationDocument.version == 2))
    assert (sent.sent_by_registration.email, sent.sent_by_email, sent.original_filename) == (
        "person1@example.org", "person1@example.org", "sent-1.pdf")


def test_a_receipt_recorded_without_a_file_is_not_replaced_either(client, site, db_session):  # noqa: F811
    kenya = site["kenya"]
    services.attach_nomination(kenya, None, actor=Actor.SECRETARIAT)  # received on paper
    db_session.commit()
    assert _submit(client, kenya, 2).status_code == 302
    assert [(n, path is None, counts) for n, path, counts, _ in _versions(db_session, kenya)] == [
        (1, True, True), (2, False, False)]


def test_the_first_document_counts_and_the_next_public_one_waits(client, site, db_session):  # noqa: F811
    kenya = site["kenya"]
    assert _submit(client, kenya, 3).status_code == 302
    [(_, first, counts, received)] = _versions(db_session, kenya)
    assert first.startswith("documents/") and counts and received is not None
    assert _submit(client, kenya, 4).status_code == 302
    assert [(n, counts) for n, _, counts, _ in _versions(db_session, kenya)] == [(1, True), (2, False)]
    assert _versions(db_session, kenya)[0][1:] == (first, True, received)


def test_a_later_version_counts_only_once_the_secretariat_chooses_it(site, db_session):  # noqa: F811
    france = site["france"]
    later = services.attach_nomination(france, "documents/new.pdf", actor=Actor.SECRETARIAT)
    assert later.version == 2 and not later.is_current
    services.choose_document(later, user=None)
    db_session.commit()
    assert [(n, path, counts) for n, path, counts, _ in _versions(db_session, france)] == [
        (1, "documents/nv.pdf", False), (2, "documents/new.pdf", True)]
    chosen = db_session.scalar(select(AuditLog).where(AuditLog.action == "delegation.document_chosen"))
    assert (chosen.before, chosen.after) == ({"kind": "NOMINATION", "version": 1},
                                             {"kind": "NOMINATION", "version": 2})
