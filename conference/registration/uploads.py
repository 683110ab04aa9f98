"""Participants' uploads: passport-style photos and nominating documents.

A photo is printed on the badge, so it is checked by its content (never by the
file name or the content type the browser claims), normalized once on upload
(orientation applied, cropped to the passport ratio 35:45, 700x900 pixels,
baseline JPEG) and stored without any metadata: a phone's EXIF block carries
the camera, the time and often the GPS position of whoever took the picture,
none of which the secretariat needs. A nominating document (note verbale,
official letter) must be a PDF; it is stored as sent.

Files are kept in the uploads' storage (`upload_storage()`: the folder UPLOAD_FOLDER, never under `static/`,
or the object store of STORAGE_URL), with random names, and read back only through `open_upload`, which refuses
any key that could lead elsewhere. The functions take the storage as a parameter (or a folder), so they can be
used, and tested, without an application.
"""

from __future__ import annotations

import io
import logging
import re
import secrets
import threading
import warnings
from pathlib import Path
from typing import BinaryIO

from PIL import ExifTags, Image, ImageCms, ImageFile, ImageOps, UnidentifiedImageError
from pypdf import PdfReader

from conference.core.errors import NotFound, RuleViolation
from conference.core.i18n import _, format_number
from conference.core.storage import LocalStorage, MissingFile, Storage, StoredFile, check_key, files
from conference.registration.filetypes import describe, found

log = logging.getLogger(__name__)

PHOTO_MAX_BYTES = 5 * 1024 * 1024
DOCUMENT_MAX_BYTES = 10 * 1024 * 1024
PHOTO_RATIO = (35, 45)  # width:height of a passport photo (35 mm x 45 mm)
PHOTO_SIZE = (700, 900)  # output pixels: 35x45 mm at about 500 dpi, ample for a badge
# Below this the badge print shows pixels; 300x385 is 35x45 mm at about 220 dpi.
PHOTO_MIN_SIZE = (300, 385)
# A decoded image costs up to 4 bytes a pixel, whatever the size of the file: a 5 MB PNG of one colour can declare a
# billion pixels, and a 49-megapixel one took 200 MB or more to decode. A badge photo is printed 35 x 45 mm and kept
# at 700 x 900 pixels (0.6 megapixels), so 16 megapixels (4,000 x 4,000; a 12-megapixel phone picture with room to
# spare) is 25 times what it needs and costs at most 64 MB to decode. The limit is on what is decoded, checked from
# the file's header before any pixel is: JPEG decoders scale down while decoding (draft mode, 1/2 to 1/8), so a
# JPEG may declare up to 50 megapixels (a 48-megapixel phone camera's full picture) when what is decoded stays
# within 16; a PNG is decoded whole and may declare 16 at most. Pillow's own limit (Image.MAX_IMAGE_PIXELS, about
# 89 megapixels) stays in force as a second line.
PHOTO_MAX_PIXELS = 16_000_000
PHOTO_MAX_JPEG_PIXELS = 50_000_000
# Decodes at once in one process (every web thread, every form): with the limit above, at most about 2 x 64 MB of
# pixels, plus a rotated or converted copy each, whatever the number of simultaneous uploads. Another upload waits
# for a free slot up to PHOTO_DECODE_WAIT seconds, and is then refused with a message to send it again.
PHOTO_DECODES_AT_ONCE = 2
PHOTO_DECODE_WAIT = 20
_decode_slots = threading.BoundedSemaphore(PHOTO_DECODES_AT_ONCE)
PHOTO_JPEG_QUALITY = 88

KINDS = ("photos", "documents")
# How long a form may keep an accepted file it has not yet saved (its signed reference expires then, see web.py):
# a stored file that no record points to and is older than this is an orphan (replaced, or from a failed or
# abandoned submission), which the clean-up erases (privacy/services.py).
UNCLAIMED_FOR_SECONDS = 24 * 3600

_PHOTO_FORMATS = ("JPEG", "PNG")
# A JPEG with extra images (a depth map, an HDR gain map, a preview) is opened by Pillow as "MPO"; its first image is
# the photo itself, so it is accepted as a JPEG and the other images are ignored.
_JPEG_FORMATS = ("JPEG", "MPO")
_SUFFIX = re.compile(r"[a-z0-9]{1,8}")


class UploadError(RuleViolation):
    """An uploaded file is refused; the message says what was wrong and what to send instead.

    `field` is the name of the form field the file came from, so the form can show the message next to it.
    """


def _megabytes(n: int) -> str:
    """A size in megabytes with one decimal, written the page's way ("6.2", "6,2"); the unit is in the message."""
    return format_number(round(n / (1024 * 1024), 1))


# --------------------------------------------------------------------------------------------------------------------
# Photos


def process_photo(data: bytes, field: str = "photo") -> bytes:
    """Check an uploaded passport photo and return it as a clean 700x900 baseline JPEG.

    Accepted: a JPEG or PNG image (recognized by its content), at most 5 MB, of one frame, at least 300x385 pixels
    once its EXIF orientation is applied. The image is turned upright, flattened onto white when it has
    transparency, converted to sRGB, cropped centrally to 35:45 and resized to 700x900; the JPEG returned carries
    no metadata at all (no EXIF, no GPS position, no comment, no ICC profile: sRGB is what a JPEG without one means).

    Raises UploadError, with `field` set, for anything else, including images whose declared size would take
    too much memory to decode (decompression bombs).
    """
    # A truncated upload must be refused, whatever another library (WeasyPrint) set this process-wide flag to.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    if not data:
        raise UploadError(_("The photo file is empty. Please send a passport-style photo as a JPEG or PNG image."),
                          field)
    check_photo_size(len(data), field)
    kind = describe(data)
    if kind not in ("jpeg", "png"):
        raise UploadError(_(
            "The photo must be a JPEG or PNG image. %(found)s "
            "Please save or export the photo as JPEG or PNG and send it again.", found=found(kind)), field)

    # Pillow reports a decompression bomb with DecompressionBombWarning (above Image.MAX_IMAGE_PIXELS) or
    # DecompressionBombError (above twice that). The warning is turned into an exception here so that such an image
    # is refused like any other, never decoded. Other warnings (Pillow's notes on a slightly corrupt EXIF block, say)
    # are recorded and logged rather than shown: they concern metadata that is thrown away.
    # catch_warnings changes process-wide state; the block is short and only changes how warnings are reported.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        if not _decode_slots.acquire(timeout=PHOTO_DECODE_WAIT):
            raise UploadError(_("Many photos are being processed at this moment. Please send the form again in a "
                                "minute; everything you typed is kept."), field)
        try:
            result = _normalize_photo(data, field)
        except (Image.DecompressionBombWarning, Image.DecompressionBombError):
            raise UploadError(_too_many_pixels_message(PHOTO_MAX_PIXELS), field) from None
        finally:
            _decode_slots.release()
    for w in caught:
        log.info("photo upload: %s: %s", w.category.__name__, w.message)
    return result


def check_photo_size(size: int, field: str = "photo") -> None:
    """Refuse a photo of `size` bytes over the limit (the form checks the size before reading the file)."""
    if size > PHOTO_MAX_BYTES:
        raise UploadError(_(
            "The photo is %(size)s MB; the limit is 5 MB. Please send a smaller JPEG or PNG image "
            "(a passport-style photo needs no more than about 1 MB).", size=_megabytes(size)), field)


def _too_many_pixels_message(limit: int) -> str:
    return _("The photo has too many pixels to be processed safely (more than %(megapixels)s megapixels). "
             "Please send a smaller JPEG or PNG image; 1,000 x 1,300 pixels is plenty for a badge.",
             megapixels=format_number(limit // 1_000_000))


def _damaged_message(kind: str) -> str:
    if kind == "jpeg":
        return _("The photo could not be read: the JPEG file is damaged or incomplete. Please open it on your "
                 "device to check it, save it again as JPEG or PNG and send it again.")
    if kind == "png":
        return _("The photo could not be read: the PNG file is damaged or incomplete. Please open it on your "
                 "device to check it, save it again as JPEG or PNG and send it again.")
    return _("The photo could not be read: the file is damaged or incomplete. Please open it on your device to "
             "check it, save it again as JPEG or PNG and send it again.")


def _normalize_photo(data: bytes, field: str) -> bytes:
    kind = describe(data)
    try:
        # `formats` keeps every other decoder away from untrusted data, whatever its first bytes claim.
        im = Image.open(io.BytesIO(data), formats=_PHOTO_FORMATS)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        log.info("photo upload: cannot open: %s", exc)
        raise UploadError(_damaged_message(kind), field) from None

    with im:
        if im.format not in (*_JPEG_FORMATS, "PNG"):  # pragma: no cover - `formats` above already ensures it
            raise UploadError(_("The photo must be a JPEG or PNG image. %(found)s", found=found(kind)), field)
        if im.format != "MPO" and getattr(im, "n_frames", 1) > 1:
            raise UploadError(_(
                "The photo is animated (it has several frames). Please send a still passport-style photo "
                "as a JPEG or PNG image."), field)
        width, height = im.size  # from the header: nothing is decoded yet
        declared_limit = PHOTO_MAX_PIXELS if im.format == "PNG" else PHOTO_MAX_JPEG_PIXELS
        if width * height > declared_limit:
            raise UploadError(_too_many_pixels_message(declared_limit), field)
        icc_profile = im.info.get("icc_profile")

        if im.format in _JPEG_FORMATS:
            # Let the JPEG decoder scale down by 1/2, 1/4 or 1/8 while decoding, as long as both sides stay at
            # least 900 pixels: a square bound, so the crop after any rotation still covers 700x900. A 48 MP picture
            # then costs 3 MP of memory.
            im.draft(im.mode, (max(PHOTO_SIZE), max(PHOTO_SIZE)))
        if im.size[0] * im.size[1] > PHOTO_MAX_PIXELS:  # what will be decoded, after any scaling down
            raise UploadError(_too_many_pixels_message(PHOTO_MAX_PIXELS), field)
        try:
            im.load()
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            log.info("photo upload: cannot decode: %s", exc)
            raise UploadError(_damaged_message(kind), field) from None

        orientation = _orientation(im)
        if orientation in (5, 6, 7, 8):  # these turn the picture by a quarter: width and height swap
            width, height = height, width
        min_w, min_h = PHOTO_MIN_SIZE
        if width < min_w or height < min_h:
            raise UploadError(_(
                "The photo is only %(width)d x %(height)d pixels, too small to print sharply on a badge. "
                "Please send a photo of at least %(min_width)d x %(min_height)d pixels "
                "(a phone camera's picture, or a passport photo scanned at 300 dpi).",
                width=width, height=height, min_width=min_w, min_height=min_h), field)

        # Within the `with`: the decoded image is used as it is, never copied whole (a copy would double the memory
        # a decode takes); only a turned or converted version is a new image.
        upright = _resizable_mode(_upright(im, orientation))
        photo = upright.resize(PHOTO_SIZE, Image.Resampling.LANCZOS, box=_crop_box(upright.size), reducing_gap=3.0)
        del upright

    photo = _flatten_on_white(photo)
    photo = _to_srgb(photo, icc_profile)

    # Nothing from the original travels to the output: Pillow's JPEG writer would otherwise copy a comment from
    # `info`, and no exif or icc_profile is passed.
    photo.info = {}
    out = io.BytesIO()
    photo.save(out, "JPEG", quality=PHOTO_JPEG_QUALITY, optimize=True, progressive=False)
    return out.getvalue()


def _orientation(im: Image.Image) -> int:
    """The EXIF orientation (1 to 8), or 1 when there is none or the EXIF block cannot be read."""
    try:
        value = int(im.getexif().get(ExifTags.Base.Orientation, 1))
    except Exception as exc:  # untrusted EXIF fails in many ways; an unknown orientation is not worth a refusal
        log.info("photo upload: unreadable EXIF: %s", exc)
        return 1
    return value if 1 <= value <= 8 else 1


def _upright(im: Image.Image, orientation: int) -> Image.Image:
    """The image turned as its EXIF orientation says (ImageOps.exif_transpose): `im` itself when upright."""
    if orientation == 1:
        return im
    try:
        return ImageOps.exif_transpose(im)
    except Exception as exc:  # same reason as in _orientation
        log.info("photo upload: cannot apply EXIF orientation: %s", exc)
        return im


def _resizable_mode(im: Image.Image) -> Image.Image:
    """`im` in a mode that resizes smoothly: Pillow resizes palette and 1-bit images by nearest neighbour only."""
    if im.mode in ("RGB", "RGBA", "L", "LA", "CMYK"):
        return im
    if im.mode in ("I", "I;16", "I;16B", "I;16L", "I;16N"):
        # 16-bit greyscale PNG: scale to 8 bits; a plain conversion would clip every value above 255 to white.
        return im.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    if im.mode == "P" and "transparency" in im.info or im.mode == "PA":
        return im.convert("RGBA")
    if im.mode == "1":
        return im.convert("L")
    if "transparency" in im.info:  # an RGB or L PNG with one transparent colour
        return im.convert("RGBA")
    return im.convert("RGB")


def _crop_box(size: tuple[int, int]) -> tuple[int, int, int, int]:
    """The largest central box of `size` in the passport ratio 35:45."""
    width, height = size
    ratio_w, ratio_h = PHOTO_RATIO
    if width * ratio_h > height * ratio_w:  # wider than 35:45: keep the full height
        crop_w = round(height * ratio_w / ratio_h)
        left = (width - crop_w) // 2
        return left, 0, left + crop_w, height
    crop_h = round(width * ratio_h / ratio_w)
    top = (height - crop_h) // 2
    return 0, top, width, top + crop_h


def _flatten_on_white(im: Image.Image) -> Image.Image:
    """Transparent parts become white, the colour of a passport photo's background."""
    if im.mode not in ("RGBA", "LA"):
        return im
    rgba = im.convert("RGBA")
    background = Image.new("RGB", rgba.size, "white")
    background.paste(rgba, mask=rgba.getchannel("A"))
    return background


def _to_srgb(im: Image.Image, icc_profile: bytes | None) -> Image.Image:
    """`im` as RGB in sRGB, the colour space a JPEG without a profile is read in.

    A photo with an embedded profile (Display P3 from a phone, a CMYK scan) is converted through it, so that
    dropping the profile does not change its colours; without one, or with a profile that cannot be used, the
    values are taken as they are.
    """
    if icc_profile:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
            srgb = ImageCms.createProfile("sRGB")
            converted = ImageCms.profileToProfile(im, source, srgb, outputMode="RGB")
            if converted is not None:
                return converted
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError) as exc:
            log.info("photo upload: colour profile not used: %s", exc)
    return im if im.mode == "RGB" else im.convert("RGB")


# --------------------------------------------------------------------------------------------------------------------
# Nominating documents


def check_pdf(data: bytes, field: str = "document") -> None:
    """Check that an uploaded nominating document is a complete PDF of at most 10 MB.

    The check is on the content: the PDF header `%PDF-` within the first 1024 bytes and the end-of-file marker
    `%%EOF` within the last 1024 (readers accept a little leading and trailing junk, so this does too), no
    other type's signature at the start (a ZIP archive holding a PDF has that PDF's header among its first bytes),
    and the file must open as a PDF with pages (`_opens_as_pdf`).
    Raises UploadError, with `field` set, naming what the file seems to be otherwise.
    """
    if not data:
        raise UploadError(
            _("The nominating document is empty. Please send the note verbale or official letter as a PDF file."),
            field)
    check_document_size(len(data), field)
    kind = describe(data)
    if kind != "pdf":
        raise UploadError(_(
            "The nominating document must be a PDF file (a note verbale or official letter scanned or saved as "
            "PDF). %(found)s", found=found(kind)), field)
    if b"%%EOF" not in data[-1024:]:
        raise UploadError(_(
            "The nominating document is an incomplete PDF file: its end is missing, perhaps because a download or "
            "an upload was cut short. Please save or scan the document again as PDF and send the complete file."),
            field)
    if not _opens_as_pdf(data):
        raise UploadError(_(
            "The nominating document could not be opened as a PDF file: it is damaged, or it is another kind of "
            "file with a PDF's name. Please save or scan the document again as PDF and send it again."), field)


def check_document_size(size: int, field: str = "document") -> None:
    """Refuse a document of `size` bytes over the limit (the form checks the size before reading the file)."""
    if size > DOCUMENT_MAX_BYTES:
        raise UploadError(_(
            "The nominating document is %(size)s MB; the limit is 10 MB. Please send a smaller PDF "
            "(a scan at 200 to 300 dpi in black and white or greyscale is usually well under 1 MB).",
            size=_megabytes(size)), field)


def _opens_as_pdf(data: bytes) -> bool:
    """Whether pypdf reads `data` as a PDF with at least one page: its header and end marker alone prove nothing
    (an SVG or HTML file can carry both in comments). A PDF protected by an owner password only opens too; one
    that needs a password to be read does not, and the secretariat could not read it either."""
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            return False
        return len(reader.pages) >= 1 and reader.pages[0].mediabox.width > 0
    except Exception as exc:  # untrusted input fails in many ways inside the parser; each one is a refusal
        log.info("document upload: not a PDF: %s", exc)
        return False


# --------------------------------------------------------------------------------------------------------------------
# Storage


def upload_storage() -> Storage:
    """The application's storage of uploads (STORAGE_URL: the folder UPLOAD_FOLDER, or the object store)."""
    return files("uploads")


def _storage(where: Storage | str | Path) -> Storage:
    # A folder is accepted for the tools and tests that work on one without an application.
    return where if isinstance(where, Storage) else LocalStorage(where)


def store(where: Storage | str | Path, kind: str, data: bytes, suffix: str) -> str:
    """Store `data` as a new file of `kind` and return its key ("photos/x.jpg"), the value the records keep.

    `where` is the uploads' storage (`upload_storage()`), or a folder. `kind` is "photos" or "documents"; `suffix`
    a short lower-case extension such as "jpg" or "pdf". The name is random (`secrets.token_urlsafe(18)`, 144 bits):
    it can be neither guessed nor chosen by the uploader. The file appears complete or not at all (see
    `conference.core.storage`). Raises ValueError for an unknown kind or a bad suffix.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown upload kind {kind!r}; expected one of {', '.join(KINDS)}")
    suffix = suffix.removeprefix(".")
    if not _SUFFIX.fullmatch(suffix):
        raise ValueError(f"bad file suffix {suffix!r}; expected a short lower-case extension such as 'jpg'")
    key = f"{kind}/{secrets.token_urlsafe(18)}.{suffix}"
    _storage(where).put(key, data)
    return key


def upload_key(relative: object) -> str:
    """`relative` when it is a key store() could have returned (a known kind, then a name); NotFound otherwise."""
    key = check_key(relative)
    if key.split("/", 1)[0] not in KINDS or "/" not in key:
        raise MissingFile(key)
    return key


def open_upload(where: Storage | str | Path, relative: str) -> BinaryIO:
    """A binary stream of a stored upload (the caller closes it), given the key store() returned.

    Raises NotFound for a key store() could not have returned (absolute, with `..`, of no known kind), one that
    leads outside the folder (through a symbolic link, say), or a file that does not exist.
    """
    return _storage(where).open(upload_key(relative))


def upload_exists(where: Storage | str | Path, relative: str) -> bool:
    """Whether a stored upload is there under this key (False for a key store() could not have returned)."""
    try:
        return _storage(where).exists(upload_key(relative))
    except NotFound:
        return False


def stored_files(where: Storage | str | Path) -> dict[str, StoredFile]:
    """Every stored upload by its key, with its size and time, temporary files of an interrupted write included."""
    storage = _storage(where)
    return {f.key: f for kind in KINDS for f in storage.list(f"{kind}/")}


def delete_upload(where: Storage | str | Path, relative: str | None) -> None:
    """Remove a stored upload, as when personal data is purged; nothing happens when there is none.

    A missing file is not an error (it may have been purged already). A key that could lead elsewhere is refused
    with NotFound, as by open_upload: it was never returned by store(), and nothing else is touched.
    """
    if not relative:
        return
    _storage(where).delete(upload_key(relative))
