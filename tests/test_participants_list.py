"""The list of participants: UN order and content on a hand-built session, as PDF and spreadsheet, in three
languages."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook

from conference.core.db import utcnow
from conference.participants_list.services import build, is_final
from conference.registration.models import DelegationRole as R
from conference.registration.models import EntityType as T
from conference.registration.models import Gender as G
from conference.registration.models import Modality as M
from conference.registration.models import RegionalGroup, TreatyStatus
from conference.registration.models import RegistrationStatus as S
from tests.factories import make_conference, make_delegation, make_entity, make_registration
from tests.test_report import document_text, pdf_text

# What the English PDF reads, in this order (every person, each section and delegation heading).
ORDER = ["States parties", "Republic of Austria", "H.E. Mr. Karl Gruber, Ambassador (Head of delegation)",
         "Ms. Maria Huber, Deputy Permanent Representative (Alternate representative)",
         "Ms. Lena Adler (Adviser) online", "Ms. Eva Wolf (Adviser)", "Mr. Paul Berger (Expert)",
         "Ms. Anna Zeller, Prosecutor (Expert)", "Kenya", "Signatory States", "Iran (Islamic Republic of)",
         "Non-signatory States", "Holy See", "Regional economic integration organization", "European Union",
         "United Nations Secretariat units and bodies", "United Nations Development Programme",
         "Specialized agencies and related organizations", "International Organization for Migration",
         "Other intergovernmental organizations", "International Criminal Police Organization",
         "NGOs in consultative status with ECOSOC", "Transparency International", "Other NGOs",
         "Youth for Justice", "Media", "Danube Wire", "Ms. Min-ji Kim online"]


@pytest.fixture
def listed(db_session):
    """Entities created out of order, people out of order; a withdrawn, a rejected and a pending person."""
    c = make_conference("lop1")

    def person(d, family, given, role=R.REPRESENTATIVE, **kw):
        return make_registration(d, family_name=family, given_names=given, role=role, title=kw.pop("title", "Ms."),
                                 function_title=kw.pop("function", ""), gender=G.FEMALE, **kw)

    press = make_delegation(c, make_entity(T.MEDIA, "Danube Wire"))
    ngo = make_delegation(c, make_entity(T.NGO_OTHER, "Youth for Justice"))
    ecosoc = make_delegation(c, make_entity(T.NGO_ECOSOC, "Transparency International"))
    igo = make_delegation(c, make_entity(T.IGO, "International Criminal Police Organization"))
    agency = make_delegation(c, make_entity(T.SPECIALIZED_AGENCY, "International Organization for Migration"))
    un = make_delegation(c, make_entity(T.UN_ENTITY, "United Nations Development Programme"))
    eu = make_delegation(c, make_entity(T.REIO, "European Union"))
    vat = make_delegation(c, make_entity(T.STATE, "Holy See", "VAT", None),
                          treaty_status=TreatyStatus.NON_SIGNATORY)
    irn = make_delegation(c, make_entity(T.STATE, "Iran (Islamic Republic of)", "IRN", RegionalGroup.ASIA_PACIFIC),
                          treaty_status=TreatyStatus.SIGNATORY)
    ken = make_delegation(c, make_entity(T.STATE, "Kenya", "KEN", RegionalGroup.AFRICAN,
                                         names={"ar": "كينيا", "zh": "肯尼亚", "fr": "Kenya"}))
    aut = make_delegation(c, make_entity(T.STATE, "Republic of Austria", "AUT", RegionalGroup.WEOG,
                                         short_name="Austria", names={"ar": "النمسا", "zh": "奥地利"}))
    # Austria: experts, advisers and the alternate registered before the head, family names out of order.
    person(aut, "Zeller", "Anna", R.EXPERT, function="Prosecutor")
    person(aut, "Berger", "Paul", R.EXPERT, title="Mr.")
    person(aut, "Wolf", "Eva", R.ADVISER)
    person(aut, "Huber", "Maria", R.ALTERNATE, function="Deputy Permanent Representative")
    person(aut, "Gruber", "Karl", R.HEAD, title="H.E. Mr.", function="Ambassador")
    person(aut, "Adler", "Lena", R.ADVISER, modality=M.ONLINE_OBSERVER)
    person(aut, "Absent", "Withdrawn", R.EXPERT, status=S.WITHDRAWN)
    person(aut, "Refused", "Rejected", R.EXPERT, status=S.REJECTED)
    person(aut, "Waiting", "Pending", R.EXPERT, status=S.SUBMITTED)
    person(ken, "Otieno", "Grace", R.HEAD, function="Director of Public Prosecutions")
    person(irn, "Rahimi", "Sara", R.HEAD)
    person(vat, "Rossi", "Giulia", R.HEAD)
    person(eu, "Schmidt", "Petra", R.HEAD)
    person(un, "Diallo", "Awa")
    person(agency, "Silva", "Rita")
    person(igo, "Dubois", "Claire")
    person(ecosoc, "Novak", "Jana")
    person(ngo, "=cmd|' /C calc'!A0", "Formula")
    person(press, "Kim", "Min-ji", modality=M.ONLINE_OBSERVER)
    db_session.commit()
    return c


def test_un_order_and_content(listed):
    lst = build(listed)
    assert [s.category for s in lst.sections] == [
        "STATE_PARTY", "SIGNATORY", "NON_SIGNATORY", "REIO", "UN_ENTITY", "SPECIALIZED_AGENCY", "IGO", "NGO_ECOSOC",
        "NGO_OTHER", "MEDIA"]
    parties = lst.sections[0]
    # English alphabetical order of short names: Austria (short for "Republic of Austria") before Kenya.
    assert [e.entity.name for e in parties.entries] == ["Republic of Austria", "Kenya"]
    austria = [p.family_name for p in parties.entries[0].people]
    # Head, alternate, advisers, experts, each by family name; withdrawn, rejected and pending never appear.
    assert austria == ["Gruber", "Huber", "Adler", "Wolf", "Berger", "Zeller"]
    assert [p.online for p in parties.entries[0].people] == [False, False, True, False, False, False]
    assert lst.people == 16
    assert lst.final  # the session of 2024 is over


def test_provisional_while_the_session_runs(db_session):
    today = utcnow().date()
    running = make_conference("lop2", starts_on=today - timedelta(days=1), ends_on=today + timedelta(days=2))
    assert not is_final(running) and not build(running).final
    assert is_final(running, running.at_venue(today + timedelta(days=2), running.venue_closes))
    assert is_final(make_conference("lop3", starts_on=date(2024, 1, 1), ends_on=date(2024, 1, 3)))


def test_the_pdf_in_english(runner, listed, tmp_path):
    target = tmp_path / "list.pdf"
    result = runner.invoke(args=["participants", "list", "lop1", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert "16 participants, final" in result.output
    text = pdf_text(target.read_bytes())
    assert "List of participants" in text and "Final list of participants" in text
    positions = [text.find(item) for item in ORDER]
    assert -1 not in positions, [item for item, at in zip(ORDER, positions, strict=True) if at == -1]
    assert positions == sorted(positions)
    for absent in ("Withdrawn", "Rejected", "Pending"):
        assert absent not in text


@pytest.mark.parametrize("language,austria,heading", [("ar", "النمسا", "الدول الأطراف"),
                                                      ("zh", "奥地利", None)])
def test_the_pdf_in_arabic_and_chinese(app, runner, listed, tmp_path, language, austria, heading):
    from conference.core.i18n import _, force_locale

    target = tmp_path / f"list-{language}.pdf"
    result = runner.invoke(args=["participants", "list", "lop1", "-o", str(target), "--language", language])
    assert result.exit_code == 0, result.output
    text = document_text(target, language)
    with app.test_request_context(), force_locale(language):
        title = _("List of participants")
    assert title != "List of participants" and title in text
    # The official name in the document's language, in logical order; the English one where none is recorded.
    assert austria in text and "Holy See" in text
    if heading:
        assert heading in text


def test_the_spreadsheet(runner, listed, tmp_path):
    target = tmp_path / "list.xlsx"
    result = runner.invoke(args=["participants", "list", "lop1", "-o", str(target)])
    assert result.exit_code == 0, result.output
    sheet = load_workbook(io.BytesIO(target.read_bytes())).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0] == ["Category", "Entity", "Regional group", "Role", "Title", "Family name", "Given names",
                       "Function", "Modality"]
    assert len(rows) == 1 + 16
    assert rows[1] == ["States parties", "Republic of Austria", "Western European and other States",
                       "Head of delegation", "H.E. Mr.", "Gruber", "Karl", "Ambassador", "In person"]
    assert rows[3][5:] == ["Adler", "Lena", None, "Online, as an observer"]
    assert [r[1] for r in rows[1:]][6:] == ["Kenya", "Iran (Islamic Republic of)", "Holy See", "European Union",
                                            "United Nations Development Programme",
                                            "International Organization for Migration",
                                            "International Criminal Police Organization",
                                            "Transparency International", "Youth for Justice", "Danube Wire"]
    # A name that looks like a formula is kept as text, never run.
    cell = next(c for row in sheet.iter_rows() for c in row if c.value == "=cmd|' /C calc'!A0")
    assert cell.data_type == "s"


def test_the_command_refuses_what_it_cannot_write(runner, listed):
    result = runner.invoke(args=["participants", "list", "lop1", "-o", "list.docx"])
    assert result.exit_code == 1 and "written as .pdf or .xlsx" in result.output
    result = runner.invoke(args=["participants", "list", "nope", "-o", "list.pdf"])
    assert result.exit_code == 1 and "no conference with the code 'nope'" in result.output


def test_the_back_office_makes_the_list_in_the_background(app, client, listed, db_session, tmp_path, monkeypatch):
    from conference.accounts.models import Role
    from conference.participants_list import jobs
    from tests.conftest import csrf_token
    from tests.factories import PASSWORD, make_user

    monkeypatch.setitem(app.config, "PARTICIPANTS_LISTS_FOLDER", str(tmp_path / "lists"))
    queued = []
    monkeypatch.setattr(jobs, "enqueue_list_run", queued.append)
    make_user("officer@example.org", roles=[Role.REGISTRATION_OFFICER])
    client.post("/login", data={"email": "officer@example.org", "password": PASSWORD,
                                "csrf_token": csrf_token(client, "/login")})
    assert "List of participants" in client.get("/admin/").get_data(as_text=True)
    page = "/admin/lop1/participants-list"
    response = client.post(page, data={"format": "xlsx", "language": "fr", "csrf_token": csrf_token(client, page)})
    assert response.status_code == 302 and len(queued) == 1
    running = client.get(response.headers["Location"])
    assert running.headers["Refresh"] == "2"  # the page follows the run by itself
    jobs.run_list_job(queued[0])  # what the worker or the thread does
    job_page = client.get(response.headers["Location"])
    assert job_page.status_code == 200 and "Refresh" not in job_page.headers
    with client.get(response.headers["Location"] + "/download") as download:
        assert download.status_code == 200
        assert download.headers["Content-Disposition"].endswith("lop1-fr.xlsx")
        data = download.data
    rows = list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
    assert rows[0][0] == "Catégorie" and rows[1][0] == "États parties" and len(rows) == 17
    # A made-up format is refused with the form, not a 500.
    bad = client.post(page, data={"format": "docx", "language": "fr", "csrf_token": csrf_token(client, page)})
    assert bad.status_code == 200
    assert client.get("/admin/lop1/participants-list/jobs/999999").status_code == 404


def test_the_back_office_list_needs_the_permission(client, listed, db_session):
    from conference.accounts.models import Role
    from tests.conftest import csrf_token
    from tests.factories import PASSWORD, make_user

    assert client.get("/admin/lop1/participants-list").status_code == 302
    make_user("badge@example.org", roles=[Role.BADGE_DESK])
    client.post("/login", data={"email": "badge@example.org", "password": PASSWORD,
                                "csrf_token": csrf_token(client, "/login")})
    assert client.get("/admin/lop1/participants-list").status_code == 403
