"""The back office's NGOs: the roster with each one's standing at the session, one NGO's details corrected, and the
session's decision on it."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from conference.accounts.permissions import Permission, permission_required
from conference.conferences.services import get_conference
from conference.core import audit
from conference.core.i18n import _
from conference.core.web import saving
from conference.registration import services
from conference.registration.forms import NgoDecisionForm, NgoForm, RequestDecisionForm
from conference.registration.services import ngos, requests

bp = Blueprint("ngo_admin", __name__, url_prefix="/admin/<code>/ngos")


@bp.get("/")
@permission_required(Permission.REVIEW_REGISTRATIONS)
def index(code: str):
    conference = get_conference(code)
    return render_template("admin/ngos.html", conference=conference, rows=ngos.session_ngos(conference),
                           waiting=requests.pending_count(conference))


@bp.get("/requests")
@permission_required(Permission.REVIEW_REGISTRATIONS)
def request_list(code: str, forms: dict | None = None, status: int = 200):
    """Organizations that asked to be put on the list, those waiting first."""
    conference = get_conference(code)
    rows = requests.requests_of(conference)
    # One form per waiting request, each with its own prefix so that its fields' ids are its own.
    forms = {r.id: RequestDecisionForm(prefix=f"r{r.id}", formdata=None) for r in rows} | (forms or {})
    return render_template("admin/ngo_requests.html", conference=conference, requests=rows, forms=forms), status


@bp.post("/requests/<id:request_id>")
@permission_required(Permission.REVIEW_REGISTRATIONS)
def decide_request(code: str, request_id: int):
    """Admit the organization (it joins the list with a delegation at the session) or not; whoever asked is told."""
    conference = get_conference(code)
    request = requests.get_request(conference, request_id)
    form = RequestDecisionForm(prefix=f"r{request_id}")
    if form.validate_on_submit():
        with saving(form) as saved:
            requests.decide_request(request, form.decision.data == "admit", user=current_user,
                                    reason=form.reason.data or "")
        if saved:
            flash(_("%(name)s: %(decision)s. %(email)s is told by e-mail.", name=request.name,
                    decision=request.status.label, email=request.email), "success")
            return redirect(url_for(".request_list", code=code))
    return request_list(code, forms={request_id: form}, status=422)


def _page(conference, entity, form: NgoForm | None = None, decision: NgoDecisionForm | None = None):
    if form is None:
        form = NgoForm(data={"name": entity.name, "acronym": entity.short_name or "",
                             "country": entity.country_iso3 or "", "website": entity.website,
                             "ecosoc_status": entity.ecosoc_status.value if entity.ecosoc_status else ""})
    d = next((d for d in entity.delegations if d.conference_id == conference.id), None)
    history = audit.history(entity) + (audit.history(d) if d else [])
    status = 422 if form.errors or (decision is not None and decision.errors) else 200
    return render_template("admin/ngo.html", conference=conference, entity=entity, d=d, form=form,
                           decision=decision or NgoDecisionForm(),
                           problem=services.ngo_admission_problem(d) if d else None,
                           history=sorted(history, key=lambda h: (h.at, h.id))), status


@bp.route("/<id:entity_id>", methods=["GET", "POST"])
@permission_required(Permission.REVIEW_REGISTRATIONS)
def ngo(code: str, entity_id: int):
    """One NGO: its details (POST saves them) and the session's decision on it."""
    conference = get_conference(code)
    entity = ngos.get_ngo(entity_id)
    form = NgoForm()
    if not form.is_submitted():
        return _page(conference, entity)
    if form.validate():
        with saving(form) as saved:
            changed = ngos.update_ngo(entity, name=form.name.data, acronym=form.acronym.data or "",
                                      country=form.country.data or "", ecosoc_status=form.ecosoc_status.data or "",
                                      website=form.website.data or "", user=current_user)
        if saved:
            flash(_("%(name)s saved.", name=entity.name) if changed else _("Nothing was changed."), "success")
            return redirect(url_for(".ngo", code=code, entity_id=entity.id))
    return _page(conference, ngos.get_ngo(entity_id), form)


@bp.post("/<id:entity_id>/decision")
@permission_required(Permission.REVIEW_REGISTRATIONS)
def decision(code: str, entity_id: int):
    """Record the session's decision: admitted or not, on a day, for a reason (audited)."""
    conference = get_conference(code)
    entity = ngos.get_ngo(entity_id)
    form = NgoDecisionForm()
    if form.validate_on_submit():
        with saving(form) as saved:
            d = ngos.decide(conference, entity, form.decision.data, user=current_user,
                            reason=form.reason.data or "", decided_on=form.decided_on.data)
        if saved:
            flash(_("%(name)s: %(decision)s.", name=entity.name, decision=d.ngo_admission.label), "success")
            return redirect(url_for(".ngo", code=code, entity_id=entity.id))
    return _page(conference, ngos.get_ngo(entity_id), decision=form)
