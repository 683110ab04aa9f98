"""`flask --app wsgi stats <code> --json` and `stats <code> -o FILE.pdf --language ar`."""

from __future__ import annotations

import json

import click

from conference.conferences.services import get_conference
from conference.core.cli import user_errors
from conference.core.errors import PlenaryError
from conference.core.i18n import LANGUAGES, _, force_locale
from conference.statistics.report import render
from conference.statistics.services import compute, headline


@click.command("stats")
@click.argument("code")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON on standard output.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write the PDF report here.")
@click.option("--language", type=click.Choice(list(LANGUAGES)), default="en", show_default=True,
              help="The language of the PDF report.")
@user_errors
def stats_command(code, as_json, output, language):
    """The attendance statistics of a conference."""
    if not as_json and not output:
        raise PlenaryError(_("say how you want the figures: --json, or -o FILE.pdf"))
    conference = get_conference(code)
    figures = compute(conference)
    if output:
        with force_locale(language):
            figures["headline"] = _headline(figures)  # the report's sentence in its language
            data = render(conference, figures)
        with open(output, "wb") as handle:
            handle.write(data)
        click.echo(f"stats: {figures['headline']}; report written to {output} ({len(data) // 1024} kB)", err=as_json)
    if as_json:
        with force_locale("en"):
            figures["headline"] = _headline(figures)
        click.echo(json.dumps(figures, ensure_ascii=False, indent=2))


def _headline(figures: dict) -> str:
    return headline(figures["participants"], figures["states"], figures["igos"], figures["ngos"])
