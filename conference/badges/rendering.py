"""Badges rendered to PDF: the same code in the parent process (small runs) and in each worker process.

Workers get plain dictionaries (services.badge_data, services.conference_data), never ORM objects, and the uploads'
storage (picklable: the local folder or the object store), from which each reads the photos of its chunk; they
render a chunk at a time to a temporary file, and the parent concatenates the chunks in order. Kept apart from the
services (issuing, collecting, choosing whom to print) because it is what runs inside the workers.
"""

from __future__ import annotations

import functools
import logging
import multiprocessing
import os
import resource
import shutil
import tempfile
import threading
import unicodedata
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import jinja2
import segno
from babel.support import Translations
from flask import has_app_context
from PIL import ImageFont

from conference.core import pdf
from conference.core.errors import PlenaryError
from conference.core.i18n import CATALOGUES, LANGUAGES, _, language_of
from conference.core.storage import MissingFile, Storage, files

log = logging.getLogger(__name__)

SIZES = ("a6", "id1", "a4-sheet")
CHUNK_SIZE = 50
STYLESHEET = "css/badge.css"
TEMPLATE = "badges/badges.html"
# Rendering: the same code in the parent (small runs) and in each worker process


_worker: dict = {}
_worker_lock = threading.Lock()


def prepare_worker() -> None:
    """Once per process: the parsed stylesheet and the fonts. Safe from several badge-run threads at once."""
    with _worker_lock:
        if _worker:
            return
        css = pdf.stylesheet(STYLESHEET)
        pdf.font_configuration()
        _worker["css"] = css  # last: a thread that sees the key sees everything ready


@functools.cache
def _template(code: str):
    """The badge template with the gettext of one language, an environment per language: two runs in two languages,
    in two threads of one process, never swap each other's words."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(pdf.ROOT / "templates")),
                             autoescape=jinja2.select_autoescape(("html",)), trim_blocks=True, lstrip_blocks=True,
                             extensions=["jinja2.ext.i18n"])
    # The same gettext as Flask-Babel installs in the application's templates (newstyle: autoescaped, named
    # placeholders), from the catalogue of the run's language.
    env.install_gettext_translations(_translations(code), newstyle=True)
    return env.get_template(TEMPLATE)


def _qr_png(value: str) -> str:
    # Error correction M survives a scuffed or creased badge. One pixel per module: the stylesheet scales it up
    # with `image-rendering: pixelated` (no interpolation in the PDF), so it prints sharp at any size and costs
    # next to nothing to encode.
    return segno.make_qr(value, error="m").png_data_uri(scale=1, border=4)


@functools.cache
def _translations(code: str):
    """The compiled catalogue of a language, read once per process (workers have no Flask-Babel)."""
    return Translations.load(str(CATALOGUES), [code])


# --------------------------------------------------------------------------------------------------------------------
# Long names: the whole name in smaller type, then on two lines, then the secretariat's short form; never cut


# The width of the name's box (points) and its type sizes (normal, smaller, smallest) for each paper size: the same
# figures as static/css/badge.css (.who and .name).
NAME_BOX_PT = {"a6": 263.6, "a4-sheet": 263.6, "id1": 103.7}
NAME_TYPE_PT = {"a6": (17, 13, 10), "a4-sheet": (17, 13, 10), "id1": (9, 7, 5.5)}
# The badge's name font (fonts-noto-core); without it, an average advance is assumed.
NAME_FONT = Path("/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf")
# Words wrap where they can, not where the box ends: two lines hold a little less than twice one.
TWO_LINES = 1.8


@functools.cache
def _measuring_font():
    return ImageFont.truetype(str(NAME_FONT), 100) if NAME_FONT.is_file() else None


# A run measures each name twice (the desk's list of names to check, then the badge itself): the second is free.
@functools.lru_cache(maxsize=8192)
def name_width_em(text: str) -> float:
    """The width of `text` in bold type, in ems: Noto Sans Bold's advances, a full em for wide (CJK) characters.

    An estimate (no shaping, no kerning), on the generous side, which is all the choice of a type size needs."""
    font = _measuring_font()
    width = 0.0
    for ch in text:
        if unicodedata.east_asian_width(ch) in ("W", "F"):
            width += 1.0
        elif font is not None:
            width += font.getlength(ch) / 100
        else:
            width += 0.62
    return width


def name_fit(name: str, short_name: str, size: str) -> dict:
    """How the name is printed on a badge of `size`: `name_shown`, and `name_fit`, one of

    normal (one line), small (one line in smaller type), two-lines (smaller type, two lines), short (the
    secretariat's short form, when the whole name does not fit), tiny (the whole name in the smallest type: it is
    too long and there is no short form). Nothing is ever cut; "short" and "tiny" are reported to the badge desk.
    """
    box = NAME_BOX_PT.get(size, NAME_BOX_PT["a6"])
    normal, small, _tiny = NAME_TYPE_PT.get(size, NAME_TYPE_PT["a6"])
    width = name_width_em(name)
    if width * normal <= box:
        return {"name_shown": name, "name_fit": "normal"}
    if width * small <= box:
        return {"name_shown": name, "name_fit": "small"}
    if width * small <= box * TWO_LINES:
        return {"name_shown": name, "name_fit": "two-lines"}
    if short_name and name_width_em(short_name) * small <= box * TWO_LINES:
        return {"name_shown": short_name, "name_fit": "short"}
    return {"name_shown": name, "name_fit": "tiny"}


def names_to_check(badges: Sequence[dict], size: str) -> list[dict]:
    """The badges of a run whose name had to be shortened or printed in the smallest type, for the badge desk."""
    out = []
    for b in badges:
        fit = name_fit(b["name"], b.get("short_name", ""), size)
        if fit["name_fit"] in ("short", "tiny"):
            out.append({"name": b["name"], "shown": fit["name_shown"], "fit": fit["name_fit"]})
    return out


def badges_html(badges: Sequence[dict], conference: dict, size: str) -> str:
    """The HTML of a run of badges (the template `badges/badges.html`), QR codes included, in the language of
    `conference["language"]` (from `conference_data`; English when absent)."""
    prepare_worker()
    language = LANGUAGES[language_of(conference.get("language"))]
    items = [{**b, "qr_png": _qr_png(b["qr"]), **name_fit(b["name"], b.get("short_name", ""), size)}
             for b in badges]
    sheets = [items[i:i + 4] for i in range(0, len(items), 4)] if size == "a4-sheet" else []
    return _template(language.code).render(badges=items, sheets=sheets, conference=conference, size=size,
                                      language=language)


def _uploads(uploads: Storage | None) -> Storage | None:
    """The storage the photos are read from: the one given (a worker process is given it), else the application's."""
    if uploads is None and has_app_context():
        return files("uploads")
    return uploads


def with_photos(badges: Sequence[dict], uploads: Storage | None) -> tuple[list[dict], dict[str, bytes]]:
    """The badges with each photo's key turned into the address the renderer serves it under, and the photos' bytes,
    read from storage: the only uploads the document may show. A photo missing from storage gets the placeholder."""
    photos: dict[str, bytes] = {}
    shown = []
    for b in badges:
        key = b.get("photo")
        if key and key not in photos and uploads is not None:
            try:
                photos[key] = uploads.read(key)
            except MissingFile:
                log.warning("badge %s: photo file missing, placeholder printed", b.get("serial"))
        shown.append({**b, "photo": pdf.upload_url(key) if key in photos else None})
    return shown, photos


def render_badges(badges: Sequence[dict], conference: dict, *, size: str = "a6", target: str | Path | None = None,
                  uploads: Storage | None = None):
    """Render `badges` (from `badge_data`) to one PDF, in this process: bytes, or written to `target`. The photos
    are read from `uploads` (by default the application's uploads storage)."""
    if size not in SIZES:
        raise PlenaryError(_("unknown badge size %(size)s; choose one of %(sizes)s", size=repr(size),
                             sizes=", ".join(SIZES)))
    shown, photos = with_photos(badges, _uploads(uploads))
    html = badges_html(shown, conference, size)
    return pdf.render_pdf(html, base_url=pdf.STATIC, stylesheets=[_worker["css"]], uploads=photos, target=target)


def _render_chunk(index: int, badges: list[dict], conference: dict, size: str,
                  folder: str, uploads: Storage | None) -> tuple[int, str, int, dict]:
    rendered = os.path.join(folder, f"chunk-{index:05d}.pdf")
    render_badges(badges, conference, size=size, target=rendered, uploads=uploads)
    path = os.path.join(folder, f"chunk-{index:05d}.part")  # renumbered here, in parallel: see core.pdf_parts
    with open(path, "wb") as out:
        pdf.make_part(rendered, out)
    os.remove(rendered)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return index, path, len(badges), {"pid": os.getpid(), "rss_kb": usage.ru_maxrss,
                                      "cpu_s": usage.ru_utime + usage.ru_stime}


def _chunks(badges: Sequence[dict], size: int) -> list[list[dict]]:
    return [list(badges[i:i + size]) for i in range(0, len(badges), size)]


def render_badge_run(badges: Sequence[dict], conference: dict, target: str | Path, *, size: str = "a6",
                     workers: int | None = None, chunk_size: int = CHUNK_SIZE,
                     progress: Callable[[int, int], None] | None = None, stats: dict | None = None,
                     uploads: Storage | None = None) -> int:
    """Render a run of badges to the PDF file `target`, in chunks across the CPU cores; returns the page count.

    `workers` defaults to the number of CPU cores; a run of one chunk is rendered in this process. Each worker
    prepares fonts, stylesheet and template once, renders a chunk at a time and writes it to a temporary file,
    so memory stays that of one chunk per worker whatever the size of the run; the photos of a chunk are read from
    `uploads` (by default the application's uploads storage) by the process that renders it. `progress(done,
    total)` is called in this process after each chunk. `stats`, when given, receives the number of workers and
    chunks and the peak resident memory of the busiest worker in kB and the CPU seconds the workers used (for
    bench/badges.py).
    """
    if size not in SIZES:
        raise PlenaryError(_("unknown badge size %(size)s; choose one of %(sizes)s", size=repr(size),
                             sizes=", ".join(SIZES)))
    if not badges:
        raise PlenaryError(_("there are no badges to print"))
    if size == "a4-sheet":
        chunk_size = max(4, chunk_size - chunk_size % 4)  # keep sheets full except the last one
    total = len(badges)
    chunks = _chunks(badges, chunk_size)
    workers = min(workers or os.cpu_count() or 1, len(chunks))
    uploads = _uploads(uploads)
    folder = tempfile.mkdtemp(prefix="plenary-badges-")
    try:
        paths: dict[int, str] = {}
        done = 0
        usages: dict[int, dict] = {}  # the latest figures of each process that rendered
        if workers <= 1:
            for index, chunk in enumerate(chunks):
                _index, paths[index], n, usage = _render_chunk(index, chunk, conference, size, folder, uploads)
                usages[usage["pid"]] = usage
                done += n
                if progress:
                    progress(done, total)
        else:
            # forkserver: workers start from a clean, single-threaded process (the web app's threads and database
            # connections are not copied into them), and import WeasyPrint once, in the server.
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["conference.badges.rendering"])
            with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=prepare_worker) as pool:
                futures = [pool.submit(_render_chunk, i, chunk, conference, size, folder, uploads)
                           for i, chunk in enumerate(chunks)]
                for future in as_completed(futures):
                    index, path, n, usage = future.result()
                    usages[usage["pid"]] = usage
                    paths[index] = path
                    done += n
                    if progress:
                        progress(done, total)
        pages = pdf.join_parts((Path(paths[i]).read_bytes() for i in range(len(chunks))), target)
        if stats is not None:
            stats.update(workers=workers, chunks=len(chunks),
                         worker_peak_rss_kb=max(u["rss_kb"] for u in usages.values()),
                         worker_cpu_s=sum(u["cpu_s"] for u in usages.values()))
        return pages
    finally:
        shutil.rmtree(folder, ignore_errors=True)

