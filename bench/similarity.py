"""`python -m bench.similarity [--dsn DSN]`: the text similarity distributions that the
incident thresholds (aduan/domain/incidents.py) were chosen on, docs/incidents.md.

Scores the fixture texts of tests/support/incident_texts.py (one water outage told twenty
ways, five other topics, six near misses) with PostgreSQL's pg_trgm exactly as the store
does, and prints each distribution and how each threshold divides it. Without `--dsn` it
starts a throwaway embedded PostgreSQL (about ten seconds)."""

from __future__ import annotations

import argparse
import asyncio
import itertools
import signal
import statistics
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import asyncpg

from aduan.domain import incidents as rules
from aduan.store import db
from aduan.store.incidents import incident_score, similarities
from devtools import servers
from tests.support.incident_texts import (
    NEAR_MISSES,
    OTHER_TOPICS,
    OUTAGE_DESCRIPTION,
    OUTAGE_TITLE,
    SAME_OUTAGE,
)

INCIDENT_TEXT = f"{OUTAGE_TITLE} {OUTAGE_DESCRIPTION}"
EARLY = 5  # arrival scored when only the first few complaints are linked


def describe(name: str, values: Sequence[float]) -> str:
    """One line: minimum, deciles 1 and 9, median, maximum, count."""
    xs = sorted(values)
    n = len(xs)
    return (
        f"{name:<44} min {xs[0]:.3f}  p10 {xs[n // 10]:.3f}  median {statistics.median(xs):.3f}"
        f"  p90 {xs[(9 * n) // 10]:.3f}  max {xs[-1]:.3f}  (n={n})"
    )


def share(values: Sequence[float], threshold: float) -> str:
    """How many of `values` reach `threshold`."""
    reached = sum(1 for v in values if v >= threshold)
    return f"{reached}/{len(values)}"


async def pairwise(pool: asyncpg.Pool, left: Sequence[str], right: Sequence[str]) -> list[float]:
    """similarity() of each text of `left` with each of `right`."""
    return [s for text in left for s in await similarities(pool, text, right)]


async def arrival(pool: asyncpg.Pool, text: str, linked: Sequence[str]) -> float:
    """The arrival score of store.incidents.arrival_candidates: the best of the text within
    the incident's words and against each linked complaint."""
    against_linked = await similarities(pool, text, linked) if linked else []
    return max([await incident_score(pool, text, INCIDENT_TEXT), *against_linked])


async def measure(pool: asyncpg.Pool) -> None:
    """Print every distribution and what the thresholds make of it."""
    pairs = itertools.combinations(SAME_OUTAGE, 2)
    same = [s for a, b in pairs for s in await similarities(pool, a, [b])]
    other = await pairwise(pool, SAME_OUTAGE, OTHER_TOPICS)
    near = await pairwise(pool, SAME_OUTAGE, NEAR_MISSES)
    print("Proposals: similarity() of two complaints' texts")
    print(describe("  same outage, every pair", same))
    print(describe("  outage x other topic", other))
    print(describe("  outage x near miss", near))
    low, high = rules.RELATED_MIN_SIMILARITY, rules.RELATED_STRONG_SIMILARITY
    print(
        f"  RELATED_MIN_SIMILARITY {low}: same {share(same, low)}, other {share(other, low)},"
        f" near {share(near, low)} reach it"
    )
    print(
        f"  RELATED_STRONG_SIMILARITY {high}: same {share(same, high)},"
        f" other {share(other, high)}, near {share(near, high)} reach it"
    )

    all_linked = [await arrival(pool, t, [o for o in SAME_OUTAGE if o != t]) for t in SAME_OUTAGE]
    early = [await arrival(pool, t, SAME_OUTAGE[:EARLY]) for t in SAME_OUTAGE[EARLY:]]
    alone = [await incident_score(pool, t, INCIDENT_TEXT) for t in SAME_OUTAGE]
    others = [await arrival(pool, t, SAME_OUTAGE) for t in OTHER_TOPICS]
    misses = [await arrival(pool, t, SAME_OUTAGE) for t in NEAR_MISSES]
    print("\nArrival: best of word_similarity(text, incident) and similarity() with each linked")
    print(describe("  outage text, the other 19 linked", all_linked))
    print(describe(f"  outage text, {EARLY} linked", early))
    print(describe("  outage text, nothing linked yet", alone))
    print(describe("  other topic, the 20 linked", others))
    print(describe("  near miss, the 20 linked", misses))
    for text, score in zip(NEAR_MISSES, misses, strict=True):
        print(f"    {score:.3f}  {text[:70]}")
    link = rules.LINK_MIN_SIMILARITY
    print(
        f"  LINK_MIN_SIMILARITY {link}: outage {share(all_linked, link)} (19 linked),"
        f" {share(early, link)} ({EARLY} linked), {share(alone, link)} (none linked);"
        f" other {share(others, link)}, near {share(misses, link)} reach it"
    )


@contextmanager
def throwaway_postgres() -> Iterator[str]:
    """An embedded PostgreSQL in a temporary folder, migrated; yields its DSN."""
    with tempfile.TemporaryDirectory(prefix="aduan-similarity-") as folder:
        port = servers.free_port()
        process = servers.start_postgres(Path(folder) / "pg", port, Path(folder) / "pg.log")
        try:
            yield f"postgresql://postgres@127.0.0.1:{port}/aduan_similarity"
        finally:
            servers.stop(process, signal.SIGINT)


async def main(dsn: str) -> None:
    """Migrate the database at `dsn` if needed and measure there."""
    await db.ensure_database(dsn)
    await asyncio.to_thread(db.migrate, dsn)
    pool = await db.create_pool(dsn)
    try:
        await measure(pool)
    finally:
        await pool.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--dsn", help="a PostgreSQL to measure on (default: a throwaway one)")
    args = parser.parse_args()
    if args.dsn:
        asyncio.run(main(args.dsn))
    else:
        with throwaway_postgres() as throwaway:
            asyncio.run(main(throwaway))
