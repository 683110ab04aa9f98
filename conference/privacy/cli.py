"""`flask --app wsgi purge-personal-data <code>` and `flask --app wsgi purge-stale-files`."""

from __future__ import annotations

import click

from conference.conferences.services import get_conference
from conference.core.cli import user_errors
from conference.privacy.services import clean_stale_files, purge


@click.command("purge-personal-data")
@click.argument("code")
@user_errors
def purge_command(code):
    """Erase the personal data of a session past its retention period (photos, documents, passport data)."""
    counts = purge(get_conference(code))
    click.echo(f"purged {code}: {counts['registrations']} registrations, {counts['files']} files, "
               f"{counts['mails']} e-mails, {counts['outbox_files']} outbox files, "
               f"{counts['badge_run_pdfs']} badge-run PDFs, {counts['participants_lists']} lists of participants, "
               f"{counts['orphaned_uploads']} orphaned uploads")


@click.command("purge-stale-files")
@user_errors
def stale_files_command():
    """Erase uploads no record points to and badge-run PDFs older than BADGE_PDF_RETENTION_HOURS (run it hourly)."""
    counts = clean_stale_files()
    click.echo(f"erased {counts['orphaned_uploads']} orphaned uploads, {counts['badge_run_pdfs']} badge-run PDFs")
