"""PDFs put together: `merge_pdfs` (parsing and renumbering) and parts (renumbered by each worker, joined by copying).

Every joined file is read back strictly by pypdf and by poppler (pdftotext), page by page, in order.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess

import pytest
from pypdf import PdfReader

from conference.core import pdf
from conference.core.pdf_parts import PART_MAGIC, WIDTH


def _document(tag: str, pages: int) -> bytes:
    """A PDF of `pages` pages, each saying which document and page it is, with an image shared by its pages."""
    image = ("data:image/png;base64,"
             "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")
    body = "".join(f'<section id="{tag}-{i}" style="break-before: page"><p>{tag} page {i}</p>'
                   f'<img src="{image}" style="width: 10mm"></section>' for i in range(1, pages + 1))
    body += f'<p><a href="#{tag}-1">back to the start of {tag}</a></p>'
    return pdf.render_pdf(f"<html><body>{body}</body></html>", base_url=pdf.STATIC)


def _texts(path) -> list[str]:
    reader = PdfReader(str(path), strict=True)
    return [" ".join(page.extract_text().split()) for page in reader.pages]


@pytest.fixture(scope="module")
def documents():
    return [_document("alpha", 3), _document("beta", 1), _document("gamma", 2)]


def _part(data: bytes) -> bytes:
    out = io.BytesIO()
    pdf.make_part(io.BytesIO(data), out)
    return out.getvalue()


def test_parts_join_into_one_pdf_with_every_page_in_order(documents, tmp_path):
    parts = [_part(d) for d in documents]
    assert all(p.startswith(PART_MAGIC) for p in parts)

    pages = pdf.join_parts(parts, tmp_path / "joined.pdf")

    assert pages == 6
    texts = _texts(tmp_path / "joined.pdf")
    assert texts == ["alpha page 1", "alpha page 2", "alpha page 3 back to the start of alpha", "beta page 1 back to "
                     "the start of beta", "gamma page 1", "gamma page 2 back to the start of gamma"]
    # The same pages as the parsing merge gives.
    merged = pdf.merge_pdfs([io.BytesIO(d) for d in documents], tmp_path / "merged.pdf")
    assert merged == pages and _texts(tmp_path / "merged.pdf") == texts


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (make system-deps) is not installed")
def test_a_joined_pdf_is_read_by_poppler_without_a_complaint(documents, tmp_path):
    pdf.join_parts([_part(d) for d in documents], tmp_path / "joined.pdf")
    out = subprocess.run(["pdftotext", "-layout", str(tmp_path / "joined.pdf"), "-"], capture_output=True, text=True,
                         check=True)
    assert out.stderr == ""
    assert [page.split() for page in out.stdout.split("\f")[:6]] == [
        t.split() for t in _texts_of(documents)]


def _texts_of(documents) -> list[str]:
    return [" ".join(page.extract_text().split()) for d in documents for page in PdfReader(io.BytesIO(d)).pages]


def test_numbers_are_moved_in_place_at_a_fixed_width(documents):
    part = _part(documents[0])
    # Every object of a part is numbered at WIDTH digits, 1 to n, and referred to at the same width; only the pages'
    # parent is the joined file's page tree (1), written as it is.
    headers = re.findall(rb"(?m)^(\d+) 0 obj$", part)
    assert {len(h) for h in headers} == {WIDTH}
    assert sorted(int(h) for h in headers) == list(range(1, len(headers) + 1))
    refs = re.findall(rb"(\d+) 0 R", part)
    assert {len(r) for r in refs if r != b"1"} == {WIDTH}
    assert refs.count(b"1") == 3  # /Parent of the three pages


def test_a_plain_pdf_among_parts_is_made_a_part_on_the_way(documents, tmp_path):
    """A chunk rendered before parts existed (a plain PDF in storage) still joins."""
    pages = pdf.join_parts([documents[0], _part(documents[1])], tmp_path / "mixed.pdf")
    assert pages == 4
    assert _texts(tmp_path / "mixed.pdf")[3] == "beta page 1 back to the start of beta"


def test_no_part_is_needed_for_an_empty_run(tmp_path):
    assert pdf.join_parts([], tmp_path / "empty.pdf") == 0
