"""The storage contract (conference/core/storage.py): the same tests on the local folder and on S3.

S3 is moto's server on a loopback port (the `s3_endpoint` fixture), reached by boto3 through AWS_ENDPOINT_URL as
a MinIO or Ceph would be: no network, no credentials. No application, no database.
"""

from __future__ import annotations

import io
import os
import pickle
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask

from conference.config import ConfigError, load_config
from conference.core import storage as storage_module
from conference.core.storage import LocalStorage, MissingFile, StorageURLError, parse_storage_url, storage_for


@pytest.fixture(params=["local", "s3"])
def store(request, tmp_path):
    if request.param == "local":
        return LocalStorage(tmp_path / "area")
    bucket = request.getfixturevalue("s3_bucket")
    return storage_for(f"s3://{bucket}/plenary", "uploads", None)


def test_put_then_read_exists_and_size(store):
    assert not store.exists("photos/a.jpg")
    store.put("photos/a.jpg", b"\xff\xd8 a photo")
    assert store.exists("photos/a.jpg")
    assert store.read("photos/a.jpg") == b"\xff\xd8 a photo"
    assert store.size("photos/a.jpg") == len(b"\xff\xd8 a photo")
    with store.open("photos/a.jpg") as stream:
        assert stream.read(4) == b"\xff\xd8 a"
        assert stream.read() == b" photo"


def test_a_stream_is_stored_whole_and_read_back_in_pieces(store):
    data = os.urandom(3 * 1024 * 1024 + 17)  # more than a few copy chunks, not a round number
    store.put("job-1-x.pdf", io.BytesIO(data))
    assert store.size("job-1-x.pdf") == len(data)
    pieces = []
    with store.open("job-1-x.pdf") as stream:
        while piece := stream.read(100_000):
            pieces.append(piece)
    assert b"".join(pieces) == data


def test_put_replaces(store):
    store.put("a.pdf", b"first")
    store.put("a.pdf", b"second, longer")
    assert store.read("a.pdf") == b"second, longer"
    assert [f.key for f in store.list()] == ["a.pdf"]


def test_a_missing_file(store):
    for read in (store.open, store.read, store.size):
        with pytest.raises(MissingFile):
            read("photos/missing.jpg")
    assert not store.exists("photos/missing.jpg")
    store.delete("photos/missing.jpg")  # quietly nothing


def test_delete(store):
    store.put("photos/a.jpg", b"a")
    store.put("photos/b.jpg", b"b")
    store.delete("photos/a.jpg")
    assert not store.exists("photos/a.jpg")
    assert store.read("photos/b.jpg") == b"b"
    with pytest.raises(MissingFile):
        store.read("photos/a.jpg")


@pytest.mark.parametrize("key", ["", "../x", "/etc/passwd", "photos/../../x", "photos/../documents/a.pdf",
                                 "photos\\..\\x", "photos//a.jpg", "./a", "a/", "a\x00b", "ph otos/a", None, 7])
def test_keys_that_could_lead_elsewhere_name_no_file(store, key):
    store.put("photos/a.jpg", b"inside")
    assert not store.exists(key)
    for use in (store.open, store.read, store.size, store.delete):
        with pytest.raises(MissingFile):
            use(key)
    with pytest.raises(MissingFile):
        store.put(key, b"x")
    assert [f.key for f in store.list()] == ["photos/a.jpg"]


def test_list_by_prefix(store):
    before = datetime.now(UTC) - timedelta(minutes=5)
    for key, data in (("photos/a.jpg", b"aa"), ("photos/b.jpg", b"bbb"), ("photosx/c.jpg", b"c"),
                      ("documents/d.pdf", b"dddd"), ("job-12-x.pdf", b"1"), ("job-123-y.pdf", b"2")):
        store.put(key, data)
    assert {(f.key, f.size) for f in store.list("photos/")} == {("photos/a.jpg", 2), ("photos/b.jpg", 3)}
    assert {f.key for f in store.list("job-12-")} == {"job-12-x.pdf"}
    assert {f.key for f in store.list("photos")} == {"photos/a.jpg", "photos/b.jpg", "photosx/c.jpg"}
    everything = list(store.list())
    assert len(everything) == 6
    for f in everything:
        assert f.modified.tzinfo is not None and before < f.modified < datetime.now(UTC) + timedelta(minutes=5)
    assert list(store.list("nothing/")) == []


def test_delete_prefix(store):
    for key in ("job-12-x.pdf", "job-12-y.pdf", "job-123-z.pdf", "photos/a.jpg"):
        store.put(key, b"x")
    assert store.delete_prefix("job-12-") == 2
    assert sorted(f.key for f in store.list()) == ["job-123-z.pdf", "photos/a.jpg"]
    assert store.delete_prefix("job-12-") == 0
    with pytest.raises(ValueError):
        store.delete_prefix("")  # never a whole area by accident
    with pytest.raises(MissingFile):
        store.delete_prefix("../")


def test_a_pickled_storage_sees_the_same_files(store):
    # A badge worker process gets the storage its run reads the photos from.
    store.put("photos/a.jpg", b"photo")
    copy = pickle.loads(pickle.dumps(store))
    assert copy.read("photos/a.jpg") == b"photo"
    copy.put("photos/b.jpg", b"from the worker")
    assert store.read("photos/b.jpg") == b"from the worker"


def test_areas_do_not_see_each_other(tmp_path, s3_bucket):
    for url in ("", f"s3://{s3_bucket}", f"s3://{s3_bucket}/cop"):
        uploads = storage_for(url, "uploads", tmp_path / "uploads")
        badges = storage_for(url, "badges", tmp_path / "badges")
        uploads.put("job-1-a.pdf", b"in uploads")
        assert not badges.exists("job-1-a.pdf") and list(badges.list()) == []
        uploads.delete("job-1-a.pdf")


def test_the_prefix_of_an_s3_url_holds_every_file(s3_bucket):
    import boto3

    storage_for(f"s3://{s3_bucket}/plenary/cop12", "uploads", None).put("photos/a.jpg", b"x")
    keys = [o["Key"] for o in boto3.session.Session().client("s3").list_objects_v2(Bucket=s3_bucket)["Contents"]]
    assert keys == ["plenary/cop12/uploads/photos/a.jpg"]


# --------------------------------------------------------------------------------------------------------------------
# The local folder: what the filesystem adds


def test_local_files_are_private_and_appear_whole(tmp_path, monkeypatch):
    store = LocalStorage(tmp_path)
    renames = []
    real_replace = os.replace

    def replace(source, target):
        # At the moment of the rename the whole file is there, next to its final place.
        renames.append((Path(source), Path(target), Path(source).read_bytes()))
        real_replace(source, target)

    monkeypatch.setattr(storage_module.os, "replace", replace)
    store.put("photos/a.jpg", b"complete")
    [(source, target, content)] = renames
    assert source.parent == target.parent == tmp_path / "photos" and target == tmp_path / "photos/a.jpg"
    assert content == b"complete"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert os.listdir(tmp_path / "photos") == ["a.jpg"]


def test_a_failed_local_write_leaves_nothing(tmp_path, monkeypatch):
    def fail(fd):
        raise OSError("disk full")

    monkeypatch.setattr(storage_module.os, "fsync", fail)
    with pytest.raises(OSError, match="disk full"):
        LocalStorage(tmp_path).put("photos/a.jpg", b"half")
    assert os.listdir(tmp_path / "photos") == []


def test_local_links_never_lead_outside(tmp_path):
    folder = tmp_path / "area"
    store = LocalStorage(folder)
    store.put("photos/in.jpg", b"inside")
    outside = tmp_path / "outside.txt"
    outside.write_text("keep me")
    (folder / "photos" / "link.jpg").symlink_to(outside)
    (folder / "linked").symlink_to(tmp_path, target_is_directory=True)
    for key in ("photos/link.jpg", "linked/outside.txt"):
        assert not store.exists(key)
        with pytest.raises(MissingFile):
            store.read(key)
        with pytest.raises(MissingFile):
            store.delete(key)
    assert [f.key for f in store.list()] == ["photos/in.jpg"]  # links are not listed, nor followed
    store.delete_prefix("linked/")
    assert outside.read_text() == "keep me"


# --------------------------------------------------------------------------------------------------------------------
# STORAGE_URL


@pytest.mark.parametrize("url, parsed", [
    ("", ("local", "", "")),
    ("file:///srv/plenary/files", ("local", "/srv/plenary/files", "")),
    ("s3://plenary-files", ("s3", "plenary-files", "")),
    ("s3://plenary-files/", ("s3", "plenary-files", "")),
    ("s3://plenary-files/cop/2026/", ("s3", "plenary-files", "cop/2026")),
])
def test_storage_urls(url, parsed):
    assert parse_storage_url(url) == parsed


@pytest.mark.parametrize("url", ["/srv/files", "file://host/srv", "s3://", "s3://Upper", "s3://ab",
                                 "s3://bucket/../x", "s3://bucket/a b", "s3://bucket?region=x", "gs://bucket",
                                 "http://minio:9000/bucket"])
def test_bad_storage_urls_are_refused_at_start(tmp_path, url):
    with pytest.raises(StorageURLError):
        parse_storage_url(url)
    with pytest.raises(ConfigError, match="STORAGE_URL"):
        load_config(tmp_path, {"PLENARY_ENV": "testing", "STORAGE_URL": url})


def test_a_local_storage_url_moves_every_area(tmp_path):
    config = load_config(tmp_path / "instance", {"PLENARY_ENV": "testing",
                                                 "STORAGE_URL": f"file://{tmp_path / 'files'}"})
    assert config["UPLOAD_FOLDER"] == str(tmp_path / "files" / "uploads")
    assert load_config(tmp_path / "instance", {"PLENARY_ENV": "testing"})["UPLOAD_FOLDER"] == \
        str(tmp_path / "instance" / "uploads")
    app = Flask("t", instance_path=str(tmp_path / "instance"))
    app.config.update(config)
    with app.app_context():
        for area in storage_module.AREAS:
            storage_module.files(area).put("a.pdf", area.encode())
            assert (tmp_path / "files" / area / "a.pdf").read_bytes() == area.encode()
        # The folder settings of before still choose an area's folder on local storage.
        app.config["BADGE_RUNS_FOLDER"] = str(tmp_path / "runs")
        storage_module.files("badges").put("b.pdf", b"b")
        assert (tmp_path / "runs" / "b.pdf").read_bytes() == b"b"
        # With s3:// they play no part.
        app.config["STORAGE_URL"] = "s3://plenary-files/cop"
        s3 = storage_module.files("badges")
        assert (type(s3).__name__, s3.bucket, s3.prefix) == ("S3Storage", "plenary-files", "cop/badges/")


def test_only_the_storage_knows_where_files_live():
    """Every file of the application goes through conference.core.storage: no other module reads the folder
    settings (a module that did would write to this machine's disk when STORAGE_URL names an object store)."""
    conference = Path(storage_module.__file__).resolve().parent.parent
    for path in conference.rglob("*.py"):
        if path.relative_to(conference).as_posix() in ("core/storage.py", "config.py"):
            continue
        text = path.read_text(encoding="utf-8")
        for setting in storage_module.FOLDER_SETTINGS.values():
            for quoted in (f'"{setting}"', f"'{setting}'"):
                assert quoted not in text, f"{path}: reads {setting}; use conference.core.storage.files(area)"
