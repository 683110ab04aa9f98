"""The one PDF helper: an HTML document plus print stylesheets, rendered by WeasyPrint.

Every PDF of Plenary (badges, the statistics report) goes through `render_pdf`.
WeasyPrint fetches whatever a document names (images, stylesheets, fonts, and the links inside an SVG image), by
default over HTTP, FTP or from any file. Here it gets `ProjectFetcher`, which serves only data: URIs, the project's
`static/` folder and the uploaded files the caller hands over (the badge photos, read from storage by the caller and
named in the document by `upload_url(key)`), and refuses the rest: an upload that is not what it claims can make the
renderer neither call a server, nor read a file elsewhere on the machine, nor another file of the storage.
Parsing a stylesheet and loading fonts costs more than laying out a small
page, so both are prepared once per process and reused: `font_configuration()`
and `stylesheet(path)` are cached. Nothing here knows Flask: the badge workers
(separate processes) call it without an application.
"""

from __future__ import annotations

import functools
import logging
import mimetypes
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit
from urllib.request import url2pathname

from PIL import ImageFile
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from conference.core.pdf_parts import join_parts, make_part, merge_pdfs  # noqa: F401 (callers find them here)

# Importing WeasyPrint switches on Pillow's process-wide LOAD_TRUNCATED_IMAGES, which would make the upload check
# (registration/uploads.py) accept a truncated photo in any process that also prints. Badge photos are already
# normalized, complete JPEGs: WeasyPrint does not need the leniency.
ImageFile.LOAD_TRUNCATED_IMAGES = False  # Pillow's default

ROOT = Path(__file__).resolve().parent.parent.parent
STATIC = ROOT / "static"

# WeasyPrint reports every CSS property it ignores and every missing image at WARNING level; a PDF is still made.
logging.getLogger("weasyprint").setLevel(logging.ERROR)
logging.getLogger("fontTools").setLevel(logging.ERROR)
log = logging.getLogger(__name__)

# How a document names an uploaded file it was handed (`upload:photos/x.jpg`): a scheme of our own, so it can never
# be taken for a file of the machine or an address on the network.
UPLOAD_SCHEME = "upload"


def upload_url(key: str) -> str:
    """The address under which a document shows the uploaded file `key` handed to the renderer (see `uploads`)."""
    return f"{UPLOAD_SCHEME}:{quote(key)}"


class ProjectFetcher(URLFetcher):
    """WeasyPrint's URL fetcher for every PDF of Plenary: data: URIs, files under `static/`, and the `uploads` it is
    handed (key: bytes, read from storage by the caller; named `upload_url(key)`); anything else is refused.

    Refused: every network scheme (http, https, ftp...), a file: URL naming a host, any file outside `static/`, also
    through a symbolic link or `..` (paths are resolved before the check), and an upload it was not handed.
    WeasyPrint treats a refusal like a missing image: the PDF is still made, and the refusal is logged here.
    """

    def __init__(self, uploads: Mapping[str, bytes] | None = None):
        super().__init__(timeout=1, allowed_protocols=("data", "file"), allow_redirects=False)
        self._uploads = dict(uploads or {})

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme == "data":
            return super().fetch(url, headers)  # decoded in memory by urllib's DataHandler: no I/O
        if scheme == UPLOAD_SCHEME:
            key = unquote(parts.path)
            if key in self._uploads:
                media_type = mimetypes.guess_type(key)[0] or "application/octet-stream"
                return URLFetcherResponse(url, self._uploads[key], {"Content-Type": media_type})
        if scheme == "file" and parts.netloc in ("", "localhost"):
            path = Path(url2pathname(parts.path)).resolve()
            if path.is_relative_to(STATIC.resolve()) and path.is_file():
                media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": media_type})
        log.warning("PDF rendering: refused to fetch %.200s", url)
        raise ValueError(f"refused: {url[:200]} is neither a data: URI nor one of the project's files")


@functools.cache
def font_configuration() -> FontConfiguration:
    """The process's font configuration: fontconfig's view of the system fonts, loaded once."""
    return FontConfiguration()


@functools.lru_cache(maxsize=32)
def stylesheet(path: str | Path) -> CSS:
    """A print stylesheet parsed once per process (`path` absolute, or relative to `static/`)."""
    path = Path(path)
    if not path.is_absolute():
        path = STATIC / path
    return CSS(filename=str(path), font_config=font_configuration(), url_fetcher=ProjectFetcher())


def _stylesheets(stylesheets: Iterable[str | Path | CSS]) -> list[CSS]:
    return [s if isinstance(s, CSS) else stylesheet(s) for s in stylesheets]


def render_document(html: str, *, base_url: str | Path, stylesheets: Sequence[str | Path | CSS] = (),
                    uploads: Mapping[str, bytes] | None = None):
    """Lay out `html` and return WeasyPrint's Document (its pages can be counted or combined).

    `uploads` are the only files outside `static/` the document may show (see ProjectFetcher)."""
    return HTML(string=html, base_url=str(base_url), url_fetcher=ProjectFetcher(uploads)).render(
        stylesheets=_stylesheets(stylesheets), font_config=font_configuration())


def render_pdf(html: str, *, base_url: str | Path, stylesheets: Sequence[str | Path | CSS] = (),
               uploads: Mapping[str, bytes] | None = None, target: str | Path | None = None) -> bytes | None:
    """Render `html` with the print `stylesheets` to PDF.

    `base_url` resolves relative links (images, fonts); pass the project's `static/` folder or a file URL.
    `stylesheets` are paths (relative to `static/`, or absolute) or already parsed CSS objects; parsed ones are
    cached per process. `uploads` are the uploaded files the document shows (key: bytes, read from storage by the
    caller; the document names them `upload_url(key)`), the only ones outside `static/` it may read; nothing else
    is fetched (see ProjectFetcher). Returns the PDF's bytes, or writes them to `target` and returns None.
    """
    document = render_document(html, base_url=base_url, stylesheets=stylesheets, uploads=uploads)
    return document.write_pdf(target=str(target) if target else None)
