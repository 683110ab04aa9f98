"""Languages: the six official languages of the United Nations, chosen per visitor, remembered in a cookie.

Strings are marked with Flask-Babel's callables, imported from here so that every module marks them the same way:

- `_("...")` inside a function: translated at once, in the language of the request (English on the command line);
- `_l("...")` at module or class level (form labels, choices, enumeration labels): translated when shown;
- `lazy_pgettext("form of address", "Title")` / `pgettext(...)` in templates where one English word means two things;
- `ngettext("one ...", "%(num)d ...", n)` for counts; placeholders are always named (`%(name)s`), never
  f-strings, so that a translator can move them.

The catalogues live in `conference/translations/<language>/LC_MESSAGES/messages.po`, compiled to the `.mo` beside
them by `make catalogues` (both kept in git; see `compile_catalogues`). Which language a page is shown in: the one
the visitor picked with the switcher (a cookie, kept a year), else the best match of the browser's Accept-Language,
else English.
"""

from __future__ import annotations

import functools
import io
import logging
import os
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import click
import pycountry
from babel import Locale, dates, lists, numbers, support
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, Request, has_app_context, has_request_context, request
from flask_babel import Babel, force_locale, get_locale, lazy_gettext, lazy_pgettext, ngettext, refresh
from flask_babel import gettext as _
from markupsafe import Markup
from wtforms.i18n import messages_path

__all__ = ["_", "_l", "lazy_pgettext", "ngettext", "force_locale", "LANGUAGES", "Language", "current_language",
           "init_app", "language_of", "compile_catalogues", "format_moment", "format_day", "format_day_range",
           "format_names", "format_number", "sort_key", "countries"]

_l = lazy_gettext

log = logging.getLogger(__name__)

CATALOGUES = Path(__file__).resolve().parent.parent / "translations"
COOKIE = "plenary_lang"
DEFAULT = "en"


@dataclass(frozen=True)
class Language:
    code: str
    name: str  # in the language itself: a reader looks for their own language's name, not ours for it
    direction: str  # "ltr" or "rtl"


# In the order of the UN's own language menus (alphabetical in the language's own name, Arabic first).
LANGUAGES: dict[str, Language] = {lang.code: lang for lang in (
    Language("ar", "العربية", "rtl"),
    Language("zh", "中文", "ltr"),
    Language("en", "English", "ltr"),
    Language("fr", "Français", "ltr"),
    Language("ru", "Русский", "ltr"),
    Language("es", "Español", "ltr"),
)}


def language_of(code: str | None) -> str:
    """One of the six codes for any tag a browser, a form or a CSV file gives (`fr-CH` is `fr`), else English."""
    code = (code or "").strip().lower().replace("_", "-").split("-")[0]
    return code if code in LANGUAGES else DEFAULT


def select_locale() -> str:
    if not has_request_context():
        return DEFAULT
    chosen = request.cookies.get(COOKIE)
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(list(LANGUAGES), default=DEFAULT)


def current_language() -> Language:
    """The language of the page being built (English outside a request)."""
    locale = get_locale() if has_app_context() else None
    return LANGUAGES.get(locale.language if locale else DEFAULT, LANGUAGES[DEFAULT])


# --- Dates, times and numbers in the venue's time zone, written the locale's way ------------------------------------
# Formats are CLDR skeletons ("yMMMMd": the fields wanted), which Babel turns into each locale's own pattern and order:
# "yMMMMEEEEd" is "Tuesday, 8 October 2024" in English, "mardi 8 octobre 2024" in French, "2024年10月8日星期二"
# in Chinese.
# English is British English, as in UN documents: day before month.
# Times are 24-hour ("Hm") everywhere, as at the venue and in UN documents.

DAY = "yMMMMd"
DAY_SHORT = "MMMd"
WEEKDAY = "yMMMMEEEEd"
WEEKDAY_SHORT = "MMMEd"
CLOCK = "Hm"
MOMENT = "yMMMdHm"


FORMAT_LOCALES = {"en": Locale("en", "GB")}


def _locale() -> Locale:
    # Also outside a request: a worker renders an e-mail under force_locale, in the application's context.
    locale = (get_locale() if has_app_context() else None) or Locale(DEFAULT)
    return FORMAT_LOCALES.get(str(locale), locale)


def _local(moment: datetime, conference) -> datetime:
    return conference.local(moment) if conference is not None and isinstance(moment, datetime) else moment


def format_moment(moment: datetime | date | None, conference=None, skeleton: str = MOMENT) -> str:
    """A date and/or time at the venue, written the way the page's language writes it (see the skeletons above)."""
    if moment is None:
        return ""
    locale, moment = _locale(), _local(moment, conference)
    day = "".join(ch for ch in skeleton if ch not in "Hhms")
    clock = "".join(ch for ch in skeleton if ch in "Hhms")
    if not (day and clock):
        return _format_skeleton(skeleton, moment, locale)
    # CLDR has no skeleton for a date with a time: each half alone, joined the locale's way ("{1}, {0}").
    joined = _joined(str(locale), locale)
    return joined.replace("{1}", _format_skeleton(day, moment, locale)).replace(
        "{0}", _format_skeleton(clock, moment, locale))


def _joined(key: str, locale: Locale) -> str:
    if key not in _patterns_joined:
        _patterns_joined[key] = str(dates.get_datetime_format("medium", locale=locale)).replace("'", "")
    return _patterns_joined[key]


_patterns_joined: dict[str, str] = {}


def _format_skeleton(skeleton: str, moment, locale: Locale) -> str:
    pattern = _skeleton_pattern(str(locale), skeleton, locale)
    if pattern is None:
        return dates.format_skeleton(skeleton, moment, locale=locale)
    return dates.format_datetime(moment, pattern, locale=locale) if isinstance(moment, datetime) else \
        dates.format_date(moment, pattern, locale=locale)


_patterns: dict[tuple[str, str], str | None] = {}


def _skeleton_pattern(key: str, skeleton: str, locale: Locale) -> str | None:
    """Babel's nearest CLDR pattern, widened where it fell short: asked for "EEEE" (Tuesday) or "MMMM" (October), some
    languages only have a pattern with "EEE" (mar.) or "MMM" (oct.); the same page then writes days two ways.

    Kept per (locale, skeleton) for the life of the process: matching a skeleton costs about a millisecond, the
    programme page writes some 140 dates, and the answer depends on nothing else (CLDR data ships with Babel).
    None: no close match, left to Babel's fuzzy `format_skeleton`."""
    try:
        return _patterns[key, skeleton]
    except KeyError:
        pass
    match = dates.match_skeleton(skeleton, locale.datetime_skeletons)
    pattern = None if match is None else str(locale.datetime_skeletons[match].pattern)
    # Weekdays: E, EE and EEE are all the short name. Months: only MMM is a short name (M and MM are numbers).
    for letter, standalone, short in (("E", "c", "{1,3}"), ("M", "L", "{3}")):
        if pattern is not None and letter * 4 in skeleton and letter * 4 not in pattern and \
                standalone * 4 not in pattern:
            pattern = re.sub(f"(?<!{letter}){letter}{short}(?!{letter})", letter * 4, pattern)
            pattern = re.sub(f"(?<!{standalone}){standalone}{short}(?!{standalone})", standalone * 4, pattern)
    _patterns[key, skeleton] = pattern  # a few dozen entries at most: six locales, a handful of skeletons
    return pattern


def format_day(value: date | datetime | None, skeleton: str = DAY, conference=None) -> str:
    return format_moment(value, conference, skeleton)


def format_day_range(start: date | None, end: date | None, skeleton: str = DAY) -> str:
    """`7 – 11 Oct 2024`, `7–11 oct. 2024`, `2024年10月7日 – 11日`: the locale says what repeats (CLDR has interval
    patterns with abbreviated months only, except in a few languages such as Spanish)."""
    if start is None or end is None:
        return format_day(start or end, skeleton)
    return dates.format_interval(start, end, skeleton, locale=_locale())


def format_names(names) -> Markup:
    """Names of people or organizations inside a sentence: each isolated in `<bdi>` (so a Latin name keeps its order in
    Arabic text and the other way round), joined the locale's way ("A, B and C", "A، وB، وC", "A、B和C")."""
    items = [str(Markup("<bdi>%s</bdi>") % name) for name in names]
    return Markup(lists.format_list(items, locale=_locale())) if items else Markup("")


def sort_key(text: str) -> str:
    """Alphabetical order as readers expect it: accents and case do not count ("Égypte" sits with the Es, not after
    "Zimbabwe"). Chinese falls back to code-point order; a real collation (ICU) would be needed for pinyin."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)).casefold()


# Latin letters that are letters of their own in Unicode (no accent to take off) but that readers take for the
# plain letter when they search: "Lukasiewicz" finds "Łukasiewicz", "Gudmundsson" finds "Guðmundsson".
LATIN_FOLDS = str.maketrans({"ł": "l", "đ": "d", "ð": "d", "ħ": "h", "ı": "i", "ø": "o", "ŧ": "t", "æ": "ae",
                             "œ": "oe", "þ": "th"})
# The scripts whose marks readers leave out when they type a name: Latin accents, Greek tonos, Arabic vowel signs.
# Elsewhere a mark makes another letter (Cyrillic й is not и, Japanese が is not か, a Devanagari virama joins two
# letters into one), and taking it off would make two people one.
FOLDED_MARKS_SCRIPTS = ("LATIN", "GREEK", "ARABIC")
# Cyrillic marks that are not letters: the stress accents of dictionaries, and the diaeresis of ё, which Russian
# writes as е as often as not (but Ukrainian ї stays apart from і).
CYRILLIC_FOLDS = {"\u0300": None, "\u0301": None, ("е", "\u0308"): None}


def fold(text: str) -> str:
    """A name as readers compare it: case and spaces ignored, Latin accents and letters like ł, ø, ß read as their
    plain letters, but no letter of another script changed into another letter (see FOLDED_MARKS_SCRIPTS).

    The one key for the back office's name search and the duplicate check (`name_key`), stored in
    `Registration.name_key` so that PostgreSQL and SQLite compare the same thing."""
    out: list[str] = []
    for ch in unicodedata.normalize("NFKD", text.casefold()):
        if unicodedata.combining(ch) and out:
            base = out[-1]
            script = unicodedata.name(base, "").split(" ")[0]
            if script in FOLDED_MARKS_SCRIPTS:
                continue
            if script == "CYRILLIC" and (ch in CYRILLIC_FOLDS or (base, ch) in CYRILLIC_FOLDS):
                continue
        out.append(ch)
    # Put back together what was taken apart and kept (и + breve is й again), then the Latin letters of their own.
    folded = unicodedata.normalize("NFC", "".join(out)).translate(LATIN_FOLDS)
    return " ".join(folded.split())


# The United Nations' short names (UNTERM) where ISO 3166's English name differs: the delegation list writes
# States the UN's way, so the nationality list does too. Other ISO entries (territories) keep ISO's name.
UN_SHORT_NAMES = {
    "BOL": "Bolivia (Plurinational State of)",
    "COD": "Democratic Republic of the Congo",
    "FSM": "Micronesia (Federated States of)",
    "GBR": "United Kingdom of Great Britain and Northern Ireland",
    "IRN": "Iran (Islamic Republic of)",
    "KOR": "Republic of Korea",
    "MDA": "Republic of Moldova",
    "NLD": "Netherlands (Kingdom of the)",
    "PRK": "Democratic People's Republic of Korea",
    "PSE": "State of Palestine",
    "TZA": "United Republic of Tanzania",
    "USA": "United States of America",
    "VAT": "Holy See",
    "VEN": "Venezuela (Bolivarian Republic of)",
}


def countries(names: dict[str, str] | None = None) -> tuple[tuple[str, str], ...]:
    """Every country as (ISO alpha-3 code, name), sorted as read: the nationality list.

    The name is the one given in `names` (the States' names as the delegation list shows them), else the UN's
    short name in English, else ISO 3166's English name. Never CLDR's or iso-codes' translations: some of their
    names for States are not the United Nations' (CLDR calls the State of Palestine "Territoires palestiniens" in
    French; iso-codes renders the Holy See word for word in Arabic), and a UN secretariat cannot print those.
    Official names in six languages come from UNTERM and belong in the data (see ParticipatingEntity.names)."""
    if not names:
        return _un_countries()
    return tuple(sorted(((code, names.get(code) or name) for code, name in _un_countries()),
                        key=lambda c: sort_key(c[1])))


@functools.cache
def _un_countries() -> tuple[tuple[str, str], ...]:
    return tuple(sorted(((c.alpha_3, UN_SHORT_NAMES.get(c.alpha_3) or c.name) for c in pycountry.countries),
                        key=lambda c: sort_key(c[1])))


def format_wait(seconds: int) -> str:
    """A wait rounded up, the locale's way: whole minutes under two hours ("25 minutes", "25 минут"), whole hours
    after that; never shorter than it is, so that trying again then works."""
    minutes = max(1, -(-int(seconds) // 60))
    if minutes < 120:
        return dates.format_timedelta(timedelta(minutes=minutes), threshold=1000, granularity="minute",
                                      locale=_locale())
    return dates.format_timedelta(timedelta(hours=-(-minutes // 60)), threshold=1000, granularity="hour",
                                  locale=_locale())


def format_number(value) -> str:
    return numbers.format_decimal(value, locale=_locale()) if value is not None else ""


def compiled(po: Path) -> bytes:
    """What a catalogue compiles to: the bytes its `.mo` must hold (the same input gives the same bytes)."""
    with po.open("rb") as f:
        catalogue = read_po(f, locale=po.parent.parent.name)
    out = io.BytesIO()
    write_mo(out, catalogue, use_fuzzy=False)
    return out.getvalue()


def compile_catalogues() -> list[Path]:
    """Write the `.mo` of every `messages.po` whose `.mo` does not hold what it compiles to; returns those.

    The `.mo` files are kept in git beside their `.po`, so that a deployment is a checkout and nothing is compiled
    on a production machine (whose code directory a systemd unit may rightly keep read-only); a test fails when one
    is stale. Written to a temporary file and moved into place, so a running process never reads half a file.
    """
    done = []
    for po in sorted(CATALOGUES.glob("*/LC_MESSAGES/messages.po")):
        mo, data = po.with_suffix(".mo"), compiled(po)
        if mo.exists() and mo.read_bytes() == data:
            continue
        partial = mo.with_suffix(".mo.partial")
        partial.write_bytes(data)
        os.replace(partial, mo)
        done.append(po)
    return done


@click.command("catalogues")
def catalogues_command():
    """Compile the translation catalogues (.po, in git) into what the application reads (.mo)."""
    done = compile_catalogues()
    click.echo(f"catalogues: {len(done)} of {len(list(CATALOGUES.glob('*/LC_MESSAGES/messages.po')))} compiled anew "
               f"(the others were up to date)")


class WTFormsMessages:
    """WTForms' own messages ("This field is required.") in the request's language, each catalogue read once per
    process. Flask-WTF looks for them on the request (`request.wtforms_translations`) and, not finding them, reads
    the catalogue from disk for every request that builds a form; `PlenaryRequest` answers with this instead. The
    catalogues ship with WTForms and never change while a process runs."""

    def __init__(self) -> None:
        self._catalogues: dict[str, support.Translations] = {}

    def _catalogue(self) -> support.Translations:
        locale = get_locale() or Locale(DEFAULT)
        key = str(locale)
        if key not in self._catalogues:  # a race only reads the same file twice
            self._catalogues[key] = support.Translations.load(messages_path(), [locale], domain="wtforms")
        return self._catalogues[key]

    def ugettext(self, string: str) -> str:
        return self._catalogue().ugettext(string)

    def ungettext(self, singular: str, plural: str, n: int) -> str:
        return self._catalogue().ungettext(singular, plural, n)


class PlenaryRequest(Request):
    wtforms_translations = WTFormsMessages()  # read by flask_wtf.i18n (see WTFormsMessages)


def init_app(app: Flask) -> None:
    app.request_class = PlenaryRequest
    checked = []

    @app.before_request
    def warn_about_uncompiled_catalogues():
        # Once per process, at its first page (not on the command line, where `flask catalogues` may be the cure):
        # without the compiled catalogues every page would silently be English. Say so where operators look.
        if checked:
            return
        checked.append(True)
        # (Only whether they exist: a checkout's file times say nothing, and a test keeps the ones in git current.)
        stale = [po.parent.parent.name for po in CATALOGUES.glob("*/LC_MESSAGES/messages.po")
                 if not po.with_suffix(".mo").exists()]
        if stale:
            log.warning("translations not compiled for %s: run `flask --app wsgi catalogues`", ", ".join(sorted(stale)))

    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(CATALOGUES))
    Babel(app, locale_selector=select_locale)

    @app.context_processor
    def inject_language():
        return {"language": current_language(), "languages": LANGUAGES.values()}

    app.add_template_filter(format_moment, "venue_time")  # {{ s.starts_at | venue_time(conference, "Hm") }}
    app.add_template_filter(format_day, "day")  # {{ conference.starts_on | day }}
    app.add_template_filter(format_day_range, "day_range")  # {{ conference.starts_on | day_range(conference.ends_on) }}
    app.add_template_filter(format_number, "number")
    app.add_template_filter(lambda items, attribute: sorted(items, key=lambda x: sort_key(str(getattr(x, attribute)))),
                            "collate")  # {{ organizers | collate("display_name") }}: sorted as readers expect
    app.add_template_filter(format_names, "names")  # {{ s.organizers | map(attribute="entity.display_name") | names }}
    app.jinja_env.globals.update(DAY=DAY, DAY_SHORT=DAY_SHORT, WEEKDAY=WEEKDAY, WEEKDAY_SHORT=WEEKDAY_SHORT,
                                 CLOCK=CLOCK, MOMENT=MOMENT)

    # Flask-Babel keeps the locale it chose on the application context; where one context outlives a request (a
    # test holding one, a command making requests), the next request must choose again.
    app.before_request(refresh)

    @app.after_request
    def vary_by_language(response):
        # A page is in the visitor's language: a cache in between must not hand it to someone else.
        if response.mimetype == "text/html":
            response.vary.add("Accept-Language")
            response.vary.add("Cookie")
        return response

    # WTForms' own messages ("This field is required.") come in its translations, through Flask-WTF.
    app.config.setdefault("WTF_I18N_ENABLED", True)


