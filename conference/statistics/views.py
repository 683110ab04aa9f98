"""The attendance statistics in the back office: the page, each table as CSV, the PDF report."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template

from conference.accounts.permissions import Permission, permission_required
from conference.conferences.services import get_conference
from conference.statistics import report
from conference.statistics.services import compute

bp = Blueprint("statistics", __name__, url_prefix="/admin/<code>/statistics")


@bp.get("/")
@permission_required(Permission.VIEW_STATISTICS)
def page(code: str):
    conference = get_conference(code)
    return render_template("statistics/page.html", **report.context(conference, compute(conference)), printing=False)


@bp.get("/<name>.csv")
@permission_required(Permission.VIEW_STATISTICS)
def table_csv(code: str, name: str):
    conference = get_conference(code)
    table = next((t for t in report.csv_tables(compute(conference)) if t.name == name), None)
    if table is None:
        abort(404)
    return Response(report.table_csv(table), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{conference.code}-{name}.csv"'})


@bp.get("/report.pdf")
@permission_required(Permission.VIEW_STATISTICS)
def pdf(code: str):
    conference = get_conference(code)
    return Response(report.render(conference, compute(conference)), mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{conference.code}-attendance.pdf"'})
