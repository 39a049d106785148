"""Scale-out on this machine: local vs Ray with 1 and 2 workers, for scanning and matching.

    python benchmarks/scale.py [--posts 40000] [--tier fast|accurate] [--bank 1000000]

Prints posts/s for the local engine and for Ray with 1 and 2 workers (scaling efficiency =
Ray-2 / local), checks the outputs are identical, then lookups/s against a bank held whole
in one process vs sharded over 2 Ray workers, and finally a throughput and cost model for N
machines from the measured per-worker figures.
"""

from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np
from threadpoolctl import threadpool_limits

from vigil.media.hashes import flip_bits, random_words
from vigil.scale import make_engine
from vigil.scale.workers import DetectorWorker, merge_shard_matches, shard_bank

BATCH = 2000
QUERY_BATCH = 500
RADIUS = 31
TEMPLATES = (
    "you should be raped and killed, I know where you live {n}",
    "great game last night, the team played well {n}",
    "send me your nudes or I will post the video to your family {n}",
    "오늘 날씨 정말 좋네요 {n}",
    "dasar perempuan murahan, diam saja kau {n}",
    "elle ne mérite que des coups, cette salope {n}",
    "her address is 12 Rose Street, call 010-1234-5678, go get her {n}",
)


def _posts(count: int) -> list[tuple[str, str | None]]:
    return [(TEMPLATES[i % len(TEMPLATES)].format(n=i), None) for i in range(count)]


def _batches(items: list[tuple[str, str | None]]) -> list[list[tuple[str, str | None]]]:
    return [items[i : i + BATCH] for i in range(0, len(items), BATCH)]


def scan(
    engine_name: str, workers: int, posts: list[tuple[str, str | None]], tier: str
) -> tuple[float, str]:
    """Posts/s and the output; the local engine is pinned to one core (the baseline)."""
    if engine_name == "local":
        everything = os.sched_getaffinity(0)
        os.sched_setaffinity(0, {min(everything)})
        try:
            with threadpool_limits(1):
                return _scan(engine_name, workers, posts, tier)
        finally:
            os.sched_setaffinity(0, everything)
    return _scan(engine_name, workers, posts, tier)


def _scan(
    engine_name: str, workers: int, posts: list[tuple[str, str | None]], tier: str
) -> tuple[float, str]:
    factory = DetectorWorker(tier)
    with (
        make_engine(engine_name, workers=workers)
        if engine_name == "ray"
        else make_engine("local") as engine
    ):
        # Steady state: the clock starts once every worker has answered a first, tiny batch
        # (models loaded), so start-up cost is left out for every engine alike.
        warm = [posts[:1]] * engine.workers
        out: list[dict[str, object]] = []
        started = 0.0
        for index, batch in enumerate(engine.map_batches(factory, [*warm, *_batches(posts)])):
            if index == len(warm) - 1:
                started = time.perf_counter()
            elif index >= len(warm):
                out.extend(batch)
        elapsed = time.perf_counter() - started
    digest = json.dumps(out, sort_keys=True)
    return len(posts) / elapsed, digest


def match(engine_name: str, shards: int, bank: int, queries: int) -> tuple[float, int]:
    rng = np.random.default_rng(7)
    codes = random_words(bank, rng)
    ids = np.arange(bank, dtype=np.int64)
    picked = rng.integers(0, bank, queries)
    query_codes = flip_bits(codes[picked], rng.integers(0, 16, queries), rng)
    factories = shard_bank(codes, ids, shards, RADIUS)
    batches = [query_codes[i : i + QUERY_BATCH] for i in range(0, queries, QUERY_BATCH)]
    with (
        make_engine(engine_name, workers=shards)
        if engine_name == "ray"
        else make_engine("local") as engine
    ):
        list(engine.broadcast(factories, [query_codes[:1]]))  # build every shard first
        started = time.perf_counter()
        found = 0
        for parts in engine.broadcast(factories, batches):
            found += len({q for q, _, _ in merge_shard_matches(parts)})
        elapsed = time.perf_counter() - started
    return queries / elapsed, found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, default=40_000)
    parser.add_argument("--tier", default="fast")
    parser.add_argument("--bank", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=5_000)
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores; tier {args.tier}; {args.posts:,} posts")
    posts = _posts(args.posts)
    local, reference = scan("local", 1, posts, args.tier)
    ray1, digest1 = scan("ray", 1, posts, args.tier)
    ray2, digest2 = scan("ray", 2, posts, args.tier)
    print("| scan engine | posts/s | vs one core | identical output |")
    print("| --- | ---: | ---: | --- |")
    for name, rate, digest in (
        ("local, pinned to 1 core", local, reference),
        ("ray, 1 worker", ray1, digest1),
        ("ray, 2 workers", ray2, digest2),
    ):
        print(f"| {name} | {rate:,.0f} | {rate / local:.2f}× | {digest == reference} |")
    print(f"scaling efficiency on 2 cores: {ray2 / local:.2f}× one core (target ≥ 1.7×)")

    whole, found_whole = match("local", 1, args.bank, args.queries)
    sharded, found_sharded = match("ray", 2, args.bank, args.queries)
    print(f"\n| matching, {args.bank:,}-hash bank | lookups/s | queries matched |")
    print("| --- | ---: | ---: |")
    print(f"| local, one index | {whole:,.0f} | {found_whole} |")
    print(f"| ray, 2 shards | {sharded:,.0f} | {found_sharded} |")

    per_worker = ray2 / 2
    print("\nModel (from the per-worker rate measured above; a worker = one core):")
    print("| machines × cores | workers | posts/s | posts/day | note |")
    print("| --- | ---: | ---: | ---: | --- |")
    for machines, cores in ((1, 2), (1, 16), (4, 16), (16, 16)):
        workers = machines * cores
        # Each extra machine adds the object-store hop; assume 90% of linear per worker.
        efficiency = 1.0 if machines == 1 else 0.9
        rate = per_worker * workers * efficiency
        print(
            f"| {machines} × {cores} | {workers} | {rate:,.0f} | {rate * 86400:,.0f} | "
            f"{'measured base' if workers == 2 else 'modelled'} |"
        )
    print(
        "Cost: posts/day per machine-hour = posts/s × 3600 / machines; the driver reading "
        "input and writing results is one process and becomes the limit past ~1M posts/s."
    )


if __name__ == "__main__":
    main()
