"""`flask --app wsgi demo`: load the demonstration session."""

from __future__ import annotations

import time

import click
from sqlalchemy import select

from conference.conferences.models import Conference
from conference.core.cli import user_errors
from conference.core.i18n import format_moment
from conference.demo import large
from conference.demo.in_progress import ensure_session_in_progress
from conference.demo.next_session import ensure_open_session
from conference.demo.services import DEFAULT_PARTICIPANTS, load_demo
from conference.extensions import db


@click.command("demo")
@click.option("--participants", default=DEFAULT_PARTICIPANTS, show_default=True, type=click.IntRange(min=1),
              help="Approved participants to create.")
@click.option("--shape", type=click.Choice(["cop12", large.CODE]),
              help=f"The session to build: the COP12 replay (the default up to {large.LARGE_FROM:,} participants) or "
                   f"a COP28-shaped session (the default above), written in batches.")
@click.option("--if-empty", is_flag=True, help="Load cop12 only when the database holds no conference at all.")
@click.option("--open-session", is_flag=True,
              help="Also keep an open session, cop13, copied from cop12 with dates ahead of today, and a meeting in "
                   "progress, wg11, whose days cover today and whose participants' badges the door admits.")
@user_errors
def demo_command(participants, shape, if_empty, open_session):
    """Load the demonstration session cop12, or with many participants the COP28-shaped cop28 (idempotent: an
    existing session is left as it is)."""
    if (shape or (large.CODE if participants > large.LARGE_FROM else "cop12")) == large.CODE:
        started = time.perf_counter()
        conference, created = large.load_large(participants)
        click.echo(f"demo: loaded {conference.code} ({conference.short_title}) with {participants} participants in "
                   f"{time.perf_counter() - started:.1f} s" if created else
                   f"demo: {conference.code} is already loaded; nothing changed")
        return
    if if_empty and db.session.scalar(select(Conference.id).limit(1)) is not None:
        click.echo("demo: the database already holds a session; nothing loaded")
    else:
        started = time.perf_counter()
        conference, created = load_demo(participants)
        if created:
            db.session.commit()
            click.echo(f"demo: loaded {conference.code} ({conference.short_title}) with {participants} participants "
                       f"in {time.perf_counter() - started:.1f} s")
        else:
            click.echo(f"demo: {conference.code} is already loaded; nothing changed")
    if open_session:
        conference, created = ensure_open_session()
        if conference is None:
            click.echo("demo: no cop12 to copy; no open session created")
            return
        db.session.commit()
        click.echo(f"demo: {conference.code} ({conference.short_title}), {'created' if created else 'already there'}: "
                   f"registration open until {format_moment(conference.registration_closes_at, conference)} "
                   f"({conference.timezone})")
        in_progress = ensure_session_in_progress()
        db.session.commit()
        meeting = in_progress.conference
        state = "created" if in_progress.created else "days moved to cover today" if in_progress.moved else \
            "already there"
        click.echo(f"demo: {meeting.code} ({meeting.short_title}), {state}: in progress from {meeting.starts_on} to "
                   f"{meeting.ends_on}, doors open all day ({meeting.timezone})")
        click.echo(f"demo: to try the door, sign in as a door officer (or the admin), open /door/, choose "
                   f"{meeting.short_title} ({meeting.code}) and the building gate, and type a badge serial such as "
                   f"{' or '.join(in_progress.serials())} (a door-staff account: flask --app wsgi users create "
                   f"door@example.org --role door-staff)")
