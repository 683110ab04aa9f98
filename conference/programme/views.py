"""The public programme, and the participant's side of it (through the private link)."""

from __future__ import annotations

from datetime import date

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask import (
    session as flask_session,
)
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup

from conference.accounts.permissions import public
from conference.conferences.services import get_conference
from conference.core.errors import PermissionDenied, RuleViolation
from conference.core.i18n import WEEKDAY_SHORT, _, format_day, sort_key
from conference.core.templating import external_url, small_int
from conference.core.versioned import kept
from conference.core.web import saving
from conference.feeds.services import etag, google_event_link, subscribe_links
from conference.programme import services
from conference.programme.forms import ApplicationForm
from conference.programme.models import SessionFormat, SessionKind
from conference.registration import services as registration_services
from conference.registration.forms import options

bp = Blueprint("programme", __name__)


def _filters(conference) -> services.ProgrammeFilters:
    args = request.args
    kind = args.get("kind", "")
    day = args.get("day", "")
    try:
        day_value = date.fromisoformat(day) if day else None
    except ValueError:
        day_value = None
    organizer = args.get("organizer", "")
    return services.ProgrammeFilters(
        kind=SessionKind(kind) if kind in {k.value for k in SessionKind} else None,
        room=(args.get("room") or "")[:40] or None, organizer=small_int(organizer), day=day_value)


@bp.get("/<code>/programme")
@public("the programme is public; closed sessions never appear in it")
def programme(code: str):
    """The programme page. Its content is the same for everyone: each process keeps it per programme version,
    language and filters (core/versioned.py), so a visit costs the session's row and a look-up; the header (who is
    signed in, messages) is drawn for each request around it. Visitors who are not signed in also get an ETag, and
    a 304 when their copy is of the same version."""
    conference = get_conference(code)
    filters = _filters(conference)
    key = (str(get_locale() or "en"), filters.kind, filters.room, filters.organizer, filters.day)
    # Signed-in pages carry a CSRF token, and pending messages must be shown: neither may come from a browser's copy.
    tag = None if current_user.is_authenticated or flask_session.get("_flashes") else etag(conference, "page", *key)
    if tag and request.if_none_match.contains(tag.strip('"')):
        return _revalidated(Response(status=304), tag)
    body = kept("programme_page", conference, (current_app.config["PUBLIC_URL"], *key),
                conference.programme_version, lambda: _programme_body(conference, filters),
                size=current_app.config["PAGE_CACHE_SIZE"])
    response = make_response(render_template("programme/programme.html", conference=conference, body=body))
    return _revalidated(response, tag) if tag else response


def _revalidated(response: Response, tag: str) -> Response:
    response.set_etag(tag.strip('"'))
    response.cache_control.no_cache = True  # a browser asks each time; the answer is a 304 until the next change
    response.vary.update(("Accept-Language", "Cookie"))
    return response


def _programme_body(conference, filters: services.ProgrammeFilters) -> Markup:
    sessions = services.public_sessions(conference, filters)
    days: dict[date, list] = {}
    for s in sessions:
        days.setdefault(conference.local(s.starts_at).date(), []).append(s)
    feed_args = {k: v for k, v in (("kind", filters.kind.value if filters.kind else None),
                                   ("room", filters.room)) if v}
    links = subscribe_links(external_url("feeds.programme", code=conference.code, **feed_args),
                            _("The programme in your calendar"))
    return Markup(render_template("programme/_programme.html", conference=conference, days=days, filters=filters,
                                  kinds=list(SessionKind), rooms=conference.rooms, links=links,
                                  organizers=services.organizers_on_programme(conference)))


@bp.get("/<code>/programme.json")
@public("the programme is public; closed sessions never appear in it")
def programme_json(code: str):
    conference = get_conference(code)
    sessions = services.public_sessions(conference, _filters(conference))
    response = jsonify({"conference": conference.code, "timezone": conference.timezone,
                        "sessions": [services.as_json(conference, s) for s in sessions]})
    response.headers["Cache-Control"] = "public, max-age=60"
    return response


@bp.get("/<code>/sessions/<id:session_id>")
@public("a published session's page is public; closed sessions are not found")
def session(code: str, session_id: int):
    conference = get_conference(code)
    s = services.get_session(conference, session_id)
    if s.is_closed or s.published_at is None:
        return render_template("errors/error.html", status=404, title=_("Not found"),
                               message=_("No such session on the public programme.")), 404
    links = subscribe_links(external_url("feeds.session", code=code, session_id=s.id),
                            _("This session in your calendar"))
    return render_template("programme/session.html", conference=conference, s=s, links=links,
                           google_event=google_event_link(conference, s))


# -- through the private link ---------------------------------------------------------------------

def _registration(code: str, token: str):
    conference = get_conference(code)
    return conference, registration_services.get_by_token(conference, token)


@bp.get("/<code>/registration/<token>/programme")
@public("the private link's secret token is the key")
def my_programme(code: str, token: str):
    conference, r = _registration(code, token)
    sessions = [s for s in services.public_sessions(conference) if s.capacity and s.status.value == "PUBLISHED"]
    mine = {signup.session_id: signup for signup in services.signups_of(r)}
    links = subscribe_links(external_url("feeds.agenda", code=code, token=r.agenda_token),
                            _("Your agenda in your calendar"))
    return render_template("programme/mine.html", conference=conference, r=r, sessions=sessions, mine=mine,
                           links=links,
                           applications=services.sessions_of_applicant(r),
                           closed=services.applications_open(conference),
                           led=services.led_by(conference, r.delegation))


@bp.post("/<code>/registration/<token>/sessions/<id:session_id>/<any(signup, cancel):what>")
@public("the private link's secret token is the key")
def signup(code: str, token: str, session_id: int, what: str):
    conference, r = _registration(code, token)
    s = services.get_session(conference, session_id)
    with saving() as saved:
        result = services.sign_up(s, r) if what == "signup" else services.cancel_signup(s, r)
    if saved and what == "signup":
        flash(_("You have a seat at “%(title)s”.", title=s.title) if result.status.value == "CONFIRMED" else
              _("“%(title)s” is full: you are on the waiting list and will be told by e-mail if a seat frees.",
                title=s.title), "success")
    elif saved:
        flash(_("You gave up your place at “%(title)s”.", title=s.title), "info")
    return redirect(url_for(".my_programme", code=code, token=token))


@bp.route("/<code>/registration/<token>/side-events/new", methods=["GET", "POST"])
@public("the private link's secret token is the key")
def apply(code: str, token: str):
    conference, r = _registration(code, token)
    closed = services.applications_open(conference)
    form = ApplicationForm()
    form.preferred.choices = options(
        (f"{day.isoformat()}/{i}", _("%(day)s, %(start)s–%(end)s", day=format_day(day, WEEKDAY_SHORT),
                                     start=slot["starts"], end=slot["ends"]))
        for day in conference.days for i, slot in enumerate(conference.side_event_slots or []))
    form.co_organizers.choices = options(sorted(
        ((d.id, d.entity.display_name) for category in registration_services.CATEGORIES
         for d in registration_services.delegations_for(conference, category) if d.id != r.delegation_id),
        key=lambda c: sort_key(c[1])))
    if not closed and form.validate_on_submit():
        data = services.Application(
            title=form.title.data, description=form.description.data,
            format=SessionFormat(form.format.data) if form.format.data in {f.value for f in SessionFormat}
            else SessionFormat.IN_PERSON,
            expected_attendance=form.expected_attendance.data, languages=form.languages.data or "",
            preferred=[_slot(value) for value in form.preferred.data or []],
            co_organizer_ids=list(form.co_organizers.data or []),
            speakers=[services.Speaker(sp.form.name.data or "", sp.form.gender.data or "",
                                       sp.form.function_title.data or "") for sp in form.speakers])
        with saving(form, refusals=(RuleViolation, PermissionDenied)) as saved:
            s = services.apply(conference, r, data)
        if saved:
            flash(_("Your application “%(title)s” is sent. The coordinators will write to you.", title=s.title),
                  "success")
            return redirect(url_for(".my_programme", code=code, token=token))
    return render_template("programme/apply.html", conference=conference, r=r, form=form, closed=closed,
                           led=services.led_by(conference, r.delegation)), \
        200 if not form.errors else 422


def _slot(value: str) -> tuple[date, int]:
    """A preferred slot as the form sends it ("2024-10-14/0"); anything else becomes a slot the rules refuse
    ("Each preferred slot must be one of the slots offered"), so the applicant sees a form error, not a 500."""
    day, _sep, index = value.partition("/")
    number = small_int(index)
    try:
        return date.fromisoformat(day.strip()), -1 if number is None else number
    except ValueError:
        return date.min, -1


@bp.post("/<code>/registration/<token>/sessions/<id:session_id>/confirm")
@public("the private link's secret token is the key")
def confirm(code: str, token: str, session_id: int):
    conference, r = _registration(code, token)
    s = services.get_session(conference, session_id)
    with saving(refusals=(PermissionDenied,)) as saved:
        services.confirm_co_organizer(s, r)
    if saved:
        flash(_("%(entity)s is confirmed as co-organizer of “%(title)s”.", entity=r.delegation.entity.display_name,
                title=s.title), "success")
    return redirect(url_for(".my_programme", code=code, token=token))
