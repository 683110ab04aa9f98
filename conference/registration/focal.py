"""The focal point's pages: one delegation, its members, their pre-approval and the credentials."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from conference.accounts.permissions import Permission, permission_required
from conference.core.errors import PermissionDenied, RuleViolation
from conference.core.i18n import _
from conference.core.web import saving
from conference.registration import services
from conference.registration.forms import DocumentForm, NominationForm, ReasonForm, RegistrationForm
from conference.registration.models import Delegation, Registration
from conference.registration.services import Actor
from conference.registration.web import UploadSlots, file_pdf, members_page, sends_files, take_action, withdraw_page

bp = Blueprint("focal", __name__, url_prefix="/focal")


def _delegation() -> Delegation:
    delegation = current_user.delegation
    if delegation is None:
        abort(403, description=_("This account is not attached to a delegation."))
    return delegation


def _member(registration_id: int) -> Registration:
    """A registration of the focal point's own delegation; any other is refused as if it did not exist."""
    return services.get_member(current_user.delegation_id, registration_id)


@bp.get("/")
@permission_required(Permission.MANAGE_DELEGATION)
def index():
    d = _delegation()
    members = members_page(d)
    return render_template("focal/index.html", d=d, conference=d.conference, members=members,
                           quota=services.quota_of(d), form=ReasonForm(), document_form=DocumentForm(),
                           nomination_form=NominationForm(), documents=services.document_versions(d),
                           closed=services.registration_open(d.conference), labels=services.ACTION_LABELS,
                           actions={r.id: services.allowed_actions(r, Actor.FOCAL_POINT) for r in members.rows},
                           is_party=d.is_party)


@bp.route("/register", methods=["GET", "POST"])
@sends_files()
@permission_required(Permission.MANAGE_DELEGATION)
def register():
    d = _delegation()
    form = RegistrationForm.for_delegation(d)
    uploads = UploadSlots(form)
    if uploads.validate():
        with saving(form, refusals=(RuleViolation, PermissionDenied)) as saved:
            r = services.register_for_delegation(d, form.to_data(), user=current_user, photo=uploads.photo)
            uploads.check()
        if saved:
            flash(_("%(name)s is registered and pre-approved.", name=r.full_name), "success")
            return redirect(url_for(".index"))
    return render_template("registration/form.html", conference=d.conference, form=form, uploads=uploads,
                           title=_("Register a member of the delegation of %(entity)s",
                                   entity=d.entity.display_name)), \
        200 if not form.errors else 422


@bp.route("/registrations/<id:registration_id>/edit", methods=["GET", "POST"])
@permission_required(Permission.MANAGE_DELEGATION)
def edit(registration_id: int):
    r = _member(registration_id)
    form = RegistrationForm.for_delegation(r.delegation)
    uploads = UploadSlots(form)
    if not form.is_submitted():
        form.fill(services.RegistrationData.from_registration(r))
    elif uploads.validate():
        with saving(form, refusals=(RuleViolation, PermissionDenied)) as saved:
            services.update(r, form.to_data(), actor=Actor.FOCAL_POINT, user=current_user, photo=uploads.photo)
            uploads.check()
        if saved:
            flash(_("Saved."), "success")
            return redirect(url_for(".index"))
    return render_template("registration/form.html", conference=r.conference, form=form, uploads=uploads,
                           registration=r, title=_("Change the registration of %(name)s", name=r.full_name)), \
        200 if not form.errors else 422


@bp.post("/registrations/<id:registration_id>/action")
@permission_required(Permission.MANAGE_DELEGATION)
def action(registration_id: int):
    r = _member(registration_id)
    take_action(r, ReasonForm(), Actor.FOCAL_POINT)
    return redirect(url_for(".index"))


@bp.route("/registrations/<id:registration_id>/withdraw", methods=["GET", "POST"])
@permission_required(Permission.MANAGE_DELEGATION)
def withdraw(registration_id: int):
    r = _member(registration_id)
    return withdraw_page(r, actor=Actor.FOCAL_POINT, user=current_user, back=url_for(".index"),
                         done=url_for(".index"),
                         done_message=_("%(name)s: the registration is now withdrawn.", name=r.full_name))


@bp.post("/credentials")
@sends_files(back_to="focal.index")
@permission_required(Permission.MANAGE_DELEGATION)
def credentials():
    d = _delegation()
    return file_pdf(DocumentForm(), lambda path, name: services.submit_credentials(d, path, user=current_user,
                                                                                    filename=name),
                    back=url_for(".index"),
                    done=_("The credentials are sent to the secretariat. Bring or send the originals as well."),
                    missing=_("Choose the PDF of the credentials first."))


@bp.post("/nomination")
@sends_files(back_to="focal.index")
@permission_required(Permission.MANAGE_DELEGATION)
def nomination():
    """The delegation's nominating document, kept as a further version when one is on file already."""
    d = _delegation()
    return file_pdf(NominationForm(), lambda path, name: services.send_nomination(d, path, user=current_user,
                                                                                   filename=name),
                    back=url_for(".index"), done=_("The nominating document is sent to the secretariat."),
                    missing=_("Choose the PDF of the nominating document first."))
