"""`flask --app wsgi stats <code> --json`."""

from __future__ import annotations

import json

import click

from conference.conferences.services import get_conference
from conference.core.cli import user_errors
from conference.core.errors import PlenaryError
from conference.statistics.services import compute


@click.command("stats")
@click.argument("code")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON on standard output.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write the PDF report here.")
@user_errors
def stats_command(code, as_json, output):
    """The attendance statistics of a conference."""
    if not as_json and not output:
        raise PlenaryError("say how you want the figures: --json, or -o FILE.pdf")
    if output:
        raise PlenaryError("the PDF report is not built yet; use --json for the figures")
    conference = get_conference(code)
    figures = compute(conference)
    click.echo(json.dumps(figures, ensure_ascii=False, indent=2))
