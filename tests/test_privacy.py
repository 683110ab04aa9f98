"""Retention and purge of personal data; a participant's own copy."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import func, select

from conference.core.models import AuditLog, OutgoingMail
from conference.mail.services import queue_mail
from conference.registration.models import EntityType, RegionalGroup, Registration
from conference.registration.uploads import store
from conference.statistics.services import compute
from tests.factories import make_conference, make_delegation, make_entity, make_registration


def _session(app, db_session):
    c = make_conference("cop40", starts_on=date(2020, 10, 12), ends_on=date(2020, 10, 16), retention_days=365)
    folder = Path(app.config["UPLOAD_FOLDER"])
    photo = store(folder, "photos", b"\xff\xd8\xff fake jpeg", "jpg")
    note = store(folder, "documents", b"%PDF-1.4 note verbale %%EOF", "pdf")
    d = make_delegation(c, make_entity(EntityType.STATE_PARTY, "Chile", "CHL", RegionalGroup.GRULAC),
                        nomination_document=note)
    r = make_registration(d, photo=photo, passport_number="C123", date_of_birth=date(1970, 1, 1),
                          passport_expiry=date(2030, 1, 1), phone="+56 2 123")
    queue_mail(r.email, "registration_submitted", "en", registration=r, conference=c, status_url="http://x")
    db_session.commit()
    return c, r, folder, photo, note


def test_purge_erases_what_retention_covers_and_keeps_the_figures(app, runner, db_session):
    c, r, folder, photo, note = _session(app, db_session)
    before = compute(c)
    result = runner.invoke(args=["purge-personal-data", "cop40"])
    assert result.exit_code == 0, result.output
    assert "1 registrations, 2 files, 1 e-mails" in result.output
    db_session.expire_all()
    r = db_session.get(Registration, r.id)
    assert (r.photo, r.passport_number, r.passport_expiry, r.date_of_birth, r.phone) == (None, None, None, None, "")
    assert r.personal_data_purged_at is not None and r.family_name  # the name stays for lists of participants
    assert not (folder / photo).exists() and not (folder / note).exists()
    assert db_session.scalar(select(func.count()).select_from(OutgoingMail)) == 0
    assert db_session.scalar(select(AuditLog.after).where(AuditLog.action == "conference.personal_data_purged")) \
        == {"registrations": 1, "files": 2, "mails": 1}
    after = compute(c)
    assert (after["participants"], after["by_gender"]) == (before["participants"], before["by_gender"])


def test_purge_waits_for_the_end_of_retention(app, runner, db_session):
    c, r, folder, photo, _ = _session(app, db_session)
    c.ends_on = date.today() - timedelta(days=10)
    c.starts_on = c.ends_on - timedelta(days=4)
    db_session.commit()
    result = runner.invoke(args=["purge-personal-data", "cop40"])
    assert result.exit_code == 1 and "retention period of cop40 runs until" in result.output
    assert (folder / photo).exists()
    assert runner.invoke(args=["purge-personal-data", "nope"]).exit_code == 1


def test_a_participant_downloads_their_data(client, app, db_session):
    c, r, *_ = _session(app, db_session)
    response = client.get(f"/cop40/registration/{r.status_token}/my-data.json")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    assert data["registration"]["passport_number"] == "C123" and data["delegation"] == "Chile"
    assert data["retained_until"] == "2021-10-16"
    assert client.get("/cop40/registration/wrong/my-data.json").status_code == 404
