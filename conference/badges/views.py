"""The badge desk: print runs as background jobs, their progress and PDF, and collecting at the pass office."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from conference.accounts.permissions import Permission, permission_required
from conference.badges import jobs, services
from conference.badges.forms import BadgeRunForm, CollectForm, ShortNameForm
from conference.badges.services import BadgeFilter
from conference.conferences.services import get_conference
from conference.core.i18n import _, current_language
from conference.core.models import JobStatus
from conference.core.web import job_page, saving, send_result, start_run
from conference.registration.forms import options
from conference.registration.models import Registration
from conference.registration.services import delegation_names, get_registration
from conference.registration.views import photo_of

bp = Blueprint("badges", __name__, url_prefix="/admin/<code>/badges")


def _delegation_choices(conference):
    return options([("", _("All"))] + [(str(i), name) for i, name in delegation_names(conference)])


@bp.route("", methods=["GET", "POST"])
@permission_required(Permission.PRINT_BADGES)
def index(code: str):
    conference = get_conference(code)
    form = BadgeRunForm()
    form.delegation.choices = _delegation_choices(conference)
    if form.validate_on_submit():
        badge_filter = BadgeFilter(category=form.category.data or None,
                                   delegation_id=int(form.delegation.data) if form.delegation.data else None,
                                   only_unprinted=form.only_unprinted.data,
                                   registration_id=form.registration_id.data)
        started = start_run(conference, lambda: jobs.start_badge_run(
            conference, badge_filter, size=form.size.data, reprint=form.reprint.data, user=current_user,
            language=current_language().code), jobs.enqueue_badge_run)
        if started is not None:
            return started
    return render_template("badges/index.html", conference=conference, form=form,
                           jobs=jobs.recent_badge_runs(conference))


@bp.get("/jobs/<id:job_id>")
@permission_required(Permission.PRINT_BADGES)
def job(code: str, job_id: int):
    conference = get_conference(code)
    return job_page("badges/job.html", jobs.get_badge_run(conference, job_id), conference=conference)


@bp.post("/jobs/<id:job_id>/retry")
@permission_required(Permission.PRINT_BADGES)
def retry(code: str, job_id: int):
    conference = get_conference(code)
    j = jobs.get_badge_run(conference, job_id)
    with saving() as saved:
        jobs.retry_badge_run(j, user=current_user)
    if saved:
        jobs.enqueue_badge_run(j.id)
        flash(_("The run starts again, with the same serials."), "success")
    return redirect(url_for(".job", code=code, job_id=j.id))


@bp.get("/jobs/<id:job_id>.json")
@permission_required(Permission.PRINT_BADGES)
def job_json(code: str, job_id: int):
    conference = get_conference(code)
    j = jobs.get_badge_run(conference, job_id)
    return {"id": j.id, "status": j.status.value, "done": j.done, "total": j.total, "error": j.error,
            "download": url_for(".download", code=conference.code, job_id=j.id)
            if j.status == JobStatus.DONE else None}


@bp.get("/jobs/<id:job_id>/badges.pdf")
@permission_required(Permission.PRINT_BADGES)
def download(code: str, job_id: int):
    conference = get_conference(code)
    j = jobs.get_badge_run(conference, job_id)
    return send_result(j, jobs.runs_storage(), missing=_("This run has no PDF (yet)."), mimetype="application/pdf",
                       download_name=f"badges-{conference.code}-{j.id}.pdf")


def _registration(conference, registration_id: int) -> Registration:
    return get_registration(conference, registration_id)


@bp.get("/<id:registration_id>")
@permission_required(Permission.PRINT_BADGES)
def pass_office(code: str, registration_id: int):
    conference = get_conference(code)
    registration = _registration(conference, registration_id)
    badge = services.valid_badge(registration)
    return render_template("badges/pass_office.html", conference=conference, registration=registration,
                           form=CollectForm(), badge=badge, printed_by=services.printed_by(badge),
                           short_form=ShortNameForm(short_name=registration.badge_short_name or ""))


@bp.get("/<id:registration_id>/photo")
@permission_required(Permission.PRINT_BADGES)
def photo(code: str, registration_id: int):
    return photo_of(_registration(get_conference(code), registration_id))


@bp.post("/<id:registration_id>/short-name")
@permission_required(Permission.PRINT_BADGES)
def short_name(code: str, registration_id: int):
    conference = get_conference(code)
    registration = _registration(conference, registration_id)
    form = ShortNameForm()
    if form.validate_on_submit():
        with saving() as saved:
            services.set_short_name(registration, form.short_name.data or "", user=current_user)
        if saved:
            flash(_("%(name)s: short form saved.", name=registration.badge_name), "success")
    else:
        flash(_("Keep the short form under %(num)d characters.", num=60), "error")
    return redirect(url_for(".pass_office", code=conference.code, registration_id=registration.id))


@bp.post("/<id:registration_id>/collect")
@permission_required(Permission.PRINT_BADGES)
def collect(code: str, registration_id: int):
    conference = get_conference(code)
    registration = _registration(conference, registration_id)
    form = CollectForm()
    if form.validate_on_submit():
        with saving() as saved:
            services.mark_collected(registration, user=current_user, photo_checked=form.photo_checked.data)
        if saved:
            flash(_("%(name)s: badge collected.", name=registration.badge_name), "success")
    return redirect(url_for(".pass_office", code=conference.code, registration_id=registration.id))
