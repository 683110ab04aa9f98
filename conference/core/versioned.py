"""Per-process caches that follow a version kept in the database, never the clock.

A web process keeps what it built under a key, with the version of the data it was built from (for the programme,
`Conference.programme_version`, which conference/feeds/versions.py bumps with every change, committed with the
change). A request reads the version first (one small query, usually the session's row it reads anyway) and serves
what is kept only when the version is the same: every process on every machine serves a change as soon as it is
committed, and nothing ever expires by time. The version is read before the data, so what is kept can only be newer
than its version says, never older.

The caches belong to the application (two applications in one process, as in the tests, share nothing); each is
cleared when it reaches its size, since keys come from query strings that anyone can vary.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import TypeVar

from flask import current_app

T = TypeVar("T")
_lock = threading.Lock()


def kept(name: str, key: Hashable, version: int, build: Callable[[], T], *, size: int) -> T:
    """What `build()` returns for `key` at `version`, from this process's cache `name` when it has it; with `size`
    0 nothing is kept (the tests' default: a test that changes rows without committing sees them at once)."""
    if not size:
        return build()
    cache: dict = current_app.extensions.setdefault(f"plenary_{name}_cache", {})
    with _lock:
        hit = cache.get(key)
    if hit is not None and hit[0] == version:
        return hit[1]
    value = build()
    with _lock:
        if len(cache) >= size and key not in cache:
            cache.clear()
        cache[key] = (version, value)
    return value
