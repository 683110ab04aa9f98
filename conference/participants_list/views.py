"""The list of participants in the back office: start a run, follow its progress, download the file."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from conference.accounts.permissions import Permission, permission_required
from conference.conferences.services import get_conference
from conference.core.i18n import _
from conference.core.web import job_page, send_result, start_run
from conference.participants_list import jobs
from conference.participants_list.forms import ListForm

bp = Blueprint("participants_list", __name__, url_prefix="/admin/<code>/participants-list")


@bp.route("", methods=["GET", "POST"])
@permission_required(Permission.REVIEW_REGISTRATIONS)
def index(code: str):
    conference = get_conference(code)
    form = ListForm()
    if form.validate_on_submit():
        started = start_run(conference, lambda: jobs.start_list_run(conference, form.format.data, form.language.data,
                                                                    user=current_user), jobs.enqueue_list_run, form)
        if started is not None:
            return started
    return render_template("participants_list/index.html", conference=conference, form=form,
                           runs=jobs.recent_list_runs(conference))


@bp.get("/jobs/<id:job_id>")
@permission_required(Permission.REVIEW_REGISTRATIONS)
def job(code: str, job_id: int):
    conference = get_conference(code)
    return job_page("participants_list/job.html", jobs.get_list_run(conference, job_id), conference=conference)


@bp.get("/jobs/<id:job_id>/download")
@permission_required(Permission.REVIEW_REGISTRATIONS)
def download(code: str, job_id: int):
    conference = get_conference(code)
    run = jobs.get_list_run(conference, job_id)
    fmt = run.params.get("format", "pdf")
    return send_result(run, jobs.lists_storage(), missing=_("This list has no file (yet)."),
                       mimetype=jobs.MIMETYPES[fmt],
                       download_name=f"participants-{conference.code}-{run.params.get('language', 'en')}.{fmt}")
