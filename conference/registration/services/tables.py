"""Reading a CSV file the secretariat uploads (the NGO roster, the States' treaty status): the delimiter a spreadsheet
chose, the header's columns by name (in any order, with the usual other spellings), blank lines skipped, every
problem said with its line."""

from __future__ import annotations

import csv
import io

from conference.core.i18n import _


def read_table(text: str, columns: tuple[str, ...], aliases: dict[str, str] | None = None
               ) -> tuple[list[tuple[int, dict[str, str]]], list[str]]:
    """The rows of `text` below its header, each as (line, {column: cell stripped}) for the `columns` named there;
    or no rows and the problems (unreadable CSV, an empty file, a column missing from the header)."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = next((d for d in (",", ";", "\t") if d in first), ",")
    try:
        records = [(n, cells) for n, cells in enumerate(csv.reader(io.StringIO(text, newline=""),
                                                                   delimiter=delimiter), start=1)
                   if any(c.strip() for c in cells)]
    except csv.Error as exc:
        return [], [_("The file cannot be read as CSV (%(error)s).", error=str(exc))]
    if not records:
        return [], [_("The file is empty: its first line must name the columns %(columns)s.",
                      columns=", ".join(columns))]
    header_line, header = records[0]
    names = ["_".join(c.strip().lower().replace("-", " ").split()) for c in header]
    names = [(aliases or {}).get(n, n) for n in names]
    missing = [c for c in columns if c not in names]
    if missing:
        return [], [_("Line %(line)d: the header lacks the column(s) %(missing)s (the columns are %(columns)s).",
                      line=header_line, missing=", ".join(missing), columns=", ".join(columns))]
    return [(line, {n: (cells[i].strip() if i < len(cells) else "") for i, n in enumerate(names) if n in columns})
            for line, cells in records[1:]], []
