"""The list of participants as a PDF (the information document) and as a spreadsheet (one row per person).

Both are written in the language of the request (`force_locale` on the command line): headings, categories, roles
and the entities' official names in that language where the secretariat has them (the entity's `names`), the
English name otherwise. People's names, titles and functions stay as they were registered.

Both are written to a file a part of the list at a time (`services.parts`), so that a list of 100,000 people takes
the memory of one part. The PDF lays out each part as a document of its own, its first page numbered where the part
before ended (`@page :first { counter-reset: page N }`), to a temporary file; the parts are then concatenated by
`core.pdf.merge_pdfs`, which holds one part at a time. A part begins on a new page; a section or a delegation that
goes on from the part before repeats its heading, marked "continued". The spreadsheet is written by openpyxl's
write-only workbook, which streams its rows to the file.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from flask import render_template
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from conference.core.i18n import _, current_language, format_moment
from conference.core.pdf import STATIC, merge_pdfs, render_document
from conference.participants_list.services import PART_SIZE, Part, ParticipantsList, parts
from conference.statistics.report import CATEGORY_LABELS, GROUP_LABELS

Progress = Callable[[], None]


def _nothing() -> None:
    pass


def status_line(lst: ParticipantsList) -> str:
    when = format_moment(lst.as_at, lst.conference)
    if lst.final:
        return _("Final list of participants (as at %(when)s).", when=when)
    return _("Provisional list of participants, as at %(when)s: it changes until the session closes.", when=when)


def render_part(lst: ParticipantsList, part: Part | None, first_page: int):
    """One part of the list laid out (WeasyPrint's Document), its pages numbered from `first_page`; the title and
    the status line open the first part (`part` None: a list with nobody on it, the title alone)."""
    html = render_template("participants_list/list.html", lst=lst, part=part, status=status_line(lst),
                           labels={k: str(v) for k, v in CATEGORY_LABELS.items()}, first_page=first_page)
    return render_document(html, base_url=STATIC, stylesheets=["css/participants-list.css"])


def write_pdf(lst: ParticipantsList, target: str | Path, *, part_size: int = PART_SIZE,
              progress: Progress = _nothing) -> int:
    """Write the PDF of the list to `target`, a part at a time; returns its number of pages. `progress()` is called
    when a part's people are read and again when the part is laid out."""
    with tempfile.TemporaryDirectory(prefix="plenary-list-") as folder:
        files, page = [], 1
        for part in parts(lst, part_size):
            progress()
            document = render_part(lst, part, page)
            files.append(Path(folder) / f"part-{part.number:06d}.pdf")
            document.write_pdf(target=str(files[-1]))
            page += len(document.pages)
            del document
            progress()
        if not files:
            files.append(Path(folder) / "empty.pdf")
            render_part(lst, None, 1).write_pdf(target=str(files[-1]))
        return merge_pdfs(files, target)


# Characters that make a spreadsheet read a cell as a formula: such text is stored as text, never run.
FORMULA_START = ("=", "+", "-", "@")
WIDTHS = (28, 40, 24, 22, 8, 22, 22, 40, 20)


def _cell(sheet, value, **style):
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str) and value.startswith(FORMULA_START):
        cell.data_type = "s"  # openpyxl took it for a formula: keep it as the text it is
    for name, v in style.items():
        setattr(cell, name, v)
    return cell


def write_xlsx(lst: ParticipantsList, target: str | Path, *, part_size: int = PART_SIZE,
               progress: Progress = _nothing) -> int:
    """Write the spreadsheet of the list to `target`: one row per person, in the list's order, with the columns a
    reader sorts and filters on (bold, frozen header with a filter). Returns the number of people written.
    `progress()` is called when a part's people are read and again when they are written."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Participants")[:31])
    if current_language().direction == "rtl":
        sheet.sheet_view.rightToLeft = True
    sheet.freeze_panes = "A2"
    for column, width in zip("ABCDEFGHI", WIDTHS, strict=True):
        sheet.column_dimensions[column].width = width
    headers = [_("Category"), _("Entity"), _("Regional group"), _("Role"), _("Title"), _("Family name"),
               _("Given names"), _("Function"), _("Modality")]
    bold = Font(bold=True)
    sheet.append([_cell(sheet, str(h), font=bold) for h in headers])
    rows = 0
    for part in parts(lst, part_size):
        progress()
        for section in part.sections:
            category = str(CATEGORY_LABELS[section.category])
            for entry in section.entries:
                entity = entry.entity
                group = str(GROUP_LABELS[entity.regional_group.value]) if entity.regional_group else ""
                name = entity.display_name
                for p in entry.people:
                    values = [category, name, group, str(p.role.label), p.title, p.family_name, p.given_names,
                              p.function, str(p.modality.label)]
                    sheet.append([_cell(sheet, v) if isinstance(v, str) and v.startswith(FORMULA_START) else v
                                  for v in values])
                    rows += 1
        progress()
    sheet.auto_filter.ref = f"A1:I{rows + 1}"
    book.save(str(target))
    return rows
