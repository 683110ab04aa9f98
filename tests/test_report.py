"""The attendance report: every figure of a small hand-built session in the PDF, the page and the CSV files."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess

import pytest
from pypdf import PdfReader

from conference.accounts.models import Role
from conference.statistics import charts, report
from conference.statistics.services import compute
from tests.conftest import csrf_token
from tests.factories import PASSWORD, make_user
from tests.test_statistics import assert_tables_add_up, small_session  # noqa: F401  (fixture)


def pdf_text(data: bytes) -> str:
    """The PDF's text, on one line: a word broken at a hyphen at the end of a line is joined again."""
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return re.sub(r"(?<=\w)-\s+(?=\w)", "-", " ".join(text.split()))


def document_text(path, language: str) -> str:
    """The text of the PDF at `path` in `language`, on one line. pypdf decodes the CJK font's two-byte codes as pairs
    of characters ("\\x00T\\x00e..."), so Chinese is read back with poppler's pdftotext (skipped without it)."""
    if language != "zh":
        return pdf_text(path.read_bytes())
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is needed to read Chinese text back from the PDF")
    return " ".join(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())


def test_the_pdf_states_every_figure(app, small_session):  # noqa: F811
    c, side, closed = small_session
    from sqlalchemy import select

    from conference.extensions import db
    from conference.registration.models import CredentialsStatus, Delegation, ParticipatingEntity

    for iso3, status in (("AUT", CredentialsStatus.RECEIVED), ("KEN", CredentialsStatus.PENDING)):
        db.session.scalar(select(Delegation).join(ParticipatingEntity).where(
            Delegation.conference_id == c.id, ParticipatingEntity.iso3 == iso3)).credentials_status = status
    db.session.commit()
    figures = compute(c)
    text = pdf_text(report.render(c, figures))
    assert ("15 participants from 4 States, 3 intergovernmental organizations and 2 non-governmental "
            "organizations") in text
    assert "Data as at" in text and "12 of the 15 participants attended" in text
    for definition in report.definitions(c):
        assert " ".join(definition.split())[:60] in text
    assert "within the venue's opening hours (08:00 to 20:00)" in text
    assert "more than 60 per cent" in text
    # Categories: entities, participants, share, share of women, attended; the EU on its own row; a total row.
    assert "States parties 2 5 33 % 40 % 5" in text  # Austria, Kenya; aut_2 came in through the side event only
    assert "Signatory States 1 1 7 % 0 % 1" in text
    assert "Regional economic integration organization 1 1 7 % 100 % 1" in text
    assert "United Nations Secretariat units and bodies 1 1 7 % 100 % 0" in text
    assert "Specialized agencies and related organizations 1 1 7 % 0 % 0" in text
    assert "Total 11 15 100 % 40 % 12" in text
    # Regional groups: States, participants, women, heads, women heads; the State outside the groups; the total.
    assert "Western European and other States 1 3 67 % 1 100 %" in text
    assert "African States 1 2 0 % 1 0 %" in text
    assert "States in no regional group 1 1 0 % 1 0 % Total 4 7 29 % 4 25 %" in text
    # Gender rows and the side-event session row, with its date and time at the venue.
    assert "All participants 6 7 2 40 %" in text
    assert "14 Oct 2024, 13:15 Side event Side event 50 2 0 4 2" in text
    assert "15 Oct 2024, 13:15 Roundtable Roundtable open 0 3 2 1" in text
    # Delegation sizes: medians per category; the largest delegations.
    assert "States parties 2 2.5 3" in text and "Austria 3 Kenya 2" in text
    # Credentials of the States parties represented (Austria and Kenya; the EU has no ISO code, so is no State).
    assert "Originals received 1 Copies received 0 Not yet received 1 Total 2" in text
    # Registrations by week (the withdrawn and rejected ones too), participants at the building every day.
    assert "16 September 2024 1 23 September 2024 2 Total 3" in text
    assert "14 October 2024 10 15 October 2024 1 16 October 2024 0 17 October 2024 0 18 October 2024 0" in text
    assert "Delegates of States 2 4 1 29 %" in text and "Heads of delegation 1 3 0 25 %" in text


def test_charts_are_text_and_boxes_with_every_value(app):
    with app.test_request_context():
        bars = charts.bar_chart("By category", [("States parties", 884), ("NGOs <ECOSOC>", 308)], axis="Participants")
    # Every value written; labels escaped; the scale starts at zero and ends at a round number above the largest.
    assert "884" in bars and "308" in bars and "NGOs &lt;ECOSOC&gt;" in bars
    assert bars.count('class="bar"') == 2 and '<span class="tick" style="left: 0.00%">0</span>' in bars
    assert '>1,000</span>' in bars and "Participants" in bars
    assert "<svg" not in bars  # text in SVG is drawn unshaped by WeasyPrint: Arabic came out backwards
    with app.test_request_context():
        line = charts.timeline("Per day", {"2024-10-14": 3, "2024-10-17": 9}, axis="Participants")
    # Four days, the two without data as columns of zero.
    assert line.count('class="column"') == 4 and line.count("height: 0.00mm") == 2
    assert "15 Oct" in line and "16 Oct" in line
    assert charts.nice_ceiling(884) == 1000 and charts.nice_ceiling(1400) == 2000 and charts.nice_ceiling(0) == 1
    assert charts.nice_ceiling(180) == 200 and charts.nice_ceiling(25) == 25


@pytest.mark.parametrize("language", ["ar", "zh"])
def test_the_report_in_arabic_and_chinese(app, runner, small_session, tmp_path, language):  # noqa: F811
    from conference.core.i18n import _, force_locale

    target = tmp_path / f"report-{language}.pdf"
    result = runner.invoke(args=["stats", "cop1", "-o", str(target), "--language", language])
    assert result.exit_code == 0, result.output
    text = document_text(target, language)
    with app.test_request_context(), force_locale(language):
        chart_title = _("Participants by category")
        signatories = str(report.CATEGORY_LABELS["SIGNATORY"])
        key = _("Key figures")
    # Chart text is laid out like the tables' text: extracted in logical order, shadda and kasra kept.
    assert chart_title != "Participants by category" and chart_title in text
    assert key in text and signatories in text
    if language == "ar":
        assert "الدول الموقِّعة" in text  # with its shadda and kasra
        assert "ةعقوملا" not in text  # not backwards


def test_the_report_language_must_be_known(runner, small_session):  # noqa: F811
    result = runner.invoke(args=["stats", "cop1", "-o", "x.pdf", "--language", "de"])
    assert result.exit_code == 2 and "'de' is not one of" in result.output


def test_the_back_office_page_and_csv_tables(client, small_session, db_session):  # noqa: F811
    c, _, _ = small_session
    make_user("officer@example.org", roles=[Role.REGISTRATION_OFFICER])
    client.post("/login", data={"email": "officer@example.org", "password": PASSWORD,
                                "csrf_token": csrf_token(client, "/login")})
    page = client.get(f"/admin/{c.code}/statistics/").get_data(as_text=True)
    assert "15 participants from 4 States" in page and "class=\"chart bars\"" in page and "css/charts.css" in page
    response = client.get(f"/admin/{c.code}/statistics/regional-groups.csv")
    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:3] == ["Regional group", "States represented", "Participants"]
    assert ["Western European and other States", "1", "3", "67 %", "1", "100 %"] in rows
    assert ["Total", "4", "7", "29 %", "4", "25 %"] == rows[-1]
    for table in report.tables(compute(c)):
        assert client.get(f"/admin/{c.code}/statistics/{table.name}.csv").status_code == 200
    assert client.get(f"/admin/{c.code}/statistics/nope.csv").status_code == 404
    pdf = client.get(f"/admin/{c.code}/statistics/report.pdf")
    assert pdf.mimetype == "application/pdf" and pdf.data[:5] == b"%PDF-"


def test_statistics_pages_need_the_permission(client, small_session, db_session):  # noqa: F811
    c, _, _ = small_session
    assert client.get(f"/admin/{c.code}/statistics/").status_code == 302
    make_user("badge@example.org", roles=[Role.BADGE_DESK])
    client.post("/login", data={"email": "badge@example.org", "password": PASSWORD,
                                "csrf_token": csrf_token(client, "/login")})
    assert client.get(f"/admin/{c.code}/statistics/").status_code == 403


def test_csv_cells_cannot_become_formulas():
    table = report.Table("t", "T", ["Name"], [["=HYPERLINK(\"http://x\")"], ["plain"]])
    assert report.table_csv(table).splitlines()[1].startswith("\"'=HYPERLINK")


@pytest.mark.slow
def test_the_demonstration_report(runner, tmp_path):
    assert runner.invoke(args=["demo"]).exit_code == 0
    target = tmp_path / "cop12.pdf"
    result = runner.invoke(args=["stats", "cop12", "-o", str(target), "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert_tables_add_up(figures)
    # The EU on its own row; the State categories and the regional groups tell the same story.
    assert figures["by_category"]["REIO"] > 0 and figures["entities_by_category"]["REIO"] == 1
    assert figures["entities_by_category"]["SPECIALIZED_AGENCY"] > 0
    assert "side_events_co_organized_by_ngos" in figures
    text = pdf_text(target.read_bytes())
    assert ("1,400 participants from 131 States, 15 intergovernmental organizations and 212 non-governmental "
            "organizations") in text
    events = {s["title"]: s for s in figures["sessions"]}
    rm = events["Advancing Effective Responses to Transnational Organized Crime - The Strategic Role of the "
                "UNTOC Review Mechanism"]
    assert rm["attendees"] > 100 and f"{rm['attendees']} {rm['states']}" in text
    assert "Partners' engagement roundtable Roundtable 45 0 40 37 21" in text
    gathering = events["Governmental officials' gathering"]
    assert f"Governmental officials' gathering Networking session 130 {gathering['signups']} 0 " \
           f"{gathering['attendees']} {gathering['states']}" in text
