"""PDF files put together page by page, in bounded memory: `merge_pdfs` for any PDFs, and "parts" for badge runs.

`merge_pdfs` reads each PDF with pypdf and writes its pages, and every object they reach, with new object numbers,
straight to the output: only the objects' offsets and the list of pages stay in memory.

Renumbering costs the parsing of every object, and at the end of a badge run it is the one step no other worker can
share (about 1.7 s for 1,400 badges, the tail of a run that two workers render in 35 s). So each worker turns its
chunk's PDF into a *part* as soon as it has rendered it, in parallel with the others: the same objects, numbered
from 1 and written at a fixed width of WIDTH digits, followed by a footer (JSON) that says where each object begins,
which ones are the pages and where every reference to an object number is. Joining parts (`join_parts`) then only
adds each part's first number to those digits, in place (the width does not change, so neither does any offset),
and copies the bytes: no parsing, one part in memory at a time. A plain PDF given to `join_parts` is made a part
on the way (a chunk rendered before this format existed).

PDF integers may carry leading zeros (ISO 32000-1, 7.3.3), so `0000012 0 R` is the reference `12 0 R` to every
reader.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

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

PART_MAGIC = b"%PLENARY-PART 1\n"
WIDTH = 7  # digits of every object number in a part: up to 9,999,999 objects in a joined file (some 2 million badges)
_FOOTER = b"\n%PLENARY-FOOTER "  # followed by the footer's offset (10 digits) and a newline: the last 28 bytes


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


def make_part(source: str | Path | BinaryIO, out: BinaryIO) -> int:
    """Write the PDF `source` to `out` as a part (see the module's docstring); returns its number of pages."""
    body = io.BytesIO()
    writer = _PartWriter(body)
    writer.add_pages(PdfReader(source if hasattr(source, "read") else str(source)))
    footer = json.dumps({"objects": sorted(writer.offsets.items()), "pages": writer.kids, "refs": writer.refs,
                         "count": writer.next_number - 1}, separators=(",", ":")).encode()
    out.write(PART_MAGIC)
    out.write(body.getbuffer())
    footer_at = out.tell()
    out.write(footer)
    out.write(_FOOTER + b"%010d\n" % footer_at)
    return len(writer.kids)


def join_parts(parts: Iterable[bytes], target: str | Path) -> int:
    """Write the parts (each the whole bytes of a part, or of a plain PDF), in order, as one PDF to `target`;
    returns the number of pages."""
    with open(target, "wb") as out:
        joined = _StreamingPdf(out)
        for data in parts:
            if not data.startswith(PART_MAGIC):
                converted = io.BytesIO()
                make_part(io.BytesIO(data), converted)
                data = converted.getvalue()
            joined.add_part(data)
        return joined.finish()


class _StreamingPdf:
    """A minimal PDF writer that copies pages from readers, object by object, straight to the file."""

    PAGES, CATALOG = 1, 2
    FIRST = 3  # the first number given to a copied object

    def __init__(self, out):
        self.out = out
        self.offsets: dict[int, int] = {}
        self.kids: list[int] = []
        self.next_number = self.FIRST
        self._start()

    def _start(self) -> None:
        self.out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")

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

    def add_part(self, data: bytes) -> None:
        """Copy a part's objects after those written so far, its numbers moved up by the numbers already taken."""
        footer_at = int(data[-11:-1])
        meta = json.loads(data[footer_at:-len(_FOOTER) - 11])
        base = self.next_number - 1  # the part's objects are numbered from 1
        if base + meta["count"] >= 10 ** WIDTH:
            raise ValueError(f"a joined PDF holds at most {10 ** WIDTH - 1} objects")
        body = bytearray(data[len(PART_MAGIC):footer_at])
        for position in meta["refs"]:
            body[position:position + WIDTH] = b"%0*d" % (WIDTH, int(body[position:position + WIDTH]) + base)
        start = self.out.tell()
        for number, offset in meta["objects"]:
            body[offset:offset + WIDTH] = b"%0*d" % (WIDTH, number + base)
            self.offsets[number + base] = start + offset
        self.out.write(body)
        self.kids.extend(number + base for number in meta["pages"])
        self.next_number = base + meta["count"] + 1

    def _new_number(self) -> int:
        number = self.next_number
        self.next_number += 1
        return number

    def _ref(self, number: int) -> PdfObject:
        return _Ref(number)

    def _remap(self, obj, number_of, is_page: bool = False):
        if isinstance(obj, IndirectObject):
            return self._ref(number_of(obj))
        if isinstance(obj, DictionaryObject):
            copy = DictionaryObject()
            for key, value in obj.items():
                if is_page and key == "/Parent":
                    copy[NameObject(key)] = _Ref(self.PAGES)  # the joined file's page tree: never renumbered
                else:
                    copy[NameObject(key)] = self._remap(value, number_of)
            return copy
        if isinstance(obj, ArrayObject):
            return ArrayObject([self._remap(v, number_of) for v in obj])
        return obj

    def _header(self, number: int) -> bytes:
        return b"%d 0 obj\n" % number

    def _write(self, number: int, obj, number_of, is_page: bool = False) -> None:
        self.offsets[number] = self.out.tell()
        self.out.write(self._header(number))
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


class _PartWriter(_StreamingPdf):
    """Writes a part's body: objects numbered from 1 at a fixed width, with the place of every number recorded."""

    FIRST = 1

    def __init__(self, out):
        self.refs: list[int] = []
        super().__init__(out)

    def _start(self) -> None:
        pass  # a part has no PDF header: `join_parts` writes the joined file's

    def _ref(self, number: int) -> PdfObject:
        return _PartRef(number, self.refs)

    def _header(self, number: int) -> bytes:
        return b"%0*d 0 obj\n" % (WIDTH, number)


class _Ref(PdfObject):
    """A reference to object `number` of the output, written as `n 0 R`."""

    __slots__ = ("number",)

    def __init__(self, number: int):
        self.number = number

    def write_to_stream(self, stream, encryption_key=None) -> None:
        stream.write(b"%d 0 R" % self.number)


class _PartRef(PdfObject):
    """A reference inside a part: its number at WIDTH digits, its place recorded for the join to renumber."""

    __slots__ = ("number", "refs")

    def __init__(self, number: int, refs: list[int]):
        self.number, self.refs = number, refs

    def write_to_stream(self, stream, encryption_key=None) -> None:
        self.refs.append(stream.tell())
        stream.write(b"%0*d 0 R" % (WIDTH, self.number))
