"""Signing in and out."""

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from conference.accounts.forms import ForgotPasswordForm, LoginForm, SetPasswordForm
from conference.accounts.permissions import Permission, can, public
from conference.accounts.services import (
    LinkNotValid,
    authenticate,
    check_link,
    end_sessions,
    request_password_reset,
    set_password_with_link,
    sign_out_everywhere,
    user_for_session,
)
from conference.core.errors import RuleViolation
from conference.core.i18n import _, _l, current_language
from conference.core.security import LOGIN_LIMIT
from conference.core.web import saving
from conference.extensions import db, limiter, login_manager

bp = Blueprint("accounts", __name__)

login_manager.login_view = "accounts.login"
login_manager.login_message = _l("Please sign in to see this page.")
# Flask-Login flashes the message through this: a plain string in the page's language (a lazy one would not
# go into the session cookie).
login_manager.localize_callback = str
login_manager.login_message_category = "info"


@login_manager.user_loader
def load_user(user_id: str):
    # From the session cookie or the remember-me cookie: "id:version", refused once that sign-in was ended.
    return user_for_session(user_id)


def safe_next(target: str | None) -> str | None:
    """Only a path on this site: no scheme, no host, no protocol-relative `//`, no backslash tricks."""
    if not target:
        return None
    target = target.strip()
    # Browsers drop tabs and line breaks inside a URL ("/\t/evil.example" is "//evil.example" to them).
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith(("//", "/\\")) \
            or "\\" in target:
        return None
    return target


def home_for(user) -> str:
    """Where a user lands after signing in: the page their role works on."""
    if can(user, Permission.VIEW_BACK_OFFICE):
        return url_for("admin.index")
    if can(user, Permission.MANAGE_DELEGATION):
        return url_for("focal.index")
    if can(user, Permission.CHECK_IN):
        return url_for("checkin.pick")
    return url_for("core.index")


@bp.route("/login", methods=["GET", "POST"])
@public("signing in")
@limiter.limit(LOGIN_LIMIT, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")) or home_for(current_user))
    form = LoginForm()
    if request.method == "GET" and request.args.get("email"):
        form.email.data = request.args["email"][:254]  # from a link that has just set the password
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is not None:
            db.session.commit()
            login_user(user, remember=form.remember.data)
            return redirect(safe_next(request.args.get("next")) or home_for(user))
        form.password.errors.append(_("The e-mail address or the password is not right."))
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    # A copy of this browser's cookies must not stay signed in: signing out ends the account's every sign-in.
    end_sessions(current_user._get_current_object())
    db.session.commit()
    logout_user()
    flash(_("You are signed out."), "info")
    return redirect(url_for("accounts.login"))


@bp.get("/account")
@login_required
def account():
    return render_template("accounts/account.html")


@bp.post("/account/sign-out-everywhere")
@login_required
def sign_out_everywhere_view():
    sign_out_everywhere(current_user._get_current_object())
    db.session.commit()
    logout_user()
    flash(_("You are signed out on every device and browser. Sign in again here."), "info")
    return redirect(url_for("accounts.login"))


# A link that cannot be used is a page that says why and what to do, with the status that fits: gone for a link
# that was used or has expired, not found for one that never existed.
LINK_STATUS = {"unknown": 404, "used": 410, "expired": 410, "inactive": 410}


@bp.route("/password/set/<token>", methods=["GET", "POST"])
@public("the link's single-use token, from an invitation or reset e-mail, is the key")
@limiter.limit(LOGIN_LIMIT, methods=["POST"])
def set_password(token: str):
    # Opening the link changes nothing (mail scanners open links too); only sending the form spends it.
    try:
        link = check_link(token)
    except LinkNotValid as exc:
        return render_template("accounts/link_not_valid.html", message=exc.message), LINK_STATUS[exc.reason]
    form = SetPasswordForm()
    if form.validate_on_submit():
        with saving(form, refusals=(LinkNotValid, RuleViolation)) as saved:
            user = set_password_with_link(token, form.password.data)
        if saved:
            logout_user()  # whoever was signed in in this browser, the next sign-in is with the new password
            flash(_("Your password is set. Sign in with your e-mail address and the new password."), "success")
            return redirect(url_for("accounts.login", email=user.email))
    return render_template("accounts/set_password.html", form=form, link=link, user=link.user), \
        422 if form.errors else 200


# Asking for a reset link: per client address (a script trying many addresses) and per e-mail address (someone
# filling another person's mailbox from many machines). The limits apply whether or not the address has an account,
# so a refusal tells nothing either.
RESET_LIMIT_PER_CLIENT = "10 per hour; 30 per day"
RESET_LIMIT_PER_ADDRESS = "3 per hour; 10 per day"


def _typed_address() -> str:
    return "reset:" + (request.form.get("email") or "").strip().lower()[:254]


@bp.route("/password/forgot", methods=["GET", "POST"])
@public("anyone may ask: the link goes only to the account's own address, and the answer is the same for any address")
@limiter.limit(RESET_LIMIT_PER_CLIENT, methods=["POST"])
@limiter.limit(RESET_LIMIT_PER_ADDRESS, methods=["POST"], key_func=_typed_address)
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        with saving() as saved:
            request_password_reset(form.email.data, language=current_language().code)
        if saved:
            flash(_("If %(email)s is the address of an account, a message with a link to choose a new password is on "
                    "its way to it. It may take a few minutes; look in your spam folder too.",
                    email=form.email.data), "info")
            return redirect(url_for("accounts.forgot_password"))
    return render_template("accounts/forgot_password.html", form=form), 422 if form.errors else 200
