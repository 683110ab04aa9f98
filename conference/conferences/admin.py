"""The back office's session pages: a new session (from nothing or copied from an earlier one), its settings."""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import available_timezones

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from conference.accounts.permissions import Permission, permission_required
from conference.conferences import services
from conference.conferences.forms import BadgeSchemeForm, CopyForm, NewSessionForm, RoomForm, SettingsForm
from conference.conferences.services import get_conference
from conference.core.i18n import LANGUAGES, _
from conference.core.web import saving

# Offered as suggestions while typing; the services check the name against the same list.
TIMEZONES = sorted(available_timezones())

bp = Blueprint("conference_admin", __name__, url_prefix="/admin")


@bp.route("/sessions/new", methods=["GET", "POST"])
@permission_required(Permission.MANAGE_SESSIONS)
def new():
    """Two forms on one page: a session from nothing, or a copy of an earlier one (the usual way)."""
    sources = services.all_conferences()
    form, copy_form = NewSessionForm(), CopyForm(sources)
    if request.method == "GET":
        form.fill(services.SessionSettings(titles={}, short_titles={}, venue="", city="", timezone="",
                                           starts_on=None, ends_on=None, venue_opens=services.DEFAULT_VENUE_OPENS,
                                           venue_closes=services.DEFAULT_VENUE_CLOSES, languages=list(LANGUAGES)))
    if "copy-code" in request.form:
        if copy_form.validate():
            with saving(copy_form) as saved:
                conference = services.copy_conference(copy_form.source.data, copy_form.to_request(),
                                                      actor=current_user)
            if saved:
                flash(_("Session %(code)s created from %(source)s: check its settings.", code=conference.code,
                        source=copy_form.source.data), "success")
                return redirect(url_for(".settings", code=conference.code))
        return _render_new(form, copy_form, 422)
    if request.method == "POST":
        if form.validate():
            with saving(form) as saved:
                conference = services.create_conference(form.code.data, form.to_settings(), actor=current_user)
            if saved:
                flash(_("Session %(code)s created.", code=conference.code), "success")
                return redirect(url_for(".settings", code=conference.code))
        return _render_new(form, copy_form, 422)
    return _render_new(form, copy_form)


def _render_new(form, copy_form, status: int = 200):
    return render_template("admin/session_new.html", form=form, copy_form=copy_form, timezones=TIMEZONES), status


@bp.route("/<code>/settings", methods=["GET", "POST"])
@permission_required(Permission.MANAGE_SESSIONS)
def settings(code: str):
    conference = get_conference(code)
    form = SettingsForm()
    return _edited(conference, form, services.settings_of(conference), _("Settings saved."),
                   lambda: services.update_settings(conference, form.to_settings(), actor=current_user)) or \
        _page("admin/session_settings.html", form, conference=conference, timezones=TIMEZONES)


def _edited(conference, form, current, saved_message: str, update: Callable[[], object]):
    """The settings pages' one way: on GET the form shows `current`; a valid POST saves with `update` (what it
    returns says whether anything changed) and comes back to the page. None when the page is to be shown."""
    if request.method == "GET":
        form.fill(current)
    elif form.validate():
        with saving(form) as saved:
            changed = update()
        if saved:
            flash(saved_message if changed else _("Nothing was changed."), "success")
            return redirect(url_for(request.endpoint, code=conference.code))
    return None


def _page(template: str, form, **context):
    return render_template(template, form=form, **context), 422 if form.errors else 200


# --- Rooms ------------------------------------------------------------------------------------------------------

def _render_rooms(conference, *, add_form=None, edited=None, status: int = 200):
    """The rooms page; `edited` is (room id, its form) when that room's form comes back with errors."""
    forms = {}
    for room in conference.rooms:
        form = RoomForm(prefix=f"room{room.id}", formdata=None, obj=room)
        forms[room.id] = edited[1] if edited and edited[0] == room.id else form
    return render_template("admin/rooms.html", conference=conference, forms=forms,
                           add_form=add_form or RoomForm(prefix="new", formdata=None),
                           usage=services.room_usage(conference)), status


@bp.get("/<code>/rooms")
@permission_required(Permission.MANAGE_SESSIONS)
def rooms(code: str):
    return _render_rooms(get_conference(code))


@bp.post("/<code>/rooms")
@permission_required(Permission.MANAGE_SESSIONS)
def add_room(code: str):
    conference = get_conference(code)
    form = RoomForm(prefix="new")
    if form.validate():
        with saving(form) as saved:
            room = services.add_room(conference, form.to_data(), actor=current_user)
        if saved:
            flash(_("%(name)s added.", name=room.name), "success")
            return redirect(url_for(".rooms", code=conference.code))
    return _render_rooms(conference, add_form=form, status=422)


@bp.post("/<code>/rooms/<id:room_id>")
@permission_required(Permission.MANAGE_SESSIONS)
def update_room(code: str, room_id: int):
    conference = get_conference(code)
    room = services.get_room(conference, room_id)
    form = RoomForm(prefix=f"room{room.id}")
    if form.validate():
        with saving(form) as saved:
            changed = services.update_room(room, form.to_data(), actor=current_user)
        if saved:
            flash(_("%(name)s saved.", name=room.name) if changed else _("Nothing was changed."), "success")
            return redirect(url_for(".rooms", code=conference.code))
    return _render_rooms(conference, edited=(room_id, form), status=422)


ROOM_ACTIONS = {"retire": services.retire_room, "reinstate": services.reinstate_room, "delete": services.delete_room}


@bp.post("/<code>/rooms/<id:room_id>/<any(retire, reinstate, delete):action>")
@permission_required(Permission.MANAGE_SESSIONS)
def room_action(code: str, room_id: int, action: str):
    conference = get_conference(code)
    room = services.get_room(conference, room_id)
    name = room.name
    if FlaskForm().validate_on_submit():
        with saving() as saved:
            ROOM_ACTIONS[action](room, actor=current_user)
        if saved:
            flash({"retire": _("%(name)s is retired: it is no longer offered for scheduling.", name=name),
                   "reinstate": _("%(name)s is offered for scheduling again.", name=name),
                   "delete": _("%(name)s deleted.", name=name)}[action], "success")
    return redirect(url_for(".rooms", code=conference.code))


# --- Badge categories ---------------------------------------------------------------------------------------------

@bp.route("/<code>/settings/badges", methods=["GET", "POST"])
@permission_required(Permission.MANAGE_SESSIONS)
def badge_scheme(code: str):
    conference = get_conference(code)
    form = BadgeSchemeForm()
    return _edited(conference, form, services.badge_scheme_of(conference), _("Badge categories saved."),
                   lambda: services.update_badge_scheme(conference, form.to_scheme(), actor=current_user)) or \
        _page("admin/badge_scheme.html", form, conference=conference,
              styles={category: conference.badge_style(category) for category, *_fields in form.rows()})
