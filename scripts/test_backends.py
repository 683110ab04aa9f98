"""Which servers `make test` runs the tests on besides SQLite: prints `export` lines for the shell to eval.

CI (.ci/run) runs every database test on SQLite and again on PostgreSQL at 127.0.0.1:5432, and the Redis tests on
127.0.0.1:6379. A developer's plain `make test` should run what CI runs, so when those servers answer at those
addresses their URLs are exported, and what was found is said on stderr either way. A variable already set wins;
set it empty (`TEST_DATABASE_URL= make test`) to leave that half out on purpose.
"""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Callable, Mapping

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
REDIS = "redis://127.0.0.1:6379/15"


def postgres_problem(url: str) -> str | None:
    """Why PostgreSQL does not answer at `url`, or None when it does."""
    import psycopg

    try:
        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://", 1), connect_timeout=3):
            return None
    except psycopg.Error as exc:
        return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def redis_problem(url: str) -> str | None:
    """Why Redis does not answer at `url`, or None when it does."""
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        client.ping()
        client.close()
        return None
    except redis.RedisError as exc:
        return str(exc) or type(exc).__name__


def backends(environ: Mapping[str, str], *, postgres: str = POSTGRES, redis: str = REDIS,
             postgres_problem: Callable[[str], str | None] = postgres_problem,
             redis_problem: Callable[[str], str | None] = redis_problem) -> tuple[dict[str, str], list[str]]:
    """(variables to export, lines to tell the developer)."""
    exports: dict[str, str] = {}
    said: list[str] = []
    for variable, url, problem_of, name, half in (
            ("TEST_DATABASE_URL", postgres, postgres_problem, "PostgreSQL", "every database test runs on SQLite "
                                                                            "and again on PostgreSQL"),
            ("TEST_REDIS_URL", redis, redis_problem, "Redis", "the Redis tests run")):
        if variable in environ:
            if environ[variable]:
                said.append(f"{variable} is set: {half} ({environ[variable]}).")
            else:
                said.append(f"{variable} is set empty: the {name} tests are skipped, as asked.")
            continue
        problem = problem_of(url)
        if problem is None:
            exports[variable] = url
            said.append(f"{name} answers at {url}: {half}, as in CI.")
        else:
            said.append(f"{name} does not answer at {url} ({problem}): its tests are skipped; CI runs them.")
    return exports, said


def main() -> None:
    exports, said = backends(os.environ)
    for line in said:
        print(f"make test: {line}", file=sys.stderr)
    for variable, url in exports.items():
        print(f"export {variable}={shlex.quote(url)}")


if __name__ == "__main__":
    main()
