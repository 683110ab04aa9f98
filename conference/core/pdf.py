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
from typing import BinaryIO
from urllib.parse import quote, unquote, urlsplit
from urllib.request import url2pathname

from PIL import ImageFile
from pypdf import PdfReader
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NumberObject,
    PdfObject,
    StreamObject,
)
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

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


def merge_pdfs(parts: Iterable[str | Path | BinaryIO], target: str | Path) -> int:
    """Concatenate the PDF files `parts` (paths, or seekable binary streams), in order, into `target`; returns the
    number of pages.

    Streaming: each part is read, its pages and every object they reach are written out at once with new object
    numbers, and the part is dropped before the next is read. Only the object offsets and the list of pages stay
    in memory, so a run of 14,000 badges costs what one chunk costs. (pypdf's PdfWriter.append, by contrast, holds
    every object of the output until the end.)
    """
    with open(target, "wb") as out:
        writer = _StreamingPdf(out)
        for part in parts:
            reader = PdfReader(part if hasattr(part, "read") else str(part))
            writer.add_pages(reader)
            del reader
        return writer.finish()


class _StreamingPdf:
    """A minimal PDF writer that copies pages from readers, object by object, straight to the file."""

    PAGES, CATALOG = 1, 2

    def __init__(self, out):
        self.out = out
        self.offsets: dict[int, int] = {}
        self.kids: list[int] = []
        self.next_number = 3
        out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")

    def add_pages(self, reader) -> None:
        numbers: dict[tuple[int, int], int] = {}
        pending: list[tuple[int, object]] = []

        def number_of(ref: IndirectObject) -> int:
            key = (ref.idnum, ref.generation)
            if key not in numbers:
                numbers[key] = self._new_number()
                pending.append((numbers[key], ref))
            return numbers[key]

        pages = list(reader.pages)  # pypdf pushes inherited attributes (MediaBox, Resources) down into each page
        # Pages get their numbers first, so that a reference from one page to another (a link) finds its target.
        page_numbers = []
        for page in pages:
            number = self._new_number()
            page_numbers.append(number)
            if page.indirect_reference is not None:
                numbers[(page.indirect_reference.idnum, page.indirect_reference.generation)] = number
        self.kids.extend(page_numbers)
        for number, page in zip(page_numbers, pages, strict=True):
            self._write(number, page, number_of, is_page=True)
            while pending:
                child, ref = pending.pop()
                self._write(child, ref.get_object(), number_of)

    def _new_number(self) -> int:
        number = self.next_number
        self.next_number += 1
        return number

    def _remap(self, obj, number_of, is_page: bool = False):
        if isinstance(obj, IndirectObject):
            return _Ref(number_of(obj))
        if isinstance(obj, DictionaryObject):
            copy = DictionaryObject()
            for key, value in obj.items():
                if is_page and key == "/Parent":
                    copy[NameObject(key)] = _Ref(self.PAGES)
                else:
                    copy[NameObject(key)] = self._remap(value, number_of)
            return copy
        if isinstance(obj, ArrayObject):
            return ArrayObject([self._remap(v, number_of) for v in obj])
        return obj

    def _write(self, number: int, obj, number_of, is_page: bool = False) -> None:
        self.offsets[number] = self.out.tell()
        self.out.write(b"%d 0 obj\n" % number)
        if isinstance(obj, StreamObject):
            data = obj._data  # the stream as stored in the part (still compressed): copied, never decoded
            header = self._remap(obj, number_of)
            header[NameObject("/Length")] = NumberObject(len(data))
            header.write_to_stream(self.out)
            self.out.write(b"\nstream\n")
            self.out.write(data)
            self.out.write(b"\nendstream")
        else:
            self._remap(obj, number_of, is_page=is_page).write_to_stream(self.out)
        self.out.write(b"\nendobj\n")

    def finish(self) -> int:
        kids = b" ".join(b"%d 0 R" % k for k in self.kids)
        self.offsets[self.PAGES] = self.out.tell()
        self.out.write(b"%d 0 obj\n<< /Type /Pages /Kids [%s] /Count %d >>\nendobj\n"
                       % (self.PAGES, kids, len(self.kids)))
        self.offsets[self.CATALOG] = self.out.tell()
        self.out.write(b"%d 0 obj\n<< /Type /Catalog /Pages %d 0 R >>\nendobj\n" % (self.CATALOG, self.PAGES))
        xref = self.out.tell()
        size = self.next_number
        self.out.write(b"xref\n0 %d\n0000000000 65535 f \n" % size)
        for number in range(1, size):
            self.out.write(b"%010d 00000 n \n" % self.offsets[number])
        self.out.write(b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n"
                       % (size, self.CATALOG, xref))
        return len(self.kids)


class _Ref(PdfObject):
    """A reference to object `number` of the output, written as `n 0 R`."""

    __slots__ = ("number",)

    def __init__(self, number: int):
        self.number = number

    def write_to_stream(self, stream, encryption_key=None) -> None:
        stream.write(b"%d 0 R" % self.number)
