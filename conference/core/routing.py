"""The one converter for ids in addresses: a number the database's integer columns can hold, else 404."""

from __future__ import annotations

from werkzeug.routing import IntegerConverter

# PostgreSQL's `integer` (the type of every id column) holds up to 2**31 - 1; a larger number in an address
# would reach the query and fail there with a 500 (SQLite fails likewise beyond 2**63 - 1).
MAX_ID = 2**31 - 1


def _up_to(limit: int) -> str:
    """A regular expression for the whole numbers 1 .. `limit` written without leading zeros."""
    digits = str(limit)
    width = len(digits)
    choices = [rf"[1-9]\d{{0,{width - 2}}}"] if width > 1 else []  # every shorter number
    for i, d in enumerate(digits):
        low = 1 if i == 0 else 0
        if int(d) > low:
            choices.append(f"{digits[:i]}[{low}-{int(d) - 1}]" + (rf"\d{{{width - i - 1}}}" if i < width - 1 else ""))
    choices.append(digits)
    return "(?:" + "|".join(choices) + ")"


class IdConverter(IntegerConverter):
    """`<id:name>`: a whole number from 1 to MAX_ID; anything else is not found (404) before any query.

    The bound is in the regular expression, not only in `max`: a number that matches the pattern but fails the
    converter's check makes Werkzeug answer 405 when a sibling rule (the same address, another method) exists.
    """

    regex = _up_to(MAX_ID)

    def __init__(self, map, **kwargs):
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, **kwargs)


def init_app(app) -> None:
    app.url_map.converters["id"] = IdConverter
