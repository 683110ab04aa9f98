"""Registrations as CSV: `participants import|export` and the back office's download."""

from __future__ import annotations

import csv
import io
import itertools
import os
import stat
from datetime import date, timedelta

import pytest
from sqlalchemy import event, func, select

from conference.accounts.models import Role
from conference.accounts.permissions import ROLE_PERMISSIONS, Permission
from conference.core.db import utcnow
from conference.core.models import AuditLog, OutgoingMail
from conference.extensions import db as _db
from conference.registration import csvio, services
from conference.registration.csvio import COLUMNS, MAX_ROWS, SENSITIVE, escape_cell, import_csv, unescape_cell
from conference.registration.models import (
    DelegationRole,
    EntityType,
    Gender,
    Modality,
    RegionalGroup,
    Registration,
)
from conference.registration.models import RegistrationStatus as S
from conference.registration.services import Actor
from tests.factories import make_delegation, make_entity, make_registration, make_user
from tests.test_accounts import login
from tests.test_registration import future_conference, person

BOM = b"\xef\xbb\xbf"


@pytest.fixture
def world(db_session):
    c = future_conference("cop99")
    entities = {
        "france": make_entity(EntityType.STATE, "France", "FRA", RegionalGroup.WEOG),
        "kenya": make_entity(EntityType.STATE, "Kenya", "KEN", RegionalGroup.AFRICAN),
        "china": make_entity(EntityType.STATE, "China", "CHN", RegionalGroup.ASIA_PACIFIC),
        "ngo": make_entity(EntityType.NGO_ECOSOC, "Friends of Justice"),
        "oif": make_entity(EntityType.IGO, "Organisation internationale de la Francophonie"),
    }
    delegations = {key: make_delegation(c, e, **({"quota": 2} if key == "ngo" else {}))
                   for key, e in entities.items()}
    make_user("officer@example.org", roles=[Role.REGISTRATION_OFFICER])
    make_user("badges@example.org", roles=[Role.BADGE_DESK])
    db_session.commit()
    return {"c": c, "entities": entities, **delegations}


def second_conference(world, code="cop100"):
    """Another session, on the same days, to which the same entities send delegations."""
    c2 = future_conference(code)
    for key, entity in world["entities"].items():
        make_delegation(c2, entity, **({"quota": 2} if key == "ngo" else {}))
    _db.session.commit()
    return c2


_passports = itertools.count(1)


def row(**values) -> dict:
    """A good row for France, with a passport number of its own."""
    n = next(_passports)
    base = {"entity": "FRA", "delegation_role": "ADVISER", "family_name": f"Family{n}", "given_names": f"Given{n}",
            "gender": "female", "email": f"row{n}@example.org", "passport_number": f"X{n:07d}",
            "passport_expiry": (utcnow().date() + timedelta(days=2000)).isoformat()}
    base.update(values)
    return base


def csv_bytes(*rows: dict, columns=COLUMNS, bom=False, delimiter=",") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n", delimiter=delimiter)
    writer.writerow(columns)
    for r in rows:
        writer.writerow([r.get(c, "") for c in columns])
    return (BOM if bom else b"") + buffer.getvalue().encode("utf-8")


def write(tmp_path, content: bytes, name="people.csv"):
    path = tmp_path / name
    path.write_bytes(content)
    return path


def count_registrations(conference=None) -> int:
    query = select(func.count()).select_from(Registration)
    if conference is not None:
        query = query.where(Registration.conference_id == conference.id)
    return _db.session.scalar(query)


def run_import(content: bytes, conference) -> csvio.ImportResult:
    return import_csv(conference, io.BytesIO(content))


def where(result) -> list[tuple[int, str]]:
    return [(line, column) for line, column, _message in result.errors]


def parse_export(data: bytes) -> list[dict]:
    assert data.startswith(BOM)
    return list(csv.DictReader(io.StringIO(data[len(BOM):].decode("utf-8"), newline="")))


FOUR_SCRIPTS = [
    row(entity="FRA", delegation_role="HEAD", title="Mme", family_name="Dubois", given_names="Hélène",
        nationality="FRA", date_of_birth="1980-05-17", language="fr", status=""),
    row(entity="KEN", family_name="Иванов", given_names="Сергей", gender="male", nationality="RUS", status="DRAFT",
        function_title="Советник", organization="Министерство юстиции"),
    row(entity="CHN", delegation_role="EXPERT", family_name="王", given_names="伟", gender="male", nationality="CHN",
        language="zh", status="SUBMITTED", phone="+86 10 6551 0000"),
    row(entity="Friends of Justice", family_name="العلي", given_names="فاطمة", gender="female", nationality="EGY",
        language="ar", modality="ONLINE_OBSERVER", status="APPROVED", badge_name="فاطمة العلي"),
]


# -- import: good files ----------------------------------------------------------------------------------------------

def test_a_good_file_imports_every_row(world, runner, db_session, tmp_path):
    path = write(tmp_path, csv_bytes(*FOUR_SCRIPTS))
    result = runner.invoke(args=["participants", "import", "cop99", str(path)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "imported 4 registrations"
    db_session.expire_all()
    people = {r.email: r for r in db_session.scalars(select(Registration))}
    assert len(people) == 4
    dubois, ivanov, wang, ali = (people[r["email"]] for r in FOUR_SCRIPTS)
    assert (dubois.family_name, dubois.given_names, dubois.status) == ("Dubois", "Hélène", S.SUBMITTED)
    assert dubois.delegation_role == DelegationRole.HEAD and dubois.date_of_birth == date(1980, 5, 17)
    assert dubois.delegation.entity.name == "France" and dubois.language == "fr" and dubois.title == "Mme"
    assert (ivanov.family_name, ivanov.given_names, ivanov.status) == ("Иванов", "Сергей", S.DRAFT)
    assert ivanov.name_key == services.name_key("Иванов", "Сергей") and ivanov.organization == "Министерство юстиции"
    assert (wang.family_name, wang.given_names, wang.status) == ("王", "伟", S.SUBMITTED)
    assert wang.delegation.entity.iso3 == "CHN" and wang.delegation_role == DelegationRole.EXPERT
    assert (ali.family_name, ali.given_names, ali.status) == ("العلي", "فاطمة", S.APPROVED)
    assert ali.badge_name == "فاطمة العلي" and ali.modality == Modality.ONLINE_OBSERVER
    assert ali.delegation_role == DelegationRole.REPRESENTATIVE and ali.approved_at is not None
    # Through the services: audited as the command line, with the e-mails they send.
    created = db_session.scalars(select(AuditLog).where(AuditLog.action == "registration.create")).all()
    assert len(created) == 4 and {e.actor for e in created} == {"command line"}
    assert db_session.scalar(select(func.count()).select_from(OutgoingMail)) >= 3


def test_enumerations_are_read_whatever_their_case_and_separators(world, db_session):
    content = csv_bytes(row(delegation_role="support staff", gender="Male", modality="online-speaker",
                            status="approved", language="ES"))
    result = run_import(content, world["c"])
    assert result.ok, result.errors
    r = db_session.scalars(select(Registration)).one()
    assert (r.delegation_role, r.gender, r.modality, r.status, r.language) == (
        DelegationRole.SUPPORT_STAFF, Gender.MALE, Modality.ONLINE_SPEAKER, S.APPROVED, "es")


@pytest.mark.parametrize("bom", [True, False], ids=["with-bom", "without-bom"])
def test_a_byte_order_mark_is_accepted_and_not_required(world, db_session, bom):
    content = csv_bytes(row(family_name="Müller"), bom=bom)
    assert content.startswith(BOM) == bom
    result = run_import(content, world["c"])
    assert result.ok and result.created == 1, result.errors
    assert db_session.scalars(select(Registration)).one().family_name == "Müller"


def test_semicolon_separated_files_are_read(world, db_session):
    result = run_import(csv_bytes(row(family_name="Dupont, dit Durand"), row(), delimiter=";"), world["c"])
    assert result.ok and result.created == 2, result.errors
    assert count_registrations() == 2


# -- import: bad files -----------------------------------------------------------------------------------------------

def test_three_bad_rows_are_all_reported_and_nothing_is_imported(world, runner, db_session, tmp_path):
    make_registration(world["france"])
    db_session.commit()
    before = count_registrations()
    first = row(email="first@example.org")
    content = csv_bytes(
        first,                                                     # line 2: good
        row(date_of_birth="17/05/1980"),                           # line 3: not ISO 8601
        row(entity="Atlantis"),                                    # line 4: no such delegation
        row(email="FIRST@example.org", family_name="Someone"),     # line 5: the e-mail of line 2
        row(),                                                     # line 6: good
    )
    path = write(tmp_path, content)
    result = runner.invoke(args=["participants", "import", "cop99", str(path)])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 4, lines
    assert lines[0].startswith(f"{path}:3: date_of_birth: '17/05/1980' is not a date") and "YYYY-MM-DD" in lines[0]
    assert lines[1].startswith(f"{path}:4: entity: 'Atlantis' has no delegation at this session (cop99)")
    assert lines[2].startswith(f"{path}:5: email: This e-mail address is already registered")
    assert lines[3] == "nothing imported: 3 rows have errors"
    assert "Traceback" not in result.output and "imported" not in result.stdout
    db_session.expire_all()
    assert count_registrations() == before == 1
    assert db_session.scalar(select(func.count()).select_from(OutgoingMail)) == 0
    assert db_session.scalar(select(func.count()).select_from(AuditLog)
                             .where(AuditLog.action == "registration.create")) == 0


def test_quota_exceeded_in_the_file_is_reported_on_the_row_that_exceeds_it(world, db_session):
    ngo = [row(entity="Friends of Justice") for _ in range(3)]
    result = run_import(csv_bytes(*ngo), world["c"])
    assert where(result) == [(4, "entity")]
    assert "reached its quota of 2" in result.errors[0][2]
    assert result.created == 0 and result.bad_rows == 1
    assert count_registrations() == 0


def test_duplicates_against_the_database_are_refused(world, db_session):
    c = world["c"]
    services.register(c, world["kenya"], person(c, passport_number="P7654321"), actor=Actor.SECRETARIAT,
                      user=_officer(db_session), require_consent=False)
    db_session.commit()
    result = run_import(csv_bytes(row(passport_number="p 7654321")), c)
    assert where(result) == [(2, "passport_number")]
    assert "Kenya" in result.errors[0][2] and "one accreditation" in result.errors[0][2]


def _officer(db_session):
    from conference.accounts.models import User

    return db_session.scalars(select(User).where(User.email == "officer@example.org")).one()


def test_approving_an_in_person_participant_needs_a_photo(world, db_session):
    result = run_import(csv_bytes(row(status="APPROVED")), world["c"])
    assert where(result) == [(2, "status")]
    assert "no photo" in result.errors[0][2]
    assert count_registrations() == 0


def test_every_error_of_a_row_is_reported_with_the_allowed_values(world, db_session):
    content = csv_bytes(row(gender="f", status="REJECTED", language="xx", email="not-an-address",
                            modality="BY_PIGEON", passport_expiry="2030-02-30"))
    result = run_import(content, world["c"])
    messages = {column: message for _line, column, message in result.errors}
    assert {line for line, _c, _m in result.errors} == {2} and result.bad_rows == 1
    assert "female, male, other, undisclosed" in messages["gender"]
    assert "DRAFT, SUBMITTED, APPROVED" in messages["status"]
    assert "ar, zh, en, fr, ru, es" in messages["language"]
    assert "IN_PERSON, ONLINE_SPEAKER, ONLINE_OBSERVER" in messages["modality"]
    assert "YYYY-MM-DD" in messages["passport_expiry"]
    assert "e-mail" in messages["email"]  # found by the services, in the same pass


def test_line_numbers_count_the_lines_of_the_file(world, db_session):
    content = csv_bytes(row(organization="Ministry\nof Justice"), row(gender="?"))
    result = run_import(content, world["c"])
    assert where(result) == [(4, "gender")]  # the first row spans lines 2 and 3


@pytest.mark.parametrize("header, expected", [
    (("entity", "family_name", "given_names"), "the header lacks the columns gender, email"),
    ((*COLUMNS, "passport", "shoe_size"), "unknown columns passport, shoe_size"),
    ((*COLUMNS, "email"), "the column email appears more than once"),
], ids=["missing", "unknown", "twice"])
def test_header_columns_are_checked(world, runner, db_session, tmp_path, header, expected):
    path = write(tmp_path, csv_bytes(row(), columns=header))
    result = runner.invoke(args=["participants", "import", "cop99", str(path)])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]  # one line
    assert result.stderr.startswith(f"Error: {path}:1: ") and expected in result.stderr
    assert count_registrations() == 0


def test_a_file_that_is_not_utf8_is_refused_saying_so(world, runner, db_session, tmp_path):
    text = csv_bytes(row(), row()).decode("utf-8") + "FRA,ADVISER,,Dubois,Hélène,,female\r\n"
    path = write(tmp_path, text.encode("latin-1"))
    result = runner.invoke(args=["participants", "import", "cop99", str(path)])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [f"Error: {path}:4: the file is not UTF-8 (byte 0xE9 on this "
                                                  "line is not UTF-8): save it as UTF-8 (in Excel: \"CSV UTF-8 "
                                                  "(Comma delimited)\") and import it again"]
    assert count_registrations() == 0


@pytest.mark.parametrize("content, expected", [
    (b"", "the file is empty"),
    (b"\r\n  \r\n", "the file is empty"),
    (BOM + ",".join(COLUMNS).encode() + b"\r\n", "the file has a header but no registrations"),
], ids=["empty", "blank", "header-only"])
def test_an_empty_file_is_refused(world, runner, db_session, tmp_path, content, expected):
    path = write(tmp_path, content)
    result = runner.invoke(args=["participants", "import", "cop99", str(path)])
    assert result.exit_code == 1 and expected in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_too_many_rows_are_refused_before_any_is_registered(world, db_session, monkeypatch):
    def no_registering(*args, **kwargs):
        raise AssertionError("no row may be registered when the file is too long")

    monkeypatch.setattr(csvio, "register", no_registering)
    header = ",".join(COLUMNS)
    line = "FRA,ADVISER,,Family,Given,,female" + "," * (len(COLUMNS) - 7)
    content = (header + "\r\n" + (line + "\r\n") * (MAX_ROWS + 1)).encode()
    result = run_import(content, world["c"])
    assert result.errors == [(MAX_ROWS + 2, "", "too many rows: a file holds at most 20,000 registrations; "
                                                "split it into several files")]


def test_overlong_cells_are_refused(world, db_session):
    result = run_import(csv_bytes(row(organization="x" * 5000), row(family_name="y" * 121)), world["c"])
    assert where(result) == [(2, "organization"), (3, "family_name")]
    assert "5,000 characters; at most 1,000" in result.errors[0][2]
    assert "120 characters" in result.errors[1][2]


def test_a_value_outside_the_named_columns_is_refused(world, db_session):
    content = ("entity,family_name,given_names,gender,email,delegation_role,\r\n"
               "FRA,Dubois,Hélène,female,h@example.org,ADVISER,,stray\r\n").encode()
    result = run_import(content, world["c"])
    assert result.errors == [(2, "", "a value in column 8, which the header does not name: 'stray'")]
    assert count_registrations() == 0


def test_unknown_conference_and_unreadable_file_are_one_line(world, runner, db_session, tmp_path):
    path = write(tmp_path, csv_bytes(row()))
    for args in (["participants", "import", "nope", str(path)],
                 ["participants", "import", "cop99", str(tmp_path / "missing.csv")],
                 ["participants", "import", "cop99", str(tmp_path)],
                 ["participants", "export", "nope"],
                 ["participants", "export", "cop99", "-o", str(tmp_path / "no" / "such" / "dir.csv")]):
        result = runner.invoke(args=args)
        assert result.exit_code == 1, args
        assert len(result.stderr.strip().splitlines()) == 1 and result.stderr.startswith("Error: "), args
        assert "Traceback" not in result.output
    assert "no conference with the code 'nope'" in runner.invoke(args=["participants", "export", "nope"]).stderr
    assert count_registrations() == 0


def test_an_import_keeps_what_the_caller_did_before_when_it_fails(world, db_session):
    c = world["c"]
    kept = make_registration(world["kenya"], family_name="Kept")
    result = run_import(csv_bytes(row(), row(entity="Atlantis")), c)
    assert not result.ok and result.created == 0
    db_session.commit()
    assert db_session.scalars(select(Registration.family_name)).all() == ["Kept"] and kept.id


# -- export ----------------------------------------------------------------------------------------------------------

@pytest.fixture
def dubois(world, db_session):
    c = world["c"]
    r = services.register(c, world["france"], person(c, passport_number="P1234567", date_of_birth=date(1980, 5, 17),
                                                     passport_expiry=date(2039, 12, 31)),
                          actor=Actor.COMMAND_LINE, require_consent=False)
    db_session.commit()
    return r


def test_the_export_leaves_out_sensitive_data_unless_asked(world, dubois, runner):
    result = runner.invoke(args=["participants", "export", "cop99"])
    assert result.exit_code == 0, result.output
    data = result.stdout_bytes
    assert data.startswith(BOM)
    header = data[len(BOM):].decode().splitlines()[0].split(",")
    assert header == [c for c in COLUMNS if c not in SENSITIVE]
    assert b"P1234567" not in data and b"1980-05-17" not in data and b"2039-12-31" not in data
    assert "Hélène".encode() in data

    result = runner.invoke(args=["participants", "export", "cop99", "--include-sensitive"])
    assert result.exit_code == 0
    rows = parse_export(result.stdout_bytes)
    assert list(rows[0]) == list(COLUMNS)
    assert (rows[0]["passport_number"], rows[0]["date_of_birth"], rows[0]["passport_expiry"]) == (
        "P1234567", "1980-05-17", "2039-12-31")
    assert rows[0]["entity"] == "FRA" and rows[0]["status"] == "SUBMITTED" and rows[0]["gender"] == "female"


def test_the_export_to_a_file_is_private_to_its_owner(world, dubois, runner, tmp_path):
    target = tmp_path / "out.csv"
    result = runner.invoke(args=["participants", "export", "cop99", "-o", str(target), "--include-sensitive"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"exported 1 registration to {target}"
    assert parse_export(target.read_bytes())[0]["family_name"] == "Dubois"
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]  # no temporary file left behind


def test_the_export_is_ordered_and_costs_the_same_queries_for_any_number(world, db_session):
    from conference.registration.csvio import export_rows

    def run():
        count = 0

        def counter(*_):
            nonlocal count
            count += 1

        event.listen(_db.engine, "before_cursor_execute", counter)
        try:
            rows = list(export_rows(world["c"], include_sensitive=False))
        finally:
            event.remove(_db.engine, "before_cursor_execute", counter)
        return rows, count

    make_registration(world["kenya"], family_name="Zulu")
    make_registration(world["france"], family_name="Martin")
    db_session.commit()
    db_session.expire_all()
    small, small_queries = run()
    assert [(r["entity"], r["family_name"]) for r in small] == [("FRA", "Martin"), ("KEN", "Zulu")]
    for i in range(20):
        make_registration(world["kenya" if i % 2 else "ngo"], family_name=f"Name{i:02d}")
    db_session.commit()
    db_session.expire_all()
    large, large_queries = run()
    assert len(large) == 22 and large_queries == small_queries
    assert [r["entity"] for r in large] == ["FRA"] + ["Friends of Justice"] * 10 + ["KEN"] * 11


@pytest.mark.parametrize("value", ["=1+2", "+43 1 26060", "-", "@SUM(A1)", "\tx", "\rx", "Jean-Pierre",
                                   "O'Brien", "'quoted'", "plain", ""])
def test_cells_that_look_like_formulas_are_escaped_and_unescaped(value):
    escaped = escape_cell(value)
    assert (escaped == "'" + value) == value.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert escaped == value or escaped == "'" + value
    assert unescape_cell(escaped) == value


def test_formula_injection_is_defused_and_round_trips(world, db_session, runner, tmp_path):
    c = world["c"]
    services.register(c, world["france"], person(c, family_name='=HYPERLINK("http://x")', given_names="Jean-Pierre",
                                                 phone="+43 1 26060", email="formula@example.org"),
                      actor=Actor.COMMAND_LINE, require_consent=False)
    db_session.commit()
    exported = runner.invoke(args=["participants", "export", "cop99", "--include-sensitive"]).stdout_bytes
    cells = parse_export(exported)[0]
    assert cells["family_name"] == '\'=HYPERLINK("http://x")'
    assert cells["phone"] == "'+43 1 26060" and cells["given_names"] == "Jean-Pierre"
    c2 = second_conference(world)
    result = runner.invoke(args=["participants", "import", c2.code, str(write(tmp_path, exported))])
    assert result.exit_code == 0, result.output
    r = db_session.scalars(select(Registration).where(Registration.conference_id == c2.id)).one()
    assert (r.family_name, r.given_names, r.phone) == ('=HYPERLINK("http://x")', "Jean-Pierre", "+43 1 26060")


def test_export_then_import_into_another_conference_round_trips(world, runner, db_session, tmp_path):
    c = world["c"]
    second_day = (c.starts_on + timedelta(days=1)).isoformat()
    more = [row(entity="Organisation internationale de la Francophonie", family_name="Nguyễn",
                given_names="Thị Minh Khai", modality="ONLINE_SPEAKER", attendance_from=second_day, status="APPROVED"),
            row(entity="KEN", family_name="Ochieng", given_names="Akinyi", title="Dr", phone="+254 20 000",
                attendance_to=second_day)]
    assert run_import(csv_bytes(*FOUR_SCRIPTS, *more), c).ok
    db_session.commit()
    first = tmp_path / "first.csv"
    assert runner.invoke(args=["participants", "export", "cop99", "-o", str(first), "--include-sensitive"]
                         ).exit_code == 0
    c2 = second_conference(world)
    result = runner.invoke(args=["participants", "import", "cop100", str(first)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "imported 6 registrations"
    second = tmp_path / "second.csv"
    assert runner.invoke(args=["participants", "export", "cop100", "-o", str(second), "--include-sensitive"]
                         ).exit_code == 0
    assert second.read_bytes() == first.read_bytes()
    assert count_registrations(c2) == 6
    statuses = sorted(r["status"] for r in parse_export(second.read_bytes()))
    assert statuses == ["APPROVED", "APPROVED", "DRAFT", "SUBMITTED", "SUBMITTED", "SUBMITTED"]


def test_an_export_without_sensitive_columns_is_a_valid_import_template(world, runner, db_session, tmp_path):
    c = world["c"]
    for i in range(2):
        services.register(c, world["kenya"], person(c, email=f"k{i}@example.org", family_name=f"K{i}",
                                                    passport_number="", passport_expiry=None, date_of_birth=None),
                          actor=Actor.COMMAND_LINE, require_consent=False)
    db_session.commit()
    exported = runner.invoke(args=["participants", "export", "cop99"]).stdout_bytes
    second_conference(world)
    result = runner.invoke(args=["participants", "import", "cop100", str(write(tmp_path, exported))])
    assert result.exit_code == 0, result.output


# -- the back office's download ---------------------------------------------------------------------------------------

URL = "/admin/cop99/registrations.csv"


def test_the_download_needs_a_sign_in_and_the_right_role(world, dubois, app):
    anonymous = app.test_client()
    response = anonymous.get(URL)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    badges = app.test_client()
    login(badges, "badges@example.org")
    assert badges.get(URL).status_code == 403
    assert badges.get(URL + "?sensitive=1").status_code == 403


def test_a_registration_officer_downloads_the_csv(world, dubois, app):
    officer = app.test_client()
    login(officer, "officer@example.org")
    response = officer.get(URL)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="cop99-registrations.csv"'
    assert response.headers["Cache-Control"] == "no-store"
    rows = parse_export(response.data)
    assert list(rows[0]) == [c for c in COLUMNS if c not in SENSITIVE]
    assert rows[0]["given_names"] == "Hélène" and b"P1234567" not in response.data
    response = officer.get(URL + "?sensitive=1")
    assert response.status_code == 200
    assert parse_export(response.data)[0]["passport_number"] == "P1234567"
    assert officer.get("/admin/nope/registrations.csv").status_code == 404


def test_sensitive_columns_need_their_own_permission(world, dubois, app, monkeypatch):
    monkeypatch.setitem(ROLE_PERMISSIONS, Role.REGISTRATION_OFFICER,
                        ROLE_PERMISSIONS[Role.REGISTRATION_OFFICER] - {Permission.VIEW_SENSITIVE_DATA})
    officer = app.test_client()
    login(officer, "officer@example.org")
    response = officer.get(URL)
    assert response.status_code == 200 and b"passport_number" not in response.data
    assert officer.get(URL + "?sensitive=1").status_code == 403


def test_official_names_are_loaded_all_or_nothing(runner, db_session, tmp_path):
    from conference.registration.models import EntityType, ParticipatingEntity, RegionalGroup
    from tests.factories import make_entity

    make_entity(EntityType.STATE, "Austria", "AUT", RegionalGroup.WEOG)
    make_entity(EntityType.IGO, "INTERPOL")
    db_session.commit()
    bad = tmp_path / "bad.csv"
    bad.write_text("entity,language,name\nAUT,fr,Autriche\nXXX,fr,Nulle part\nAUT,de,Österreich\n", encoding="utf-8")
    result = runner.invoke(args=["participants", "names", str(bad)])
    assert result.exit_code == 1
    assert "line 3" in result.output and "XXX" in result.output and "line 4" in result.output
    db_session.expire_all()
    assert db_session.scalars(select(ParticipatingEntity.names)).all() == [{}, {}]  # nothing changed

    good = tmp_path / "names.csv"
    good.write_text("entity,language,name\naut,fr,Autriche\nAUT,ar,النمسا\nINTERPOL,fr,"
                    "Organisation internationale de police criminelle\n", encoding="utf-8")
    result = runner.invoke(args=["participants", "names", str(good)])
    assert result.exit_code == 0 and "3 official names recorded" in result.output
    db_session.expire_all()
    austria = db_session.scalar(select(ParticipatingEntity).where(ParticipatingEntity.iso3 == "AUT"))
    assert austria.names == {"fr": "Autriche", "ar": "النمسا"}
