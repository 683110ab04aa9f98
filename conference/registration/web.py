"""What the registration forms share on the web side: uploads kept across a failed submission, and errors."""

from __future__ import annotations

from pathlib import Path

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeSerializer
from wtforms.form import BaseForm

from conference.core.errors import Invalid, PlenaryError
from conference.registration.uploads import UploadError, check_pdf, process_photo, store

MAX_READ = 12 * 1024 * 1024


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="plenary-upload-ref")


class UploadSlots:
    """The photo and document of a form, kept when another field is wrong so that nothing is sent twice.

    An accepted file is stored at once and the form carries a signed
    reference to it (the participant cannot point at anybody else's file).
    """

    def __init__(self, form):
        self.form = form
        self.photo: str | None = None
        self.document: str | None = None
        self.errors: dict[str, str] = {}
        if not form.is_submitted():
            return
        folder = Path(current_app.config["UPLOAD_FOLDER"])
        self.photo = self._take(folder, "photo", "photos", "jpg")
        self.document = self._take(folder, "document", "documents", "pdf")

    def _take(self, folder: Path, name: str, kind: str, suffix: str) -> str | None:
        field = self.form._fields.get(name)
        if field is None:
            return None
        upload = field.data
        if upload is not None and getattr(upload, "filename", ""):
            data = upload.read(MAX_READ + 1)
            try:
                if name == "photo":
                    data = process_photo(data, field=name)
                else:
                    check_pdf(data, field=name)
            except UploadError as exc:
                self.errors[name] = exc.message
                return self._kept(name)
            return store(folder, kind, data, suffix)
        return self._kept(name)

    def _kept(self, name: str) -> str | None:
        ref = request.form.get(f"{name}_ref", "")
        if not ref:
            return None
        try:
            value = _serializer().loads(ref)
        except BadSignature:
            return None
        return value if isinstance(value, str) else None

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
        return _serializer().dumps(value) if value else ""


def show_errors(form: BaseForm, exc: PlenaryError) -> None:
    """Put the services' messages next to the fields they concern; the rest above the form."""
    errors = exc.errors if isinstance(exc, Invalid) else {exc.field or "": [exc.message]}
    for name, messages in errors.items():
        field = form._fields.get(name) if name else None
        if field is None:
            form.form_errors.extend(messages)
        elif not field.errors:  # a refused upload already says what to send: one message is enough
            field.errors = list(messages)
    form._errors = None  # the form caches its errors: let it see these

