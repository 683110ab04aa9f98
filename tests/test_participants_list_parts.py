"""The list of participants made a part at a time (issue 18: 100,000 people in bounded memory): the PDF laid out in
parts and merged with its pages numbered on, the spreadsheet written by a write-only workbook, the run's progress
counted in real steps. The part size is made small, so that the hand-built session of test_participants_list
(16 people, a delegation of 6) spans several parts."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import event
from sqlalchemy.orm import Session

from conference.conferences.models import Conference
from conference.core.i18n import force_locale
from conference.core.models import Job, JobStatus
from conference.participants_list import documents, jobs, services
from conference.participants_list.services import count_parts, plan
from conference.registration.models import Registration
from tests.test_participants_list import ORDER, listed  # noqa: F401  (the fixture)
from tests.test_report import pdf_text


@pytest.fixture
def laid_out(monkeypatch):
    """The number of people in each part given to the PDF renderer."""
    sizes = []
    render = documents.render_part

    def spy(lst, part, first_page):
        sizes.append(part.people if part else 0)
        return render(lst, part, first_page)

    monkeypatch.setattr(documents, "render_part", spy)
    return sizes


def test_the_pdf_is_laid_out_in_parts_and_merged_in_order(app, listed, db_session, tmp_path, laid_out):  # noqa: F811
    conference_id = listed.id
    db_session.expunge_all()  # the people the fixture made are forgotten: the list must not load them as objects
    target = tmp_path / "list.pdf"
    with app.test_request_context():
        lst = plan(db_session.get(Conference, conference_id))
        pages = documents.write_pdf(lst, target, part_size=4)
    # No part was laid out with more people than the part size: Austria's six were split in two parts.
    assert len(laid_out) == count_parts(lst, 4) > 3 and max(laid_out) <= 4 and sum(laid_out) == 16
    # People were read as plain rows, never as ORM objects.
    assert not [o for o in db_session.identity_map.values() if isinstance(o, Registration)]
    reader = PdfReader(io.BytesIO(target.read_bytes()))
    assert pages == len(reader.pages) >= len(laid_out)
    # Every page carries its number in the whole document, not in its part.
    assert [page.extract_text().split()[-1] for page in reader.pages] == [str(n) for n in range(1, pages + 1)]
    text = pdf_text(target.read_bytes())
    positions = [text.find(item) for item in ORDER]
    assert -1 not in positions, [item for item, at in zip(ORDER, positions, strict=True) if at == -1]
    assert positions == sorted(positions)
    # A heading that goes on from the part before says so; the title opens the first part only.
    assert "States parties (continued)" in text and "Republic of Austria (continued)" in text
    assert text.count("List of participants") == 1 and text.count("Final list of participants") == 1
    assert text.find("Ms. Maria Huber") < text.find("Republic of Austria (continued)") < text.find("Ms. Anna Zeller")


def test_the_arabic_pdf_in_parts(app, listed, db_session, tmp_path, laid_out):  # noqa: F811
    target = tmp_path / "list-ar.pdf"
    with app.test_request_context(), force_locale("ar"):
        pages = documents.write_pdf(plan(listed), target, part_size=4)
    text = pdf_text(target.read_bytes())
    assert "النمسا" in text and text.count("تابع") == 3 and pages == len(laid_out) > 3  # the word "continued"


def test_an_empty_list_is_the_title_alone(app, db_session, tmp_path):
    from tests.factories import make_conference

    target = tmp_path / "empty.pdf"
    with app.test_request_context():
        assert documents.write_pdf(plan(make_conference("lop9")), target) == 1
    assert "List of participants" in pdf_text(target.read_bytes())


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_spreadsheet_is_written_row_by_row(app, listed, db_session, tmp_path, monkeypatch, language):  # noqa: F811
    made = []
    workbook = documents.Workbook

    def spy(*args, **kwargs):
        made.append(kwargs)
        return workbook(*args, **kwargs)

    monkeypatch.setattr(documents, "Workbook", spy)
    target = tmp_path / "list.xlsx"
    with app.test_request_context(), force_locale(language):
        assert documents.write_xlsx(plan(listed), target, part_size=4) == 16
    assert made == [{"write_only": True}]
    sheet = load_workbook(target).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 17 and all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:I17"
    assert sheet.column_dimensions["B"].width == 40 and sheet.column_dimensions["H"].width == 40
    assert bool(sheet.sheet_view.rightToLeft) == (language == "ar")
    if language == "en":
        assert rows[0][0] == "Category" and [r[5] for r in rows[1:7]] == [
            "Gruber", "Huber", "Adler", "Wolf", "Berger", "Zeller"]
        cell = next(c for row in sheet.iter_rows() for c in row if c.value == "=cmd|' /C calc'!A0")
        assert cell.data_type == "s"
    else:
        assert rows[1][1] == "النمسا"


@pytest.mark.parametrize("fmt", ["pdf", "xlsx"])
def test_the_run_counts_its_steps(app, listed, db_session, tmp_path, monkeypatch, fmt):  # noqa: F811
    monkeypatch.setitem(app.config, "PARTICIPANTS_LISTS_FOLDER", str(tmp_path / "lists"))
    monkeypatch.setattr(services, "PART_SIZE", 4)
    job = jobs.start_list_run(listed, fmt, "en")
    db_session.commit()
    job_id = job.id
    seen = []

    def flushed(session, context):
        seen.extend((o.done, o.total) for o in session.dirty if isinstance(o, Job) and o.id == job_id)

    event.listen(Session, "after_flush", flushed)
    try:
        jobs.run_list_job(job_id)
    finally:
        event.remove(Session, "after_flush", flushed)
    db_session.expire_all()
    job = db_session.get(Job, job_id)
    assert job.status == JobStatus.DONE, job.error
    parts = count_parts(plan(listed), 4)
    # Two steps a part (read, laid out or written) and the storing, each committed as it happened.
    assert job.total == 2 * parts + 1 and job.done == job.total
    done = [d for d, _ in seen if d is not None]
    assert done == sorted(done) and set(range(1, job.total + 1)) <= set(done)
    assert jobs.lists_storage().read(job.result_path)[:4] == (b"%PDF" if fmt == "pdf" else b"PK\x03\x04")
