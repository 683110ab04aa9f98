"""`flask --app wsgi entities load-un-list`: the participating entities brought in line with the UN list Plenary
ships (States, the European Union, UN entities, specialized agencies, IGOs; see `services.un_list`)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from conference.core.cli import user_errors
from conference.extensions import db
from conference.registration.services.un_list import load_un_list

entities_cli = AppGroup("entities", help="States and organizations that may take part.")


@entities_cli.command("load-un-list")
@user_errors
def load_un_list_command():
    """Add the States and organizations of the UN list that are missing, and bring the others' names (six
    languages), regional groups and acronyms in line with it. Idempotent: a second run changes nothing. Deletes
    nothing, and leaves every State's treaty status and every delegation as they are."""
    report = load_un_list(actor="command line")
    db.session.commit()
    for problem in report.problems:
        click.echo(f"load-un-list: {problem}", err=True)
    click.echo(f"load-un-list: {len(report.created)} added, {len(report.updated)} updated, "
               f"{report.unchanged} already as the list has them")
