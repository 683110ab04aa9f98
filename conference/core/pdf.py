"""The one PDF helper: an HTML document plus print stylesheets, rendered by WeasyPrint.

Every PDF of Plenary (badges, the statistics report) goes through `render_pdf`.
Parsing a stylesheet and loading fonts costs more than laying out a small
page, so both are prepared once per process and reused: `font_configuration()`
and `stylesheet(path)` are cached. Nothing here knows Flask: the badge workers
(separate processes) call it without an application.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

ROOT = Path(__file__).resolve().parent.parent.parent
STATIC = ROOT / "static"

# WeasyPrint reports every CSS property it ignores and every missing image at WARNING level; a PDF is still made.
logging.getLogger("weasyprint").setLevel(logging.ERROR)
logging.getLogger("fontTools").setLevel(logging.ERROR)


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
    return CSS(filename=str(path), font_config=font_configuration())


def _stylesheets(stylesheets: Iterable[str | Path | CSS]) -> list[CSS]:
    return [s if isinstance(s, CSS) else stylesheet(s) for s in stylesheets]


def render_document(html: str, *, base_url: str | Path, stylesheets: Sequence[str | Path | CSS] = (),
                    url_fetcher: Callable | None = None):
    """Lay out `html` and return WeasyPrint's Document (its pages can be counted or combined)."""
    kwargs = {"url_fetcher": url_fetcher} if url_fetcher else {}
    return HTML(string=html, base_url=str(base_url), **kwargs).render(
        stylesheets=_stylesheets(stylesheets), font_config=font_configuration())


def render_pdf(html: str, *, base_url: str | Path, stylesheets: Sequence[str | Path | CSS] = (),
               url_fetcher: Callable | None = None, target: str | Path | None = None) -> bytes | None:
    """Render `html` with the print `stylesheets` to PDF.

    `base_url` resolves relative links (images, fonts); pass the project's `static/` folder or a file URL.
    `stylesheets` are paths (relative to `static/`, or absolute) or already parsed CSS objects; parsed ones are
    cached per process. Returns the PDF's bytes, or writes them to `target` and returns None.
    """
    document = render_document(html, base_url=base_url, stylesheets=stylesheets, url_fetcher=url_fetcher)
    return document.write_pdf(target=str(target) if target else None)


def merge_pdfs(parts: Iterable[str | Path], target: str | Path) -> int:
    """Concatenate the PDF files `parts`, in order, into `target`; returns the number of pages.

    The parts are read one after the other; only the output's objects are held in memory, never a layout.
    """
    from pypdf import PdfWriter

    writer = PdfWriter()
    try:
        for part in parts:
            writer.append(str(part))
        with open(target, "wb") as out:
            writer.write(out)
        return len(writer.pages)
    finally:
        writer.close()
