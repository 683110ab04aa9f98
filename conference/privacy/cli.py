"""`flask --app wsgi purge-personal-data <code>`."""

from __future__ import annotations

import click

from conference.conferences.services import get_conference
from conference.core.cli import user_errors
from conference.privacy.services import purge


@click.command("purge-personal-data")
@click.argument("code")
@user_errors
def purge_command(code):
    """Erase the personal data of a session past its retention period (photos, documents, passport data)."""
    counts = purge(get_conference(code))
    click.echo(f"purged {code}: {counts['registrations']} registrations, {counts['files']} files, "
               f"{counts['mails']} e-mails")
