"""The S3-compatible backend of `conference.core.storage` (AWS S3, MinIO, Ceph...), through boto3.

boto3 reads its settings from the standard variables: `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
`AWS_REGION` or `AWS_DEFAULT_REGION`, and `AWS_ENDPOINT_URL` for a store other than AWS (or a role of the machine,
or `~/.aws`); Plenary adds none of its own, so an operator's usual tools and documents apply.
A put is atomic by S3's own rule (an object appears whole when its upload completes); a stream is sent in parts,
so a 100,000-person list never sits whole in memory.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC
from typing import BinaryIO

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import ClientError

from conference.core.storage import CHUNK, MissingFile, Storage, StoredFile, check_key, check_prefix

# A store that does not answer fails the request within seconds rather than holding a web worker; S3's own
# throttling answers (503 SlowDown) are retried with backoff.
_CLIENT_CONFIG = Config(connect_timeout=5, read_timeout=60, retries={"max_attempts": 5, "mode": "standard"})
_TRANSFER = TransferConfig(multipart_threshold=16 * 1024 * 1024, multipart_chunksize=16 * 1024 * 1024,
                           io_chunksize=CHUNK, use_threads=False)
_MISSING = ("404", "NoSuchKey", "NotFound")


class S3Storage(Storage):
    """The files of one area under `prefix` ("uploads/", "cop/badges/") in `bucket`.

    The boto3 client is made at first use and shared by the process's threads (boto3 clients are thread-safe);
    pickling keeps only the bucket and prefix, so a worker process makes its own client from its environment.
    """

    def __init__(self, bucket: str, prefix: str = ""):
        self.bucket = bucket
        self.prefix = prefix
        self._client = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"S3Storage('s3://{self.bucket}/{self.prefix}')"

    def __getstate__(self) -> dict:
        return {"bucket": self.bucket, "prefix": self.prefix}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["bucket"], state["prefix"])

    @property
    def client(self):
        if self._client is None:
            with self._lock:
                if self._client is None:
                    # A session per storage: boto3's default session is not safe to share between threads.
                    self._client = boto3.session.Session().client("s3", config=_CLIENT_CONFIG)
        return self._client

    def _key(self, key: str) -> str:
        return self.prefix + check_key(key)

    def put(self, key: str, data: bytes | BinaryIO) -> None:
        if isinstance(data, bytes | bytearray | memoryview):
            self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=bytes(data))
        else:
            self.client.upload_fileobj(data, self.bucket, self._key(key), Config=_TRANSFER)

    def open(self, key: str) -> BinaryIO:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"]
        except ClientError as exc:
            raise _missing_or(exc, key) from None

    def _head(self, key: str) -> dict:
        try:
            return self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as exc:
            raise _missing_or(exc, key) from None

    def exists(self, key: str) -> bool:
        try:
            self._head(key)
        except MissingFile:
            return False
        return True

    def size(self, key: str) -> int:
        return int(self._head(key)["ContentLength"])

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(key))  # S3 answers alike for a missing key

    def list(self, prefix: str = "") -> Iterator[StoredFile]:
        check_prefix(prefix)
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix + prefix)
        for page in pages:
            for item in page.get("Contents", ()):
                yield StoredFile(item["Key"][len(self.prefix):], int(item["Size"]),
                                 item["LastModified"].astimezone(UTC))

    def delete_prefix(self, prefix: str) -> int:
        if not prefix:
            raise ValueError("delete_prefix needs a prefix")
        keys = [f.key for f in self.list(prefix)]
        for start in range(0, len(keys), 1000):  # S3 erases at most 1,000 objects a request
            batch = [{"Key": self.prefix + k} for k in keys[start:start + 1000]]
            self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True})
        return len(keys)


def _missing_or(exc: ClientError, key: str) -> Exception:
    code = str(exc.response.get("Error", {}).get("Code", ""))
    return MissingFile(key) if code in _MISSING else exc
