"""`flask --app wsgi sessions ...`: sessions of the Conference from the command line."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from conference.conferences.services import CopyRequest, copy_conference
from conference.core.cli import user_errors
from conference.core.i18n import format_moment
from conference.extensions import db

sessions_cli = AppGroup("sessions", help="Sessions of the Conference.")

DAY = click.DateTime(formats=["%Y-%m-%d"])


@sessions_cli.command("copy")
@click.argument("source")
@click.argument("new")
@click.option("--title", required=True, help="The new session's full title.")
@click.option("--short-title", default="", help="Its short title (default: the code in capitals).")
@click.option("--starts", type=DAY, required=True, help="First day, YYYY-MM-DD.")
@click.option("--ends", type=DAY, required=True, help="Last day, YYYY-MM-DD.")
@click.option("--registration-closes", type=DAY, default=None,
              help="Last day of registration, YYYY-MM-DD (default: 14 days before the first day).")
@user_errors
def copy_command(source, new, title, short_title, starts, ends, registration_closes):
    """A new session NEW from the earlier session SOURCE: its venue, settings, rooms, badge categories and
    participating entities with their quotas; no people, no documents; registration open from now."""
    try:
        conference = copy_conference(source, CopyRequest(
            code=new, title=title, short_title=short_title, starts_on=starts.date(), ends_on=ends.date(),
            registration_closes_on=registration_closes.date() if registration_closes else None))
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    click.echo(f"sessions: created {conference.code} ({conference.short_title}) from {source}: "
               f"{len(conference.rooms)} rooms, registration open until "
               f"{format_moment(conference.registration_closes_at, conference)} ({conference.timezone})")
