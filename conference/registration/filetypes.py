"""What an uploaded file is, from its content alone, to tell the participant what they sent when it is refused.

Never used to accept a file (uploads.py decodes photos and parses documents for that): only to name, in the
refusal, what the file seems to be ("This file is a Word document (.docx).").
"""

from __future__ import annotations

from conference.core.i18n import _


def describe(data: bytes) -> str:
    """What `data` seems to be, from its content alone, as a short code ("jpeg", "docx", "unknown"); `found`
    says it to the participant."""
    head = data[:1024]
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    # "BM" alone starts too many texts; the size of the header that follows tells a real BMP.
    if head.startswith(b"BM") and head[14:18] in (b"\x0c\x00\x00\x00", b"(\x00\x00\x00", b"8\x00\x00\x00",
                                                    b"l\x00\x00\x00", b"|\x00\x00\x00",
                                                    b"4\x00\x00\x00", b"@\x00\x00\x00"):
        return "bmp"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "tiff"
    if head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"):
        return "heic"
    if head[4:8] == b"ftyp" and head[8:12] in (b"avif", b"avis"):
        return "avif"
    if head.startswith(b"PK\x03\x04"):
        # Office Open XML and OpenDocument files are ZIP archives; the names of their parts tell them apart.
        if b"mimetypeapplication/vnd.oasis.opendocument.text" in head:
            return "odt"
        if b"word/" in data:
            return "docx"
        if b"xl/" in data:
            return "xlsx"
        if b"ppt/" in data:
            return "pptx"
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"
    if head.startswith(b"{\\rtf"):
        return "rtf"
    # Last among the binary types: a ZIP archive can hold a PDF stored uncompressed, its header within 1024 bytes.
    if b"%PDF-" in head:
        return "pdf"
    if looks_like_text(head):
        return "text"
    return "unknown"


def found(kind: str) -> str:
    """One whole sentence naming what the file seems to be (see `describe`), to follow a refusal."""
    if kind == "jpeg":
        return _("This file is a JPEG image.")
    if kind == "png":
        return _("This file is a PNG image.")
    if kind == "gif":
        return _("This file is a GIF image.")
    if kind == "bmp":
        return _("This file is a BMP image.")
    if kind == "webp":
        return _("This file is a WebP image.")
    if kind == "tiff":
        return _("This file is a TIFF image.")
    if kind == "heic":
        return _("This file is a HEIC image (the format iPhones save photos in).")
    if kind == "avif":
        return _("This file is an AVIF image.")
    if kind == "odt":
        return _("This file is an OpenDocument text document (.odt).")
    if kind == "docx":
        return _("This file is a Word document (.docx).")
    if kind == "xlsx":
        return _("This file is an Excel workbook (.xlsx).")
    if kind == "pptx":
        return _("This file is a PowerPoint presentation (.pptx).")
    if kind == "zip":
        return _("This file is a ZIP archive.")
    if kind == "ole":
        return _("This file is an old-format Office document (such as a Word .doc file).")
    if kind == "rtf":
        return _("This file is a Rich Text (RTF) document.")
    if kind == "pdf":
        return _("This file is a PDF document.")
    if kind == "text":
        return _("This file is a plain text file.")
    return _("This file is of a type we do not recognize.")


def looks_like_text(head: bytes) -> bool:
    if not head or b"\x00" in head:
        return False
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # The first 1024 bytes may end in the middle of a character.
        if exc.start < len(head) - 3:
            return False
        text = head[: exc.start].decode("utf-8")
    return all(ch.isprintable() or ch in "\t\r\n\f" for ch in text)
