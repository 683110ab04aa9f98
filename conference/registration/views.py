"""The public side of registration: the form, and the participant's private page."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for

from conference.accounts.permissions import public
from conference.conferences.services import get_conference
from conference.core.i18n import _
from conference.core.security import REQUEST_LIMIT, RESEND_LIMIT, created_something, public_form_limit
from conference.core.web import saving, send_stored
from conference.extensions import limiter
from conference.registration import services
from conference.registration.forms import MediaRegistrationForm, NgoRequestForm, RegistrationForm, ResendForm
from conference.registration.models import PARTY_KINDS
from conference.registration.services import Actor, requests
from conference.registration.uploads import upload_key, upload_storage
from conference.registration.web import UploadSlots, sends_files, withdraw_page

bp = Blueprint("registration", __name__)


@bp.get("/<code>/register")
@public("anyone may start a registration")
def start(code: str):
    conference = get_conference(code)
    return render_template("registration/start.html", conference=conference,
                           closed=services.registration_open(conference), categories=services.CATEGORIES)


@bp.route("/<code>/register/<category>", methods=["GET", "POST"])
@sends_files()
@public("anyone may register while registration is open")
@limiter.limit(public_form_limit, methods=["POST"], deduct_when=created_something)
def form(code: str, category: str):
    conference = get_conference(code)
    closed = services.registration_open(conference)
    if closed:
        return render_template("registration/start.html", conference=conference, closed=closed,
                               categories=services.CATEGORIES)
    delegations = services.delegations_for(conference, category)
    form = MediaRegistrationForm() if category == "media" else RegistrationForm()
    form.offer(delegations)
    if not any(t in PARTY_KINDS for t in services.CATEGORIES[category][1]):
        del form.delegation_role
    uploads = UploadSlots(form)
    if uploads.validate():
        with saving(form) as saved:
            services.submit_public(conference, form.delegation_id.data, form.to_data(), photo=uploads.photo,
                                   document=uploads.document, document_name=uploads.names.get("document", ""),
                                   outlet=form.outlet.data or "" if "outlet" in form else "")
            uploads.check()
        if saved:
            # The same answer whether a registration was made or the person was registered already (then their
            # registration's address is sent its link): the form says nothing of who is registered. The private
            # link comes by e-mail either way.
            flash(_("Thank you. Your registration was received: a message with your private link is on its way to "
                    "%(email)s. Keep it: the link is how you see and change your registration.",
                    email=form.email.data), "success")
            return redirect(url_for("registration.received", code=conference.code))
    return render_template("registration/form.html", conference=conference, form=form, category=category,
                           category_label=services.CATEGORIES[category][0], uploads=uploads,
                           title=_("Register")), 200 if not form.errors else 422


@bp.route("/<code>/register/ngo/request", methods=["GET", "POST"])
@public("anyone may ask for an NGO to be put on the list")
@limiter.limit(REQUEST_LIMIT, methods=["POST"], deduct_when=created_something)
def ngo_request(code: str):
    """"My organization is not on the list": an NGO's details and whom to tell, for the secretariat to decide."""
    conference = get_conference(code)
    closed = services.registration_open(conference)
    if closed:
        return render_template("registration/start.html", conference=conference, closed=closed,
                               categories=services.CATEGORIES)
    form = NgoRequestForm()
    if form.validate_on_submit():
        with saving(form) as saved:
            requests.request_ngo(conference, name=form.name.data, acronym=form.acronym.data or "",
                                 country=form.country.data or "", ecosoc_status=form.ecosoc_status.data or "",
                                 website=form.website.data or "", contact_name=form.contact_name.data,
                                 email=form.email.data, language=form.language.data,
                                 message=form.message.data or "")
        if saved:
            flash(_("Thank you. The secretariat will examine the request for %(name)s and write to %(email)s with "
                    "its decision.", name=form.name.data, email=form.email.data), "success")
            return redirect(url_for("registration.start", code=code))
    return render_template("registration/ngo_request.html", conference=conference, form=form), \
        200 if not form.errors else 422


@bp.get("/<code>/register/received")
@public("what anyone who sent the form is told")
def received(code: str):
    return render_template("registration/received.html", conference=get_conference(code))


@bp.route("/<code>/registration/resend", methods=["GET", "POST"])
@public("anyone may ask: the link goes only to the address registered, and the answer is the same for any address")
@limiter.limit(RESEND_LIMIT, methods=["POST"])
def resend(code: str):
    conference = get_conference(code)
    form = ResendForm()
    if form.validate_on_submit():
        with saving() as saved:
            services.resend_link(conference, form.email.data)
        if saved:
            flash(_("If %(email)s is registered for this session, a message with your private link is on its way to "
                    "it. It may take a few minutes; look in your spam folder too.", email=form.email.data), "info")
            return redirect(url_for("registration.resend", code=code))
    return render_template("registration/resend.html", conference=conference, form=form), \
        200 if not form.errors else 422


@bp.get("/<code>/registration/<token>")
@public("the private link's secret token is the key")
def status(code: str, token: str):
    conference = get_conference(code)
    registration = services.get_by_token(conference, token)
    return render_template("registration/status.html", conference=conference, r=registration,
                           editable=registration.status in services.EDITABLE,
                           actions=services.allowed_actions(registration, Actor.PARTICIPANT))


@bp.route("/<code>/registration/<token>/edit", methods=["GET", "POST"])
@sends_files()
@public("the private link's secret token is the key")
@limiter.limit(public_form_limit, methods=["POST"])  # it decodes photos too: every attempt counts
def edit(code: str, token: str):
    conference = get_conference(code)
    registration = services.get_by_token(conference, token)
    if registration.status not in services.EDITABLE:
        flash(services.not_editable(registration), "info")
        return redirect(url_for("registration.status", code=code, token=token))
    form = RegistrationForm.for_delegation(registration.delegation)
    uploads = UploadSlots(form)
    if not form.is_submitted():
        form.fill(services.RegistrationData.from_registration(registration))
    elif uploads.validate():
        with saving(form) as saved:
            services.update(registration, form.to_data(), actor=Actor.PARTICIPANT, photo=uploads.photo)
            uploads.check()
        if saved:
            flash(_("Your changes are saved."), "success")
            return redirect(url_for("registration.status", code=code, token=token))
    return render_template("registration/form.html", conference=conference, form=form, uploads=uploads,
                           registration=registration, title=_("Change your registration")), \
        200 if not form.errors else 422


@bp.route("/<code>/registration/<token>/withdraw", methods=["GET", "POST"])
@public("the private link's secret token is the key")
def withdraw(code: str, token: str):
    registration = services.get_by_token(get_conference(code), token)
    status = url_for("registration.status", code=code, token=token)
    contact = registration.conference.contact_email
    done = (_("Your registration is withdrawn. If this was a mistake, write to the secretariat at %(email)s.",
              email=contact) if contact else
            _("Your registration is withdrawn. Write to the secretariat if this was a mistake."))
    return withdraw_page(registration, actor=Actor.PARTICIPANT, user=None, back=status, done=status,
                         done_message=done)


@bp.post("/<code>/registration/<token>/new-link")
@public("the private link's secret token is the key")
@limiter.limit(public_form_limit)  # each one sends an e-mail
def new_link(code: str, token: str):
    conference = get_conference(code)
    registration = services.get_by_token(conference, token)
    with saving() as saved:
        services.replace_link(registration, actor="participant")
    if not saved:
        return redirect(url_for("registration.status", code=code, token=token))
    # The new link goes only to the participant's e-mail: whoever else holds this old one must not learn it.
    flash(_("A new private link is on its way to %(email)s. The link you used no longer works.",
            email=registration.email), "success")
    return redirect(url_for("conferences.home", code=code))


@bp.get("/<code>/registration/<token>/photo")
@public("the private link's secret token is the key")
def photo(code: str, token: str):
    return photo_of(services.get_by_token(get_conference(code), token))


def photo_of(registration):
    """The registration's photo (the participant's page, the back office, the badge desk); 404 without one."""
    if not registration.photo:
        abort(404)
    return send_photo(registration.photo)


def send_document(relative: str, download_name: str):
    """A stored PDF (a delegation's nominating document or credentials) as a download: streamed from the storage,
    never shown inline (a file that is not what it claims cannot run in the site's origin), never cached."""
    response = send_upload(relative, mimetype="application/pdf", download_name=download_name, as_attachment=True)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def send_photo(relative: str):
    """A stored photo, streamed from the uploads' storage, for the views that have checked who may see it."""
    return send_upload(relative, mimetype="image/jpeg", download_name="photo.jpg", as_attachment=False)


def send_upload(relative: str, *, mimetype: str, download_name: str, as_attachment: bool = True):
    """A stored upload (photo, nominating document, credentials), streamed from the uploads' storage in pieces
    (the local folder or the object store), for the views that have checked who may see it; 404 without one."""
    return send_stored(upload_storage(), upload_key(relative), mimetype=mimetype, download_name=download_name,
                       as_attachment=as_attachment)
