"""The back office's media outlets that journalists typed: accept, merge into one on the list, or refuse."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from conference.accounts.permissions import Permission, permission_required
from conference.conferences.services import get_conference
from conference.core.errors import RuleViolation
from conference.core.i18n import _
from conference.core.web import saving
from conference.registration.forms import OutletDecisionForm, options
from conference.registration.request_models import RequestKind
from conference.registration.services import get_delegation, outlets, requests

bp = Blueprint("outlet_admin", __name__, url_prefix="/admin/<code>/outlets")


@bp.get("/")
@permission_required(Permission.REVIEW_REGISTRATIONS)
def index(code: str, forms: dict | None = None, status: int = 200):
    """Outlets typed by journalists, those waiting first, each with its registrations."""
    conference = get_conference(code)
    rows = requests.requests_of(conference, RequestKind.MEDIA)
    listed = options([(0, _("Choose…")), *((d.id, d.entity.name) for d in outlets.listed_outlets(conference))])
    forms = {r.id: OutletDecisionForm(prefix=f"r{r.id}", formdata=None) for r in rows} | (forms or {})
    for form in forms.values():
        form.into.choices = listed
    return render_template("admin/outlets.html", conference=conference, requests=rows, forms=forms), status


@bp.post("/<id:request_id>")
@permission_required(Permission.REVIEW_REGISTRATIONS)
def decide(code: str, request_id: int):
    conference = get_conference(code)
    request = requests.get_request(conference, request_id, RequestKind.MEDIA)
    form = OutletDecisionForm(prefix=f"r{request_id}")
    form.into.choices = options([(0, "")] + [(d.id, "") for d in outlets.listed_outlets(conference)])
    if form.validate_on_submit():
        with saving(form) as saved:
            if form.decision.data == "accept":
                outlets.accept_outlet(request, user=current_user)
            elif form.decision.data == "merge":
                if not form.into.data:
                    raise RuleViolation(_("Choose the outlet on the list it is the same as."), field="into")
                outlets.merge_outlet(request, get_delegation(conference, form.into.data), user=current_user)
            else:
                outlets.refuse_outlet(request, user=current_user, reason=form.reason.data or "")
        if saved:
            flash(_("%(name)s: %(decision)s.", name=request.name, decision=request.status.label), "success")
            return redirect(url_for(".index", code=code))
    return index(code, forms={request_id: form}, status=422)
