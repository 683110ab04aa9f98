"""Uploads: passport photos are checked by content and stripped of metadata; documents must be PDFs; storage is safe.

Pure unit tests: images are made in memory with Pillow, files go to pytest's tmp_path; no application, no database.
"""

from __future__ import annotations

import io
import os
import random
import stat
import struct
import warnings
import zipfile
import zlib

import pytest
from PIL import ExifTags, Image, ImageCms, ImageDraw

from conference.core.errors import NotFound, RuleViolation
from conference.registration.uploads import (
    DOCUMENT_MAX_BYTES,
    PHOTO_MAX_BYTES,
    PHOTO_SIZE,
    UploadError,
    check_pdf,
    delete_upload,
    open_upload,
    process_photo,
    store,
    upload_exists,
)

RED = (255, 0, 0)
GREEN = (0, 160, 0)
BLUE = (0, 0, 255)
WHITE = (255, 255, 255)


# --------------------------------------------------------------------------------------------------------------------
# Helpers


def encode(im: Image.Image, fmt: str, **params) -> bytes:
    out = io.BytesIO()
    im.save(out, fmt, **params)
    return out.getvalue()


def jpeg(size=(800, 1000), color=WHITE, **params) -> bytes:
    return encode(Image.new("RGB", size, color), "JPEG", **params)


def png(size=(800, 1000), color=WHITE, mode="RGB", **params) -> bytes:
    return encode(Image.new(mode, size, color), "PNG", **params)


def noise(size) -> Image.Image:
    """An image that compresses badly, so that cutting its file short loses real image data."""
    rng = random.Random(1)
    return Image.frombytes("RGB", size, rng.randbytes(size[0] * size[1] * 3))


def decode(data: bytes) -> Image.Image:
    im = Image.open(io.BytesIO(data))
    im.load()
    return im


def close_to(pixel, expected, tolerance=40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, expected, strict=False))


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header declares width x height 1-bit pixels: the shape of a decompression bomb."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
            + chunk(b"IEND", b""))


def minimal_pdf(padding: int = 0) -> bytes:
    """A one-page PDF; `padding` > 0 adds a comment line of that many bytes (newline included) after the header."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    if padding:
        out += b"%" + b"x" * (padding - 2) + b"\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


# --------------------------------------------------------------------------------------------------------------------
# Photos: what comes out


def test_upload_error_is_a_rule_violation_with_the_field():
    with pytest.raises(UploadError) as caught:
        process_photo(b"", field="badge_photo")
    assert isinstance(caught.value, RuleViolation)
    assert caught.value.field == "badge_photo"
    with pytest.raises(UploadError) as caught:
        process_photo(b"")
    assert caught.value.field == "photo"


def test_jpeg_loses_all_metadata_and_is_turned_upright():
    # Stored landscape, 1200 x 800, with a red block in the stored top-left corner. Orientation 6 means "turn a
    # quarter clockwise to display": upright, the picture is 800 x 1200 and the block is in the top-right corner.
    stored = Image.new("RGB", (1200, 800), WHITE)
    ImageDraw.Draw(stored).rectangle((0, 0, 299, 299), fill=RED)
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "Acme Cameras"
    exif[ExifTags.Base.Model] = "SpyPhone 9000"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (48.0, 14.0, 5.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (16.0, 25.0, 3.0)
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = encode(stored, "JPEG", exif=exif, icc_profile=icc, comment=b"taken at the hotel")

    # The input really carries what must disappear, or the test would prove nothing.
    original = Image.open(io.BytesIO(data))
    assert original.getexif()[ExifTags.Base.Model] == "SpyPhone 9000"
    assert original.getexif().get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitudeRef] == "N"
    assert "icc_profile" in original.info and "comment" in original.info

    out = process_photo(data)

    im = decode(out)
    assert im.format == "JPEG"
    assert im.mode == "RGB"
    assert im.size == PHOTO_SIZE
    assert "exif" not in im.info
    assert len(im.getexif()) == 0
    assert "icc_profile" not in im.info
    assert "comment" not in im.info
    assert b"Exif" not in out and b"SpyPhone" not in out and b"Acme" not in out and b"hotel" not in out
    assert not im.info.get("progressive") and not im.info.get("progression")  # baseline
    # Upright: the block is at the top right; unturned, it would be cropped away entirely.
    assert close_to(im.getpixel((650, 60)), RED)
    assert close_to(im.getpixel((50, 60)), WHITE)
    assert close_to(im.getpixel((650, 850)), WHITE)


def test_orientation_8_turns_the_other_way():
    stored = Image.new("RGB", (1200, 800), WHITE)
    ImageDraw.Draw(stored).rectangle((0, 0, 299, 299), fill=RED)
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 8  # a quarter anticlockwise: the stored top-left goes to the bottom left
    im = decode(process_photo(encode(stored, "JPEG", exif=exif)))
    assert close_to(im.getpixel((50, 850)), RED)
    assert close_to(im.getpixel((650, 60)), WHITE)


def test_png_transparency_is_flattened_onto_white():
    transparent = Image.new("RGBA", (800, 1000), (0, 0, 0, 0))
    ImageDraw.Draw(transparent).rectangle((300, 400, 500, 600), fill=(0, 0, 0, 255))
    im = decode(process_photo(encode(transparent, "PNG")))
    assert im.format == "JPEG" and im.mode == "RGB" and im.size == PHOTO_SIZE
    assert close_to(im.getpixel((10, 10)), WHITE, 5)  # transparent black would turn black without flattening
    assert close_to(im.getpixel((350, 450)), (0, 0, 0), 5)


def test_palette_png_with_a_transparent_colour_is_flattened_onto_white():
    palette = Image.new("P", (800, 1000), 0)
    palette.putpalette([0, 0, 0, 0, 0, 255] + [0] * 762)
    ImageDraw.Draw(palette).rectangle((300, 400, 500, 600), fill=1)
    data = encode(palette, "PNG", transparency=0)
    im = decode(process_photo(data))
    assert close_to(im.getpixel((10, 10)), WHITE, 5)
    assert close_to(im.getpixel((350, 450)), BLUE, 20)


def test_sixteen_bit_greyscale_png_keeps_its_tones():
    grey = Image.new("I;16", (800, 1000), 0x8000)  # mid grey; clipped to 8 bits it would come out white
    im = decode(process_photo(encode(grey, "PNG")))
    assert close_to(im.getpixel((350, 450)), (128, 128, 128), 5)


def test_cmyk_jpeg_becomes_rgb():
    cmyk = Image.new("CMYK", (800, 1000), (0, 255, 255, 0))  # red in CMYK
    im = decode(process_photo(encode(cmyk, "JPEG")))
    assert im.mode == "RGB"
    assert close_to(im.getpixel((350, 450)), RED, 50)


def test_jpeg_with_extra_images_keeps_the_first():
    # Phones store depth or HDR maps as extra images in the JPEG (Pillow's "MPO"); the first image is the photo.
    first, second = Image.new("RGB", (800, 1000), BLUE), Image.new("RGB", (800, 1000), RED)
    data = encode(first, "MPO", save_all=True, append_images=[second])
    assert Image.open(io.BytesIO(data)).format == "MPO"
    im = decode(process_photo(data))
    assert im.format == "JPEG" and im.size == PHOTO_SIZE
    assert close_to(im.getpixel((350, 450)), BLUE)


@pytest.mark.parametrize(
    "size, stripes",
    [
        ((2000, 1000), "vertical"),   # wide: full height kept, sides cut
        ((1000, 3000), "horizontal"),  # tall: full width kept, top and bottom cut
        ((1000, 1000), "vertical"),   # square: a little wider than 35:45, sides cut
    ],
)
def test_photo_is_cropped_centrally_to_35_45_not_squashed(size, stripes):
    # Red bands along the edges that a central 35:45 crop removes; squashing the whole picture to 700 x 900 would
    # keep them.
    width, height = size
    im = Image.new("RGB", size, GREEN)
    draw = ImageDraw.Draw(im)
    if stripes == "vertical":
        band = width // 10
        draw.rectangle((0, 0, band - 1, height), fill=RED)
        draw.rectangle((width - band, 0, width, height), fill=RED)
    else:
        band = height // 4
        draw.rectangle((0, 0, width, band - 1), fill=RED)
        draw.rectangle((0, height - band, width, height), fill=RED)
    out = decode(process_photo(encode(im, "JPEG", quality=95)))
    assert out.size == PHOTO_SIZE
    for point in [(2, 2), (697, 2), (2, 897), (697, 897), (350, 450)]:
        assert close_to(out.getpixel(point), GREEN), point


# --------------------------------------------------------------------------------------------------------------------
# Photos: what is refused


@pytest.mark.parametrize(
    "data, named",
    [
        (encode(Image.new("RGB", (800, 1000)), "GIF"), "GIF image"),
        (encode(Image.new("RGB", (800, 1000)), "BMP"), "BMP image"),
        (encode(Image.new("RGB", (800, 1000)), "WEBP"), "WebP image"),
        (encode(Image.new("RGB", (800, 1000)), "TIFF"), "TIFF image"),
        (minimal_pdf(), "PDF document"),
        (b"My photo is attached to the e-mail.\n", "plain text file"),
        (b"\x00\x13" + random.Random(0).randbytes(5000), "type we do not recognize"),
    ],
    ids=["gif", "bmp", "webp", "tiff", "pdf", "text", "random"],
)
def test_photo_of_another_type_is_refused_naming_jpeg_and_png(data, named):
    with pytest.raises(UploadError) as caught:
        process_photo(data)
    assert "JPEG or PNG" in caught.value.message
    assert named in caught.value.message
    assert caught.value.field == "photo"


def test_empty_photo_is_refused():
    with pytest.raises(UploadError, match="empty") as caught:
        process_photo(b"")
    assert "JPEG or PNG" in caught.value.message


def test_photo_over_5_mb_is_refused():
    # A valid JPEG made too large by a comment: the limit is on the bytes sent, whatever they contain.
    base = jpeg()
    too_big = base[:2] + (b"\xff\xfe\xff\xff" + b"x" * 65533) * (PHOTO_MAX_BYTES // 65537 + 1) + base[2:]
    assert len(too_big) > PHOTO_MAX_BYTES
    with pytest.raises(UploadError, match="limit is 5 MB"):
        process_photo(too_big)
    # and one byte over is over
    with pytest.raises(UploadError, match="limit is 5 MB"):
        process_photo(b"\xff\xd8\xff" + b"\x00" * (PHOTO_MAX_BYTES - 2))


def test_photo_of_exactly_5_mb_is_not_refused_for_its_size():
    with pytest.raises(UploadError) as caught:
        process_photo(b"\xff\xd8\xff" + b"\x00" * (PHOTO_MAX_BYTES - 3))
    assert "5 MB" not in caught.value.message  # refused as unreadable, not as too large


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_truncated_photo_is_refused(fmt):
    data = encode(noise((800, 1000)), fmt)
    with pytest.raises(UploadError, match="damaged or incomplete") as caught:
        process_photo(data[: len(data) // 2])
    assert "JPEG or PNG" in caught.value.message


def test_jpeg_header_alone_is_refused():
    with pytest.raises(UploadError, match="damaged or incomplete"):
        process_photo(b"\xff\xd8\xff\xe0" + b"\x00" * 100)


@pytest.mark.parametrize("size", [(200, 250), (299, 400), (400, 384), (400, 300)])
def test_too_small_photo_is_refused(size):
    with pytest.raises(UploadError, match="too small to print") as caught:
        process_photo(jpeg(size))
    assert "300 x 385" in caught.value.message


def test_smallest_photo_is_accepted_and_enlarged():
    assert decode(process_photo(png((300, 385)))).size == PHOTO_SIZE


def test_minimum_size_counts_the_orientation():
    # Stored 385 x 300, upright 300 x 385: big enough. Without the orientation tag it would be too short.
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    assert decode(process_photo(jpeg((385, 300), exif=exif))).size == PHOTO_SIZE
    with pytest.raises(UploadError, match="too small"):
        process_photo(jpeg((385, 300)))


def test_animated_png_is_refused():
    frames = [Image.new("RGB", (800, 1000), color) for color in (RED, GREEN, BLUE)]
    data = encode(frames[0], "PNG", save_all=True, append_images=frames[1:], duration=100, loop=0)
    assert Image.open(io.BytesIO(data)).n_frames == 3
    with pytest.raises(UploadError, match="animated") as caught:
        process_photo(data)
    assert "JPEG or PNG" in caught.value.message


@pytest.mark.parametrize(
    "width, height",
    [
        (100_000, 100_000),  # above twice Image.MAX_IMAGE_PIXELS: Pillow raises DecompressionBombError
        (10_000, 10_000),  # between the two: Pillow warns with DecompressionBombWarning
        (8_000, 7_000),  # below Pillow's limit, above ours
    ],
)
def test_decompression_bomb_is_refused_cleanly(width, height):
    data = png_declaring(width, height)
    assert len(data) < 200
    with warnings.catch_warnings(record=True) as leaked:
        warnings.simplefilter("always")
        with pytest.raises(UploadError, match="too many pixels") as caught:
            process_photo(data)
    assert leaked == []
    assert caught.value.field == "photo"


@pytest.mark.parametrize("limit", [150_000, 50_000])  # 400 x 500 = 200,000 pixels: warning, then error
def test_pillow_pixel_limit_becomes_an_upload_error(monkeypatch, limit):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", limit)
    with warnings.catch_warnings(record=True) as leaked:
        warnings.simplefilter("always")
        with pytest.raises(UploadError, match="too many pixels"):
            process_photo(jpeg((400, 500)))
    assert leaked == []


def test_warning_filters_are_restored_after_a_photo():
    before = list(warnings.filters)
    process_photo(jpeg())
    with pytest.raises(UploadError):
        process_photo(png_declaring(10_000, 10_000))
    assert warnings.filters == before


# --------------------------------------------------------------------------------------------------------------------
# Nominating documents


def test_minimal_pdf_is_accepted():
    check_pdf(minimal_pdf())


def test_pdf_written_by_another_program_is_accepted():
    check_pdf(encode(Image.new("RGB", (100, 100), WHITE), "PDF"))


def test_pdf_with_trailing_newlines_after_eof_is_accepted():
    check_pdf(minimal_pdf() + b"\r\n" * 10)


def docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


def plain_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("letter.pdf", minimal_pdf())
    return out.getvalue()


@pytest.mark.parametrize(
    "data, named",
    [
        (jpeg(), "This file is a JPEG image."),
        (png(), "This file is a PNG image."),
        (encode(Image.new("RGB", (10, 10)), "GIF"), "This file is a GIF image."),
        (docx(), "This file is a Word document (.docx)."),
        (plain_zip(), "This file is a ZIP archive."),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "This file is an old-format Office document"),
        ("Note verbale\n\nThe Permanent Mission of … présente ses compliments.\n".encode(),
         "This file is a plain text file."),
        (b"\x00\x13" + random.Random(0).randbytes(4000), "This file is of a type we do not recognize."),
    ],
    ids=["jpeg", "png", "gif", "docx", "zip", "doc", "text", "unknown"],
)
def test_document_that_is_not_a_pdf_is_refused_naming_what_it_is(data, named):
    with pytest.raises(UploadError) as caught:
        check_pdf(data)
    message = caught.value.message
    assert message.startswith("The nominating document must be a PDF file (a note verbale or official letter")
    assert named in message
    assert caught.value.field == "document"


def test_pdf_header_late_in_the_file_is_refused():
    with pytest.raises(UploadError, match="must be a PDF"):
        check_pdf(b" " * 1024 + minimal_pdf())


def test_empty_document_is_refused():
    with pytest.raises(UploadError, match="empty") as caught:
        check_pdf(b"", field="nomination_document")
    assert "PDF" in caught.value.message
    assert caught.value.field == "nomination_document"


def _pdf_of_size(size: int) -> bytes:
    padding = size - len(minimal_pdf(padding=size))  # the startxref offset's digits depend on the padding
    pdf = minimal_pdf(padding=size + padding)
    assert len(pdf) == size
    return pdf


def test_document_over_10_mb_is_refused():
    with pytest.raises(UploadError, match="limit is 10 MB"):
        check_pdf(_pdf_of_size(DOCUMENT_MAX_BYTES + 1))
    check_pdf(_pdf_of_size(DOCUMENT_MAX_BYTES))


def test_truncated_pdf_is_refused():
    pdf = minimal_pdf()
    with pytest.raises(UploadError, match="incomplete PDF"):
        check_pdf(pdf[: len(pdf) // 2])


# --------------------------------------------------------------------------------------------------------------------
# Storage


def test_store_writes_the_file_with_a_random_name_and_restricted_permissions(tmp_path):
    data = process_photo(jpeg())
    relative = store(tmp_path, "photos", data, "jpg")

    kind, name = relative.split("/")
    assert kind == "photos"
    assert name.endswith(".jpg") and len(name.removesuffix(".jpg")) == 24  # token_urlsafe(18)
    path = tmp_path / relative
    assert path.read_bytes() == data
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert os.listdir(tmp_path / "photos") == [name]  # no temporary file left behind
    assert store(tmp_path, "photos", data, "jpg") != relative


def test_store_creates_missing_directories(tmp_path):
    folder = tmp_path / "instance" / "uploads"
    relative = store(folder, "documents", minimal_pdf(), ".pdf")
    assert relative.startswith("documents/") and relative.endswith(".pdf")
    assert (folder / relative).read_bytes() == minimal_pdf()


# That a stored file appears whole, or not at all, is the storage's contract (tests/test_storage.py).


@pytest.mark.parametrize("kind", ["static", "../photos", "", "photo"])
def test_store_refuses_an_unknown_kind(tmp_path, kind):
    with pytest.raises(ValueError, match="unknown upload kind"):
        store(tmp_path, kind, b"x", "jpg")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("suffix", ["../x", "jpg/x", "", "JPG ", "verylongsuffix"])
def test_store_refuses_a_bad_suffix(tmp_path, suffix):
    with pytest.raises(ValueError, match="suffix"):
        store(tmp_path, "photos", b"x", suffix)


def test_open_upload_finds_a_stored_file(tmp_path):
    relative = store(tmp_path, "documents", minimal_pdf(), "pdf")
    with open_upload(tmp_path, relative) as stream:
        assert stream.read() == minimal_pdf()
    assert upload_exists(tmp_path, relative) and not upload_exists(tmp_path, "documents/other.pdf")


@pytest.mark.parametrize(
    "relative",
    ["../x", "/etc/passwd", "photos/../../x", "photos/../documents/a.pdf", "photos\\..\\..\\x", "", "photos",
     "secret_key", "photos/missing.jpg"],
)
def test_open_upload_refuses_paths_outside_or_missing(tmp_path, relative):
    folder = tmp_path / "uploads"
    store(folder, "documents", minimal_pdf(), "pdf")
    (tmp_path / "x").write_text("outside")
    (folder / "secret_key").write_text("not an upload")
    with pytest.raises(NotFound):
        open_upload(folder, relative)
    assert not upload_exists(folder, relative)


def test_open_upload_refuses_a_symlink_leading_outside(tmp_path):
    folder = tmp_path / "uploads"
    store(folder, "photos", b"inside", "jpg")
    outside = tmp_path / "outside.txt"
    outside.write_text("secret")
    (folder / "photos" / "link.jpg").symlink_to(outside)
    (folder / "photos" / "passwd.jpg").symlink_to("/etc/passwd")
    with pytest.raises(NotFound):
        open_upload(folder, "photos/link.jpg")
    with pytest.raises(NotFound):
        open_upload(folder, "photos/passwd.jpg")


def test_open_upload_refuses_a_linked_kind_directory_leading_outside(tmp_path):
    folder = tmp_path / "uploads"
    folder.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "a.jpg").write_bytes(b"x")
    (folder / "photos").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(NotFound):
        open_upload(folder, "photos/a.jpg")


def test_delete_upload_removes_the_file(tmp_path):
    relative = store(tmp_path, "photos", b"photo", "jpg")
    delete_upload(tmp_path, relative)
    assert not (tmp_path / relative).exists()
    with pytest.raises(NotFound):
        open_upload(tmp_path, relative)
    delete_upload(tmp_path, relative)  # already gone: quietly nothing


@pytest.mark.parametrize("relative", [None, ""])
def test_delete_upload_without_a_file_does_nothing(tmp_path, relative):
    delete_upload(tmp_path, relative)


def test_delete_upload_never_touches_anything_outside(tmp_path):
    folder = tmp_path / "uploads"
    store(folder, "photos", b"inside", "jpg")
    outside = tmp_path / "outside.txt"
    outside.write_text("keep me")
    (folder / "photos" / "link.jpg").symlink_to(outside)
    for relative in ["../outside.txt", str(outside), "photos/../../outside.txt", "photos/link.jpg"]:
        with pytest.raises(NotFound):
            delete_upload(folder, relative)
    assert outside.read_text() == "keep me"
