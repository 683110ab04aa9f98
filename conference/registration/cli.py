"""`flask --app wsgi participants import|export|names`: registrations as CSV files (see `csvio` for the format), and
official names of participating entities in other languages."""

from __future__ import annotations

import csv
import io
import os
import sys
import tempfile
from pathlib import Path

import click
from flask.cli import AppGroup

from conference.conferences.services import get_conference
from conference.core import audit
from conference.core.cli import user_errors
from conference.extensions import db
from conference.registration.csvio import import_csv, write_csv
from conference.registration.services import set_official_names

participants_cli = AppGroup("participants", help="Registrations as CSV files: import and export.")


@participants_cli.command("import")
@click.argument("code")
@click.argument("path", metavar="FILE.csv")
@user_errors
def import_command(code, path):
    """Import registrations from FILE.csv into the conference CODE: all of them, or none.

    Each row is registered through the same rules as the web form. Every bad row is reported as
    FILE.csv:LINE: COLUMN: message, and then nothing is imported.
    """
    conference = get_conference(code)
    with open(path, "rb") as stream:
        result = import_csv(conference, stream)
    if result.ok:
        db.session.commit()
        click.echo(f"imported {result.created} registration{'' if result.created == 1 else 's'}")
        return
    db.session.rollback()
    if not result.bad_rows and len(result.errors) == 1:
        line, _column, message = result.errors[0]
        raise click.ClickException(f"{path}:{line}: {message}")
    for line, column, message in result.errors:
        click.echo(f"{path}:{line}: {column + ': ' if column else ''}{message}", err=True)
    rows = result.bad_rows
    click.echo(f"nothing imported: {rows} row{' has' if rows == 1 else 's have'} errors" if rows
               else "nothing imported: the file has errors", err=True)
    click.get_current_context().exit(1)


@participants_cli.command("names")
@click.argument("path", metavar="FILE.csv")
@user_errors
def names_command(path):
    """Load official names of States and organizations in other languages from FILE.csv: all of them, or none.

    Columns: entity (ISO alpha-3 code or the name as entered), language (ar, zh, fr, ru or es), name, as the UN
    writes it (UNTERM). Pages in that language then show that name; without one, the name as entered.
    """
    with open(path, encoding="utf-8-sig", newline="") as stream:
        reader = csv.DictReader(stream)
        missing = {"entity", "language", "name"} - set(reader.fieldnames or [])
        if missing:
            raise click.ClickException(f"{path}: the header must have the columns entity, language, name "
                                       f"(missing: {', '.join(sorted(missing))})")
        rows = [(reader.line_num, r["entity"] or "", r["language"] or "", r["name"] or "") for r in reader]
    count, problems = set_official_names(rows)
    if problems:
        db.session.rollback()
        for problem in problems:
            click.echo(f"{path}: {problem}", err=True)
        click.echo("nothing changed", err=True)
        click.get_current_context().exit(1)
    db.session.commit()
    click.echo(f"{count} official name{'' if count == 1 else 's'} recorded")


@participants_cli.command("export")
@click.argument("code")
@click.option("-o", "--output", metavar="FILE.csv", help="Write here (replacing it) instead of standard output.")
@click.option("--include-sensitive", is_flag=True,
              help="Include dates of birth, passport numbers and their expiry (left out otherwise).")
@user_errors
def export_command(code, output, include_sensitive):
    """Export the registrations of the conference CODE as CSV: a valid template for `participants import`.

    UTF-8 with a byte order mark, so that Excel reads every script correctly.
    """
    conference = get_conference(code)
    if include_sensitive:
        audit.record("registrations.export_sensitive", conference, actor="command line",
                     conference_id=conference.id)
        db.session.commit()
    if not output:
        binary = getattr(sys.stdout, "buffer", None)
        if binary is None:  # standard output replaced by a text-only stream: it has its own encoding
            write_csv(conference, sys.stdout, include_sensitive=include_sensitive)
            return
        # UTF-8 whatever the terminal's locale, and the writer's CRLF untouched.
        sys.stdout.flush()
        stream = io.TextIOWrapper(binary, encoding="utf-8", newline="")
        try:
            write_csv(conference, stream, include_sensitive=include_sensitive)
        finally:
            stream.flush()
            stream.detach()  # standard output stays open for whoever owns it
        return
    target = Path(output)
    if target.is_dir():
        raise IsADirectoryError(21, "is a directory", output)
    # Written beside the target and renamed: a failed export never leaves half a file, and the file,
    # which holds personal data, is readable by its owner only (mkstemp's mode 0600).
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as stream:
            count = write_csv(conference, stream, include_sensitive=include_sensitive)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    click.echo(f"exported {count} registration{'' if count == 1 else 's'} to {output}")
