"""Per-process caches that follow a version kept in the database, never the clock.

A web process keeps what it built under a key, with the version of the data it was built from (for the programme,
`Conference.programme_version`, which conference/feeds/versions.py bumps with every change, committed with the
change). A request reads the version first (one small query, usually the session's row it reads anyway) and serves
what is kept only when the version is the same: every process on every machine serves a change as soon as it is
committed, and nothing ever expires by time. The version is read before the data, so what is kept can only be newer
than its version says, never older.

Every key names the session by its id *and* its creation time: SQLite gives a deleted session's id to the next one
made, whose versions start again at 0, so the id and the version alone could serve the old session's pages as the new
one's.

The caches belong to the application (two applications in one process, as in the tests, share nothing); each is
cleared when it reaches its size, since keys come from query strings that anyone can vary.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, TypeVar

from flask import current_app
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

if TYPE_CHECKING:
    from conference.conferences.models import Conference

T = TypeVar("T")
_lock = threading.Lock()


def kept(name: str, conference: Conference, key: Hashable, version: Hashable, build: Callable[[], T], *,
         size: int) -> T:
    """What `build()` returns for `conference`'s `key` at `version`, from this process's cache `name` when it has it;
    with `size` 0 nothing is kept (the tests' default: a test that changes rows without committing sees them at once).
    """
    if not size:
        return build()
    key = (*session_key(conference), key)
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


def session_key(conference: Conference) -> tuple:
    """What tells one session from every other, past ones included: its id, which SQLite may give again to a new
    session once this one is deleted, and the time it was created (to the microsecond), which it never gives again."""
    return conference.id, conference.created_at.isoformat()


# What a kept page leaves to each request: the officer's CSRF token, in the hidden field every form of a page shares
# (Flask-WTF draws one token a request). A slot is an HTML comment: no text drawn from data can make one, since every
# value is escaped ("<" becomes "&lt;") before it reaches a page.
CSRF_SLOT = Markup("<!--plenary:csrf-->")


def csrf_field() -> Markup:
    """This request's CSRF field, as a form's `csrf_token` draws it (the token Flask-WTF keeps for the request)."""
    return Markup('<input id="csrf_token" name="csrf_token" type="hidden" value="%s">') % generate_csrf()


def fill(html: Markup, field: Markup | None = None) -> Markup:
    """A kept part of a page with this request's CSRF field (`field`, drawn here when not given) where it left its
    slots."""
    return Markup(html.replace(CSRF_SLOT, field or csrf_field())) if CSRF_SLOT in html else html
