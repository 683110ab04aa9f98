"""The public form gives a delegation its first nominating document and never replaces one on file (issue 16: any
member of the public could replace a delegation's note verbale and reset the date it was received)."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from sqlalchemy import select

from conference.core.models import AuditLog
from conference.registration import services
from conference.registration.services import Actor
from tests.test_registration_web import form_data, jpeg, site  # noqa: F401 - the fixture
from tests.test_uploads import minimal_pdf

PATH = "/cop50/register/state"
RECEIVED = datetime(2024, 9, 1, 8, 30, tzinfo=UTC)


def _submit(client, delegation, n: int):
    data = form_data(client, PATH, delegation_id=str(delegation.id), email=f"person{n}@example.org",
                     passport_number=f"P{n:07d}", family_name=f"Dubois{'-Martin' * n}",
                     photo=(io.BytesIO(jpeg()), "me.jpg", "image/jpeg"),
                     document=(io.BytesIO(minimal_pdf()), "forged.pdf", "application/pdf"))
    return client.post(PATH, data=data, content_type="multipart/form-data")


def test_the_public_form_never_replaces_a_document_on_file(client, site, db_session):  # noqa: F811
    france = site["france"]
    france.nomination_received_at = RECEIVED
    db_session.commit()
    assert _submit(client, france, 1).status_code == 302  # the registration itself goes through
    db_session.refresh(france)
    assert france.nomination_document == "documents/nv.pdf"
    assert france.nomination_received_at == RECEIVED
    assert db_session.scalars(select(AuditLog).where(AuditLog.action == "delegation.nomination")).all() == []


def test_a_receipt_recorded_without_a_file_is_not_replaced_either(client, site, db_session):  # noqa: F811
    kenya = site["kenya"]
    kenya.nomination_received_at = RECEIVED  # the secretariat received the note verbale on paper
    db_session.commit()
    assert _submit(client, kenya, 2).status_code == 302
    db_session.refresh(kenya)
    assert kenya.nomination_document is None and kenya.nomination_received_at == RECEIVED


def test_the_first_document_is_kept_and_the_next_public_one_is_not(client, site, db_session):  # noqa: F811
    kenya = site["kenya"]
    assert _submit(client, kenya, 3).status_code == 302
    db_session.refresh(kenya)
    first, received = kenya.nomination_document, kenya.nomination_received_at
    assert first.startswith("documents/") and received is not None
    assert _submit(client, kenya, 4).status_code == 302
    db_session.refresh(kenya)
    assert (kenya.nomination_document, kenya.nomination_received_at) == (first, received)


def test_the_secretariat_and_the_focal_point_still_replace_it(site, db_session):  # noqa: F811
    france = site["france"]
    france.nomination_received_at = RECEIVED
    assert services.attach_nomination(france, "documents/from-the-public.pdf", actor=Actor.PARTICIPANT) is False
    assert france.nomination_document == "documents/nv.pdf"
    assert services.attach_nomination(france, "documents/new.pdf", actor=Actor.SECRETARIAT) is True
    assert france.nomination_document == "documents/new.pdf" and france.nomination_received_at > RECEIVED
