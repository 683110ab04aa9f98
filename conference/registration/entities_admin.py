"""The back office's page of the UN list: the States and organizations Plenary knows, and the button that brings
them in line with the list it ships (`services.un_list.load_un_list`, as `flask entities load-un-list` does)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from conference.accounts.permissions import Permission, permission_required
from conference.core.i18n import _
from conference.core.web import saving
from conference.registration.services.un_list import listed_entities, load_un_list

bp = Blueprint("entities_admin", __name__, url_prefix="/admin/entities")


@bp.get("/")
@permission_required(Permission.MANAGE_SESSIONS)
def index():
    states, organizations = listed_entities()
    return render_template("admin/entities.html", states=states, organizations=organizations)


@bp.post("/load-un-list")
@permission_required(Permission.MANAGE_SESSIONS)
def load():
    with saving() as saved:
        report = load_un_list(actor=current_user)
    if saved:
        flash(_("The UN list is loaded: %(created)d added, %(updated)d brought up to date, %(unchanged)d already as "
                "the list has them.", created=len(report.created), updated=len(report.updated),
                unchanged=report.unchanged), "success")
        for problem in report.problems:
            flash(problem, "error")
    return redirect(url_for(".index"))
