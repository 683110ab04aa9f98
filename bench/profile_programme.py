"""Where the programme page's time goes: cProfile over repeated requests on the demonstration session, beside
/healthz in the same run, with the number of queries per page.

Run: .venv/bin/python bench/profile_programme.py [--participants 1400] [--repeat 20] [--language fr] [--top 25]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import time

from _common import QueryCounter, scratch_app  # first: it puts the project on the path

from conference.demo.services import load_demo


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--participants", type=int, default=1400)
    parser.add_argument("--database-url")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--language", default="fr")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    with scratch_app(args.database_url) as app:
        conference, _ = load_demo(args.participants)
        url = f"/{conference.code}/programme"
        client = app.test_client()
        headers = {"Accept-Language": args.language}
        assert client.get(url, headers=headers).status_code == 200  # warm: templates, catalogues, caches
        with QueryCounter() as queries:
            client.get(url, headers=headers)
        started = time.perf_counter()
        for _ in range(args.repeat):
            client.get("/healthz")
        health = (time.perf_counter() - started) / args.repeat
        profile = cProfile.Profile()
        started = time.perf_counter()
        profile.enable()
        for _ in range(args.repeat):
            client.get(url, headers=headers)
        profile.disable()
        page = (time.perf_counter() - started) / args.repeat
        print(f"{url} ({args.language}): {page * 1000:.1f} ms a page under the profiler, {queries.count} queries; "
              f"/healthz {health * 1000:.2f} ms; share {health / page:.3f}")
        pstats.Stats(profile).sort_stats("cumulative").print_stats(args.top)
        pstats.Stats(profile).sort_stats("tottime").print_stats(args.top)


if __name__ == "__main__":
    main()
