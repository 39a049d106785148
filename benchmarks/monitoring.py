"""Monitoring end to end: posts per second from a JSONL file to stored posts with detections.

Synthetic posts (several languages, some abusive, some aimed at watched people, some
near-duplicates) are written to a file, then ingested with ``MonitoringService.ingest_file``
(the same path as ``vigil monitor ingest``) on SQLite and on a throw-away PostgreSQL. Peak
memory is the process's peak resident set size, measured before and after each run.

    .venv/bin/python benchmarks/monitoring.py --posts 1000000 --backend both --tier fast
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from vigil.monitoring.schemas import PersonCreate
from vigil.security.actor import Actor
from vigil.services import Services
from vigil.settings import VigilSettings
from vigil.storage.migrate import upgrade
from vigil.testing.postgres import throwaway_postgres as postgres_server

OPERATOR = Actor.operator("benchmark")
START = datetime(2026, 1, 1, tzinfo=UTC)
PEOPLE = (
    ("Ana Kovačević", ["Ана Ковачевић"]),
    ("김민지", []),
    ("Nino Beridze", ["ნინო ბერიძე"]),
    ("Siti Rahma", []),
    ("Aminata Koné", []),
)
NEUTRAL = {
    "en": "the council meets on tuesday to discuss the new budget for schools and roads",
    "fr": "le conseil se réunit mardi pour discuter du budget des écoles et des routes",
    "id": "dewan akan bertemu hari selasa untuk membahas anggaran sekolah dan jalan",
    "ko": "의회는 화요일에 학교와 도로 예산을 논의하기 위해 모인다",
    "sh": "vijeće se sastaje u utorak da raspravi budžet za škole i puteve",
}
ABUSIVE = (
    "you stupid woman, go back to the kitchen",
    "I will find where you live and kill you",
    "send nudes or I will share your photos with everyone",
    "she is a whore, her address is 12 Main Street, call +1 202 555 0147",
)


def synthetic(path: Path, n: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    words = " ".join(NEUTRAL.values()).split()
    with path.open("w", encoding="utf-8") as out:
        for i in range(n):
            lang = rng.choice(list(NEUTRAL))
            text = NEUTRAL[lang] + " " + " ".join(rng.choice(words) for _ in range(6))
            if rng.random() < 0.15:
                text = rng.choice(ABUSIVE) + " " + text[:60]
            if rng.random() < 0.1:
                name, _ = rng.choice(PEOPLE)
                text = f"{name} {text}"
            record = {
                "id": f"b{i}",
                "text": text,
                "platform": rng.choice(("x", "mastodon", "bluesky")),
                "author": f"user{rng.randrange(50_000)}",
                "created_at": (START + timedelta(seconds=i * 2)).isoformat(),
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@contextmanager
def throwaway_postgres() -> Iterator[str]:
    """A durable throw-away PostgreSQL (fsync on, as in production), one database."""
    with postgres_server(durable=True) as server:
        yield server.new_database()


def run(
    backend: str, posts_file: Path, n: int, tier: str, database_url: str | None
) -> dict[str, object]:
    home = Path(tempfile.mkdtemp(prefix="vigil-bench-"))
    settings = VigilSettings(home=home, database_url=database_url, log_json=False)
    services = Services.from_settings(settings)
    try:
        upgrade(services.db)
        for name, aliases in PEOPLE:
            services.monitoring.watchlist.add(OPERATOR, PersonCreate(name=name, aliases=aliases))
        services.monitoring.detector(tier)  # load the model before the clock starts
        before = peak_rss_mib()
        started, cpu_started = time.perf_counter(), time.process_time()
        stats = services.monitoring.ingest_file(OPERATOR, posts_file, tier=tier)
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
        stored = services.monitoring.count_posts()
        return {
            "backend": backend,
            "posts": n,
            "stored": stored,
            "flagged": stats.flagged,
            "seconds": seconds,
            "posts_per_s": n / seconds,
            "cpu_s": cpu,
            "rss_before_mib": before,
            "peak_rss_mib": peak_rss_mib(),
        }
    finally:
        services.close()
        shutil.rmtree(home, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=200_000)
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--tier", default="fast")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="vigil-bench-posts-"))
    posts_file = workdir / "posts.jsonl"
    synthetic(posts_file, args.posts)
    rows = []
    try:
        if args.backend in ("sqlite", "both"):
            rows.append(run("sqlite", posts_file, args.posts, args.tier, None))
        if args.backend in ("postgres", "both"):
            with throwaway_postgres() as url:
                rows.append(run("postgresql", posts_file, args.posts, args.tier, url))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"\nmonitoring end to end, tier {args.tier}, {args.posts:,} synthetic posts")
    # CPU seconds are this process's (the pipeline, and SQLite, which runs in-process); on a
    # shared machine posts per CPU-second is the figure that does not depend on other load.
    print(
        f"{'backend':<11} {'stored':>9} {'flagged':>8} {'seconds':>8} {'posts/s':>8} "
        f"{'CPU s':>7} {'posts/CPU-s':>11} {'RSS before':>11} {'peak RSS':>9}"
    )
    for r in rows:
        print(
            f"{r['backend']:<11} {r['stored']:>9,} {r['flagged']:>8,} {r['seconds']:>8.1f} "
            f"{r['posts_per_s']:>8,.0f} {r['cpu_s']:>7.1f} {r['posts'] / r['cpu_s']:>11,.0f} "
            f"{r['rss_before_mib']:>9.0f}Mi {r['peak_rss_mib']:>7.0f}Mi"
        )


if __name__ == "__main__":
    main()
