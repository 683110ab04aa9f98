"""The back office of registration: the queue, one registration, bulk decisions, delegations."""

from __future__ import annotations

import io
from dataclasses import astuple, replace

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup
from wtforms.validators import StopValidation

from conference.accounts import services as accounts
from conference.accounts.forms import FocalPointInvitationForm
from conference.accounts.models import Role
from conference.accounts.permissions import Permission, can, permission_required
from conference.conferences.services import get_conference
from conference.core import audit
from conference.core.errors import RuleViolation
from conference.core.i18n import _, _l, ngettext
from conference.core.templating import small_int
from conference.core.versioned import CSRF_SLOT, csrf_field, fill
from conference.core.web import saving
from conference.extensions import db
from conference.registration import csvio, services
from conference.registration.document_models import DocumentKind
from conference.registration.forms import (
    FiledDocumentForm,
    QuotaForm,
    ReasonForm,
    RegistrationForm,
    RegistrationsImportForm,
    RosterForm,
    TreatyStatusForm,
)
from conference.registration.models import (
    BadgeState,
    Category,
    CredentialsStatus,
    DelegationRole,
    RegionalGroup,
    Registration,
    RegistrationStatus,
    TreatyStatus,
)
from conference.registration.services import Actor, ngos
from conference.registration.views import photo_of, send_document
from conference.registration.web import (
    UploadSlots,
    enum_of,
    file_pdf,
    kept_rows,
    members_page,
    queue_args,
    queue_filters,
    sends_files,
    table_import_page,
    take_action,
    withdraw_page,
)

bp = Blueprint("registration_admin", __name__, url_prefix="/admin/<code>")
PER_PAGE = 50


@bp.get("/registrations")
@permission_required(Permission.REVIEW_REGISTRATIONS)
def queue(code: str):
    """The queue. Its page is the same for every officer: each process keeps it by the session's versions, language,
    filters and page (registration/web.py: kept_rows), so a visit costs the session's row and a look-up; the CSRF
    field and the header (who is signed in, messages) are drawn for each request."""
    conference = get_conference(code)
    filters = queue_filters()
    page = min(small_int(request.args.get("page")) or 1, 100_000)

    def build():
        rows, total = services.search(conference, filters, page=page, per_page=PER_PAGE)
        args = queue_args(filters)
        return Markup(render_template(
            "admin/_registrations.html", conference=conference, rows=rows, total=total, page=page,
            pages=max(1, -(-total // PER_PAGE)), filters=filters, args=args, CSRF_SLOT=CSRF_SLOT,
            back=url_for(".queue", code=code, **args, **({"page": page} if page > 1 else {})),
            statuses=list(RegistrationStatus), categories=list(Category), groups=list(RegionalGroup),
            badge_states=list(BadgeState), actions=services.ACTION_LABELS))

    body = kept_rows(conference, "registration_page", (*astuple(filters), page), build)
    return render_template("admin/registrations.html", conference=conference,
                           body=fill(body))


@bp.post("/registrations/bulk")
@permission_required(Permission.REVIEW_REGISTRATIONS)
def bulk(code: str):
    conference = get_conference(code)
    form = ReasonForm()
    ids = [n for n in (small_int(i) for i in request.form.getlist("ids")) if n is not None]
    if form.validate_on_submit() and ids:
        done, refused = services.bulk_transition(conference, ids, form.action.data, actor=Actor.SECRETARIAT,
                                                 user=current_user, reason=form.reason.data or "")
        db.session.commit()
        if done:
            flash(services.done_message(form.action.data, len(done)), "success")
        for message in refused.values():
            flash(message, "error")
    else:
        flash(_("Tick at least one registration, then choose what to do."), "error")
    return redirect(request.form.get("back") if (request.form.get("back") or "").startswith("/admin/")
                    else url_for(".queue", code=code))


@bp.route("/registrations/import", methods=["GET", "POST"])
@permission_required(Permission.REVIEW_REGISTRATIONS)
def registrations_import(code: str):
    """Registrations from a CSV file: a preview (the import run and rolled back) naming every bad row by line and
    column, then the import of the same text, checked again, all or nothing."""
    conference = get_conference(code)
    form = RegistrationsImportForm()
    result, text = None, ""
    if form.validate_on_submit():
        upload = request.files.get("file")
        confirming = bool(form.confirm.data and form.content.data and not upload)
        try:
            text = form.content.data if confirming else csvio.read_text(upload.stream if upload else io.BytesIO())
        except csvio.FileError as exc:
            form.file.errors = [exc.message]
        else:
            with saving(form):
                result = csvio.import_csv(conference, io.StringIO(text), actor=Actor.SECRETARIAT,
                                          user=current_user, dry_run=not confirming)
            if confirming and result.ok:
                flash(ngettext("%(num)d registration imported.", "%(num)d registrations imported.", result.created),
                      "success")
                return redirect(url_for(".queue", code=code))
            if result.errors and not result.bad_rows:  # the file as a whole (a missing column...): at the field
                form.file.errors = [message for _line, _column, message in result.errors]
    status = 200 if request.method == "GET" or (result is not None and result.ok) else 422
    return render_template("admin/registrations_import.html", conference=conference, form=form, result=result,
                           text=text, columns=csvio.COLUMNS, required=csvio.REQUIRED), status


def _registration(conference, registration_id: int) -> Registration:
    return services.get_registration(conference, registration_id)


@bp.get("/registrations/<id:registration_id>")
@permission_required(Permission.REVIEW_REGISTRATIONS)
def detail(code: str, registration_id: int):
    conference = get_conference(code)
    r = _registration(conference, registration_id)
    history = audit.history(r)
    return render_template("admin/registration.html", conference=conference, r=r, form=ReasonForm(),
                           actions=services.allowed_actions(r, Actor.SECRETARIAT), labels=services.ACTION_LABELS,
                           history=history, sensitive=can(current_user, Permission.VIEW_SENSITIVE_DATA),
                           ngo_problem=services.approval_problem(r.delegation),
                           quota=services.quota_of(r.delegation),
                           nationality=services.nationality_name(r.nationality))


@bp.post("/registrations/<id:registration_id>/action")
@permission_required(Permission.REVIEW_REGISTRATIONS)
def action(code: str, registration_id: int):
    conference = get_conference(code)
    r = _registration(conference, registration_id)
    take_action(r, ReasonForm(), Actor.SECRETARIAT)
    return redirect(url_for(".detail", code=code, registration_id=registration_id))


@bp.route("/registrations/<id:registration_id>/withdraw", methods=["GET", "POST"])
@permission_required(Permission.REVIEW_REGISTRATIONS)
def withdraw(code: str, registration_id: int):
    r = _registration(get_conference(code), registration_id)
    detail_url = url_for(".detail", code=code, registration_id=registration_id)
    return withdraw_page(r, actor=Actor.SECRETARIAT, user=current_user, back=detail_url, done=detail_url,
                         done_message=_("%(name)s: the registration is now withdrawn.", name=r.full_name))


@bp.post("/registrations/<id:registration_id>/new-link")
@permission_required(Permission.REVIEW_REGISTRATIONS)
def new_link(code: str, registration_id: int):
    conference = get_conference(code)
    r = _registration(conference, registration_id)
    with saving() as saved:
        services.replace_link(r, actor=current_user._get_current_object())
    if saved:
        flash(_("The private link is replaced; the new one was e-mailed to %(email)s.", email=r.email), "success")
    return redirect(url_for(".detail", code=code, registration_id=registration_id))


@bp.get("/registrations/<id:registration_id>/photo")
@permission_required(Permission.REVIEW_REGISTRATIONS)
def photo(code: str, registration_id: int):
    return photo_of(_registration(get_conference(code), registration_id))


@bp.route("/registrations/new", methods=["GET", "POST"])
@sends_files()
@permission_required(Permission.REVIEW_REGISTRATIONS)
def new(code: str):
    """The secretariat registers someone, also after the deadline (a late registration)."""
    conference = get_conference(code)
    form = RegistrationForm()
    del form.consent, form.document
    offered = {d.id: d for category in services.CATEGORIES for d in services.delegations_for(conference, category)}
    form.offer(offered.values())
    _role_as_the_delegation_needs(form, offered)
    uploads = UploadSlots(form)
    if uploads.validate():
        with saving(form) as saved:
            delegation = services.get_delegation(conference, form.delegation_id.data)
            r = services.register(conference, delegation, form.to_data(), actor=Actor.SECRETARIAT,
                                  user=current_user, photo=uploads.photo, require_consent=False)
            uploads.check()
        if saved:
            flash(_("%(name)s is registered.", name=r.full_name), "success")
            return redirect(url_for(".detail", code=code, registration_id=r.id))
    return render_template("registration/form.html", conference=conference, form=form, uploads=uploads,
                           title=_("Register a participant")), 200 if not form.errors else 422


def _role_as_the_delegation_needs(form: RegistrationForm, offered: dict) -> None:
    """The back office offers every delegation at once, and only a State's (or the European Union's) gives its members
    a role: the field is marked required as on the public form, its hint says for whom, and a missing role is said at
    the field with the form's other errors (services.role_problem, the rule registering applies again)."""
    field = form.delegation_role
    field.flags.required = True
    field.description = _l("Needed in the delegation of a State or of the European Union; leave it empty for any "
                           "other delegation.")

    def needed(form, field) -> None:
        delegation = offered.get(form.delegation_id.data)
        role = DelegationRole(field.data) if field.data in {r.value for r in DelegationRole} else None
        if delegation is not None and (problem := services.role_problem(delegation, role, actor=Actor.SECRETARIAT)):
            raise StopValidation(problem)

    field.validators = [needed]


def _delegation_page(conference, d, quota_form: QuotaForm | None = None, status: int = 200,
                     invite_form: FocalPointInvitationForm | None = None,
                     treaty_form: TreatyStatusForm | None = None):
    """The delegation's page: its members and its own forms kept by the session's versions (the same for every
    officer who may use them), what changes otherwise (documents, focal points, history) read for each request."""

    def build():
        members = members_page(d)
        html = Markup(render_template("admin/_delegation_members.html", conference=conference, members=members))
        return replace(members, rows=[]), html

    members, members_html = kept_rows(conference, "delegation_rows", (d.id, request.args.get("status", "")[:20],
                                                                       request.args.get("page", "")[:8]), build)
    may_invite = can(current_user, Permission.MANAGE_USERS)
    focal_points, pending = accounts.focal_points_of(d.id)
    return render_template("admin/delegation.html", conference=conference, d=d, members=members,
                           members_html=members_html, focal_points=focal_points, pending=pending,
                           forms=_delegation_forms(conference, d, may_invite, quota_form, invite_form, treaty_form),
                           csrf=csrf_field(), quota=services.quota_of(d), used=members.places_used,
                           history=audit.history(d), documents=services.document_versions(d),
                           may_read=can(current_user, Permission.READ_DELEGATION_DOCUMENTS),
                           ngo_problem=services.approval_problem(d)), status


def _delegation_forms(conference, d, may_invite: bool, quota_form=None, invite_form=None,
                      treaty_form=None) -> dict[str, Markup]:
    """The delegation page's own forms (a note with the credentials' or the NGO's steps, filing a document, inviting a
    focal point, the treaty status, the quota), drawn by admin/_delegation_forms.html. Blank, they are the same for
    every officer with the same permission to invite: kept by the session's versions (the delegation's quota and
    status, its entity's kind, move `agenda_version`); a form sent back with its errors is drawn afresh. The CSRF
    field is this request's either way."""

    def build():
        forms = current_app.jinja_env.get_template("admin/_delegation_forms.html").make_module({
            "conference": conference, "d": d, "CSRF_SLOT": CSRF_SLOT, "credentials": list(CredentialsStatus),
            "ngo_steps": services.NGO_STEP_LABELS, "file_form": FiledDocumentForm(_kinds(d), formdata=None),
            "quota_form": quota_form or QuotaForm(formdata=None, quota=d.quota),
            "invite_form": (invite_form or FocalPointInvitationForm(formdata=None)) if may_invite else None,
            "treaty_form": treaty_form or TreatyStatusForm(
                formdata=None, treaty_status=d.treaty_status.value if d.treaty_status else "")})
        return {name: Markup(getattr(forms, name)()) for name in ("note", "file", "invite", "treaty", "quota")}

    if quota_form or invite_form or treaty_form:
        forms = build()
    else:
        forms = kept_rows(conference, "delegation_forms", (d.id, may_invite), build)
    field = csrf_field()
    return {name: fill(html, field) for name, html in forms.items()}


@bp.get("/delegations/<id:delegation_id>")
@permission_required(Permission.REVIEW_REGISTRATIONS)
def delegation(code: str, delegation_id: int):
    conference = get_conference(code)
    return _delegation_page(conference, services.get_delegation(conference, delegation_id))


def _delegation_form(conference, d, form, save, anchor: str, **page):
    """One of the delegation page's own forms: `save()` does the operation and says what to tell; a refusal or a
    wrong field brings the page back at 422 with what was typed (`page` names the form for _delegation_page)."""
    if form.validate_on_submit():
        with saving(form) as saved:
            message = save()
        if saved:
            flash(message, "success")
            return redirect(url_for(".delegation", code=conference.code, delegation_id=d.id) + anchor)
    return _delegation_page(conference, services.get_delegation(conference, d.id), status=422, **page)


@bp.post("/delegations/<id:delegation_id>/quota")
@permission_required(Permission.REVIEW_REGISTRATIONS)
def delegation_quota(code: str, delegation_id: int):
    conference = get_conference(code)
    d = services.get_delegation(conference, delegation_id)
    form = QuotaForm()

    def save():
        services.set_quota(d, form.quota.data, user=current_user)
        return _("The quota is saved.")

    return _delegation_form(conference, d, form, save, "", quota_form=form)


@bp.post("/delegations/<id:delegation_id>/treaty-status")
@permission_required(Permission.REVIEW_REGISTRATIONS)
def delegation_treaty_status(code: str, delegation_id: int):
    """The State's treaty status at this session (earlier sessions keep theirs)."""
    conference = get_conference(code)
    d = services.get_delegation(conference, delegation_id)
    form = TreatyStatusForm()

    def save():
        changed = services.set_treaty_status(d, TreatyStatus(form.treaty_status.data), user=current_user,
                                             reason=form.reason.data or "")
        return (_("Treaty status at this session: %(status)s.", status=d.treaty_status.label) if changed
                else _("Nothing was changed."))

    return _delegation_form(conference, d, form, save, "#treaty-status", treaty_form=form)


@bp.post("/delegations/<id:delegation_id>/focal-points")
@permission_required(Permission.MANAGE_USERS)
def delegation_invite(code: str, delegation_id: int):
    """Invite the delegation's focal point: the invitation of /admin/users, with the delegation already chosen."""
    conference = get_conference(code)
    d = services.get_delegation(conference, delegation_id)
    form = FocalPointInvitationForm()

    def save():
        user = accounts.invite_user(form.email.data, [Role.FOCAL_POINT], name=form.name.data or "",
                                    delegation_id=d.id, language=form.language.data, actor=current_user)
        return _("Invitation sent to %(email)s: its link sets a password, once, within %(hours)d hours.",
                 email=user.email, hours=accounts.invitation_hours())

    return _delegation_form(conference, d, form, save, "#focal-points", invite_form=form)


@bp.post("/delegations/<id:delegation_id>")
@permission_required(Permission.REVIEW_REGISTRATIONS)
def delegation_action(code: str, delegation_id: int):
    conference = get_conference(code)
    d = services.get_delegation(conference, delegation_id)
    form = ReasonForm()
    if form.validate_on_submit():
        step = form.action.data or ""
        with saving() as saved:
            if step.startswith("ngo:"):
                services.ngo_admission_step(d, step[4:], user=current_user, reason=form.reason.data or "")
            elif step.startswith("credentials:"):
                status = enum_of(CredentialsStatus, step.split(":", 1)[1])
                if status is None:
                    raise RuleViolation(_("Unknown credentials status."))
                services.set_credentials(d, status, user=current_user)
            else:
                raise RuleViolation(_("Unknown action."))
        if saved:
            flash(_("Saved."), "success")
    return redirect(url_for(".delegation", code=code, delegation_id=d.id))


def _kinds(d) -> list[DocumentKind]:
    """The documents a delegation sends: a nominating document, and credentials for a State party."""
    return [DocumentKind.NOMINATION] + ([DocumentKind.CREDENTIALS]
                                        if d.is_party else [])


@bp.post("/delegations/<id:delegation_id>/documents")
@sends_files(back_to="registration_admin.delegation")
@permission_required(Permission.REVIEW_REGISTRATIONS)
def delegation_file(code: str, delegation_id: int):
    """The secretariat files a document the delegation sent by e-mail or by hand: a further version."""
    d = services.get_delegation(get_conference(code), delegation_id)
    form = FiledDocumentForm(_kinds(d))
    kind = enum_of(DocumentKind, form.kind.data)
    return file_pdf(form, lambda path, name: services.file_document(d, kind, path, user=current_user, filename=name),
                    back=url_for(".delegation", code=code, delegation_id=d.id) + "#documents",
                    done=_("The document is filed as a further version."),
                    missing=_("Choose the PDF of the document first."))


@bp.get("/delegations/<id:delegation_id>/documents/<id:document_id>")
@permission_required(Permission.READ_DELEGATION_DOCUMENTS)
def delegation_document(code: str, delegation_id: int, document_id: int):
    """One version of a nominating document or of the credentials, as a download."""
    document = services.get_document(get_conference(code), delegation_id, document_id)
    if not document.path:
        abort(404, description=_("No file was kept for this version: it was received on paper, or erased with "
                                 "the session's personal data."))
    return send_document(document.path, document.download_name)


@bp.post("/delegations/<id:delegation_id>/documents/<id:document_id>/choose")
@permission_required(Permission.REVIEW_REGISTRATIONS)
def delegation_document_choose(code: str, delegation_id: int, document_id: int):
    """The secretariat chooses which version counts."""
    document = services.get_document(get_conference(code), delegation_id, document_id)
    if ReasonForm().validate_on_submit():
        with saving() as saved:
            services.choose_document(document, user=current_user)
        if saved:
            flash(_("Version %(version)d now counts.", version=document.version), "success")
    return redirect(url_for(".delegation", code=code, delegation_id=delegation_id) + "#documents")


@bp.route("/ngos/import", methods=["GET", "POST"])
@permission_required(Permission.REVIEW_REGISTRATIONS)
def ngo_import(code: str):
    """The NGO roster from a CSV file: a preview naming every bad row, then the import, all or nothing."""
    conference = get_conference(code)

    def done(preview):
        flash(ngettext("%(num)d organization imported.", "%(num)d organizations imported.", len(preview.rows)),
              "success")
        return redirect(url_for(".ngo_import", code=code))

    return table_import_page(RosterForm(), "admin/ngo_import.html", check=ngos.read_roster,
                             apply=lambda text: ngos.import_roster(text, user=current_user), done=done,
                             conference=conference)
