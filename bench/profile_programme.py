"""Where the programme page's time goes: cProfile over repeated requests on the demonstration session, beside
/healthz in the same run, with the number of queries per page.

Run: .venv/bin/python bench/profile_programme.py [--participants 1400] [--repeat 20] [--language fr] [--top 25]
"""

from __future__ import annotations

import argparse
import pstats

from _common import profile_page, scratch_app  # first: it puts the project on the path

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
        run = profile_page(client, url, args.repeat, headers={"Accept-Language": args.language})
        print(f"{url} ({args.language}): {run.seconds * 1000:.1f} ms a page under the profiler, {run.queries} queries; "
              f"/healthz {run.health * 1000:.2f} ms; share {run.health / run.seconds:.3f}")
        pstats.Stats(run.profile).sort_stats("cumulative").print_stats(args.top)
        pstats.Stats(run.profile).sort_stats("tottime").print_stats(args.top)


if __name__ == "__main__":
    main()
