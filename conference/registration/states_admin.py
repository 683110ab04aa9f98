"""The back office's States: each State's treaty status at the session, set one by one or from a CSV file."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from conference.accounts.permissions import Permission, permission_required
from conference.conferences.services import get_conference
from conference.core.i18n import _, ngettext
from conference.core.web import saving
from conference.extensions import db
from conference.registration import services
from conference.registration.forms import StatusesImportForm
from conference.registration.services import ngos, treaty

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
    form = StatusesImportForm()
    preview, text, status = None, "", 200
    if form.validate_on_submit():
        upload = request.files.get("file")
        try:
            text = form.content.data if form.content.data and not upload else ngos.decode(
                upload.read() if upload else b"")
        except ValueError as exc:
            form.file.errors = [str(exc)]
            return render_template("admin/states_import.html", conference=conference, form=form), 422
        if form.confirm.data and form.content.data:
            preview = treaty.import_statuses(conference, text, user=current_user)
            if preview.ok:
                db.session.commit()
                flash(ngettext("%(num)d treaty status changed.", "%(num)d treaty statuses changed.",
                               len(preview.changes)), "success")
                return redirect(url_for(".index", code=code))
            db.session.rollback()
        else:
            preview = treaty.read_statuses(conference, text)
        status = 200 if preview.ok else 422
    elif request.method == "POST":
        status = 422
    return render_template("admin/states_import.html", conference=conference, form=form, preview=preview,
                           text=text), status
