"""Languages: catalogue hygiene (every string marked, every catalogue complete where it must be), the choice of
language, formats for the locale, and e-mails in the participant's language."""

from __future__ import annotations

import ast
import enum
import importlib
import pkgutil
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file
from babel.messages.pofile import read_po
from flask_babel import refresh
from jinja2 import Environment

import conference
from conference.core.db import StrEnum, has_labels
from conference.core.i18n import CATALOGUES, LANGUAGES

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "lazy_pgettext": ((1, "c"), 2)}

# What participants, their focal points, door staff and the public read (and the badge they wear): complete in all
# six languages. Everything else (the back office) must be complete in French; English is the source.
PUBLIC_TEMPLATES = [
    "base.html", "_forms.html", "_languages.html", "errors/*.html", "public/*.html", "registration/*.html",
    "programme/*.html", "feeds/*.html", "checkin/door.html", "checkin/pick.html", "accounts/*.html", "mail/*.txt",
    "badges/badges.html", "focal/*.html",
]
PUBLIC_MODULES = [
    "core/errors.py", "core/db.py", "registration/forms.py", "registration/models.py",
    *(f"registration/services/{m}.py" for m in ("__init__", "rules", "workflow", "intake", "delegations", "queries")),
    "registration/views.py", "registration/web.py", "registration/uploads.py", "programme/forms.py",
    "programme/models.py", "programme/services/applications.py", "programme/services/review.py",
    "programme/services/scheduling.py", "programme/services/seats.py", "programme/services/queries.py",
    "programme/views.py", "checkin/services.py",
    "checkin/models.py", "accounts/forms.py", "accounts/views.py", "conferences/models.py", "feeds/views.py",
    "core/security.py", "registration/focal.py", "accounts/permissions.py", "checkin/views.py", "accounts/services.py",
]
BACK_OFFICE_LANGUAGES = {"fr"}
TRANSLATED = [code for code in LANGUAGES if code != "en"]

# Words that are the same in every language: the product's name, and the one header the mail parser reads.
NOT_TRANSLATED = {"Plenary", "Subject"}
TEXT_ATTRIBUTES = {"title", "alt", "placeholder", "aria-label", "aria-description", "aria-roledescription", "label"}
LEXER = Environment(extensions=["jinja2.ext.i18n"])  # only lexes: the same syntax as the application's templates
MARK = "\ue000"  # stands for whatever Jinja puts in a place: a private-use character, not a letter


def has_words(text: str) -> bool:
    words = re.findall(r"[^\W\d_]+", text.replace(MARK, " "))
    return any(word not in NOT_TRANSLATED for word in words)


def skeleton(source: str, env: Environment) -> str:
    """The template's HTML with every Jinja expression, tag and translated block replaced by MARK."""
    out, depth = [], 0
    tokens = list(env.lex(source))
    i = 0
    while i < len(tokens):
        _, kind, value = tokens[i]
        if kind == "block_begin":
            j = i + 1
            while tokens[j][1] == "whitespace":
                j += 1
            name = tokens[j][2] if tokens[j][1] == "name" else ""
            depth += {"trans": 1, "endtrans": -1}.get(name, 0)
            while tokens[i][1] != "block_end":
                i += 1
            out.append(MARK)
        elif kind in ("variable_begin", "comment_begin"):
            end = {"variable_begin": "variable_end", "comment_begin": "comment_end"}[kind]
            while tokens[i][1] != end:
                i += 1
            out.append(MARK)
        elif kind == "data":
            out.append(MARK if depth else value)
        i += 1
    return "".join(out)


GETTEXT_CALLS = {"_", "gettext", "ngettext", "pgettext", "npgettext"}


def unmarked_literals(source: str, env: Environment) -> list[str]:
    """Quoted text inside Jinja tags that reaches the page unmarked: `{{ 'Yes' if x }}`, `field(f, hint='...')`.
    Only what reads as words (two or more, or one capitalized), so `url_for('core.index')` and class names pass."""
    found, calls, last = [], [], None
    for _lineno, kind, value in env.lex(source):
        if kind == "operator" and value == "(":
            calls.append(last)
        elif kind == "operator" and value == ")" and calls:
            calls.pop()
        elif kind == "string" and not GETTEXT_CALLS & set(calls):
            value = value[1:-1]  # the lexer keeps the quotes
            words = re.findall(r"[^\W\d_]+", value)
            if (len(words) >= 2 and " " in value.strip()) or re.fullmatch(r"[A-Z][a-z]+[.!?]?", value.strip()):
                found.append(repr(value))
        elif kind in ("variable_end", "block_end"):
            calls = []
        if kind != "whitespace":
            last = value if kind == "name" else None
    return found


class Unmarked(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skip += 1
        for name, value in attrs:
            if name in TEXT_ATTRIBUTES and value and has_words(value):
                self.found.append(f'{tag}[{name}="{value.replace(MARK, "…")}"]')

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skip = max(0, self.skip - 1)

    def handle_data(self, data):
        if not self.skip and has_words(data):
            self.found.append(" ".join(data.replace(MARK, "…").split()))


def unmarked_strings(path: Path, env: Environment) -> list[str]:
    source = path.read_text(encoding="utf-8")
    literals = unmarked_literals(source, env)
    text = skeleton(source, env)
    if path.suffix == ".txt":  # mail: no HTML, every line of text counts
        return literals + [line.strip().replace(MARK, "…") for line in text.splitlines() if has_words(line)]
    parser = Unmarked()
    parser.feed(text)
    return literals + parser.found


def all_templates() -> list[Path]:
    return sorted(p for p in TEMPLATES.rglob("*") if p.suffix in (".html", ".txt", ".svg"))


@pytest.mark.parametrize("path", all_templates(), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_every_string_of_every_template_is_marked_for_translation(path):
    found = unmarked_strings(path, LEXER)
    assert not found, f"{path.relative_to(ROOT)}: text not marked for translation: {found}"


def test_the_hygiene_check_finds_unmarked_text():
    """The check above must see what it is there for: text, attributes, and not what is marked."""
    env = LEXER
    parser = Unmarked()
    parser.feed(skeleton('<p>Hello {{ name }}</p><a title="Open it" href="{{ u }}">{{ _("Go") }}</a>'
                         '{% trans n=1 %}Marked {{ n }}{% endtrans %}<span>·</span><b>Plenary</b>', env))
    assert parser.found == ["Hello …", 'a[title="Open it"]']
    assert unmarked_literals("{{ 'Yes' if ok else _('No') }}{{ field(f, hint='Leave it empty.') }}"
                             "{{ url_for('core.index', code='cop1') }}{{ _('Hello %(n)s', n='two words') }}"
                             "{% set kind = 'side event' %}", env) == ["'Yes'", "'Leave it empty.'", "'side event'"]


# --- Python: what people read passes through the gettext callables -------------------------------------------------

USER_FACING_CALLS = {"flash", "RuleViolation", "Invalid", "PermissionDenied", "NotFound", "PlenaryError", "Forged",
                     "UploadError", "abort"}
FIELD = re.compile(r"[A-Z]\w*Field$")


def python_sources() -> list[Path]:
    return sorted((ROOT / "conference").rglob("*.py"))


def literal_text(node: ast.AST | None) -> bool:
    """A string written in place (literal or f-string) with words in it, also inside a conditional expression or the
    dict and lists of field errors that `Invalid` takes: not marked."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return has_words(node.value)
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(v, ast.Constant) and has_words(v.value) for v in node.values)
    if isinstance(node, ast.BinOp):
        return literal_text(node.left) or literal_text(node.right)
    if isinstance(node, ast.IfExp):
        return literal_text(node.body) or literal_text(node.orelse)
    if isinstance(node, ast.Dict):
        return any(literal_text(v) for v in node.values)
    if isinstance(node, ast.List | ast.Tuple):
        return any(literal_text(e) for e in node.elts)
    return False


def unmarked_calls(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
        if name in USER_FACING_CALLS or FIELD.match(name):
            first = node.args[1:2] if name == "abort" else node.args[:1]  # abort(status, description)
            texts = list(first) + [k.value for k in node.keywords if k.arg in ("label", "description", "message")]
            found += [f"line {node.lineno}: {name}({ast.unparse(t)[:70]})" for t in texts if literal_text(t)]
    return found


@pytest.mark.parametrize("path", python_sources(), ids=lambda p: str(p.relative_to(ROOT / "conference")))
def test_flash_messages_errors_and_field_labels_are_marked(path):
    found = unmarked_calls(path.read_text(encoding="utf-8"))
    assert not found, f"{path.relative_to(ROOT)}: not marked for translation:\n" + "\n".join(found)


def test_the_python_check_finds_unmarked_text():
    source = """
flash("Saved." if ok else _("Not saved."))
raise Invalid({"email": ["This address is taken."]})
abort(403, "Not yours")
name = StringField(label="Your name")
fine = StringField(_l("Your name"), description=_l("As in the passport."))
flash(_("Saved."), "success")
"""
    assert [f.split(":")[0] for f in unmarked_calls(source)] == ["line 2", "line 3", "line 4", "line 5"]


def test_every_enumeration_people_read_has_labels():
    for info in pkgutil.walk_packages(conference.__path__, "conference."):
        importlib.import_module(info.name)
    missing = [cls.__qualname__ for cls in _subclasses(StrEnum) if not has_labels(cls)]
    assert not missing, f"enumerations without translatable labels (conference.core.db.labels): {missing}"


def _subclasses(cls) -> list[type[enum.Enum]]:
    return [c for sub in cls.__subclasses__() for c in (sub, *_subclasses(sub))]


# --- Catalogues ------------------------------------------------------------------------------------------------------

def extract(paths: list[Path]) -> dict[tuple[str | None, str], str]:
    """(context, msgid) -> where it was found, straight from the sources (not from messages.pot, which may be stale)."""
    found: dict[tuple[str | None, str], str] = {}
    for path in paths:
        method = "python" if path.suffix == ".py" else "jinja2.ext:babel_extract"
        options = {} if path.suffix == ".py" else {"trimmed": "false"}
        for lineno, message, _comments, context in extract_from_file(method, str(path), keywords=KEYWORDS,
                                                                     options=options):
            msgid = message[0] if isinstance(message, tuple) else message
            found.setdefault((context, msgid), f"{path.relative_to(ROOT)}:{lineno}")
    return found


def public_sources() -> list[Path]:
    paths = [p for pattern in PUBLIC_TEMPLATES for p in sorted(TEMPLATES.glob(pattern))]
    return paths + [ROOT / "conference" / m for m in PUBLIC_MODULES]


def all_sources() -> list[Path]:
    return all_templates() + python_sources()


def catalogue(code: str):
    path = CATALOGUES / code / "LC_MESSAGES" / "messages.po"
    assert path.exists(), f"no catalogue for {code}: {path}"
    with path.open("rb") as f:
        return read_po(f, locale=code)


def untranslated(code: str, wanted: dict[tuple[str | None, str], str], cat=None) -> list[str]:
    cat = cat if cat is not None else catalogue(code)
    missing = []
    for (context, msgid), where in wanted.items():
        message = cat.get(msgid, context=context)
        strings = message.string if message is not None else None
        if isinstance(strings, tuple | list):
            strings = all(strings) and strings[0]
        if not strings or message.fuzzy:
            missing.append(f"{where}: {msgid!r}")
    return missing


@pytest.mark.parametrize("code", TRANSLATED)
def test_catalogue_has_every_public_page_and_email_string(code):
    missing = untranslated(code, extract(public_sources()))
    assert not missing, f"{code}: {len(missing)} public strings untranslated (make translations):\n" + "\n".join(
        missing[:40])


@pytest.mark.parametrize("code", sorted(BACK_OFFICE_LANGUAGES))
def test_back_office_catalogue_is_complete(code):
    missing = untranslated(code, extract(all_sources()))
    assert not missing, f"{code}: {len(missing)} strings untranslated:\n" + "\n".join(missing[:40])


def bare_percents(text: str) -> int:
    return re.sub(r"%\(\w+\)[sdif]|%%", "", text).count("%")


@pytest.mark.parametrize("code", TRANSLATED)
def test_translations_keep_their_placeholders(code):
    """A translation that drops or renames %(name)s would fail at the moment it is shown: Babel's checkers catch it."""
    cat = catalogue(code)
    problems = [f"{message.id!r}: {'; '.join(map(str, errors))}" for message, errors in cat.check()]
    # Jinja's gettext always applies % to what it gets back, so in a template's string a bare "%" ("50 % de femmes")
    # breaks the page even where the English has no placeholder: it must be written "%%" as in the English.
    # (Python's gettext formats only when given values, so "60 %" is right there.)
    in_templates = (m for m in cat if m.id and any(f.startswith("templates/") for f, _ in m.locations))
    for message in in_templates:
        strings = message.string if isinstance(message.string, tuple | list) else [message.string]
        ids = message.id if isinstance(message.id, tuple | list) else [message.id]
        if any(bare_percents(t) != bare_percents(ids[0]) for t in strings if t):
            problems.append(f"{message.id!r}: a bare % in {strings!r}")
    assert not problems, "\n".join(problems[:20])


def test_the_completeness_check_sees_a_missing_string():
    french = catalogue("fr")
    assert untranslated("fr", {(None, "Sign in"): "base.html:1"}, french) == []
    assert untranslated("fr", {("meetings", "Sign in"): "base.html:1"}, french) == ["base.html:1: 'Sign in'"]
    assert untranslated("fr", {(None, "A sentence no template has, surely."): "nowhere:1"}, french) == [
        "nowhere:1: 'A sentence no template has, surely.'"]


# --- Choosing the language ---------------------------------------------------------------------------------------

def test_the_browser_preference_decides_until_the_visitor_chooses(client):
    page = client.get("/", headers={"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.5"})
    assert '<html lang="ru" dir="ltr">' in page.get_data(as_text=True)
    assert "Accept-Language" in page.headers["Vary"] and "Cookie" in page.headers["Vary"]
    assert '<html lang="en"' in client.get("/", headers={"Accept-Language": "de-DE,de"}).get_data(as_text=True)

    chosen = client.get("/language/ar?next=/login")
    assert chosen.status_code == 302 and chosen.headers["Location"] == "/login"
    cookie = chosen.headers["Set-Cookie"]
    assert "plenary_lang=ar" in cookie and "Max-Age=31536000" in cookie and "HttpOnly" in cookie
    page = client.get("/login", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in page  # the choice wins over the browser


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example", "", "login"])
def test_choosing_a_language_never_leads_off_the_site(client, target):
    response = client.get("/language/fr", query_string={"next": target})
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_an_unknown_language_changes_nothing(client):
    response = client.get("/language/xx?next=/login")
    assert response.status_code == 302 and "Set-Cookie" not in response.headers


def test_every_page_offers_every_language_named_in_itself(client):
    page = client.get("/login").get_data(as_text=True)
    for code, language in LANGUAGES.items():
        assert f'lang="{code}"' in page and language.name in page


# --- Formats -------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("code", "day", "moment", "names"), [
    ("en", "Tuesday, 8 October 2024", "8 Oct 2024, 10:00", "<bdi>Austria</bdi>, <bdi>Kenya</bdi> and <bdi>Peru</bdi>"),
    ("fr", "mardi 8 octobre 2024", "8 oct. 2024, 10:00", "<bdi>Austria</bdi>, <bdi>Kenya</bdi> et <bdi>Peru</bdi>"),
    ("zh", "2024年10月8日星期二", "2024年10月8日 10:00", "<bdi>Austria</bdi>、<bdi>Kenya</bdi>和<bdi>Peru</bdi>"),
    ("ar", "الثلاثاء، 8 أكتوبر 2024", "8 أكتوبر 2024، 10:00", "<bdi>Austria</bdi> و<bdi>Kenya</bdi> و<bdi>Peru</bdi>"),
])
def test_dates_times_and_lists_are_written_the_locale_s_way(app, code, day, moment, names):
    from datetime import UTC, date, datetime

    from conference.core.i18n import WEEKDAY, format_day, format_moment, format_names

    with app.test_request_context(headers={"Accept-Language": code}):
        refresh()
        assert format_day(date(2024, 10, 8), WEEKDAY) == day
        assert format_moment(datetime(2024, 10, 8, 10, 0, tzinfo=UTC)) == moment
        assert str(format_names(["Austria", "Kenya", "Peru"])) == names
        # A name is data, never markup.
        assert str(format_names(["<b>x</b>"])) == "<bdi>&lt;b&gt;x&lt;/b&gt;</bdi>"


def test_numbers_follow_the_locale(app):
    from conference.core.i18n import format_number

    written = {}
    for code in ("en", "fr", "es", "ru"):
        with app.test_request_context(headers={"Accept-Language": code}):
            refresh()  # the test's application context outlives each request context: choose again
            written[code] = format_number(14000)
    assert written["en"] == "14,000" and written["es"] == "14.000"
    assert written["fr"].replace("\u202f", " ") == "14 000" and written["ru"].replace("\u00a0", " ") == "14 000"


@pytest.mark.parametrize("target", ["/\t/evil.example", "/\n/evil.example", " /\r/evil.example"])
def test_control_characters_cannot_smuggle_a_host_into_next(client, target):
    response = client.get("/language/fr", query_string={"next": target})
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_enumerations_with_equal_values_keep_their_own_labels():
    from conference.core.db import labels

    class Door(StrEnum):
        OPEN = "OPEN"

    class Registration(StrEnum):
        OPEN = "OPEN"

    labels(Door, {Door.OPEN: "Door open"})
    labels(Registration, {Registration.OPEN: "Registration open"})
    assert (Door.OPEN.label, Registration.OPEN.label) == ("Door open", "Registration open")
    assert Door.OPEN == Registration.OPEN  # equal strings: why the labels are kept per enumeration


def test_states_are_named_in_the_page_s_language_where_the_official_name_is_known(client, db_session):
    from conference.registration.models import EntityType, RegionalGroup
    from tests.factories import make_delegation, make_entity
    from tests.test_registration import future_conference

    c = future_conference("cop8")
    for name, iso3, names in (("Austria", "AUT", {"fr": "Autriche"}), ("Germany", "DEU", {"fr": "Allemagne"}),
                              ("Egypt", "EGY", {"fr": "Égypte"}), ("Zimbabwe", "ZWE", {}),
                              ("State of Palestine", "PSE", {})):
        entity = make_entity(EntityType.STATE, name, iso3, RegionalGroup.WEOG)
        entity.names = names
        make_delegation(c, entity)
    db_session.commit()
    english = client.get("/cop8/register/state", headers={"Accept-Language": "en"}).get_data(as_text=True)
    client.get("/language/fr")
    french = client.get("/cop8/register/state").get_data(as_text=True)
    assert ">Austria<" in english and ">Autriche<" in french
    # Without an official French name, the name as entered: never a list's own idea of it.
    assert ">State of Palestine<" in french and ">Zimbabwe<" in french
    # Sorted the way the reader reads: Allemagne, Autriche, Égypte, State of Palestine, Zimbabwe in French, where
    # the English order is Austria, Egypt, Germany, State of Palestine, Zimbabwe; accents do not count.
    order = [french.index(f">{n}<") for n in ("Allemagne", "Autriche", "Égypte", "State of Palestine", "Zimbabwe")]
    assert order == sorted(order)
    assert english.index(">Austria<") < english.index(">Egypt<") < english.index(">Germany<")


def test_compiled_catalogues_are_up_to_date():
    """A deployment is a checkout: the .mo in git must be what its .po compiles to (`make catalogues`)."""
    from conference.core.i18n import compiled

    pos = sorted(CATALOGUES.glob("*/LC_MESSAGES/messages.po"))
    assert len(pos) == 5
    stale = [str(po.parent.parent.name) for po in pos
             if not po.with_suffix(".mo").exists() or po.with_suffix(".mo").read_bytes() != compiled(po)]
    assert not stale, f"stale or missing .mo for {stale}: run `make catalogues` and commit the .mo files"
