"""The back office's form for a list of participants: which file, in which language."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField

from conference.core.i18n import _l
from conference.registration.forms import language_options, options

FORMAT_LABELS = {"pdf": _l("PDF document"), "xlsx": _l("Spreadsheet (.xlsx), one row per person")}


class ListForm(FlaskForm):
    format = SelectField(_l("File"), choices=options(FORMAT_LABELS.items()), default="pdf")
    language = SelectField(_l("Language"), choices=language_options(), default="en")
