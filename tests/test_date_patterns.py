"""Date formats: the pattern Babel resolves for a skeleton is kept per (language, skeleton); the strings stay exactly
those Babel writes, in every language, and a page in another language gets that language's pattern."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from babel import Locale, dates
from flask_babel import refresh

from conference.core import i18n
from conference.core.i18n import CLOCK, DAY, DAY_SHORT, LANGUAGES, MOMENT, WEEKDAY, WEEKDAY_SHORT

SKELETONS = [DAY, DAY_SHORT, WEEKDAY, WEEKDAY_SHORT, CLOCK, "yMMMd", "yMd", "MMMMd", "EEEE", "MMMM", "y"]
MOMENTS = [datetime(2024, 10, 8, 10, 0, tzinfo=UTC), datetime(2025, 1, 1, 23, 59, tzinfo=UTC),
           datetime(2026, 3, 29, 7, 5, tzinfo=UTC), date(2024, 2, 29)]


def locales() -> list[Locale]:
    return [i18n.FORMAT_LOCALES.get(code, Locale(code)) for code in LANGUAGES]


def uncached(skeleton: str, moment, locale: Locale) -> str:
    """What the formatting did before the cache: resolve the skeleton on every call."""
    key = dates.match_skeleton(skeleton, locale.datetime_skeletons)
    if key is None:
        return dates.format_skeleton(skeleton, moment, locale=locale)
    pattern = locale.datetime_skeletons[key].pattern
    for letter, standalone, short in (("E", "c", "{1,3}"), ("M", "L", "{3}")):
        if letter * 4 in skeleton and letter * 4 not in pattern and standalone * 4 not in pattern:
            pattern = re.sub(f"(?<!{letter}){letter}{short}(?!{letter})", letter * 4, pattern)
            pattern = re.sub(f"(?<!{standalone}){standalone}{short}(?!{standalone})", standalone * 4, pattern)
    return dates.format_datetime(moment, pattern, locale=locale) if isinstance(moment, datetime) else \
        dates.format_date(moment, pattern, locale=locale)


@pytest.mark.parametrize("locale", locales(), ids=str)
def test_cached_patterns_write_exactly_what_babel_writes(locale):
    i18n._patterns.clear()
    for _round in range(2):  # the first round fills the cache, the second reads it
        for skeleton in SKELETONS:
            for moment in MOMENTS:
                if isinstance(moment, date) and not isinstance(moment, datetime) and "H" in skeleton:
                    continue
                written = i18n._format_skeleton(skeleton, moment, locale)
                assert written == uncached(skeleton, moment, locale)
                key = dates.match_skeleton(skeleton, locale.datetime_skeletons)
                widened = key is not None and i18n._patterns[str(locale), skeleton] != \
                    locale.datetime_skeletons[key].pattern
                if isinstance(moment, datetime) and not widened:
                    # Babel's own answer, where the pattern was not widened to the long names asked for.
                    assert written == dates.format_skeleton(skeleton, moment, locale=locale)
    assert {k for k in i18n._patterns if k[0] == str(locale)} == {(str(locale), s) for s in SKELETONS}


def test_the_cache_is_consulted_and_not_babel(monkeypatch):
    locale = Locale("fr")
    i18n._format_skeleton(DAY, MOMENTS[0], locale)

    def forbidden(*args, **kwargs):
        raise AssertionError("the skeleton was matched again")

    monkeypatch.setattr(dates, "match_skeleton", forbidden)
    assert i18n._format_skeleton(DAY, MOMENTS[1], locale) == "1 janvier 2025"


def test_switching_language_gives_the_other_language_s_pattern(app):
    i18n._patterns.clear()
    written = {}
    for code in ("en", "zh", "fr", "ar", "en", "ru", "es", "zh"):
        with app.test_request_context(headers={"Accept-Language": code}):
            refresh()
            text = i18n.format_moment(MOMENTS[0], None, MOMENT) + " | " + i18n.format_day(MOMENTS[0], WEEKDAY)
        assert written.setdefault(code, text) == text  # the same language writes the same, before and after others
        locale = i18n.FORMAT_LOCALES.get(code, Locale(code))
        assert text.endswith(uncached(WEEKDAY, MOMENTS[0], locale))
    assert written["en"] == "8 Oct 2024, 10:00 | Tuesday, 8 October 2024"
    assert written["zh"] == "2024年10月8日 10:00 | 2024年10月8日星期二"
    assert written["fr"] == "8 oct. 2024, 10:00 | mardi 8 octobre 2024"
    assert len(set(written.values())) == 6
