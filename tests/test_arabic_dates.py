"""A date written year-month-day in an Arabic sentence keeps its order: after Arabic letters the bidirectional
algorithm takes its digits for Arabic numbers, which hyphens do not join, and 2026-10-12 showed as 12-10-2026, the
reverse of what the field wants typed. Every such example in the Arabic catalogue is isolated left to right."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po
from flask_babel import force_locale, gettext

PO = Path(__file__).resolve().parent.parent / "conference" / "translations" / "ar" / "LC_MESSAGES" / "messages.po"
LRI, PDI = "\u2066", "\u2069"


def test_every_date_in_the_arabic_catalogue_reads_left_to_right():
    with PO.open("rb") as f:
        catalogue = read_po(f)
    bare = []
    for message in catalogue:
        if not message.id:  # the header: its creation date is not a sentence
            continue
        for text in (message.string if isinstance(message.string, tuple) else (message.string,)):
            for match in re.finditer(r"\d{4}-\d{2}-\d{2}", text or ""):
                if text[match.start() - 1:match.start()] != LRI or text[match.end():match.end() + 1] != PDI:
                    bare.append(text)
    assert not bare, bare


def test_the_date_fields_hint_in_arabic(app):
    with app.test_request_context(), force_locale("ar"):
        assert f"{LRI}1980-05-17{PDI}" in gettext("Year-month-day, e.g. 1980-05-17.")
