"""Badges: the signed code, issuing and reprinting, collecting, rendering in four scripts, sizes, runs and jobs."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import time
import unicodedata
from datetime import time as dtime

import pytest
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import func, select

from conference.accounts.models import Role
from conference.badges import services
from conference.badges.models import Badge
from conference.badges.services import BadgeFilter, Forged, qr_value, read_qr
from conference.checkin.models import CheckInResult
from conference.checkin.services import check_in
from conference.core.errors import PlenaryError, RuleViolation
from conference.core.i18n import _
from conference.core.models import AuditLog, Job, JobStatus
from conference.registration.models import (
    BadgeState,
    DelegationRole,
    EntityType,
    Modality,
    RegionalGroup,
    Registration,
    RegistrationStatus,
)
from conference.registration.uploads import store
from tests.conftest import csrf_token
from tests.factories import PASSWORD, make_conference, make_delegation, make_entity, make_registration, make_user

A6 = (297.64, 419.53)  # 105 x 148 mm in points
ID1 = (242.65, 153.07)  # 85.6 x 54 mm
A4 = (595.28, 841.89)

NAMES = {
    "latin": "Zoë Dvořák-Łukasiewicz",
    "cyrillic": "Александра Щербакова",
    "arabic": "محمد عبد الله",
    "chinese": "王小明",
}
SECRET = "a" * 40


def login(client, email):
    client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": csrf_token(client, "/login")})


def photo_file(app, colour=(200, 180, 160)) -> str:
    out = io.BytesIO()
    Image.new("RGB", (700, 900), colour).save(out, "JPEG")
    return store(app.config["UPLOAD_FOLDER"], "photos", out.getvalue(), "jpg")


@pytest.fixture
def site(app, db_session):
    c = make_conference("cop99")
    state = make_delegation(c, make_entity(EntityType.STATE, "Austria", "AUT", RegionalGroup.WEOG))
    ngo = make_delegation(c, make_entity(EntityType.NGO_ECOSOC, "Friends of the Earth"))
    people = {
        "latin": make_registration(state, badge_name=NAMES["latin"], role=DelegationRole.HEAD,
                                   photo=photo_file(app), passport_number="P1234567"),
        "cyrillic": make_registration(state, badge_name=NAMES["cyrillic"]),
        "arabic": make_registration(ngo, badge_name=NAMES["arabic"], role=DelegationRole.REPRESENTATIVE),
        "chinese": make_registration(ngo, badge_name=NAMES["chinese"], role=DelegationRole.REPRESENTATIVE),
    }
    make_registration(state, status=RegistrationStatus.SUBMITTED, badge_name="Not Approved Yet")
    db_session.commit()
    return c, people


def pdf_of(conference, registrations, size="a6") -> bytes:
    badges = services.prepare_badges(conference, [r.id for r in registrations], actor="test")
    return services.render_badges(badges, services.conference_data(conference), size=size)


def page_sizes(data: bytes) -> list[tuple[float, float]]:
    pages = PdfReader(io.BytesIO(data)).pages
    return [(round(float(p.mediabox.width), 2), round(float(p.mediabox.height), 2)) for p in pages]


# --------------------------------------------------------------------------------------------------------------------
# The signed code


def test_the_code_is_signed_and_carries_only_the_serial():
    value = qr_value("7K3M9QW2XP", SECRET)
    assert re.fullmatch(r"P1\.7K3M9QW2XP\.[A-Z2-7]{16}", value)
    assert read_qr(value, SECRET) == "7K3M9QW2XP"
    assert read_qr(value.lower(), SECRET) == "7K3M9QW2XP"  # a scanner may change the case
    prefix, serial, mac = value.split(".")
    for forged in (f"{prefix}.7K3M9QW2XQ.{mac}",  # another serial with the same signature
                   f"{prefix}.{serial}.{mac[:-1]}A" if mac[-1] != "A" else f"{prefix}.{serial}.{mac[:-1]}B",
                   f"P2.{serial}.{mac}", f"{serial}.{mac}", "P1.." , qr_value(serial, "b" * 40)):
        with pytest.raises(Forged):
            read_qr(forged, SECRET)


def test_serials_are_random_crockford_base32():
    serials = {services.new_serial() for _ in range(200)}
    assert len(serials) == 200
    assert all(re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{10}", s) for s in serials)
    assert services.normalize_serial(" 7k3m-9qw2 xo ") == "7K3M9QW2X0"


def test_categories_follow_the_entity_and_the_role():
    c = services.badge_category
    assert c(EntityType.STATE, DelegationRole.HEAD) == "HEAD"
    assert c(EntityType.REIO, DelegationRole.ADVISER) == "DELEGATE"
    assert c(EntityType.UN_ENTITY, DelegationRole.REPRESENTATIVE) == "UN"
    assert c(EntityType.IGO, DelegationRole.REPRESENTATIVE) == "IGO"
    assert c(EntityType.NGO_OTHER, DelegationRole.REPRESENTATIVE) == "NGO"
    assert c(EntityType.MEDIA, DelegationRole.REPRESENTATIVE) == "PRESS"
    assert c(EntityType.SECRETARIAT, DelegationRole.REPRESENTATIVE) == "SECRETARIAT"
    assert c(EntityType.HOST_COUNTRY, DelegationRole.REPRESENTATIVE) == "GUEST"


# --------------------------------------------------------------------------------------------------------------------
# Issuing, reprinting, collecting


def test_a_reprint_supersedes_the_earlier_badge(site, db_session):
    conference, people = site
    registration = people["latin"]
    first = services.issue_badge(registration, actor="test")
    db_session.commit()
    assert registration.badge_state == BadgeState.PRINTED and registration.badge_serial == first.serial
    second = services.issue_badge(registration, actor="test")
    db_session.commit()
    assert second.serial != first.serial and registration.badge_serial == second.serial
    assert first.superseded_at is not None and second.superseded_at is None
    actions = db_session.scalars(select(AuditLog.action).where(AuditLog.object_id == registration.id)
                                 .order_by(AuditLog.id)).all()
    assert actions[-2:] == ["badge.issue", "badge.reprint"]
    # The old code is refused at the door as replaced, the new one admits.
    open_doors = conference.at_venue(conference.starts_on, dtime(10))  # the doors admit during the session only
    old = check_in(conference, code_or_serial=qr_value(first.serial), door="gate", now=open_doors)
    new = check_in(conference, code_or_serial=qr_value(second.serial), door="gate", now=open_doors)
    assert (old.result, new.result) == (CheckInResult.BADGE_REPLACED, CheckInResult.ADMITTED)


def test_the_pass_office_learns_who_printed_a_badge(site, db_session):
    _conference, people = site
    officer = make_user("desk@example.org", roles=(Role.BADGE_DESK,))
    by_a_user = services.issue_badge(people["latin"], user=officer)
    from_a_terminal = services.issue_badge(people["cyrillic"], actor="command line")
    db_session.commit()
    assert services.printed_by(by_a_user) == "desk@example.org"
    assert services.printed_by(from_a_terminal) is None and services.printed_by(None) is None


def test_only_approved_registrations_get_a_badge(site, db_session):
    conference, _ = site
    pending = db_session.scalar(select(Registration).where(Registration.badge_name == "Not Approved Yet"))
    with pytest.raises(RuleViolation):
        services.issue_badge(pending, actor="test")
    ids = services.select_registrations(conference, BadgeFilter())
    assert pending.id not in ids and len(ids) == 4


def test_collecting_needs_the_photo_check(site, db_session):
    _, people = site
    registration = people["latin"]
    with pytest.raises(RuleViolation):  # not printed yet
        services.mark_collected(registration, photo_checked=True)
    services.issue_badge(registration, actor="test")
    with pytest.raises(RuleViolation, match="photo"):
        services.mark_collected(registration, photo_checked=False)
    assert registration.badge_state == BadgeState.PRINTED
    badge = services.mark_collected(registration, photo_checked=True)
    db_session.commit()
    assert registration.badge_state == BadgeState.COLLECTED and badge.collected_at is not None


def test_filters_select_whom_to_print(site, db_session):
    conference, people = site
    assert set(services.select_registrations(conference, BadgeFilter(category="NGO"))) == {
        people["arabic"].id, people["chinese"].id}
    assert services.select_registrations(conference, BadgeFilter(category="HEAD")) == [people["latin"].id]
    state_delegation = people["cyrillic"].delegation_id
    assert len(services.select_registrations(conference, BadgeFilter(delegation_id=state_delegation))) == 2
    services.issue_badge(people["latin"], actor="test")
    assert people["latin"].id not in services.select_registrations(conference, BadgeFilter(only_unprinted=True))
    assert services.select_registrations(conference, BadgeFilter(registration_id=people["chinese"].id)) == [
        people["chinese"].id]


# --------------------------------------------------------------------------------------------------------------------
# Rendering


def _missing_glyphs(reader: PdfReader) -> dict[str, set[int]]:
    """Per embedded font, the glyphs shown that the font does not have: .notdef (glyph 0, the empty box) or a
    glyph number beyond the font's glyphs (how WeasyPrint writes a character no font could show)."""
    from fontTools.ttLib import TTFont

    missing: dict[str, set[int]] = {}
    for page in reader.pages:
        fonts = page["/Resources"]["/Font"]
        glyph_counts = {}
        for name, ref in fonts.items():
            font = ref.get_object()
            assert font["/Subtype"] == "/Type0", font["/BaseFont"]
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            data = next(descriptor[k] for k in ("/FontFile2", "/FontFile3") if k in descriptor).get_object()
            count = TTFont(io.BytesIO(data.get_data()))["maxp"].numGlyphs
            glyph_counts[name.lstrip("/")] = (str(font["/BaseFont"]), count)
        current = None
        # Composite fonts with Identity encoding: each glyph is a 2-byte code in a hex string of TJ/Tj.
        for match in re.finditer(rb"/([^\s/]+)\s+[\d.]+\s+Tf|<([0-9a-fA-F]*)>", page.get_contents().get_data()):
            if match.group(1):
                current = match.group(1).decode()
                continue
            raw = bytes.fromhex(match.group(2).decode())
            base, count = glyph_counts[current]
            for i in range(0, len(raw), 2):
                code = int.from_bytes(raw[i:i + 2], "big")
                if code == 0 or code >= count:
                    missing.setdefault(base, set()).add(code)
    return missing


def test_badges_print_names_in_four_scripts_without_missing_glyphs(site, db_session):
    conference, people = site
    data = pdf_of(conference, list(people.values()))
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 4
    text = unicodedata.normalize("NFC", "\n".join(p.extract_text() for p in reader.pages))
    for script in ("latin", "cyrillic", "chinese"):
        assert NAMES[script] in text, script
    # Arabic may come out in visual order or as presentation forms: every letter must be there.
    arabic = unicodedata.normalize("NFKC", text)
    assert all(ch in arabic for ch in NAMES["arabic"].replace(" ", ""))
    assert "Austria" in text and "Friends of the Earth" in text and "COP99" in text
    assert "P1234567" not in text  # no passport number on a badge
    # No glyph is missing: glyph 0 (.notdef, the empty box) is never shown.
    assert _missing_glyphs(reader) == {}
    families = " ".join(str(f.get_object()["/BaseFont"])
                        for p in reader.pages for f in p["/Resources"]["/Font"].values())
    assert "Arabic" in families and "CJK" in families


def test_the_glyph_check_catches_a_script_without_a_font(site, db_session):
    """The check above is honest: it sees a character that no installed font has."""
    conference, people = site
    badges = services.prepare_badges(conference, [people["latin"].id], actor="test")
    badges[0]["name"] = "\U00011F04\U00011F05"  # Kawi (Unicode 15): no font installed has it
    data = services.render_badges(badges, services.conference_data(conference))
    assert _missing_glyphs(PdfReader(io.BytesIO(data)))


def _rasterize_first_page(data: bytes, tmp_path) -> Image.Image:
    """The first page as pixels: poppler's pdftoppm when installed, else the QR image embedded in the page."""
    if shutil.which("pdftoppm"):
        source = tmp_path / "badge.pdf"
        source.write_bytes(data)
        subprocess.run(["pdftoppm", "-r", "200", "-f", "1", "-l", "1", "-png", str(source), str(tmp_path / "p")],
                       check=True)
        return Image.open(next(tmp_path.glob("p*.png")))
    page = PdfReader(io.BytesIO(data)).pages[0]
    qr = next(image.image for image in page.images if image.image.size[0] == image.image.size[1])
    return qr.convert("L").resize((qr.width * 8, qr.height * 8), Image.Resampling.NEAREST)


def test_the_qr_code_of_a_rendered_badge_decodes_and_checks_in(site, db_session, tmp_path):
    zxingcpp = pytest.importorskip("zxingcpp")
    conference, people = site
    data = pdf_of(conference, [people["cyrillic"]])
    db_session.commit()
    results = zxingcpp.read_barcodes(_rasterize_first_page(data, tmp_path))
    values = [r.text for r in results if r.format == zxingcpp.BarcodeFormat.QRCode]
    assert len(values) == 1
    assert values[0] == qr_value(people["cyrillic"].badge_serial)
    outcome = check_in(conference, code_or_serial=values[0], door="gate",
                       now=conference.at_venue(conference.starts_on, dtime(10)))
    assert outcome.result == CheckInResult.ADMITTED and outcome.registration.id == people["cyrillic"].id


@pytest.mark.parametrize(("size", "page", "pages"), [("a6", A6, 4), ("id1", ID1, 4), ("a4-sheet", A4, 1)])
def test_paper_sizes(site, db_session, size, page, pages):
    conference, people = site
    data = pdf_of(conference, list(people.values()), size=size)
    sizes = page_sizes(data)
    assert len(sizes) == pages and all(abs(w - page[0]) < 0.5 and abs(h - page[1]) < 0.5 for w, h in sizes)


def test_a4_sheets_hold_four_badges_each(site, db_session):
    conference, people = site
    regs = list(people.values())
    badges = services.prepare_badges(conference, [r.id for r in regs], actor="test")
    data = services.render_badges(badges + badges[:1], services.conference_data(conference), size="a4-sheet")
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 2
    first = reader.pages[0].extract_text()
    assert sum(b["serial"] in first for b in badges) == 4
    assert badges[0]["serial"] in reader.pages[1].extract_text()


def test_a_run_in_worker_processes_keeps_the_order(site, db_session, tmp_path):
    conference, people = site
    badges = services.prepare_badges(conference, [r.id for r in people.values()], actor="test")
    run = [dict(b, serial=f"{b['serial'][:8]}{i:02d}") for i, b in enumerate(badges * 2)]
    calls = []
    target = tmp_path / "run.pdf"
    pages = services.render_badge_run(run, services.conference_data(conference), target, workers=2, chunk_size=3,
                                      progress=lambda done, total: calls.append((done, total)))
    reader = PdfReader(str(target))
    assert pages == len(reader.pages) == 8
    assert [next(b["serial"] for b in run if b["serial"] in p.extract_text()) for p in reader.pages] == [
        b["serial"] for b in run]
    assert calls[-1] == (8, 8) and len(calls) == 3


def test_nothing_to_render_is_a_user_error(tmp_path):
    with pytest.raises(PlenaryError):
        services.render_badge_run([], {}, tmp_path / "x.pdf")


# --------------------------------------------------------------------------------------------------------------------
# The command line


def test_the_badges_command_prints_and_issues_serials(site, runner, db_session, tmp_path):
    conference, people = site
    target = tmp_path / "badges.pdf"
    result = runner.invoke(args=["badges", "cop99", "-o", str(target), "--size", "id1"])
    assert result.exit_code == 0, result.output
    assert "4 badges" in result.output
    assert page_sizes(target.read_bytes()) == [ID1] * 4
    db_session.expire_all()
    assert db_session.scalar(select(func.count()).select_from(Registration).where(
        Registration.badge_state == BadgeState.PRINTED)) == 4
    serials = {r.badge_serial for r in people.values()}
    # A second run prints the same badges again: no new serial without a reprint.
    assert runner.invoke(args=["badges", "cop99", "-o", str(target)]).exit_code == 0
    db_session.expire_all()
    assert {r.badge_serial for r in people.values()} == serials
    assert db_session.scalar(select(func.count()).select_from(Badge)) == 4

    nothing = runner.invoke(args=["badges", "cop99", "-o", str(target), "--only-unprinted"])
    assert nothing.exit_code == 1 and "nothing to print" in nothing.output
    assert len(nothing.output.strip().splitlines()) == 1
    unknown = runner.invoke(args=["badges", "nope", "-o", str(target)])
    assert unknown.exit_code == 1 and "Traceback" not in unknown.output


# --------------------------------------------------------------------------------------------------------------------
# The badge desk


def _wait_for(db_session, job_id: int, timeout: float = 60) -> Job:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db_session.rollback()
        job = db_session.get(Job, job_id)
        db_session.refresh(job)
        if job.status in (JobStatus.DONE, JobStatus.FAILED):
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} still {job.status}")


def test_the_badge_desk_runs_a_job_and_downloads_the_pdf(site, app, client, db_session, tmp_path, monkeypatch):
    conference, people = site
    monkeypatch.setitem(app.config, "BADGE_RUNS_FOLDER", str(tmp_path))
    make_user("desk@example.org", roles=[Role.BADGE_DESK])
    login(client, "desk@example.org")
    page = client.get("/admin/cop99/badges")
    assert page.status_code == 200 and "Print badges" in page.get_data(as_text=True)
    token = csrf_token(client, "/admin/cop99/badges")
    response = client.post("/admin/cop99/badges", data={"csrf_token": token, "category": "NGO", "delegation": "",
                                                        "size": "a6", "only_unprinted": "y"})
    assert response.status_code == 302
    job_id = int(re.search(r"/jobs/(\d+)", response.headers["Location"]).group(1))
    job = _wait_for(db_session, job_id)
    assert job.status == JobStatus.DONE, job.error
    assert (job.done, job.total) == (2, 2)
    page = client.get(f"/admin/cop99/badges/jobs/{job_id}")
    assert "Download the PDF" in page.get_data(as_text=True) and "Refresh" not in page.headers
    assert client.get(f"/admin/cop99/badges/jobs/{job_id}.json").get_json()["status"] == "DONE"
    assert client.get("/admin/cop99/badges/jobs/" + "9" * 30).status_code == 404
    missing = client.get(f"/admin/cop99/badges/jobs/{job_id + 1}")
    assert missing.status_code == 404 and "no such badge run" in missing.get_data(as_text=True)
    with client.get(f"/admin/cop99/badges/jobs/{job_id}/badges.pdf") as pdf:
        assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
        text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert list(tmp_path.glob("job-*.pdf"))
    assert NAMES["chinese"] in text and NAMES["cyrillic"] not in text
    db_session.expire_all()
    assert people["arabic"].badge_state == BadgeState.PRINTED
    badge = db_session.scalar(select(Badge).where(Badge.registration_id == people["arabic"].id))
    assert badge.printed_by_id is not None
    # A filter that selects nobody starts no job.
    again = client.post("/admin/cop99/badges", data={"csrf_token": token, "category": "NGO", "delegation": "",
                                                     "size": "a6", "only_unprinted": "y"}, follow_redirects=True)
    assert "nothing to print" in again.get_data(as_text=True)
    assert db_session.scalar(select(func.count()).select_from(Job)) == 1


def test_badges_are_printed_in_the_language_of_the_run(site, app, client, db_session, tmp_path, monkeypatch):
    conference, people = site
    monkeypatch.setitem(app.config, "BADGE_RUNS_FOLDER", str(tmp_path))
    make_user("desk@example.org", roles=[Role.BADGE_DESK])
    client.set_cookie("plenary_lang", "fr")  # the desk works on the French pages
    login(client, "desk@example.org")
    token = csrf_token(client, "/admin/cop99/badges")
    response = client.post("/admin/cop99/badges", data={"csrf_token": token, "category": "NGO", "delegation": "",
                                                        "size": "a6"})
    job_id = int(re.search(r"/jobs/(\d+)", response.headers["Location"]).group(1))
    assert _wait_for(db_session, job_id).params["language"] == "fr"

    badges = services.prepare_badges(conference, [people["arabic"].id], actor="test")
    html = services.badges_html(badges, services.conference_data(conference, "ar"), "a6")
    assert '<html lang="ar" dir="rtl">' in html and "أكتوبر" in html  # the session's dates, written in Arabic
    html = services.badges_html(badges, services.conference_data(conference, "fr"), "a6")
    assert '<html lang="fr" dir="ltr">' in html and "14–18 oct" in html
    html = services.badges_html(badges, services.conference_data(conference, "en"), "a6")
    assert '<html lang="en" dir="ltr">' in html and "Oct 2024" in html


def test_the_pass_office_hands_over_a_badge_after_the_photo_check(site, client, db_session):
    conference, people = site
    registration = people["latin"]
    services.issue_badge(registration, actor="test")
    db_session.commit()
    make_user("desk@example.org", roles=[Role.BADGE_DESK])
    login(client, "desk@example.org")
    path = f"/admin/cop99/badges/{registration.id}"
    page = client.get(path).get_data(as_text=True)
    assert NAMES["latin"] in page and f"/admin/cop99/badges/{registration.id}/photo" in page
    with client.get(f"{path}/photo") as photo:
        assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    token = csrf_token(client, path)
    refused = client.post(f"{path}/collect", data={"csrf_token": token}, follow_redirects=True)
    assert "photo" in refused.get_data(as_text=True)
    db_session.expire_all()
    assert registration.badge_state == BadgeState.PRINTED
    client.post(f"{path}/collect", data={"csrf_token": token, "photo_checked": "y"})
    db_session.expire_all()
    assert registration.badge_state == BadgeState.COLLECTED


def test_the_badge_desk_needs_its_role(site, client, db_session):
    make_user("door@example.org", roles=[Role.DOOR_STAFF])
    assert client.get("/admin/cop99/badges").status_code == 302
    login(client, "door@example.org")
    assert client.get("/admin/cop99/badges").status_code == 403


def test_with_redis_the_run_goes_on_the_queue_and_the_worker_carries_it_out(site, app, db_session, tmp_path,
                                                                            monkeypatch):
    from conference.badges import jobs
    from conference.core import jobs as core_jobs

    conference, people = site
    monkeypatch.setitem(app.config, "BADGE_RUNS_FOLDER", str(tmp_path))
    queued = []
    # the one place every background run goes through (conference.core.jobs.start) puts it on the queue
    monkeypatch.setattr(core_jobs, "enqueue", lambda function, *args: queued.append((function, args)) or object())
    job = jobs.start_badge_run(conference, BadgeFilter(category="HEAD"), size="a4-sheet")
    db_session.commit()
    assert jobs.enqueue_badge_run(job.id) is None  # no thread: the queue has it
    assert queued == [("conference.badges.jobs.run_badge_job", (job.id,))]
    assert job.status == JobStatus.QUEUED
    jobs.run_badge_job(job.id)  # what the worker does, inside its application context
    db_session.expire_all()
    assert job.status == JobStatus.DONE and (job.done, job.total) == (1, 1)
    assert page_sizes((tmp_path / job.result_path).read_bytes()) == [A4]
    jobs.run_badge_job(job.id)  # delivered twice by the queue: done already, nothing happens
    assert db_session.scalar(select(func.count()).select_from(Badge)) == 1


def test_a_run_whose_worker_died_is_started_again_with_the_same_serials(site, app, db_session, tmp_path,
                                                                        monkeypatch):
    from datetime import timedelta

    from conference.badges import jobs
    from conference.core.db import utcnow

    conference, people = site
    monkeypatch.setitem(app.config, "BADGE_RUNS_FOLDER", str(tmp_path))
    real_render = services.render_badges

    def dies(*args, **kwargs):
        raise MemoryError("worker killed")

    monkeypatch.setattr(services, "render_badges", dies)
    job = jobs.start_badge_run(conference, services.BadgeFilter(category="NGO"))
    db_session.commit()
    jobs.run_badge_job(job.id)
    db_session.expire_all()
    job = db_session.get(Job, job.id)
    assert job.status == JobStatus.FAILED and "worker killed" in job.error
    serials = {r: db_session.get(type(people[r]), people[r].id).badge_serial for r in ("arabic", "chinese")}
    assert all(serials.values())  # issued before rendering

    # A run still marked RUNNING is left alone while it may be alive, and started again once it is silent.
    job.status, job.started_at = JobStatus.RUNNING, utcnow()
    db_session.commit()
    with pytest.raises(RuleViolation):
        jobs.retry_badge_run(job)
    job.started_at = utcnow() - timedelta(hours=1)
    jobs.retry_badge_run(job)
    db_session.commit()
    monkeypatch.setattr(services, "render_badges", real_render)
    jobs.run_badge_job(job.id)
    db_session.expire_all()
    job = db_session.get(Job, job.id)
    assert job.status == JobStatus.DONE and job.done == job.total == 2
    assert {r: db_session.get(type(people[r]), people[r].id).badge_serial for r in serials} == serials


def _pdf_words(data: bytes, tmp_path) -> str:
    """The text of a PDF as poppler reads it: in logical order, right-to-left runs included."""
    path = tmp_path / "badges.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout


def test_an_arabic_badge_run_reads_right_to_left_and_keeps_latin_names_intact(site, db_session, tmp_path):
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils is not installed (make test installs it)")
    conference, people = site
    with services.in_language("ar"):
        badges = services.prepare_badges(conference, [people["latin"].id, people["arabic"].id], actor="test")
        head, ngo = _("Head of delegation"), _("Non-governmental organization")
        data = services.render_badges(badges, services.conference_data(conference, "ar"), size="a6")
    assert re.search(r"[\u0600-\u06FF]", head)  # the catalogue has it in Arabic
    text = _pdf_words(data, tmp_path)
    first, second = text.split("\f")[:2]
    # The category band in Arabic, shaped into real Arabic letters (poppler gives them back in reading order) ...
    assert head in first and ngo in second
    assert NAMES["arabic"] in second
    # ... and a Latin name on an Arabic badge keeps its own left-to-right order, accents and all.
    assert NAMES["latin"] in first and "Austria" in first
    # The session's dates are written the Arabic way.
    assert "أكتوبر" in first


# --------------------------------------------------------------------------------------------------------------------
# Online participants get no printed badge


def test_online_participants_get_no_printed_badge_unless_they_come_in_person(site, app, client, runner, db_session,
                                                                              monkeypatch, tmp_path):
    conference, people = site
    online = people["chinese"]
    online.modality = Modality.ONLINE_OBSERVER
    db_session.commit()
    ngo = services.BadgeFilter(category="NGO")
    assert services.select_registrations(conference, ngo) == [people["arabic"].id]
    assert services.select_registrations(conference, ngo, online=True) == [online.id]
    with pytest.raises(RuleViolation, match="takes part online"):
        services.issue_badge(online, actor="test")
    # The badge desk is told why: one person asked for by number, or a run that leaves some out.
    monkeypatch.setitem(app.config, "BADGE_RUNS_FOLDER", str(tmp_path))
    make_user("desk@example.org", roles=[Role.BADGE_DESK])
    login(client, "desk@example.org")
    token = csrf_token(client, "/admin/cop99/badges")
    refused = client.post("/admin/cop99/badges", data={"csrf_token": token, "category": "", "delegation": "",
                                                       "size": "a6", "registration_id": str(online.id)},
                          follow_redirects=True).get_data(as_text=True)
    assert "takes part online" in refused and NAMES["chinese"] in refused
    assert db_session.scalar(select(func.count()).select_from(Job)) == 0
    response = client.post("/admin/cop99/badges", data={"csrf_token": token, "category": "NGO", "delegation": "",
                                                        "size": "a6"})
    job_id = int(re.search(r"/jobs/(\d+)", response.headers["Location"]).group(1))
    job = _wait_for(db_session, job_id)
    assert (job.status, job.total) == (JobStatus.DONE, 1)
    page = client.get(f"/admin/cop99/badges/jobs/{job_id}").get_data(as_text=True)
    assert "1 participant who matches takes part online" in page
    db_session.expire_all()
    assert online.badge_state == BadgeState.NOT_PRINTED and online.badge_serial is None
    # The command line says so too.
    result = runner.invoke(args=["badges", "cop99", "-o", str(tmp_path / "all.pdf")])
    assert result.exit_code == 0 and "1 participant who matches takes part online" in result.output
    # Changing to in person puts them back in the runs.
    online.modality = Modality.IN_PERSON
    db_session.commit()
    assert online.id in services.select_registrations(conference, ngo)


# --------------------------------------------------------------------------------------------------------------------
# Long names: never cut silently

LONG = "María de los Ángeles Fernández-Castellanos Rodríguez de la Torre y Villanueva-Echeverría"


def test_a_long_name_gets_smaller_type_then_two_lines_then_the_short_form():
    fit = services.name_fit
    assert fit("Zoë Dvořák", "", "a6") == {"name_shown": "Zoë Dvořák", "name_fit": "normal"}
    assert fit("Alexandra Konstantinopoulou-Smith", "", "a6")["name_fit"] == "small"
    assert fit("Alexandra Konstantinopoulou-Smith", "", "id1")["name_fit"] == "two-lines"  # a narrower box
    assert fit("Maria Fernández-Castellanos Rodríguez de la Torre", "", "a6")["name_fit"] == "two-lines"
    assert fit(LONG, "M. Á. Fernández-Castellanos", "a6") == {"name_shown": "M. Á. Fernández-Castellanos",
                                                               "name_fit": "short"}
    # No short form (or one that does not fit either): the whole name, in the smallest type, and the desk is told.
    assert fit(LONG, "", "a6") == {"name_shown": LONG, "name_fit": "tiny"}
    assert fit(LONG, LONG, "a6")["name_fit"] == "tiny"
    # Wide characters count double: ten Chinese characters fit where thirty Latin ones would not.
    assert services.name_width_em("王小明") == 3.0
    assert fit("欧阳" * 10, "", "a6")["name_fit"] == "small"
    badges = [{"name": LONG, "short_name": ""}, {"name": LONG, "short_name": "M. Fernández"},
              {"name": "Zoë Dvořák", "short_name": ""}]
    assert services.names_to_check(badges, "a6") == [
        {"name": LONG, "shown": LONG, "fit": "tiny"}, {"name": LONG, "shown": "M. Fernández", "fit": "short"}]


def test_the_badge_prints_the_whole_name_and_the_desk_is_warned(site, app, client, runner, db_session, tmp_path,
                                                                 monkeypatch):
    conference, people = site
    long_one = people["latin"]
    long_one.badge_name = LONG
    people["cyrillic"].badge_name = "Alexandra Konstantinopoulou-Smith"
    db_session.commit()
    badges = services.prepare_badges(conference, [long_one.id, people["cyrillic"].id], actor="test")
    html = services.badges_html(badges, services.conference_data(conference), "a6")
    assert f'class="name fit-tiny" dir="auto"><bdi>{LONG}</bdi>' in html
    assert 'class="name fit-small"' in html
    data = services.render_badges(badges, services.conference_data(conference), size="a6")
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(data)).pages)
    assert all(word in text for word in LONG.split()) and len(page_sizes(data)) == 2  # whole, on its own badge
    # The badge desk is told, by the command line and on the run's page; a short form set at the pass office is
    # printed instead, and the desk is told that too.
    result = runner.invoke(args=["badges", "cop99", "-o", str(tmp_path / "b.pdf")])
    assert result.exit_code == 0 and f"{LONG}: printed whole in very small type" in result.output
    make_user("desk@example.org", roles=[Role.BADGE_DESK])
    login(client, "desk@example.org")
    office = f"/admin/cop99/badges/{long_one.id}"
    token = csrf_token(client, office)
    client.post(office + "/short-name", data={"csrf_token": token, "short_name": " M. Á.  Fernández-Castellanos "})
    db_session.expire_all()
    assert long_one.badge_short_name == "M. Á. Fernández-Castellanos"
    assert "M. Á. Fernández-Castellanos" in client.get(office).get_data(as_text=True)
    monkeypatch.setitem(app.config, "BADGE_RUNS_FOLDER", str(tmp_path))
    response = client.post("/admin/cop99/badges", data={"csrf_token": token, "category": "", "delegation": "",
                                                        "size": "a6", "registration_id": str(long_one.id)})
    job = _wait_for(db_session, int(re.search(r"/jobs/(\d+)", response.headers["Location"]).group(1)))
    assert job.status == JobStatus.DONE, job.error
    page = client.get(f"/admin/cop99/badges/jobs/{job.id}").get_data(as_text=True)
    assert "did not fit whole" in page and "printed as the short form" in page and "M. Á. Fernández-Castellanos" in page
