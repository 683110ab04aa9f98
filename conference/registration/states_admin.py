"""The back office's States: each State's treaty status at the session, set one by one or from a CSV file."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from conference.accounts.permissions import Permission, permission_required
from conference.conferences.services import get_conference
from conference.core.i18n import _, ngettext
from conference.core.web import saving
from conference.registration import services
from conference.registration.forms import StatusesImportForm
from conference.registration.services import treaty
from conference.registration.web import table_import_page

bp = Blueprint("states_admin", __name__, url_prefix="/admin/<code>/states")


@bp.get("/")
@permission_required(Permission.REVIEW_REGISTRATIONS)
def index(code: str):
    """Every State (and the REIO) with its treaty status at the session; each row's form sets one."""
    conference = get_conference(code)
    return render_template("admin/states.html", conference=conference, rows=services.states_of(conference),
                           statuses=list(treaty.TreatyStatus))


@bp.post("/<id:entity_id>")
@permission_required(Permission.REVIEW_REGISTRATIONS)
def set_status(code: str, entity_id: int):
    """One State's status at the session (its delegation made when it has none yet)."""
    conference = get_conference(code)
    with saving() as saved:
        entity, status, changed = treaty.set_state_status(conference, entity_id, request.form.get("treaty_status", ""),
                                                          user=current_user)
    if saved:
        flash(_("%(name)s: %(status)s.", name=entity.name, status=status.label) if changed
              else _("Nothing was changed."), "success")
    return redirect(url_for(".index", code=code) + f"#state-{entity_id}")


@bp.route("/import", methods=["GET", "POST"])
@permission_required(Permission.REVIEW_REGISTRATIONS)
def status_import(code: str):
    """Treaty statuses from a CSV file: a preview naming every bad row, then the import, all or nothing."""
    conference = get_conference(code)

    def done(preview):
        flash(ngettext("%(num)d treaty status changed.", "%(num)d treaty statuses changed.", len(preview.changes)),
              "success")
        return redirect(url_for(".index", code=code))

    return table_import_page(StatusesImportForm(), "admin/states_import.html",
                             check=lambda text: treaty.read_statuses(conference, text),
                             apply=lambda text: treaty.import_statuses(conference, text, user=current_user),
                             done=done, conference=conference)
