"""The NGO roster imported from the back office: a preview naming every bad row, then all or nothing."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from conference.core.models import AuditLog
from conference.registration.models import EcosocStatus, EntityType, ParticipatingEntity
from tests.conftest import csrf_token
from tests.factories import make_entity, make_user
from tests.test_registration import future_conference
from tests.test_registration_web import login

PAGE = "/admin/cop50/ngos/import"
GOOD = ("name,acronym,country,ecosoc_status,web site\n"
        "Friends of Justice,FoJ,KEN,special,friends-of-justice.org\n"
        "Transparency Watch,TW,Germany,,https://tw.example.org\n"
        "Réseau des juristes,RJ,SN,General,\n")


@pytest.fixture
def officer(client, db_session):
    future_conference("cop50")
    db_session.commit()
    make_user("officer@example.org")
    login(client, "officer@example.org")


def preview(client, content: bytes):
    return client.post(PAGE, data={"csrf_token": csrf_token(client, PAGE),
                                   "file": (io.BytesIO(content), "roster.csv")},
                       content_type="multipart/form-data")


def confirm(client, text: str):
    return client.post(PAGE, data={"csrf_token": csrf_token(client, PAGE), "content": text, "confirm": "1"})


def ngos(db_session):
    return {e.name: e for e in db_session.scalars(select(ParticipatingEntity))}


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_a_good_file_is_previewed_then_imported(client, officer, db_session, bom):
    response = preview(client, bom + GOOD.encode())
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "Import 3 organizations" in body
    assert not ngos(db_session)  # the preview changes nothing
    assert confirm(client, GOOD).status_code == 302
    found = ngos(db_session)
    fj = found["Friends of Justice"]
    assert (fj.entity_type, fj.ecosoc_status, fj.short_name, fj.country_iso3, fj.website) == (
        EntityType.NGO_ECOSOC, EcosocStatus.SPECIAL, "FoJ", "KEN", "https://friends-of-justice.org")
    tw = found["Transparency Watch"]
    assert tw.entity_type == EntityType.NGO_OTHER and tw.ecosoc_status is None and tw.country_iso3 == "DEU"
    assert found["Réseau des juristes"].country_iso3 == "SEN"
    assert db_session.query(AuditLog).filter_by(action="entity.roster").count() == 3


def test_organizations_already_listed_are_matched_by_name_and_updated(client, officer, db_session):
    old = make_entity(EntityType.NGO_OTHER, "Friends of Justice", short_name="FJ")
    db_session.commit()
    assert confirm(client, GOOD).status_code == 302
    db_session.expire_all()
    assert len(ngos(db_session)) == 3
    same = db_session.get(ParticipatingEntity, old.id)
    assert same.short_name == "FoJ" and same.ecosoc_status == EcosocStatus.SPECIAL


@pytest.mark.parametrize("content, message", [
    ("Friends,FoJ,KEN,special,\n".encode("utf-16"), "UTF-16"),
    ("name,acronym,country,ecosoc_status,website\nRéseau,R,SEN,,\n".encode("latin-1"), "not in UTF-8 (line 2"),
    (b"name,acronym,country,website\nA,B,KEN,\n", "lacks the column(s) ecosoc_status"),
    (b"", "The file is empty"),
])
def test_a_file_that_cannot_be_read_says_why(client, officer, db_session, content, message):
    response = preview(client, content)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert not ngos(db_session)


def test_every_bad_row_is_named_by_line_and_column_and_nothing_is_imported(client, officer, db_session):
    make_entity(EntityType.STATE, "Kenya", "KEN")
    db_session.commit()
    text = ("name,acronym,country,ecosoc_status,website\n"
            "Good One,G1,KEN,roster,\n"
            "Bad Status,BS,KEN,consultative,\n"
            "Bad Country,BC,Atlantis,special,\n"
            ",NN,KEN,,\n"
            "Kenya,K,KEN,,\n"
            "Good One,G1,KEN,,\n"
            "Bad Site,BW,FRA,,not a site\n")
    body = preview(client, text.encode()).get_data(as_text=True).replace("&#34;", '"')
    for expected in ("Line 3, column ecosoc_status", "Line 4, column country", "Line 5, column name",
                     "Line 6, column name", "Line 7, column name: the same organization as on line 2",
                     "Line 8, column website", "6 problems: nothing is imported"):
        assert expected in body, expected
    assert "Import" not in body.split("6 problems")[1].split("</table>")[-1]  # no import button
    response = confirm(client, text)  # sent anyway: refused as a whole
    assert response.status_code == 422
    assert set(ngos(db_session)) == {"Kenya"}
    assert db_session.query(AuditLog).filter_by(action="entity.roster").count() == 0


def test_only_the_secretariat_may_import(client, db_session):
    from conference.accounts.models import Role

    future_conference("cop50")
    make_user("badges@example.org", roles=[Role.BADGE_DESK])
    login(client, "badges@example.org")
    assert client.get(PAGE).status_code == 403
