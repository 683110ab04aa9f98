"""`flask --app wsgi demo`: load the demonstration session."""

from __future__ import annotations

import time

import click
from sqlalchemy import select

from conference.conferences.models import Conference
from conference.core.cli import user_errors
from conference.demo.services import DEFAULT_PARTICIPANTS, load_demo
from conference.extensions import db


@click.command("demo")
@click.option("--participants", default=DEFAULT_PARTICIPANTS, show_default=True, type=click.IntRange(min=1),
              help="Approved participants to create.")
@click.option("--if-empty", is_flag=True, help="Load only when the database holds no conference at all.")
@user_errors
def demo_command(participants, if_empty):
    """Load the demonstration session cop12 (idempotent: an existing cop12 is left as it is)."""
    if if_empty and db.session.scalar(select(Conference.id).limit(1)) is not None:
        click.echo("demo: the database already holds a session; nothing loaded")
        return
    started = time.perf_counter()
    conference, created = load_demo(participants)
    if not created:
        click.echo(f"demo: {conference.code} is already loaded; nothing changed")
        return
    db.session.commit()
    click.echo(f"demo: loaded {conference.code} ({conference.short_title}) with {participants} participants "
               f"in {time.perf_counter() - started:.1f} s")
