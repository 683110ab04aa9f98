"""The back office's queue and a delegation's page are kept per process by the session's versions (issue 18): what
they show follows every change at once, in each language, and what belongs to the officer (the CSRF token, the
header, the buttons their permissions allow) is never taken from another officer's visit."""

from __future__ import annotations

import re

import pytest
from babel import support
from flask import g
from flask.testing import FlaskClient
from flask_babel import force_locale
from flask_wtf import FlaskForm
from markupsafe import escape
from wtforms import IntegerField
from wtforms.validators import InputRequired

from conference.accounts.models import Role
from conference.extensions import db
from conference.registration.models import EntityType, RegionalGroup, RegistrationStatus
from tests.factories import make_conference, make_delegation, make_entity, make_registration, make_user
from tests.test_accounts import login

S = RegistrationStatus
QUEUE = "/admin/cop95/registrations"


@pytest.fixture
def cop(app, db_session, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_CACHE_SIZE", 256)  # as in production (the tests' default keeps nothing)
    c = make_conference("cop95")
    d = make_delegation(c, make_entity(EntityType.STATE, "Norway", "NOR", RegionalGroup.WEOG))
    r = make_registration(d, status=S.SUBMITTED, family_name="Solberg")
    make_user("officer@example.org")
    make_user("admin@example.org", roles=(Role.ADMIN,))
    db_session.commit()
    return {"c": c, "d": d, "r": r, "page": f"/admin/cop95/delegations/{d.id}"}


def _token(html: str) -> str:
    tokens = set(re.findall(r'name="csrf_token" type="hidden" value="([^"]+)"', html))
    assert len(tokens) == 1, tokens  # one token a request, in every form of the page
    return tokens.pop()


def _row(html: str, name: str) -> str:
    return next(row.split("</tr>")[0] for row in html.split("<tbody>", 1)[1].split("<tr>") if name in row)


def test_the_queue_shows_a_decision_at_once(client, cop):
    login(client, "officer@example.org")
    client.get(QUEUE + "?status=NEEDS_INFO")
    client.get(QUEUE + "?status=SUBMITTED")
    html = client.get(QUEUE).get_data(as_text=True)
    assert "Submitted" in _row(html, "Solberg")
    response = client.post("/admin/cop95/registrations/bulk", data={
        "ids": [cop["r"].id], "action": "request_info", "reason": "Your photo, please.", "csrf_token": _token(html),
        "back": QUEUE})
    assert response.status_code == 302
    html = client.get(QUEUE).get_data(as_text=True)
    assert "flash-error" not in html, html.split('<div class="flashes"')[1][:400]
    assert "More information needed" in _row(html, "Solberg") and "Submitted" not in _row(html, "Solberg")
    # The filtered pages, kept before the decision under other keys, follow it too.
    assert "Solberg" in client.get(QUEUE + "?status=NEEDS_INFO").get_data(as_text=True)
    assert "Solberg" not in client.get(QUEUE + "?status=SUBMITTED").get_data(as_text=True)


def test_the_kept_queue_is_in_each_language(client, cop):
    login(client, "officer@example.org")
    for code in ("fr", "es", "ar", "fr"):
        client.set_cookie("plenary_lang", code)
        html = client.get(QUEUE).get_data(as_text=True)
        with force_locale(code):
            submitted, weog = str(S.SUBMITTED.label), str(RegionalGroup.WEOG.label)
        assert submitted != "Submitted"
        assert f'<option value="SUBMITTED" >{escape(submitted)}</option>' in html  # the filters' options
        assert f'<option value="WEOG" >{escape(weog)}</option>' in html
        assert submitted in _row(html, "Solberg")  # the row's status
        assert f'lang="{code}"' in html


def test_officers_never_see_each_others_token_header_or_buttons(app, cop):
    officer, admin = app.test_client(), app.test_client()

    def as_(client, call, *args, **kw):
        # The test's application context outlives requests: each loads its own user and draws its own token.
        g.pop("_login_user", None)
        g.pop("csrf_token", None)
        return call(client, *args, **kw)

    as_(officer, login, "officer@example.org")
    as_(admin, login, "admin@example.org")
    for url in (QUEUE, cop["page"]):
        first = as_(admin, FlaskClient.get, url).get_data(as_text=True)  # kept by the admin's visit
        second = as_(officer, FlaskClient.get, url).get_data(as_text=True)
        assert _token(first) != _token(second)
        assert "admin@example.org" in first and "admin@example.org" not in second
        assert "officer@example.org" in second and "officer@example.org" not in first
    # Only an account manager may invite a focal point: the admin's kept forms never reach the officer.
    assert "Invite a focal point" in first and "Invite a focal point" not in second
    assert "Invite a focal point" in as_(admin, FlaskClient.get, cop["page"]).get_data(as_text=True)
    # Each token works for its own officer only.
    quota = cop["page"] + "/quota"
    assert as_(officer, FlaskClient.post, quota, data={"quota": "7", "csrf_token": _token(first)}).status_code == 400
    assert as_(officer, FlaskClient.post, quota, data={"quota": "7", "csrf_token": _token(second)}).status_code == 302


def _quota(html: str) -> str:
    return re.search(r'<input[^>]*name="quota"[^>]*>', html).group(0)


def _treaty(html: str) -> str:
    return re.search(r'<option selected value="(\w+)">', html.split('name="treaty_status"', 1)[1]).group(1)


def test_the_delegation_forms_follow_the_delegation(client, cop, db_session):
    login(client, "officer@example.org")
    page = cop["page"]
    html = client.get(page).get_data(as_text=True)
    assert 'value=""' in _quota(html) and _treaty(html) == "PARTY" and "Credentials:" in html
    assert client.post(page + "/quota", data={"quota": "12", "csrf_token": _token(html)}).status_code == 302
    html = client.get(page).get_data(as_text=True)
    assert 'value="12"' in _quota(html)
    response = client.post(page + "/treaty-status", data={"treaty_status": "SIGNATORY", "reason": "",
                                                          "csrf_token": _token(html)})
    assert response.status_code == 302
    html = client.get(page).get_data(as_text=True)
    assert _treaty(html) == "SIGNATORY"
    assert "Credentials:" not in html  # a signatory sends no credentials: the note's buttons follow the status
    # A form sent back with its errors is drawn afresh, with what was typed; the next visit is the kept page again.
    response = client.post(page + "/quota", data={"quota": "0", "csrf_token": _token(html)})
    assert response.status_code == 422 and 'value="0"' in _quota(response.get_data(as_text=True))
    assert 'value="12"' in _quota(client.get(page).get_data(as_text=True))


def test_data_cannot_fill_a_slot(client, cop, db_session):
    cop["r"].family_name = "<!--plenary:csrf-->"
    db_session.commit()
    login(client, "officer@example.org")
    html = client.get(QUEUE).get_data(as_text=True)
    assert "&lt;!--plenary:csrf--&gt;" in html and "<!--plenary" not in html
    _token(html)


class _Number(FlaskForm):
    class Meta:
        csrf = False

    n = IntegerField("n", validators=[InputRequired()])


@pytest.mark.parametrize("code", ["fr", "zh", "en", "fr"])
def test_wtforms_messages_in_the_page_language(app, code):
    with app.test_request_context("/", method="POST", data={}, headers={"Cookie": f"plenary_lang={code}"}):
        form = _Number()
        assert not form.validate()
        expected = {"fr": "Ce champ est requis.", "zh": "该字段是必填字段。", "ru": "Обязательное поле.",
                    "en": "This field is required."}[code]
        assert form.n.errors == [expected]
    db.session.rollback()


def test_wtforms_catalogues_are_read_once_per_process(app, monkeypatch):
    """Flask-WTF read WTForms' catalogue from disk for every request that built a form (about 1 ms)."""
    test_wtforms_messages_in_the_page_language(app, "ru")
    monkeypatch.setattr(support.Translations, "load", lambda *a, **k: pytest.fail("read again"))
    test_wtforms_messages_in_the_page_language(app, "ru")
