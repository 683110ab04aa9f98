"""`flask --app wsgi participants list <code> -o FILE.pdf|FILE.xlsx [--language ar|zh|en|fr|ru|es]`."""

from __future__ import annotations

from pathlib import Path

import click

from conference.conferences.services import get_conference
from conference.core.cli import user_errors
from conference.core.errors import PlenaryError
from conference.core.i18n import LANGUAGES, _, force_locale
from conference.participants_list import documents
from conference.participants_list.services import plan
from conference.registration.cli import participants_cli

FORMATS = {".pdf": documents.write_pdf, ".xlsx": documents.write_xlsx}


@participants_cli.command("list")
@click.argument("code")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, writable=True),
              help="FILE.pdf (the document) or FILE.xlsx (one row per person).")
@click.option("--language", type=click.Choice(list(LANGUAGES)), default="en", show_default=True,
              help="The language of headings, categories and official names.")
@user_errors
def list_command(code, output, language):
    """Write the list of participants of CODE: provisional while the session runs, final after it."""
    write = FORMATS.get(Path(output).suffix.lower())
    if write is None:
        raise PlenaryError(_("%(file)s: the list is written as .pdf or .xlsx", file=output))
    conference = get_conference(code)
    lst = plan(conference)
    with force_locale(language):
        write(lst, output)  # a part of the list at a time, straight to the file
    kind = "final" if lst.final else "provisional"
    size = Path(output).stat().st_size
    click.echo(f"participants list: {lst.people} participants, {kind}, written to {output} ({size // 1024} kB)")
