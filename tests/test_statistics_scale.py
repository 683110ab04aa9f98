"""The statistics take the same number of queries whatever the session's size (issue 18: 100,000 participants)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import event

from conference.demo import large
from conference.extensions import db

pytestmark = pytest.mark.slow


class Statements:
    """The SQL statements sent while it is open."""

    def __init__(self):
        self.count = 0

    def _seen(self, *_):
        self.count += 1

    def __enter__(self):
        event.listen(db.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *exc):
        event.remove(db.engine, "before_cursor_execute", self._seen)


def _queries(runner, tmp_path, code: str) -> tuple[int, int, dict]:
    """Statements of `stats CODE --json` and of `stats CODE -o report.pdf`, and the figures."""
    with Statements() as as_json:
        result = runner.invoke(args=["stats", code, "--json"])
    assert result.exit_code == 0, result.output
    with Statements() as as_pdf:
        result = runner.invoke(args=["stats", code, "-o", str(tmp_path / f"{code}.pdf")])
    assert result.exit_code == 0, result.output
    return as_json.count, as_pdf.count, json.loads(runner.invoke(args=["stats", code, "--json"]).output)


def test_statistics_take_a_fixed_number_of_queries(runner, db_session, monkeypatch, tmp_path):
    counts = {}
    for n in (1000, 3000):
        monkeypatch.setattr(large, "CODE", f"big{n}")  # two sessions side by side, sharing their entities
        large.load_large(n)
        as_json, as_pdf, figures = _queries(runner, tmp_path, f"big{n}")
        assert figures["participants"] == n and figures["attended"] > 0.75 * n
        counts[n] = (as_json, as_pdf)
    assert counts[1000] == counts[3000]
    assert counts[1000][0] <= 12  # a handful of aggregate queries, none per row, delegation or day
