"""Photo decoding within bounds (issue 16: a 7000 x 7000 PNG took hundreds of MB, eight at once 3.5 GB): the pixel
cap, JPEGs decoded scaled down, a limit on decodes at once, the edit form rate-limited, and no file left behind by a
refused submission."""

from __future__ import annotations

import io
import re
import threading
import time
import uuid
from pathlib import Path

import pytest
from PIL import Image, JpegImagePlugin

from conference import create_app
from conference.registration import uploads
from conference.registration.models import RegistrationStatus as S
from conference.registration.uploads import PHOTO_MAX_PIXELS, UploadError, process_photo
from tests.conftest import csrf_token
from tests.factories import make_delegation, make_entity, make_registration
from tests.test_registration import future_conference
from tests.test_registration_web import form_data, jpeg, site  # noqa: F401 - the fixture
from tests.test_uploads import png_declaring


def files(folder) -> list[str]:
    """Every file under the upload folder, temporary ones included."""
    root = Path(folder)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def jpeg_declaring(width: int, height: int) -> bytes:
    """A small real JPEG whose frame header is rewritten to declare width x height."""
    data = bytearray(jpeg((320, 400)))
    sof = data.index(b"\xff\xc0")
    data[sof + 5:sof + 9] = height.to_bytes(2, "big") + width.to_bytes(2, "big")
    return bytes(data)


def test_the_cap_is_what_a_badge_photo_needs():
    assert PHOTO_MAX_PIXELS == 16_000_000
    with pytest.raises(UploadError, match="more than 16 megapixels"):
        process_photo(png_declaring(7000, 7000))  # the probe's 49 MP PNG, under the old cap
    with pytest.raises(UploadError, match="more than 16 megapixels"):
        process_photo(png_declaring(4001, 4000))
    with pytest.raises(UploadError, match="damaged or incomplete"):  # at the cap: decoded (and found empty)
        process_photo(png_declaring(4000, 4000))
    with pytest.raises(UploadError, match="more than 50 megapixels"):  # a JPEG's header is read, nothing decoded
        process_photo(jpeg_declaring(10_000, 6_000))


def test_a_large_jpeg_is_decoded_scaled_down(monkeypatch):
    decoded = []
    load = JpegImagePlugin.JpegImageFile.load

    def spy(self):
        decoded.append(self.size)
        return load(self)

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "load", spy)
    out = io.BytesIO()
    Image.new("RGB", (4800, 4000), (200, 180, 160)).save(out, "JPEG")  # 19.2 MP declared
    result = Image.open(io.BytesIO(process_photo(out.getvalue())))
    assert result.size == (700, 900)
    width, height = decoded[0]
    assert width * height <= PHOTO_MAX_PIXELS and min(width, height) >= 900 and (width, height) != (4800, 4000)


def test_decodes_at_once_are_limited(monkeypatch):
    busy, peak, lock = 0, 0, threading.Lock()

    def slow(data, field):
        nonlocal busy, peak
        with lock:
            busy += 1
            peak = max(peak, busy)
        time.sleep(0.1)
        with lock:
            busy -= 1
        return b"ok"

    monkeypatch.setattr(uploads, "_normalize_photo", slow)
    data = jpeg()
    threads = [threading.Thread(target=process_photo, args=(data,)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert peak == uploads.PHOTO_DECODES_AT_ONCE == 2


def test_an_upload_that_waits_too_long_for_a_slot_is_refused_with_a_message(monkeypatch):
    monkeypatch.setattr(uploads, "PHOTO_DECODE_WAIT", 0.05)
    taken = [uploads._decode_slots.acquire() for _ in range(uploads.PHOTO_DECODES_AT_ONCE)]
    try:
        with pytest.raises(UploadError, match="send the form again in a minute") as caught:
            process_photo(jpeg())
        assert caught.value.field == "photo"
    finally:
        for _ in taken:
            uploads._decode_slots.release()
    assert process_photo(jpeg())  # the slots are free again


@pytest.mark.parametrize("photo", [png_declaring(7000, 7000), png_declaring(100_000, 100_000),
                                   jpeg_declaring(10_000, 6_000), b"GIF89a not a photo"])
def test_a_refused_photo_leaves_no_file_behind(app, client, site, db_session, photo):  # noqa: F811
    folder = app.config["UPLOAD_FOLDER"]
    before = files(folder)
    path = "/cop50/register/state"
    data = form_data(client, path, delegation_id=str(site["france"].id),
                     photo=(io.BytesIO(photo), "me.png", "image/png"))
    response = client.post(path, data=data, content_type="multipart/form-data")
    assert response.status_code == 422 and re.search(r'id="photo-error"', response.get_data(as_text=True))
    r = make_registration(site["france"], status=S.SUBMITTED, nationality="FRA")
    db_session.commit()
    edit = f"/cop50/registration/{r.status_token}/edit"
    data = form_data(client, edit, email=r.email, date_of_birth="1970-01-01",
                     photo=(io.BytesIO(photo), "me.png", "image/png"))
    data.pop("consent")
    assert client.post(edit, data=data, content_type="multipart/form-data").status_code == 422
    assert files(folder) == before


@pytest.fixture
def limiter_state():
    """The limiter is one object for every application: give it back as it was (off in tests) afterwards."""
    from conference.extensions import limiter

    enabled = limiter.enabled
    yield
    limiter.enabled = enabled


def test_the_private_edit_form_is_rate_limited(tmp_path, limiter_state):
    app = create_app({"PLENARY_ENV": "testing", "DATABASE_URL": f"sqlite:///{tmp_path / 'l.db'}",
                      "UPLOAD_FOLDER": str(tmp_path / "uploads"), "RATELIMIT_ENABLED": True,
                      "RATELIMIT_STORAGE_URI": "memory://", "RATELIMIT_KEY_PREFIX": uuid.uuid4().hex})
    with app.app_context():
        from conference.extensions import db

        db.create_all()
        c = future_conference("cop51")
        d = make_delegation(c, make_entity(name="Chile", iso3="CHL"))
        r = make_registration(d, status=S.SUBMITTED)
        db.session.commit()
        edit = f"/cop51/registration/{r.status_token}/edit"
    client = app.test_client()
    token = csrf_token(client, edit)
    codes = []
    for _ in range(31):
        codes.append(client.post(edit, data={"csrf_token": token, "photo": (io.BytesIO(png_declaring(7000, 7000)),
                                                                           "me.png")},
                                 content_type="multipart/form-data").status_code)
    assert codes[:30] == [422] * 30 and codes[30] == 429
    assert client.get(edit).status_code == 200  # reading the page is not limited
    assert files(tmp_path / "uploads") == []
