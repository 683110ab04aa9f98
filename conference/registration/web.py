"""What the registration forms share on the web side: uploads kept across a failed submission, errors, and the
one withdrawal page."""

from __future__ import annotations

import functools
import os
import secrets
from dataclasses import dataclass

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeTimedSerializer

from conference.core.errors import Invalid, NotFound, PermissionDenied, RuleViolation
from conference.core.i18n import _, format_number
from conference.core.storage import Storage
from conference.core.templating import small_int
from conference.core.versioned import kept
from conference.core.web import saving
from conference.extensions import db
from conference.registration import services
from conference.registration.forms import ReasonForm, WithdrawForm
from conference.registration.models import (
    BadgeState,
    Category,
    RegionalGroup,
    Registration,
    RegistrationStatus,
)
from conference.registration.services import ngos
from conference.registration.uploads import (
    UNCLAIMED_FOR_SECONDS,
    UploadError,
    check_document_size,
    check_pdf,
    check_photo_size,
    process_photo,
    store,
    upload_exists,
    upload_storage,
)


def enum_of(enum_cls, value):
    """The member of an enumeration a request names, or None for an empty or unknown value."""
    try:
        return enum_cls(value) if value else None
    except ValueError:
        return None


def queue_filters() -> services.QueueFilters:
    """The registration queue's filters as the request's query string gives them (the queue and its download)."""
    args = request.args
    return services.QueueFilters(
        status=enum_of(RegistrationStatus, args.get("status")),
        category=enum_of(Category, args.get("category")),
        delegation_id=small_int(args.get("delegation", "")),
        regional_group=args.get("group") if enum_of(RegionalGroup, args.get("group")) else None,
        badge_state=args.get("badge") if enum_of(BadgeState, args.get("badge")) else None,
        q=args.get("q", "")[:200],
    )


def queue_args(filters: services.QueueFilters) -> dict[str, str | int]:
    """The query string of the queue's links (pages, download, back after a bulk decision) from its filters as read:
    what `queue_filters` understood, nothing else the request carried."""
    values = {"q": filters.q, "status": filters.status.value if filters.status else None,
              "category": filters.category.value if filters.category else None, "group": filters.regional_group,
              "badge": filters.badge_state, "delegation": filters.delegation_id}
    return {name: value for name, value in values.items() if value}


def kept_rows(conference, name: str, key: tuple, build):
    """A page's rows of registrations as `build()` renders them, kept in this process per language and `key` until the
    session's versions change (core/versioned.py): `agenda_version` moves with every change of a registration or of
    an entity, `programme_version` with the session's own settings (its time zone). Only what is the same for every
    officer may be kept: no CSRF token, nothing that depends on who looks."""
    return kept(name, conference, (str(get_locale() or "en"), *key),
                (conference.programme_version, conference.agenda_version), build,
                size=current_app.config["PAGE_CACHE_SIZE"])


MEMBERS_PER_PAGE = 100  # a delegation can be thousands strong (4,409 in one at COP28): its members come in pages


@dataclass
class MembersPage:
    """One page of a delegation's members, optionally of one status, with the counts by status."""

    rows: list[Registration]
    counts: dict[RegistrationStatus, int]
    status: RegistrationStatus | None
    page: int
    pages: int

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def places_used(self) -> int:
        """The places held, as `services.places_used` counts them, from the counts already read."""
        return sum(n for status, n in self.counts.items() if status in services.ACTIVE)


def members_page(d) -> MembersPage:
    """The page of the delegation's members the query string asks for (`status`, `page`): the counts by status in
    one aggregate query, the page's rows in two (registration queries: `search`), whatever the delegation's size."""
    status = enum_of(RegistrationStatus, request.args.get("status"))
    page = min(small_int(request.args.get("page")) or 1, 100_000)
    counts = services.delegation_counts(d.id)
    matching = counts.get(status, 0) if status else sum(counts.values())
    rows, _total = services.search(d.conference, services.QueueFilters(delegation_id=d.id, status=status),
                                   page=page, per_page=MEMBERS_PER_PAGE, total=matching)
    return MembersPage(rows=rows, counts=counts, status=status, page=page,
                       pages=max(1, -(-matching // MEMBERS_PER_PAGE)))


# The form fields that take a file, and the folder (kind) of each.
KIND_OF_FIELD = {"photo": "photos", "document": "documents"}
# How long a form keeps an accepted file: a participant who leaves a failed form open overnight sends the file again.
# Files nobody claimed within this time are orphans, which the clean-up may erase (privacy/services.py).
REF_MAX_AGE = UNCLAIMED_FOR_SECONDS


def _serializer(kind: str) -> URLSafeTimedSerializer:
    # One salt per kind: a document's reference never verifies as a photo's, whatever its payload says.
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"plenary-upload-ref:{kind}")


def _issuer() -> str:
    """The form a reference belongs to: this page (its endpoint and arguments: conference, category, private
    token, registration) in this browser (a random nonce kept in the signed session cookie). A reference copied
    into another form, another person's page or another browser does not verify."""
    nonce = session.get("upload_nonce")
    if not isinstance(nonce, str) or not nonce:
        nonce = session["upload_nonce"] = secrets.token_urlsafe(16)
    args = "&".join(f"{k}={v}" for k, v in sorted((request.view_args or {}).items()))
    return f"{request.endpoint}?{args}#{nonce}"


def _ref_refused(name: str) -> str:
    if name == "photo":
        return _("The photo sent earlier with this form can no longer be used. Please choose the photo again.")
    return _("The nominating document sent earlier with this form can no longer be used. "
             "Please choose the document again.")


class UploadSlots:
    """The photo and document of a form, kept when another field is wrong so that nothing is sent twice.

    An accepted file is stored at once and the form carries a signed reference to it: signed with a salt of its
    kind (a document's reference is refused as a photo's), for the form and browser that received the file
    (`_issuer`), for `REF_MAX_AGE` seconds. The participant cannot point at anybody else's file, nor at their own
    file of another kind; a reference that does not verify is a form error on its field.
    """

    def __init__(self, form):
        self.form = form
        self.photo: str | None = None
        self.document: str | None = None
        self.names: dict[str, str] = {}  # the file's own name, as the sender's computer gave it
        self.errors: dict[str, str] = {}
        if not form.is_submitted():
            return
        folder = upload_storage()
        self.photo = self._take(folder, "photo", "photos", "jpg")
        self.document = self._take(folder, "document", "documents", "pdf")

    def _take(self, folder: Storage, name: str, kind: str, suffix: str) -> str | None:
        field = self.form._fields.get(name)
        if field is None:
            return None
        upload = field.data
        if upload is not None and getattr(upload, "filename", ""):
            try:
                # The size first, from the spooled file, so that a file over its limit is refused without reading it.
                upload.stream.seek(0, os.SEEK_END)
                size = upload.stream.tell()
                upload.stream.seek(0)
                if name == "photo":
                    check_photo_size(size, field=name)
                    data = process_photo(upload.read(), field=name)
                else:
                    check_document_size(size, field=name)
                    data = upload.read()
                    check_pdf(data, field=name)
            except UploadError as exc:
                self.errors[name] = exc.message
                return self._kept(folder, name, kind)
            self.names[name] = upload.filename
            return store(folder, kind, data, suffix)
        return self._kept(folder, name, kind)

    def _kept(self, folder: Storage, name: str, kind: str) -> str | None:
        """The file a reference sent back with the form points at; None with a form error when it does not verify
        (forged, of another kind, from another form or browser, too old) or its file is gone."""
        ref = request.form.get(f"{name}_ref", "")
        if not ref:
            return None
        try:
            value = _serializer(kind).loads(ref, max_age=REF_MAX_AGE)
            path, issuer, filename = (*value, "") if len(value) == 2 else value
            if not (isinstance(path, str) and path.startswith(f"{kind}/") and issuer == _issuer()
                    and isinstance(filename, str)):
                raise BadSignature("not this form's reference")
            if not upload_exists(folder, path):
                raise NotFound(path)
        except (BadSignature, ValueError, TypeError, NotFound):
            self.errors.setdefault(name, _ref_refused(name))
            return None
        self.names[name] = filename
        return path

    def validate(self) -> bool:
        """Validate the form (when it was sent) and put the upload errors next to their fields.

        WTForms resets each field's errors when it validates, so ours are added after.
        """
        valid = self.form.validate_on_submit()
        for name, message in self.errors.items():
            self.form._fields[name].errors = [*self.form._fields[name].errors, message]
        self.form._errors = None  # the form caches its errors: let it see ours
        return valid

    def check(self) -> None:
        """Refuse the submission when an upload was refused, after the services had their say on the rest,
        so that every wrong field is reported at once. (The messages are already next to their fields.)"""
        if self.errors:
            raise Invalid({})

    def ref(self, name: str) -> str:
        value = getattr(self, name, None)
        return _serializer(KIND_OF_FIELD[name]).dumps([value, _issuer(), self.names.get(name, "")]) if value else ""


def sends_files(back_to: str | None = None):
    """Mark a view whose form sends files: a request too large to be read at all (over MAX_CONTENT_LENGTH) comes back
    to the form with a message saying what to send, never the generic 413 page. `back_to` names the page with the
    form when it is not the view's own address (a form that only posts).

    Put it right under `@bp.route`: the errors module looks for `too_large` on the view Flask registered.
    """

    def decorate(view):
        view.too_large = functools.partial(_too_large, back_to)
        return view

    return decorate


def _too_large(back_to: str | None):
    """The answer to a form whose files together exceed what is read (the body was not read: nothing typed is kept)."""
    flash(_("What you sent came to %(size)s MB, more than this site reads at once (%(limit)s MB), so nothing was "
            "saved. A photo may be at most 5 MB and a nominating document at most 10 MB: please choose smaller files "
            "and send the form again.",
            size=format_number(round((request.content_length or 0) / (1024 * 1024), 1)),
            limit=format_number(current_app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024))), "error")
    target = url_for(back_to, **(request.view_args or {})) if back_to else request.path
    return redirect(target, code=303)


def file_pdf(form, keep, *, back: str, done: str, missing: str):
    """A form that sends one PDF of a delegation (a nominating document, credentials): the file is checked and
    stored, then `keep(path, filename)` (a service) keeps it as a further version; the answer goes back to `back`
    with what happened. A refused file is an UploadError, a RuleViolation: its message above the page."""
    if form.validate_on_submit() and form.document.data:
        with saving(refusals=(RuleViolation, PermissionDenied)) as saved:
            data = form.document.data.read()  # at most MAX_CONTENT_LENGTH; check_pdf says when over 10 MB
            check_pdf(data)
            keep(store(upload_storage(), "documents", data, "pdf"), form.document.data.filename)
        if saved:
            flash(done, "success")
    else:
        flash(missing, "error")
    return redirect(back)


def withdraw_page(r: Registration, *, actor: services.Actor, user, back: str, done: str, done_message: str):
    """The one way to withdraw a registration, whoever does it (the participant, their focal point, the
    secretariat): a page that asks to confirm and for the reason, then the state machine, which tells the
    participant by e-mail. `back` is where "keep it" leads, `done` where to go once it is withdrawn."""
    if "withdraw" not in services.allowed_actions(r, actor):
        flash(str(services.NOT_FROM_STATUS["withdraw"]) % {"status": r.status.label}, "error")
        return redirect(back)
    form = WithdrawForm()
    if form.validate_on_submit():
        with saving(form, refusals=(RuleViolation, PermissionDenied)) as saved:
            services.transition(r, "withdraw", actor=actor, user=user, reason=form.reason.data)
        if saved:
            flash(done_message, "info")
            return redirect(done)
    return render_template("registration/withdraw.html", conference=r.conference, r=r, form=form, back=back,
                           by_participant=actor == services.Actor.PARTICIPANT), 200 if not form.errors else 422


def take_action(r: Registration, form: ReasonForm, actor: services.Actor) -> None:
    """A button of the state machine, pressed in the back office or on the focal point's page: the action, its
    reason, and what became of the registration (or why not) above the next page."""
    if form.validate_on_submit():
        with saving(refusals=(RuleViolation, PermissionDenied)) as saved:
            services.transition(r, form.action.data, actor=actor, user=current_user, reason=form.reason.data or "")
        if saved:
            flash(services.now_in_status(r), "success")


def table_import_page(form, template: str, *, check, apply, done, **context):
    """A reference table's CSV import page in two steps (the NGO roster, the States' treaty statuses): the file read
    as UTF-8 (any other encoding said at the file field), a preview from `check(text)`, then on confirmation
    `apply(text)` in this request's transaction, committed only when every row is right (all or nothing), and
    `done(preview)`, the answer once imported. Bad rows keep the page at 422 with the preview naming them."""
    preview, text, status = None, "", 200
    if form.validate_on_submit():
        upload = request.files.get("file")
        try:
            text = form.content.data if form.content.data and not upload else ngos.decode(
                upload.read() if upload else b"")
        except ValueError as exc:
            form.file.errors = [str(exc)]
            return render_template(template, form=form, **context), 422
        if form.confirm.data and form.content.data:
            preview = apply(text)
            if preview.ok:
                db.session.commit()
                return done(preview)
            db.session.rollback()
        else:
            preview = check(text)
        status = 200 if preview.ok else 422
    elif request.method == "POST":
        status = 422
    return render_template(template, form=form, preview=preview, text=text, **context), status
