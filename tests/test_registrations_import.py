"""Registrations as CSV in the back office: the import page (a preview naming every bad row by line and column, then
all or nothing, checked again) and the queue's download with the queue's filters."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from conference.core.models import AuditLog, OutgoingMail
from conference.registration import services
from conference.registration.models import Modality, Registration
from conference.registration.models import RegistrationStatus as S
from conference.registration.services import Actor
from tests.conftest import csrf_token
from tests.test_accounts import login
from tests.test_participants_csv import count_registrations, csv_bytes, parse_export, row, world  # noqa: F401  (fixture)
from tests.test_registration import person

PAGE = "/admin/cop99/registrations/import"


@pytest.fixture
def officer(client, world):  # noqa: F811
    login(client, "officer@example.org")
    return client


def preview(client, content: bytes):
    return client.post(PAGE, data={"csrf_token": csrf_token(client, PAGE), "file": (io.BytesIO(content), "x.csv")},
                       content_type="multipart/form-data")


def confirm(client, response):
    """Send the form the preview shows, as the browser would (the text it holds, untouched)."""
    body = response.get_data(as_text=True)
    match = re.search(r'<textarea name="content" hidden>(.*?)</textarea>', body, re.S)
    assert match, "the preview offers no import"
    text = match.group(1).replace("&#34;", '"').replace("&#39;", "'").replace("&lt;", "<").replace(
        "&gt;", ">").replace("&amp;", "&")
    return client.post(PAGE, data={"csrf_token": csrf_token(client, PAGE), "content": text, "confirm": "1"})


def problems(body: str) -> list[tuple[str, str]]:
    """(line, column) of each row of the table of problems."""
    table = body.split('id="problems"', 1)[1].split("</table>", 1)[0]
    return re.findall(r"<tr><td>(\d+)</td><td dir=\"ltr\">([a-z_]*)</td>", table)


def mails() -> int:
    from conference.extensions import db

    return db.session.scalar(select(func.count()).select_from(OutgoingMail))


def test_a_good_file_is_previewed_without_change_then_imported(officer, db_session):
    content = csv_bytes(row(family_name="Dubois", given_names="Hélène"),
                        row(entity="KEN", family_name="Otieno", status="DRAFT"),
                        row(entity="Friends of Justice", family_name="العلي", given_names="فاطمة", status="SUBMITTED"))
    response = preview(officer, content)
    body = response.get_data(as_text=True)
    assert response.status_code == 200, body
    assert "Import 3 registrations" in body
    assert "Dubois" in body and "Otieno" in body and "العلي" in body and "Kenya" in body
    # The preview ran the import through the services and took it all back: no row, no e-mail, no audit.
    assert count_registrations() == 0 and mails() == 0
    assert db_session.scalar(select(func.count()).select_from(AuditLog)
                             .where(AuditLog.action.like("registration.%"))) == 0
    response = confirm(officer, response)
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/cop99/registrations")
    db_session.expire_all()
    people = {r.family_name: r for r in db_session.scalars(select(Registration))}
    assert set(people) == {"Dubois", "Otieno", "العلي"}
    assert (people["Otieno"].status, people["العلي"].status, people["Dubois"].status) == (S.DRAFT, S.SUBMITTED,
                                                                                          S.SUBMITTED)
    created = db_session.scalars(select(AuditLog).where(AuditLog.action == "registration.create")).all()
    assert {e.actor for e in created} == {"officer@example.org"} and len(created) == 3
    assert mails() >= 2


def test_the_secretariat_approves_only_what_the_rules_allow(officer, db_session):
    # Approving from the back office needs a photo for the badge, which a file cannot carry.
    response = preview(officer, csv_bytes(row(), row(status="APPROVED")))
    assert response.status_code == 422
    assert problems(response.get_data(as_text=True)) == [("3", "status")]
    assert "no photo yet" in response.get_data(as_text=True)


def test_every_bad_row_is_named_by_line_and_column_and_nothing_is_imported(officer, db_session):
    content = csv_bytes(
        row(email="first@example.org"),                                  # 2: good
        row(date_of_birth="17/05/1980"),                                 # 3: not a date
        row(entity="Atlantis"),                                          # 4: no such delegation
        row(email="FIRST@example.org", family_name="Someone"),          # 5: the e-mail of line 2
        row(entity="Friends of Justice"), row(entity="Friends of Justice"),
        row(entity="Friends of Justice"),                                # 8: over the NGO's quota of 2
        row(gender="yes"),                                               # 9: not a gender
    )
    response = preview(officer, content)
    body = response.get_data(as_text=True).replace("&#39;", "'")
    assert response.status_code == 422
    assert problems(body) == [("3", "date_of_birth"), ("4", "entity"), ("5", "email"), ("8", "entity"),
                              ("9", "gender")]
    assert "'17/05/1980' is not a date" in body and "'Atlantis' has no delegation" in body
    assert "5 lines have problems: nothing is imported" in body
    assert 'name="confirm"' not in body  # no import offered
    # Sent anyway (a forged form): checked again, refused as a whole.
    text = content.decode()
    response = officer.post(PAGE, data={"csrf_token": csrf_token(officer, PAGE), "content": text, "confirm": "1"})
    assert response.status_code == 422 and "nothing is imported" in response.get_data(as_text=True)
    assert count_registrations() == 0 and mails() == 0


def test_one_bad_row_among_good_ones_imports_nothing(officer, db_session):
    content = csv_bytes(row(), row(), row(entity="KEN", passport_expiry="2020-01-01"), row())
    response = officer.post(PAGE, data={"csrf_token": csrf_token(officer, PAGE), "content": content.decode(),
                                        "confirm": "1"})
    assert response.status_code == 422
    assert problems(response.get_data(as_text=True)) == [("4", "passport_expiry")]
    assert count_registrations() == 0


def test_the_preview_is_checked_again_when_confirmed(officer, world, db_session):  # noqa: F811
    content = csv_bytes(row(), row(email="helene@example.org", family_name="Dubois", given_names="Hélène"))
    response = preview(officer, content)
    assert response.status_code == 200 and "Import 2 registrations" in response.get_data(as_text=True)
    # Between the preview and the click, the same person registers through the form.
    c = world["c"]
    services.register(c, world["france"], person(c), actor=Actor.PARTICIPANT, require_consent=False)
    db_session.commit()
    response = confirm(officer, response)
    assert response.status_code == 422
    assert problems(response.get_data(as_text=True))[0][0] == "3"
    assert count_registrations() == 1


@pytest.mark.parametrize("content, message", [
    ("entity,family_name\nFRA,Müller\n".encode("utf-16"), "not UTF-8 but UTF-16"),
    ("entity,family_name,given_names,gender,email\nFRA,Müller,Anna,female,a@example.org\n".encode("latin-1"),
     "the file is not UTF-8 (byte 0xFC on this line"),
    (b"entity,family_name,given_names,email\nFRA,M,A,a@example.org\n", "the header lacks the column gender"),
    (b"", "the file is empty"),
    (b"entity,family_name,given_names,gender,email\n", "a header but no registrations"),
], ids=["utf-16", "latin-1", "missing-column", "empty", "header-only"])
def test_a_file_that_cannot_be_read_is_refused_at_the_field(officer, db_session, content, message):
    response = preview(officer, content)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    error = re.search(r'<p class="error" id="file-error">(.*?)</p>', body, re.S)
    assert error and message in error.group(1), body
    assert count_registrations() == 0


def test_only_the_registration_officers_may_import(app, world):  # noqa: F811
    badges = app.test_client()
    login(badges, "badges@example.org")
    assert badges.get(PAGE).status_code == 403


# -- the queue's download --------------------------------------------------------------------------------------------

@pytest.fixture
def crowd(world, db_session):  # noqa: F811
    c = world["c"]

    def add(delegation, family_name, email, approve=False):
        r = services.register(c, world[delegation], person(c, family_name=family_name, email=email, passport_number="",
                                                           passport_expiry=None, date_of_birth=None,
                                                           modality=Modality.ONLINE_OBSERVER),
                              actor=Actor.COMMAND_LINE, require_consent=False)
        if approve:
            services.transition(r, "approve", actor=Actor.COMMAND_LINE)
        return r

    add("france", "Martin", "martin@example.org", approve=True)
    add("france", "Bernard", "bernard@example.org")
    add("kenya", "Otieno", "otieno@example.org", approve=True)
    add("ngo", "Okafor", "okafor@example.org")
    db_session.commit()


def exported(client, query: str = "") -> set[str]:
    response = client.get("/admin/cop99/registrations.csv" + query)
    assert response.status_code == 200
    return {r["family_name"] for r in parse_export(response.data)}


def test_the_download_applies_the_queues_filters(officer, world, crowd):  # noqa: F811
    assert exported(officer) == {"Martin", "Bernard", "Otieno", "Okafor"}
    assert exported(officer, "?status=APPROVED") == {"Martin", "Otieno"}
    assert exported(officer, f"?delegation={world['france'].id}") == {"Martin", "Bernard"}
    assert exported(officer, f"?delegation={world['france'].id}&status=APPROVED") == {"Martin"}
    assert exported(officer, "?category=NGO_ECOSOC") == {"Okafor"}
    assert exported(officer, "?group=AFRICAN") == {"Otieno"}
    assert exported(officer, "?q=bern") == {"Bernard"}
    assert exported(officer, "?status=REJECTED") == set()
    assert exported(officer, "?status=nonsense&page=3") == {"Martin", "Bernard", "Otieno", "Okafor"}


def test_the_queue_links_its_download_with_its_filters(officer, crowd):
    body = officer.get("/admin/cop99/registrations?status=APPROVED&category=STATE_PARTY&q=o&page=1").get_data(
        as_text=True)
    link = re.search(r'href="(/admin/cop99/registrations\.csv[^"]*)"', body)
    assert link, "no download on the queue"
    href = link.group(1).replace("&amp;", "&")
    assert "status=APPROVED" in href and "category=STATE_PARTY" in href and "q=o" in href and "page" not in href
    assert exported(officer, href.removeprefix("/admin/cop99/registrations.csv")) == {"Martin", "Otieno"}
    assert 'href="/admin/cop99/registrations/import"' in body
