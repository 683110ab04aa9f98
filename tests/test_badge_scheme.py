"""Badge categories: colours told apart at a glance, letters and legends, edited in a session's settings."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import select

from conference.accounts.models import Role
from conference.conferences import services
from conference.conferences.models import DEFAULT_BADGE_SCHEME, MIN_COLOUR_DIFFERENCE, colour_difference, ink_for
from conference.conferences.services import BadgeCategory
from conference.core.errors import Invalid
from conference.core.models import AuditLog
from tests.conftest import csrf_token
from tests.factories import PASSWORD, make_conference, make_user


def test_the_default_colours_are_told_apart_at_a_glance():
    colours = {category: style["colour"] for category, style in DEFAULT_BADGE_SCHEME.items()}
    assert colour_difference("#c2185b", "#e91e63") < MIN_COLOUR_DIFFERENCE  # the two pinks once used
    for (a, first), (b, second) in itertools.combinations(colours.items(), 2):
        assert colour_difference(first, second) >= MIN_COLOUR_DIFFERENCE, (a, b)
    assert colour_difference(colours["HEAD"], colours["DELEGATE"]) > 50
    letters = [style["letter"] for style in DEFAULT_BADGE_SCHEME.values()]
    assert len(set(letters)) == len(letters)
    assert all(str(style["label"]) for style in DEFAULT_BADGE_SCHEME.values())  # every letter is explained


def test_the_ink_reads_on_its_band():
    assert ink_for("#212121") == "#ffffff" and ink_for("#1565c0") == "#ffffff"
    assert ink_for("#f9a825") == "#111111"  # amber: dark letters


def scheme(**changes) -> dict[str, BadgeCategory]:
    chosen = {c: BadgeCategory(str(s["colour"]), str(s["letter"])) for c, s in DEFAULT_BADGE_SCHEME.items()}
    chosen.update(changes)
    return chosen


def test_a_changed_scheme_keeps_only_what_differs_and_is_audited(db_session):
    c = make_conference("cop13")
    changed = services.update_badge_scheme(c, scheme(
        HEAD=BadgeCategory("#0D47A1", "h", " Chef de  délégation "), UN=BadgeCategory("#00897b", "U")), actor="t")
    assert changed
    assert c.badge_scheme == {"HEAD": {"colour": "#0d47a1", "letter": "H", "label": "Chef de délégation"},
                              "UN": {"colour": "#00897b"}}
    style = c.badge_style("HEAD")
    assert (style["colour"], style["letter"], style["label"], style["ink"]) == (
        "#0d47a1", "H", "Chef de délégation", "#ffffff")
    assert c.badge_style("DELEGATE")["colour"] == DEFAULT_BADGE_SCHEME["DELEGATE"]["colour"]
    entry = db_session.scalar(select(AuditLog).where(AuditLog.action == "conference.badge_scheme_changed"))
    assert "Chef de délégation" in entry.after["HEAD"]
    assert not services.update_badge_scheme(c, scheme(
        HEAD=BadgeCategory("#0d47a1", "H", "Chef de délégation"), UN=BadgeCategory("#00897b", "U")), actor="t")


@pytest.mark.parametrize("changes, field, message", [
    ({"HEAD": BadgeCategory("#c2185b", "E"), "DELEGATE": BadgeCategory("#e91e63", "D")}, "badge_DELEGATE_colour",
     "Too close to the colour of Head of delegation"),
    ({"DELEGATE": BadgeCategory("#e91e63", "E")}, "badge_DELEGATE_letter",
     "Head of delegation already has the letter E"),
    ({"HEAD": BadgeCategory("black", "E")}, "badge_HEAD_colour", "Give a colour as #rrggbb."),
    ({"HEAD": BadgeCategory("#212121", "")}, "badge_HEAD_letter", "One or two letters or digits."),
    ({"HEAD": BadgeCategory("#212121", "E!")}, "badge_HEAD_letter", "One or two letters or digits."),
    ({"HEAD": BadgeCategory("#212121", "E", "x" * 41)}, "badge_HEAD_legend", "At most 40 characters."),
])
def test_bad_schemes_are_refused_at_the_field(db_session, changes, field, message):
    c = make_conference("cop13")
    with pytest.raises(Invalid) as refused:
        services.update_badge_scheme(c, scheme(**changes), actor="t")
    assert message in " ".join(refused.value.errors[field])
    assert c.badge_scheme == {}


@pytest.fixture
def admin(client, db_session):
    make_user("admin@example.org", (Role.ADMIN,))
    client.post("/login", data={"email": "admin@example.org", "password": PASSWORD,
                                "csrf_token": csrf_token(client, "/login")})


def form_data(**changes) -> dict:
    data = {}
    for category, style in DEFAULT_BADGE_SCHEME.items():
        data[f"badge_{category}_colour"] = style["colour"]
        data[f"badge_{category}_letter"] = style["letter"]
        data[f"badge_{category}_legend"] = ""
    data.update(changes)
    return data


def test_the_settings_page_edits_the_scheme(client, db_session, admin):
    c = make_conference("cop13")
    db_session.commit()
    page = client.get("/admin/cop13/settings/badges").get_data(as_text=True)
    assert 'value="#212121"' in page and 'placeholder="Head of delegation"' in page
    token = csrf_token(client, "/admin/cop13/settings/badges")
    response = client.post("/admin/cop13/settings/badges", data={
        "csrf_token": token, **form_data(badge_HEAD_colour="#e91e63", badge_HEAD_legend="Chief")})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="badge_DELEGATE_colour-error"' in page
    assert 'value="Chief"' in page  # what was typed stays
    db_session.expire_all()
    assert db_session.get(type(c), c.id).badge_scheme == {}
    response = client.post("/admin/cop13/settings/badges", data={
        "csrf_token": token, **form_data(badge_HEAD_legend="Chief")})
    assert response.status_code == 302
    db_session.expire_all()
    assert db_session.get(type(c), c.id).badge_style("HEAD")["label"] == "Chief"
    client.set_cookie("plenary_lang", "fr")
    assert "Catégories de badges" in client.get("/admin/cop13/settings/badges").get_data(as_text=True)


def test_only_admins_edit_badge_categories(client, db_session):
    make_conference("cop13")
    make_user("desk@example.org", (Role.BADGE_DESK,))
    client.post("/login", data={"email": "desk@example.org", "password": PASSWORD,
                                "csrf_token": csrf_token(client, "/login")})
    assert client.get("/admin/cop13/settings/badges").status_code == 403
