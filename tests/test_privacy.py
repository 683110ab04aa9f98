"""Retention and purge of personal data; a participant's own copy."""

from __future__ import annotations

import json
import os
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from conference.config import ConfigError, load_config
from conference.core.models import AuditLog, Job, JobStatus, OutgoingMail
from conference.extensions import db
from conference.mail.services import outbox_path, queue_mail
from conference.registration.models import EntityType, RegionalGroup, Registration
from conference.registration.uploads import store
from conference.statistics.services import compute
from tests.factories import make_conference, make_delegation, make_entity, make_registration


def _session(app, db_session):
    c = make_conference("cop40", starts_on=date(2020, 10, 12), ends_on=date(2020, 10, 16), retention_days=365)
    folder = Path(app.config["UPLOAD_FOLDER"])
    photo = store(folder, "photos", b"\xff\xd8\xff fake jpeg", "jpg")
    note = store(folder, "documents", b"%PDF-1.4 note verbale %%EOF", "pdf")
    d = make_delegation(c, make_entity(EntityType.STATE, "Chile", "CHL", RegionalGroup.GRULAC),
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
        == {"registrations": 1, "files": 2, "mails": 1, "badge_run_pdfs": 0, "participants_lists": 0,
            "outbox_files": 1, "organization_requests": 0}
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


# --------------------------------------------------------------------------------------------------------------------
# Files on disk: the purge leaves none of the session's, and stale files go anyway (issue 16)

OLD = 3 * 24 * 3600  # seconds: older than an upload may stay unclaimed, older than a badge-run PDF is kept


def _files(*folders) -> set[Path]:
    return {p for folder in folders if Path(folder).exists() for p in Path(folder).rglob("*") if p.is_file()}


def _aged(path: Path, seconds: int = OLD) -> Path:
    then = time.time() - seconds
    os.utime(path, (then, then))
    return path


def _badge_run(conference, folder: Path, *, age: int = 0) -> tuple[Job, Path]:
    job = Job(conference_id=conference.id, kind="badges", params={}, status=JobStatus.DONE)
    db.session.add(job)
    db.session.flush()
    pdf = folder / f"job-{job.id}-{job.id}abc.pdf"
    pdf.write_bytes(b"%PDF-1.7 names and photos")
    job.result_path = str(pdf)
    return job, _aged(pdf, age) if age else pdf


def _photo(folder: Path, *, age: int = 0) -> str:
    relative = store(folder, "photos", b"\xff\xd8\xff a photo", "jpg")
    if age:
        _aged(folder / relative, age)
    return relative


def test_the_purge_leaves_no_file_of_the_session(app, runner, db_session, tmp_path, monkeypatch):
    runs = tmp_path / "badges"
    runs.mkdir()
    for key, name in (("BADGE_RUNS_FOLDER", "badges"), ("UPLOAD_FOLDER", "uploads"), ("MAIL_OUTBOX", "outbox")):
        monkeypatch.setitem(app.config, key, str(tmp_path / name))  # this test's files only
    outbox = Path(app.config["MAIL_OUTBOX"])
    c, r, folder, photo, note = _session(app, db_session)
    mail = db_session.scalars(select(OutgoingMail).where(OutgoingMail.conference_id == c.id)).one()
    own_eml = {outbox_path(mail, app.config)}
    assert own_eml <= _files(outbox)  # the e-mail went to the outbox (no mail server in tests)

    # The session's other files: a photo replaced since (nobody points to it), a photo of a submission that failed,
    # a badge run's PDF and what a failed rendering left beside it.
    replaced = _photo(folder, age=OLD)
    failed = _photo(folder, age=OLD)
    job, run_pdf = _badge_run(c, runs)
    leftover = runs / f"job-{job.id}-partial.pdf"
    leftover.write_bytes(b"%PDF-1.7 half")

    # What stays: another session's participant, photo, e-mail and recent badge run; an upload a form may still claim.
    other = make_conference("cop41", starts_on=date.today(), ends_on=date.today() + timedelta(days=4))
    other_photo = _photo(folder, age=OLD)
    other_reg = make_registration(make_delegation(other, make_entity(EntityType.STATE, "Peru", "PER",
                                                                     RegionalGroup.GRULAC)), photo=other_photo)
    queue_mail(other_reg.email, "registration_submitted", "en", registration=other_reg, conference=other,
               status_url="http://x")
    other_job, other_pdf = _badge_run(other, runs)
    old_job, old_pdf = _badge_run(other, runs, age=OLD)  # older than BADGE_PDF_RETENTION_HOURS: goes anyway
    young = _photo(folder)
    db_session.commit()

    before = _files(folder, outbox, runs)
    result = runner.invoke(args=["purge-personal-data", "cop40"])
    assert result.exit_code == 0, result.output
    assert "1 outbox files, 3 badge-run PDFs, 0 lists of participants, 2 orphaned uploads" in result.output
    after = _files(folder, outbox, runs)

    erased = {folder / photo, folder / note, folder / replaced, folder / failed, run_pdf, leftover, old_pdf,
              *own_eml}
    assert before - after == erased
    assert after == before - erased
    assert {folder / other_photo, folder / young, other_pdf} <= after
    assert outbox_path(db_session.scalars(select(OutgoingMail)).one(), app.config) in after  # cop41's e-mail
    db_session.expire_all()
    assert db_session.get(Job, job.id).result_path is None and db_session.get(Job, old_job.id).result_path is None
    assert db_session.get(Job, other_job.id).result_path == str(other_pdf)


def test_stale_files_go_on_their_own_schedule(app, runner, db_session, tmp_path, monkeypatch):
    runs = tmp_path / "badges"
    runs.mkdir()
    for key, name in (("BADGE_RUNS_FOLDER", "badges"), ("UPLOAD_FOLDER", "uploads"), ("MAIL_OUTBOX", "outbox")):
        monkeypatch.setitem(app.config, key, str(tmp_path / name))  # this test's files only
    monkeypatch.setitem(app.config, "BADGE_PDF_RETENTION_HOURS", 2)
    folder = Path(app.config["UPLOAD_FOLDER"])
    c = make_conference("cop42", starts_on=date.today(), ends_on=date.today() + timedelta(days=4))
    kept_photo = _photo(folder, age=OLD)
    make_registration(make_delegation(c, make_entity(EntityType.STATE, "Chile", "CHL", RegionalGroup.GRULAC)),
                      photo=kept_photo)
    orphan = _photo(folder, age=OLD)
    unclaimed_yet = _photo(folder, age=20 * 3600)  # a form's reference to it is still good
    stale_job, stale_pdf = _badge_run(c, runs, age=3 * 3600)
    fresh_job, fresh_pdf = _badge_run(c, runs, age=3600)
    db_session.commit()

    before = _files(folder, runs)
    result = runner.invoke(args=["purge-stale-files"])
    assert result.exit_code == 0, result.output
    assert "erased 1 orphaned uploads, 1 badge-run PDFs" in result.output
    assert before - _files(folder, runs) == {folder / orphan, stale_pdf}
    assert {folder / kept_photo, folder / unclaimed_yet, fresh_pdf} <= _files(folder, runs)
    db_session.expire_all()
    assert db_session.get(Job, stale_job.id).result_path is None
    assert db_session.get(Job, fresh_job.id).result_path == str(fresh_pdf)


@pytest.mark.parametrize("value", ["0", "two days", "-5"])
def test_a_badge_pdf_retention_that_is_not_hours_stops_the_start(tmp_path, monkeypatch, value):
    monkeypatch.setenv("BADGE_PDF_RETENTION_HOURS", value)
    with pytest.raises(ConfigError, match="BADGE_PDF_RETENTION_HOURS must be a whole number of hours"):
        load_config(tmp_path, {"PLENARY_ENV": "testing"})
    monkeypatch.setenv("BADGE_PDF_RETENTION_HOURS", "12")
    assert load_config(tmp_path, {"PLENARY_ENV": "testing"})["BADGE_PDF_RETENTION_HOURS"] == 12
