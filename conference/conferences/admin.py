"""The back office's session pages: a new session (from nothing or copied from an earlier one), its settings."""

from __future__ import annotations

from zoneinfo import available_timezones

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from conference.accounts.permissions import Permission, permission_required
from conference.conferences import services
from conference.conferences.forms import CopyForm, NewSessionForm, SettingsForm
from conference.conferences.models import Conference
from conference.conferences.services import get_conference
from conference.core.errors import RuleViolation
from conference.core.i18n import LANGUAGES, _
from conference.extensions import db
from conference.registration.web import show_errors

# Offered as suggestions while typing; the services check the name against the same list.
TIMEZONES = sorted(available_timezones())

bp = Blueprint("conference_admin", __name__, url_prefix="/admin")


def _sources() -> list[Conference]:
    return list(db.session.scalars(select(Conference).order_by(Conference.starts_on.desc())))


@bp.route("/sessions/new", methods=["GET", "POST"])
@permission_required(Permission.MANAGE_SESSIONS)
def new():
    """Two forms on one page: a session from nothing, or a copy of an earlier one (the usual way)."""
    sources = _sources()
    form, copy_form = NewSessionForm(), CopyForm(sources)
    if request.method == "GET":
        form.fill(services.SessionSettings(titles={}, short_titles={}, venue="", city="", timezone="",
                                           starts_on=None, ends_on=None, venue_opens=services.DEFAULT_VENUE_OPENS,
                                           venue_closes=services.DEFAULT_VENUE_CLOSES, languages=list(LANGUAGES)))
    if "copy-code" in request.form:
        if copy_form.validate():
            try:
                conference = services.copy_conference(copy_form.source.data, copy_form.to_request(),
                                                      actor=current_user)
                db.session.commit()
                flash(_("Session %(code)s created from %(source)s: check its settings.", code=conference.code,
                        source=copy_form.source.data), "success")
                return redirect(url_for(".settings", code=conference.code))
            except RuleViolation as exc:
                db.session.rollback()
                show_errors(copy_form, exc)
        return _render_new(form, copy_form, 422)
    if request.method == "POST":
        if form.validate():
            try:
                conference = services.create_conference(form.code.data, form.to_settings(), actor=current_user)
                db.session.commit()
                flash(_("Session %(code)s created.", code=conference.code), "success")
                return redirect(url_for(".settings", code=conference.code))
            except RuleViolation as exc:
                db.session.rollback()
                show_errors(form, exc)
        return _render_new(form, copy_form, 422)
    return _render_new(form, copy_form)


def _render_new(form, copy_form, status: int = 200):
    return render_template("admin/session_new.html", form=form, copy_form=copy_form, timezones=TIMEZONES), status


@bp.route("/<code>/settings", methods=["GET", "POST"])
@permission_required(Permission.MANAGE_SESSIONS)
def settings(code: str):
    conference = get_conference(code)
    form = SettingsForm()
    if request.method == "GET":
        form.fill(services.settings_of(conference))
    elif form.validate():
        try:
            changed = services.update_settings(conference, form.to_settings(), actor=current_user)
            db.session.commit()
            flash(_("Settings saved.") if changed else _("Nothing was changed."), "success")
            return redirect(url_for(".settings", code=conference.code))
        except RuleViolation as exc:
            db.session.rollback()
            show_errors(form, exc)
    status = 422 if form.errors else 200
    return render_template("admin/session_settings.html", conference=conference, form=form,
                           timezones=TIMEZONES), status
