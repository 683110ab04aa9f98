"""Each State's treaty status at a session, set by the secretariat: on the delegation's page, on the page of the
session's States, and from a CSV file (a preview naming every bad row by line and column, then all or nothing);
every change audited, the earlier session untouched (SQLite and PostgreSQL)."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from conference.conferences.models import Conference
from conference.core.models import AuditLog
from conference.registration.models import (
    Category,
    CredentialsStatus,
    Delegation,
    EntityType,
    ParticipatingEntity,
    RegionalGroup,
    TreatyStatus,
)
from conference.statistics.services import compute
from tests.conftest import csrf_token
from tests.factories import make_conference, make_delegation, make_entity, make_registration, make_user
from tests.test_registration import future_conference
from tests.test_registration_web import login

STATES = "/admin/cop50/states/"
IMPORT = "/admin/cop50/states/import"


@pytest.fixture
def session(db_session):
    """COP50 with Iran a signatory, Kenya a party, South Sudan on the list without a delegation yet, the EU and an
    NGO; and COP49, where Iran was a signatory too."""
    earlier = make_conference("cop49")
    c = future_conference("cop50")
    iran = make_entity(EntityType.STATE, "Iran (Islamic Republic of)", "IRN", RegionalGroup.ASIA_PACIFIC)
    kenya = make_entity(EntityType.STATE, "Kenya", "KEN", RegionalGroup.AFRICAN)
    make_entity(EntityType.STATE, "South Sudan", "SSD", RegionalGroup.AFRICAN)
    ngo = make_entity(EntityType.NGO_OTHER, "Friends of the Convention")
    old = make_delegation(earlier, iran, treaty_status=TreatyStatus.SIGNATORY)
    make_registration(old)
    make_delegation(c, iran, treaty_status=TreatyStatus.SIGNATORY)
    make_delegation(c, kenya)
    make_delegation(c, make_entity(EntityType.REIO, "European Union"))
    make_delegation(c, ngo)
    db_session.commit()
    make_user("officer@example.org")
    return c


def delegation(db_session, conference_code: str, iso3: str) -> Delegation | None:
    db_session.expire_all()
    return db_session.scalar(select(Delegation).join(Conference).join(ParticipatingEntity)
                             .where(Conference.code == conference_code, ParticipatingEntity.iso3 == iso3))


def test_the_delegation_page_sets_the_status_for_this_session_only(client, session, db_session):
    login(client, "officer@example.org")
    iran = delegation(db_session, "cop50", "IRN")
    page = f"/admin/cop50/delegations/{iran.id}"
    body = client.get(page).get_data(as_text=True)
    assert "Signatory State" in body and 'name="treaty_status"' in body
    response = client.post(f"{page}/treaty-status", data={"csrf_token": csrf_token(client, page),
                                                          "treaty_status": "PARTY", "reason": "Ratified in May"})
    assert response.status_code == 302
    now, then = delegation(db_session, "cop50", "IRN"), delegation(db_session, "cop49", "IRN")
    assert (now.category, now.credentials_status) == (Category.STATE_PARTY, CredentialsStatus.PENDING)
    assert (then.treaty_status, then.category) == (TreatyStatus.SIGNATORY, Category.SIGNATORY)
    assert compute(then.conference)["by_category"]["SIGNATORY"] == 1
    entry = db_session.scalar(select(AuditLog).where(AuditLog.action == "delegation.treaty_status"))
    assert (entry.object_id, entry.reason, entry.actor) == (now.id, "Ratified in May", "officer@example.org")
    assert "State party" in client.get(page).get_data(as_text=True)


def test_the_delegation_page_refuses_no_status_at_the_field(client, session, db_session):
    login(client, "officer@example.org")
    iran = delegation(db_session, "cop50", "IRN")
    page = f"/admin/cop50/delegations/{iran.id}"
    response = client.post(f"{page}/treaty-status", data={"csrf_token": csrf_token(client, page),
                                                          "treaty_status": "", "reason": "kept"})
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and "Choose the treaty status." in body and "kept</textarea>" in body
    assert delegation(db_session, "cop50", "IRN").treaty_status == TreatyStatus.SIGNATORY


def test_an_organization_has_no_treaty_status(client, session, db_session):
    login(client, "officer@example.org")
    ngo = db_session.scalar(select(Delegation).join(ParticipatingEntity)
                            .where(ParticipatingEntity.name == "Friends of the Convention"))
    page = f"/admin/cop50/delegations/{ngo.id}"
    assert 'name="treaty_status"' not in client.get(page).get_data(as_text=True)
    response = client.post(f"{page}/treaty-status", data={"csrf_token": csrf_token(client, page),
                                                          "treaty_status": "PARTY"})
    assert response.status_code == 422 and "Only States" in response.get_data(as_text=True)
    db_session.expire_all()
    assert db_session.get(Delegation, ngo.id).treaty_status is None
    # Nor is it offered among the States.
    assert "Friends of the Convention" not in client.get(STATES).get_data(as_text=True)
    assert client.post(f"{STATES}{ngo.entity_id}", data={"csrf_token": csrf_token(client, STATES),
                                                         "treaty_status": "PARTY"}).status_code == 404


def test_the_states_page_lists_every_state_and_sets_one(client, session, db_session):
    login(client, "officer@example.org")
    body = client.get(STATES).get_data(as_text=True)
    for name in ("Iran (Islamic Republic of)", "Kenya", "South Sudan", "European Union"):
        assert name in body
    assert "Not set (not a signatory)" in body  # South Sudan, without a delegation at this session
    south_sudan = db_session.scalar(select(ParticipatingEntity.id).where(ParticipatingEntity.iso3 == "SSD"))
    response = client.post(f"{STATES}{south_sudan}", data={"csrf_token": csrf_token(client, STATES),
                                                           "treaty_status": "SIGNATORY"})
    assert response.status_code == 302
    made = delegation(db_session, "cop50", "SSD")
    assert made is not None and made.treaty_status == TreatyStatus.SIGNATORY
    assert db_session.scalar(select(AuditLog).where(AuditLog.action == "delegation.treaty_status",
                                                    AuditLog.object_id == made.id)) is not None


GOOD = "iso3,status\nIRN,party\nken,Party\nSSD,non-signatory\n"


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_a_file_is_previewed_then_imported(client, session, db_session, bom):
    login(client, "officer@example.org")
    response = client.post(IMPORT, data={"csrf_token": csrf_token(client, IMPORT),
                                         "file": (io.BytesIO(bom + GOOD.encode()), "statuses.csv")},
                           content_type="multipart/form-data")
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "Change 2 treaty statuses" in body  # Kenya is a party already
    assert delegation(db_session, "cop50", "IRN").treaty_status == TreatyStatus.SIGNATORY  # the preview changes nothing
    response = client.post(IMPORT, data={"csrf_token": csrf_token(client, IMPORT), "content": GOOD, "confirm": "1"})
    assert response.status_code == 302
    assert delegation(db_session, "cop50", "IRN").treaty_status == TreatyStatus.PARTY
    assert delegation(db_session, "cop50", "SSD").treaty_status == TreatyStatus.NON_SIGNATORY
    assert delegation(db_session, "cop49", "IRN").treaty_status == TreatyStatus.SIGNATORY
    assert db_session.query(AuditLog).filter_by(action="delegation.treaty_status").count() == 2


def test_every_bad_row_is_named_and_nothing_is_imported(client, session, db_session):
    login(client, "officer@example.org")
    text = ("iso3,status\n"
            "IRN,party\n"
            "XYZ,party\n"
            "KEN,ratified\n"
            ",signatory\n"
            "IRN,signatory\n")
    response = client.post(IMPORT, data={"csrf_token": csrf_token(client, IMPORT),
                                         "file": (io.BytesIO(text.encode()), "statuses.csv")},
                           content_type="multipart/form-data")
    body = response.get_data(as_text=True).replace("&#34;", '"')
    assert response.status_code == 422
    for expected in ("Line 3, column iso3", "Line 4, column status", "Line 5, column iso3",
                     "Line 6, column iso3: the same State as on line 2", "4 problems: nothing is imported"):
        assert expected in body, expected
    response = client.post(IMPORT, data={"csrf_token": csrf_token(client, IMPORT), "content": text, "confirm": "1"})
    assert response.status_code == 422
    assert delegation(db_session, "cop50", "IRN").treaty_status == TreatyStatus.SIGNATORY
    assert db_session.query(AuditLog).filter_by(action="delegation.treaty_status").count() == 0


@pytest.mark.parametrize("content, message", [
    ("iso3,status\nIRN,party\n".encode("utf-16"), "UTF-16"),
    ("iso3,status\nIRN,état partie\n".encode("latin-1"), "not in UTF-8 (line 2"),
    (b"iso3,treaty\nIRN,party\n", "lacks the column(s) status"),
    (b"", "The file is empty"),
])
def test_a_file_that_cannot_be_read_says_why(client, session, db_session, content, message):
    login(client, "officer@example.org")
    response = client.post(IMPORT, data={"csrf_token": csrf_token(client, IMPORT),
                                         "file": (io.BytesIO(content), "statuses.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and message in response.get_data(as_text=True)


def test_a_status_change_renews_the_kept_queue_rows(client, session, db_session):
    """The back office keeps the queue's rows per process until the session's versions move: a new status moves
    them, so the queue shows the delegation's new category at once."""
    login(client, "officer@example.org")
    iran = delegation(db_session, "cop50", "IRN")
    make_registration(iran)
    db_session.commit()
    before = db_session.get(Conference, iran.conference_id).agenda_version
    assert "Signatory State" in client.get("/admin/cop50/registrations").get_data(as_text=True)
    page = f"/admin/cop50/delegations/{iran.id}"
    client.post(f"{page}/treaty-status", data={"csrf_token": csrf_token(client, page), "treaty_status": "PARTY"})
    db_session.expire_all()
    assert db_session.get(Conference, iran.conference_id).agenda_version > before
    assert "State party" in client.get("/admin/cop50/registrations?category=STATE_PARTY").get_data(as_text=True)


def test_the_history_says_the_change_in_words_of_the_page(client, session, db_session):
    login(client, "officer@example.org")
    iran = delegation(db_session, "cop50", "IRN")
    page = f"/admin/cop50/delegations/{iran.id}"
    client.post(f"{page}/treaty-status", data={"csrf_token": csrf_token(client, page), "treaty_status": "PARTY"})
    history = client.get(page).get_data(as_text=True).split('<ol class="history">', 1)[1].split("</ol>", 1)[0]
    # Each field's change on its own, by its label, never the codes run together (SIGNATORYPARTY...).
    assert ("treaty status changed: <bdi>Not required</bdi> → <bdi>Pending</bdi>; "
            "<bdi>Signatory</bdi> → <bdi>Party</bdi>") in history, history
    assert "SIGNATORY" not in history and "NOT_REQUIRED" not in history
    client.get("/language/fr?next=/")
    history = client.get(page).get_data(as_text=True).split('<ol class="history">', 1)[1]
    assert "statut à l&#39;égard de la Convention modifié" in history
