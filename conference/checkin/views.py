"""The doors: door staff pick a door and scan badges (camera or typed serial); scanner devices post JSON."""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask_login import current_user

from conference.accounts.permissions import Permission, permission_required
from conference.checkin import services
from conference.checkin.models import CheckInResult
from conference.conferences.services import all_conferences, get_conference
from conference.core.i18n import _
from conference.extensions import db
from conference.registration.views import send_photo

bp = Blueprint("checkin", __name__, url_prefix="/door")

# Answers that show the person's photo, for the visual check at the door.
SHOWS_PHOTO = (CheckInResult.ADMITTED, CheckInResult.ALREADY_ADMITTED)
# Colour of the answer: go, look, stop.
TONE = {CheckInResult.ADMITTED: "go", CheckInResult.ALREADY_ADMITTED: "look"}


@bp.get("/")
@permission_required(Permission.CHECK_IN)
def pick():
    conferences = all_conferences()
    chosen = None
    code = request.args.get("conference", "")
    if code:
        chosen = get_conference(code)
    elif len(conferences) == 1:
        chosen = conferences[0]
    return render_template("checkin/pick.html", conferences=conferences, conference=chosen,
                           doors=services.doors(chosen) if chosen else [])


class BadPayload(Exception):
    """A scanner's request that cannot be read: answered 400 with a JSON error (`error` says which)."""

    def __init__(self, error: str, message: str):
        super().__init__(message)
        self.error = error


def _field(name: str) -> str:
    """A text field of the request, from its form or its JSON object; BadPayload for what no text column takes."""
    value = request.form.get(name)
    if value is None and request.is_json:
        payload = request.get_json(silent=True)
        if not isinstance(payload, dict):
            raise BadPayload("not an object", _("Send a JSON object with the code as `code`."))
        value = payload.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadPayload("not text", _("`%(name)s` must be text.", name=name))
    try:
        value.encode("utf-8")  # a lone surrogate ("\ud800") is valid JSON but no database takes it
    except UnicodeEncodeError:
        raise BadPayload("not text", _("`%(name)s` holds characters that are not text.", name=name)) from None
    return value.strip()


def _device() -> str:
    return (_field("device") or request.headers.get("User-Agent", ""))[:120]


def _answer(conference, outcome) -> dict:
    registration = outcome.registration
    photo_url = None
    if outcome.to_confirm:  # a typed serial: the officer compares the person with the photo, then admits
        answer = {"result": "CONFIRM", "message": outcome.message, "tone": "look",
                  "code": outcome.check_in.serial, "confirm": outcome.to_confirm}
    else:
        answer = {"result": outcome.result.value, "message": outcome.message,
                  "tone": TONE.get(outcome.result, "stop")}
    if registration is not None and registration.photo and (outcome.result in SHOWS_PHOTO or outcome.to_confirm):
        # A pass to the photo of this scan only, for the one who scanned: never the participant's id.
        photo_url = url_for(".photo", code=conference.code, token=services.photo_pass(outcome.check_in))
    return answer | {"name": registration.badge_name if registration is not None else None,
                     "entity": registration.delegation.entity.display_name if registration is not None else None,
                     "photo_url": photo_url}


def _scan(conference, door: str, value: str) -> dict:
    outcome = services.check_in(conference, code_or_serial=value, door=door, user=current_user, device=_device(),
                                confirmation=_field("confirm"))
    answer = _answer(conference, outcome)
    db.session.commit()
    return answer


@bp.route("/<code>/<door>", methods=["GET", "POST"])
@permission_required(Permission.CHECK_IN)
def door(code: str, door: str):
    conference = get_conference(code)
    label = services.door_label(conference, door)
    answer = None
    if request.method == "POST":  # the typed serial, without JavaScript
        value = request.form.get("code", "").strip()
        if value:
            answer = _scan(conference, door, value)
    return render_template("checkin/door.html", conference=conference, door=door, label=label, answer=answer)


@bp.post("/<code>/<door>/scan")
@permission_required(Permission.CHECK_IN)
def scan(code: str, door: str):
    """For the page's script and scanner devices: `code` (QR value or serial) as a form field or JSON.

    A typed serial that would admit answers `"result": "CONFIRM"` with a `confirm` pass: the same request with
    `confirm` added admits (after the officer compared the person with the photo)."""
    conference = get_conference(code)
    services.door_label(conference, door)  # NotFound for a door that does not exist
    try:
        value = _field("code")
        if not value:
            raise BadPayload("no code", _("Send the QR code's value or the badge serial as `code`."))
        return _scan(conference, door, value)
    except BadPayload as exc:
        return {"error": exc.error, "message": str(exc)}, 400


@bp.get("/<code>/photo/<token>")
@permission_required(Permission.CHECK_IN)
def photo(code: str, token: str):
    """The photo of a badge just scanned, through the pass in the scan's answer (see services.photo_pass)."""
    registration = services.photo_by_pass(get_conference(code), token, current_user)
    response = send_photo(registration.photo)
    response.headers["Cache-Control"] = "private, no-store"
    return response
