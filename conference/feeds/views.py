"""Calendar feeds over HTTP: text/calendar, an ETag and Last-Modified that follow the content, 304s."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, request, url_for

from conference.accounts.permissions import public
from conference.conferences.services import get_conference
from conference.core.i18n import _
from conference.extensions import db
from conference.feeds import services
from conference.programme.views import _filters
from conference.registration import services as registration_services

bp = Blueprint("feeds", __name__)
MAX_AGE = 300  # calendars poll; five minutes keeps them current without hammering us


def _respond(etag: str, build, filename: str, *, private: bool = False) -> Response:
    """The feed, or 304 when the calendar already has this version: decided from the ETag before building anything."""
    if request.if_none_match.contains(etag.strip('"')):
        response = Response(status=304)
    else:
        feed = build()
        response = Response(feed.body, mimetype="text/calendar")
        response.content_type = "text/calendar; charset=utf-8"
        response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
        response.last_modified = feed.last_modified
    response.set_etag(etag.strip('"'))
    response.cache_control.max_age = MAX_AGE
    if private:
        response.cache_control.private = True
    else:
        response.cache_control.public = True
    return response.make_conditional(request)


@bp.get("/<code>/programme.ics")
@public("the public programme as a calendar feed")
def programme(code: str):
    conference = get_conference(code)
    filters = _filters(conference)
    key = ("programme", filters.kind, filters.room, filters.organizer, filters.day)
    return _respond(services.etag(conference, *key),
                    lambda: services.cached(conference, key, lambda: services.programme_feed(conference, filters)),
                    f"{conference.code}-programme.ics")


@bp.get("/<code>/sessions/<id:session_id>.ics")
@public("one public session as a calendar feed")
def session(code: str, session_id: int):
    conference = get_conference(code)
    key = ("session", session_id)
    return _respond(services.etag(conference, *key),
                    lambda: services.cached(conference, key, lambda: services.session_feed(conference, session_id)),
                    f"{conference.code}-session-{session_id}.ics")


@bp.get("/<code>/agenda/<token>.ics")
@public("the agenda token in the address is the key")
def agenda(code: str, token: str):
    conference = get_conference(code)
    r = services.registration_by_agenda_token(conference, token)  # a renewed address stops working at once
    return _respond(services.etag(conference, "agenda", r.id, token), lambda: services.agenda_feed(conference, token),
                    f"{conference.code}-agenda.ics", private=True)


@bp.post("/<code>/registration/<token>/agenda/renew")
@public("the private link's secret token is the key")
def renew(code: str, token: str):
    conference = get_conference(code)
    r = registration_services.get_by_token(conference, token)
    services.renew_agenda_token(r)
    db.session.commit()
    flash(_("Your calendar has a new address; the old one no longer works. Subscribe again with the new one."),
          "success")
    return redirect(url_for("programme.my_programme", code=code, token=token))
