"""The side-event coordinators' back office: review, scheduling on the grid, publication, invitations."""

from __future__ import annotations

from datetime import date, datetime, time

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from conference.accounts.permissions import Permission, permission_required
from conference.conferences.models import Room
from conference.conferences.services import get_conference
from conference.core.errors import NotFound, RuleViolation
from conference.core.i18n import CLOCK, WEEKDAY, WEEKDAY_SHORT, _, format_day, format_moment, ngettext
from conference.core.templating import small_int
from conference.core.web import saving
from conference.extensions import db
from conference.programme import services
from conference.programme.forms import ReviewForm, ScheduleForm, SessionForm
from conference.programme.models import SessionKind, SessionStatus
from conference.registration import services as registration_services
from conference.registration.forms import options
from conference.registration.models import Gender

bp = Blueprint("programme_admin", __name__, url_prefix="/admin/<code>/programme")


@bp.get("/")
@permission_required(Permission.MANAGE_PROGRAMME)
def applications(code: str):
    conference = get_conference(code)
    sort = request.args.get("sort", "arrival")
    return render_template("admin/programme/applications.html", conference=conference,
                           items=services.review_list(conference, sort=sort), sort=sort,
                           sorts={"arrival": _("Order of arrival"), "state": _("Co-organized by a State"),
                                  "joint": _("Joint event"), "balance": _("Gender-balanced panel"),
                                  "regions": _("Regional diversity")})


@bp.get("/sessions/<id:session_id>")
@permission_required(Permission.MANAGE_PROGRAMME)
def detail(code: str, session_id: int):
    conference = get_conference(code)
    s = services.get_session(conference, session_id)
    return _render_detail(conference, s, _schedule_form(conference, s))


def _render_detail(conference, s, schedule_form, status: int = 200, edit: dict | None = None):
    others = [o for o, _ in services.review_list(conference) if o.id != s.id]
    invited = services.invited_to(s) if s.is_closed else []
    actions = [a for a, (sources, _t, _r) in services.REVIEW.items() if s.status in sources and a != "submit"]
    return render_template("admin/programme/session.html", conference=conference, s=s, form=ReviewForm(),
                           schedule_form=schedule_form, actions=actions, labels=services.REVIEW_LABELS,
                           priorities=services.priorities(s), others=others, invited=invited,
                           seats=services.seats(s), genders={g.value: g.label for g in Gender},
                           preferred=_preferred(conference, s),
                           edit=edit or {"capacity": s.capacity or "", "over_capacity": "refuse"}), status


def _preferred(conference, s) -> list[str]:
    """The application's preferred slots, as people read them: "Thu 7 Jan, 13:15–14:45"."""
    slots, shown = conference.side_event_slots or [], []
    for p in s.preferred_slots or []:
        day = format_day(date.fromisoformat(p["day"]), WEEKDAY_SHORT)
        if 0 <= p["slot"] < len(slots):
            shown.append(_("%(day)s, %(start)s–%(end)s", day=day, start=slots[p["slot"]]["starts"],
                           end=slots[p["slot"]]["ends"]))
        else:
            shown.append(_("%(day)s, slot %(number)d", day=day, number=p["slot"] + 1))
    return shown


def _schedule_form(conference, s) -> ScheduleForm:
    form = ScheduleForm()
    form.room.choices = options(
        (r.id, ngettext("%(room)s (%(num)d seat)", "%(room)s (%(num)d seats)", r.capacity, room=r.name))
        for r in sorted(conference.active_rooms, key=lambda r: -r.capacity))
    form.day.choices = options((d.isoformat(), format_day(d, WEEKDAY)) for d in conference.days)
    suggested = services.suggest_room(conference, s.expected_attendance)
    if suggested is not None and s.expected_attendance:
        form.room.description = ngettext(
            "Suggested: %(room)s, the smallest room for the %(num)d person expected.",
            "Suggested: %(room)s, the smallest room for the %(num)d people expected.",
            s.expected_attendance, room=suggested.name) if suggested.capacity >= s.expected_attendance else \
            _("No room seats the %(num)s expected.", num=s.expected_attendance)
    if not form.is_submitted():
        form.room.data = suggested.id if suggested is not None else None
        if s.starts_at:
            form.room.data = s.room_id
            form.day.data = conference.local(s.starts_at).date().isoformat()
            form.starts.data = f"{conference.local(s.starts_at):%H:%M}"
            form.ends.data = f"{conference.local(s.ends_at):%H:%M}"
        elif s.preferred_slots:
            first = s.preferred_slots[0]
            slot = (conference.side_event_slots or [])[first["slot"]]
            form.day.data, form.starts.data, form.ends.data = first["day"], slot["starts"], slot["ends"]
    return form


@bp.post("/sessions/<id:session_id>/review")
@permission_required(Permission.MANAGE_PROGRAMME)
def review(code: str, session_id: int):
    conference = get_conference(code)
    s = services.get_session(conference, session_id)
    form = ReviewForm()
    action = request.form.get("action", "")
    if form.validate_on_submit():
        with saving(refusals=(RuleViolation, NotFound)) as saved:
            if action == "merge":
                other = services.get_session(conference, small_int(request.form.get("other")) or 0)
                services.merge(s, other, actor=current_user)
            else:
                services.review(s, action, actor=current_user, reason=form.reason.data or "")
        if saved:
            flash(_("“%(title)s” now has the status “%(status)s”.", title=s.title, status=s.status.label), "success")
    return redirect(url_for(".detail", code=code, session_id=session_id))


@bp.post("/sessions/<id:session_id>/schedule")
@permission_required(Permission.MANAGE_PROGRAMME)
def schedule(code: str, session_id: int):
    conference = get_conference(code)
    s = services.get_session(conference, session_id)
    form = _schedule_form(conference, s)
    if not form.validate_on_submit():
        flash(_("Choose a room, a day and the times."), "error")
        return _render_detail(conference, s, form, 422)
    with saving(explain=lambda reasons: _("Not scheduled: %(reasons)s", reasons=reasons)) as saved:
        room = db.session.get(Room, form.room.data)
        if room is None or room.conference_id != conference.id:
            raise RuleViolation(_("Choose a room of this venue."))
        day = date.fromisoformat(form.day.data)
        starts = conference.at_venue(day, _clock(form.starts.data))
        ends = conference.at_venue(day, _clock(form.ends.data))
        services.schedule(s, room, starts, ends, actor=current_user)
    if saved:
        flash(_("“%(title)s” is in %(room)s, %(day)s, %(time)s.", title=s.title, room=room.name,
                day=format_moment(starts, conference, WEEKDAY_SHORT), time=format_moment(starts, conference, CLOCK)),
              "success")
        return redirect(url_for(".detail", code=code, session_id=session_id))
    # Shown with the form as it was filled in, so the coordinator can adjust rather than start over.
    return _render_detail(conference, services.get_session(conference, session_id), form, 422)


def _clock(text: str) -> time:
    try:
        return datetime.strptime(text.strip(), "%H:%M").time()
    except ValueError:
        raise RuleViolation(_("“%(text)s” is not a time like 13:15.", text=text)) from None


@bp.post("/sessions/<id:session_id>/edit")
@permission_required(Permission.MANAGE_PROGRAMME)
def edit(code: str, session_id: int):
    conference = get_conference(code)
    s = services.get_session(conference, session_id)
    capacity = request.form.get("capacity", "").strip()
    over_capacity = request.form.get("over_capacity", "refuse")
    confirmed = services.seats(s)["CONFIRMED"]
    with saving() as saved:
        services.update_session(s, capacity=small_int(capacity, limit=100_000), over_capacity=over_capacity,
                                actor=current_user)
        moved = confirmed - services.seats(s)["CONFIRMED"]
    if saved:
        flash(ngettext("Saved. %(num)d person is back on the waiting list and was told by e-mail.",
                       "Saved. %(num)d people are back on the waiting list and were told by e-mail.", moved)
              if moved > 0 else _("Saved."), "success")
        return redirect(url_for(".detail", code=code, session_id=session_id))
    # Shown again with what was typed and chosen, so the coordinator can change either and save.
    s = services.get_session(conference, session_id)
    return _render_detail(conference, s, _schedule_form(conference, s), 422,
                          edit={"capacity": capacity, "over_capacity": over_capacity})


@bp.post("/sessions/<id:session_id>/invitations")
@permission_required(Permission.MANAGE_PROGRAMME)
def invitations(code: str, session_id: int):
    conference = get_conference(code)
    s = services.get_session(conference, session_id)
    with saving(refusals=(RuleViolation, NotFound)) as saved:
        registration = registration_services.get_by_email(conference, request.form.get("email", ""))
        if request.form.get("remove"):
            services.uninvite(s, registration, actor=current_user)
        else:
            services.invite(s, registration, actor=current_user)
    if saved:
        flash(_("Invitations updated."), "success")
    return redirect(url_for(".detail", code=code, session_id=session_id))


@bp.route("/new", methods=["GET", "POST"])
@permission_required(Permission.MANAGE_PROGRAMME)
def new(code: str):
    conference = get_conference(code)
    form = SessionForm()
    if form.validate_on_submit():
        with saving(form) as saved:
            s = services.create_session(conference, SessionKind(form.kind.data), form.title.data, actor=current_user,
                                        description=form.description.data or "", capacity=form.capacity.data,
                                        expected_attendance=form.expected_attendance.data,
                                        is_closed=form.is_closed.data,
                                        restricted_to_parties=form.restricted_to_parties.data)
        if saved:
            return redirect(url_for(".detail", code=code, session_id=s.id))
    return render_template("admin/programme/new.html", conference=conference, form=form), \
        200 if not form.errors else 422


@bp.get("/grid")
@permission_required(Permission.MANAGE_PROGRAMME)
def grid(code: str):
    conference = get_conference(code)
    try:
        day = date.fromisoformat(request.args.get("day", "")) if request.args.get("day") else conference.starts_on
    except ValueError:
        day = conference.starts_on
    if not conference.starts_on <= day <= conference.ends_on:
        abort(404)
    rooms, sessions = services.grid(conference, day)
    hours = list(range(conference.venue_opens.hour, conference.venue_closes.hour + 1))
    by_room = {room.id: [s for s in sessions if s.room_id == room.id] for room in rooms}
    return render_template("admin/programme/grid.html", conference=conference, day=day, rooms=rooms,
                           by_room=by_room, hours=hours, unscheduled=[
                               s for s, _ in services.review_list(conference) if s.status == SessionStatus.ACCEPTED])
