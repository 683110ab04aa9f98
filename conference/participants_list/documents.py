"""The list of participants as a PDF (the information document) and as a spreadsheet (one row per person).

Both are written in the language of the request (`force_locale` on the command line): headings, categories, roles
and the entities' official names in that language where the secretariat has them (ParticipatingEntity.names), the
English name otherwise. People's names, titles and functions stay as they were registered.
"""

from __future__ import annotations

import io

from flask import render_template
from openpyxl import Workbook
from openpyxl.styles import Font

from conference.core.i18n import _, current_language, format_moment
from conference.core.pdf import STATIC, render_pdf
from conference.participants_list.services import ParticipantsList
from conference.statistics.report import CATEGORY_LABELS, GROUP_LABELS


def status_line(lst: ParticipantsList) -> str:
    when = format_moment(lst.as_at, lst.conference)
    if lst.final:
        return _("Final list of participants (as at %(when)s).", when=when)
    return _("Provisional list of participants, as at %(when)s: it changes until the session closes.", when=when)


def pdf(lst: ParticipantsList) -> bytes:
    html = render_template("participants_list/list.html", lst=lst, status=status_line(lst),
                           labels={k: str(v) for k, v in CATEGORY_LABELS.items()})
    return render_pdf(html, base_url=STATIC, stylesheets=["css/participants-list.css"])


# Characters that make a spreadsheet read a cell as a formula: such text is stored as text, never run.
FORMULA_START = ("=", "+", "-", "@")


def xlsx(lst: ParticipantsList) -> bytes:
    """One row per person, in the list's order, with the columns a reader sorts and filters on."""
    book = Workbook()
    sheet = book.active
    sheet.title = _("Participants")[:31]
    if current_language().direction == "rtl":
        sheet.sheet_view.rightToLeft = True
    headers = [_("Category"), _("Entity"), _("Regional group"), _("Role"), _("Title"), _("Family name"),
               _("Given names"), _("Function"), _("Modality")]
    sheet.append(headers)
    for section in lst.sections:
        for entry in section.entries:
            entity = entry.entity
            group = str(GROUP_LABELS[entity.regional_group.value]) if entity.regional_group else ""
            for p in entry.people:
                row = [str(CATEGORY_LABELS[section.category]), entity.display_name, group, p.role.label, p.title,
                       p.family_name, p.given_names, p.function, p.modality.label]
                sheet.append(row)
                for cell in sheet[sheet.max_row]:
                    if isinstance(cell.value, str) and cell.value.startswith(FORMULA_START):
                        cell.data_type = "s"  # openpyxl took it for a formula: keep it as the text it is
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    for column, width in zip("ABCDEFGHI", (28, 40, 24, 22, 8, 22, 22, 40, 20), strict=True):
        sheet.column_dimensions[column].width = width
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
