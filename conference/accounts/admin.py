"""The back office's accounts page (/admin/users): who works in it, invitations, deactivation."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from conference.accounts import services
from conference.accounts.forms import InvitationForm
from conference.accounts.permissions import Permission, permission_required
from conference.core.i18n import _, current_language
from conference.core.web import saving

bp = Blueprint("accounts_admin", __name__, url_prefix="/admin/users")


def _render(form: InvitationForm | None = None, status: int = 200):
    staff, focal_points, pending = services.accounts_overview()
    form = form or InvitationForm(services.delegation_choices(), formdata=None)
    return render_template("admin/users.html", staff=staff, focal_points=focal_points, pending=pending,
                           form=form), status


@bp.get("/")
@permission_required(Permission.MANAGE_USERS)
def index():
    return _render()


@bp.post("/invite")
@permission_required(Permission.MANAGE_USERS)
def invite():
    form = InvitationForm(services.delegation_choices())
    if form.validate():
        with saving(form) as saved:
            user = services.invite_user(form.email.data, form.role_list(), name=form.name.data or "",
                                        delegation_id=form.delegation_id(), language=form.language.data,
                                        actor=current_user)
        if saved:
            flash(_("Invitation sent to %(email)s: its link sets a password, once, within %(hours)d hours.",
                    email=user.email, hours=services.invitation_hours()), "success")
            return redirect(url_for(".index"))
    return _render(form, 422)



@bp.post("/<id:user_id>/<any(deactivate, activate, 'invite-again'):action>")
@permission_required(Permission.MANAGE_USERS)
def action(user_id: int, action: str):
    user = services.get_user(user_id)
    if FlaskForm().validate_on_submit():
        with saving() as saved:
            if action == "invite-again":
                services.invite_again(user, language=_page_language(), actor=current_user)
            else:
                services.set_account_active(user, action == "activate", actor=current_user)
        if saved:
            flash({"deactivate": _("%(email)s is deactivated: every sign-in of the account has ended.",
                                   email=user.email),
                   "activate": _("%(email)s can sign in again.", email=user.email),
                   "invite-again": _("A new invitation was sent to %(email)s; the earlier link no longer works.",
                                     email=user.email)}[action], "success")
    return redirect(url_for(".index"))


def _page_language() -> str:
    return current_language().code
