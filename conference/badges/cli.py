"""`flask --app wsgi badges <code> -o FILE.pdf [--only-unprinted] [--size a6|id1|a4-sheet]`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from conference.badges import services
from conference.badges.services import BadgeFilter
from conference.conferences.services import get_conference
from conference.core.cli import user_errors
from conference.core.errors import PlenaryError
from conference.core.i18n import LANGUAGES, _, ngettext
from conference.extensions import db


@click.command("badges")
@click.argument("code")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, writable=True),
              help="Write the PDF here.")
@click.option("--only-unprinted", is_flag=True, help="Only badges not printed yet.")
@click.option("--size", type=click.Choice(services.SIZES), default="a6", show_default=True,
              help="A6 pages, ID-1 cards, or A4 sheets of four A6 badges.")
@click.option("--workers", type=click.IntRange(min=1), help="Worker processes (default: one per CPU core).")
@click.option("--language", type=click.Choice(list(LANGUAGES)), default="en", show_default=True,
              help="The language of the badges' texts (category names, dates).")
@user_errors
def badges_command(code, output, only_unprinted, size, workers, language):
    """Print the badges of approved participants, one badge per page (four on an A4 sheet)."""
    with services.in_language(language):
        _print_badges(code, output, only_unprinted, size, workers, language)


def _print_badges(code, output, only_unprinted, size, workers, language):
    conference = get_conference(code)
    target = Path(output)
    if not target.parent.is_dir():
        raise PlenaryError(_("%(folder)s: no such directory", folder=str(target.parent)))
    ids = services.select_registrations(conference, BadgeFilter(only_unprinted=only_unprinted))
    online = len(services.select_registrations(conference, BadgeFilter(only_unprinted=only_unprinted), online=True))
    if online and not ids:
        raise PlenaryError(ngettext(
            "Nothing to print: the %(num)d approved participant who matches takes part online, and gets no "
            "printed badge unless they change to in person.",
            "Nothing to print: the %(num)d approved participants who match take part online, and get no "
            "printed badge unless they change to in person.", online))
    if online:  # skipped, and said so
        click.echo(ngettext("%(num)s participant who matches takes part online: no printed badge unless they "
                            "change to in person.",
                            "%(num)s participants who match take part online: no printed badge unless they "
                            "change to in person.", online), err=True)
    if not ids:
        if only_unprinted:
            raise PlenaryError(_("nothing to print: no approved registration in %(code)s without a printed badge",
                                 code=conference.code))
        raise PlenaryError(_("nothing to print: no approved registration in %(code)s", code=conference.code))
    badges = services.prepare_badges(conference, ids, actor="command line")
    conference_data = services.conference_data(conference, language)
    # Serials are committed before rendering, so the doors know them as soon as the paper exists.
    db.session.commit()
    with click.progressbar(length=len(badges), label="Badges", file=sys.stderr) as bar:
        state = {"done": 0}

        def progress(done: int, total: int) -> None:
            bar.update(done - state["done"])
            state["done"] = done

        pages = services.render_badge_run(badges, conference_data, target, size=size, workers=workers,
                                          progress=progress)
    click.echo(f"{len(badges)} badges on {pages} pages written to {target}")
    for n in services.names_to_check(badges, size):
        # Never shortened silently: the desk hears of every name that did not fit whole.
        click.echo(_("%(name)s: printed as the short form “%(shown)s”", name=n["name"], shown=n["shown"])
                   if n["fit"] == "short" else
                   _("%(name)s: printed whole in very small type (give it a short form at the pass office)",
                     name=n["name"]), err=True)
