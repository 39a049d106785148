"""Detection quality and speed: per dataset and language, dev-set F1 of the positive class and
macro-F1 for the fast and accurate tiers and a TF-IDF + logistic regression baseline trained in
this run; posts per second of `vigil scan` end to end on 1 and 2 cores.

    python benchmarks/detection.py --data-dir ../shared/data [--model DIR] [--speed-lines 100000]
        [--accurate-speed-lines 10000] [--skip-speed] [--without-patterns] [--repeat 3]

``--model`` adds a model folder written by ``vigil train`` (e.g. one trained on every set);
the shipped default model is always measured. The accurate tier includes the fine-tuned
transformer where the folder has one (``transformer/``). ``--without-patterns`` scores every
tier with the lexicons' target + predicate patterns switched off (the "before" of a pattern
change; speed is measured as shipped). Every speed figure is the median of ``--repeat`` runs
(this machine's speed drifts with other work on it, ±10 % within an hour), with the range on
standard error, and the fast tier's ratio to the TF-IDF baseline timed in the same run.
Prints one table per measurement.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import vigil
from vigil.detection import default_model_dir, load_detector
from vigil.detection.taxonomy import SEXIST_ABUSE
from vigil.detection.training.datasets import Example, info_for, load_shared
from vigil.detection.training.metrics import f1, macro_f1


def baseline(train: list[Example], dev: list[Example]) -> dict[str, tuple[float, float]]:
    """TF-IDF (words 1-2 + characters 2-5) + logistic regression, one per dataset."""
    from scipy.sparse import hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    out: dict[str, tuple[float, float]] = {}
    for name in sorted({e.dataset for e in dev}):
        tr = [e for e in train if e.dataset == name and SEXIST_ABUSE in e.labels]
        dv = [e for e in dev if e.dataset == name and SEXIST_ABUSE in e.labels]
        ytr = np.array([e.labels[SEXIST_ABUSE] for e in tr])
        if not tr or not dv or len(set(ytr.tolist())) < 2:
            continue
        words = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
        chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True)
        texts = [e.text for e in tr]
        x = hstack([words.fit_transform(texts), chars.fit_transform(texts)]).tocsr()
        clf = LogisticRegression(C=4, max_iter=2000, class_weight="balanced").fit(x, ytr)
        dtexts = [e.text for e in dv]
        xd = hstack([words.transform(dtexts), chars.transform(dtexts)]).tocsr()
        pred = clf.predict(xd) == 1
        y = np.array([e.labels[SEXIST_ABUSE] == 1 for e in dv])
        out[name] = (f1(y, pred), macro_f1(y, pred))
    return out


def tier_scores(
    tier: str, model: Path, dev: list[Example], *, patterns: bool = True
) -> dict[str, tuple[float, float]]:
    detector = load_detector(tier, model)
    if not patterns:
        without = getattr(detector, "without_patterns", None)
        if without is None:
            raise SystemExit(f"the {tier} tier has no lexicon patterns to switch off")
        detector = without()
    results = detector.predict([e.text for e in dev])
    out: dict[str, tuple[float, float]] = {}
    for name in sorted({e.dataset for e in dev}):
        idx = [i for i, e in enumerate(dev) if e.dataset == name and SEXIST_ABUSE in e.labels]
        y = np.array([dev[i].labels[SEXIST_ABUSE] == 1 for i in idx])
        p = np.array([SEXIST_ABUSE in results[i].flags for i in idx])
        out[name] = (f1(y, p), macro_f1(y, p))
    return out


def speed(
    lines: int, texts: list[str], model: Path, tier: str, repeat: int
) -> tuple[dict[int, list[float]], float]:
    """Posts per second of `vigil scan` end to end (process start included), one figure per
    run, and the largest resident set of its main process over the runs, in MB (GNU time's
    %M), on 1 and 2 cores."""
    rng = random.Random(0)
    rates: dict[int, list[float]] = {1: [], 2: []}
    peak = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "posts.jsonl"
        with src.open("w", encoding="utf-8") as f:
            for i in range(lines):
                f.write(json.dumps({"id": i, "text": rng.choice(texts)}, ensure_ascii=False) + "\n")
        vigil = [str(Path(sys.executable).with_name("vigil"))]
        for cores in [c for _ in range(repeat) for c in (1, 2)]:
            cpus = ",".join(str(c) for c in sorted(os.sched_getaffinity(0))[:cores])
            cmd = [
                "taskset",
                "-c",
                cpus,
                *vigil,
                "scan",
                str(src),
                "--tier",
                tier,
                "--model",
                str(model),
                "--jobs",
                str(cores),
                "-o",
                str(Path(tmp) / "out"),
            ]
            # GNU time, not our own wait4: a child forked from this big process would report
            # our resident set (Linux keeps the peak across exec).
            rss_file = Path(tmp) / "rss"
            timer = ["/usr/bin/time", "-f", "%M", "-o", str(rss_file)]
            has_timer = Path(timer[0]).is_file()
            started = time.perf_counter()
            subprocess.run([*timer, *cmd] if has_timer else cmd, check=True, capture_output=True)
            elapsed = time.perf_counter() - started
            rss = int(rss_file.read_text().split()[-1]) / 1024 if has_timer else float("nan")
            rates[cores].append(lines / elapsed)
            peak = max(peak, rss)
    return rates, peak


def tfidf_speed(
    lines: int, texts: list[str], train: list[Example], repeat: int
) -> dict[int, list[float]]:
    """The same job with a scikit-learn TF-IDF (words 1-2 + characters 2-5) + logistic
    regression pipeline, fitted first on 20,000 training posts (not timed): read the JSONL,
    score, write one JSON line per post; on 1 core, and on 2 with a forked process per core."""
    import multiprocessing

    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline, make_union

    global _PIPELINE
    rows = [e for e in train if SEXIST_ABUSE in e.labels]
    rows = random.Random(0).sample(rows, min(len(rows), 20_000))
    _PIPELINE = make_pipeline(
        make_union(
            TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True),
            TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True),
        ),
        LogisticRegression(C=4, max_iter=2000, class_weight="balanced"),
    ).fit([e.text for e in rows], [e.labels[SEXIST_ABUSE] for e in rows])
    cpus = sorted(os.sched_getaffinity(0))
    out: dict[int, list[float]] = {1: [], 2: []}
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "posts.jsonl"
        rng = random.Random(0)
        with src.open("w", encoding="utf-8") as f:
            for i in range(lines):
                f.write(json.dumps({"id": i, "text": rng.choice(texts)}, ensure_ascii=False) + "\n")
        try:
            for cores in [c for _ in range(repeat) for c in (1, 2)]:
                os.sched_setaffinity(0, cpus[:cores])
                started = time.perf_counter()
                raw = src.read_bytes().splitlines()
                chunks = [raw[i : i + 4096] for i in range(0, len(raw), 4096)]
                if cores == 1:
                    data = [_tfidf_chunk(c) for c in chunks]
                else:
                    with multiprocessing.get_context("fork").Pool(cores) as pool:
                        data = pool.map(_tfidf_chunk, chunks)
                (Path(tmp) / "out.jsonl").write_bytes(b"".join(data))
                out[cores].append(lines / (time.perf_counter() - started))
        finally:
            os.sched_setaffinity(0, cpus)
    return out


_PIPELINE: object = None  # fitted once, inherited by forked workers


def _tfidf_chunk(raw: list[bytes]) -> bytes:
    import orjson

    records = [orjson.loads(line) for line in raw]
    scores = _PIPELINE.predict_proba([r["text"] for r in records])[:, 1]  # type: ignore[attr-defined]
    return b"".join(
        orjson.dumps({"id": r["id"], "score": round(float(p), 4)}, option=orjson.OPT_APPEND_NEWLINE)
        for r, p in zip(records, scores, strict=True)
    )


def column(tier: str, label: str, path: Path) -> str:
    if tier == "accurate" and (path / "transformer" / "transformer.json").is_file():
        return f"accurate+transformer ({label})"
    return f"{tier} ({label})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data-dir", type=Path, default=Path(os.environ.get("VIGIL_DATA_DIR", "../shared/data"))
    )
    parser.add_argument("--model", type=Path, action="append", default=[])
    parser.add_argument("--speed-lines", type=int, default=100_000)
    # The transformer scores a few hundred posts/s: 100,000 lines would take minutes per run.
    parser.add_argument("--accurate-speed-lines", type=int, default=10_000)
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--skip-quality", action="store_true", help="the speed table only")
    parser.add_argument("--fast-only", action="store_true", help="speed: fast tier and TF-IDF")
    parser.add_argument(
        "--without-patterns", action="store_true", help="quality with the patterns off"
    )
    parser.add_argument("--repeat", type=int, default=3, help="speed runs per figure (median)")
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    train = load_shared(args.data_dir, "train")
    dev = load_shared(args.data_dir, "dev")
    if args.skip_quality:
        speed_table(args, train, dev, [("shipped", default_model_dir())])
        return
    columns: dict[str, dict[str, tuple[float, float]]] = {}
    t = time.perf_counter()
    columns["tfidf+lr (per set)"] = baseline(train, dev)
    print(f"# baseline trained in {time.perf_counter() - t:.0f} s", file=sys.stderr)
    models = [("shipped", default_model_dir()), *((m.name, m) for m in args.model)]
    for label, path in models:
        for tier in ("fast", "accurate"):
            if tier == "accurate" and not (path / "accurate" / "model.json").is_file():
                continue
            name = column(tier, label, path) + (", patterns off" if args.without_patterns else "")
            columns[name] = tier_scores(tier, path, dev, patterns=not args.without_patterns)
    names = sorted({n for col in columns.values() for n in col})
    langs = {e.dataset: e.lang for e in dev}
    head = "| dataset | lang | ships | " + " | ".join(f"{c} F1 / macro-F1" for c in columns)
    print(head + " |")
    print("| --- | --- | --- |" + " --- |" * len(columns))
    for name in names:
        info = info_for(name)
        ships = "yes" if info and info.redistributable else "no"
        cells = []
        for col in columns.values():
            cells.append(f"{col[name][0]:.3f} / {col[name][1]:.3f}" if name in col else "–")
        print(f"| {name} | {langs[name]} | {ships} | " + " | ".join(cells) + " |")
    if args.skip_speed:
        return
    print()
    speed_table(args, train, dev, models)


def speed_table(
    args: argparse.Namespace,
    train: list[Example],
    dev: list[Example],
    models: list[tuple[str, Path]],
) -> None:
    # Time an installed Vigil: pip compiles a regular install's bytecode, while an editable
    # one under PYTHONDONTWRITEBYTECODE=1 would recompile every changed module at each start.
    compileall.compile_dir(str(Path(vigil.__file__).parent), quiet=1)
    print(f"# load average before: {os.getloadavg()[0]:.2f}", file=sys.stderr)
    mixed = [e.text for e in dev]
    english = [e.text for e in dev if e.lang == "en"]
    rows: list[tuple[str, str, dict[int, list[float]], float]] = []
    for label, path in models[:1]:
        runs = [
            ("fast", "dev, all languages", mixed, args.speed_lines),
            ("accurate", "dev, all languages", mixed, args.accurate_speed_lines),
            ("accurate", "dev, English only", english, args.accurate_speed_lines),
        ]
        if args.fast_only:
            runs = runs[:1]
        for tier, which, texts, lines in runs:
            rates, rss = speed(lines, texts, path, tier, args.repeat)
            rows.append((column(tier, label, path), f"{which} ({lines:,})", rates, rss))
    t = tfidf_speed(args.speed_lines, mixed, train, args.repeat)
    baseline_rate = statistics.median(t[2])
    print(
        "| tier (model) | posts | posts/s, 1 core | posts/s, 2 cores | × TF-IDF, 2 cores "
        "| max RSS, MB |"
    )
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for name, which, rates, rss in rows:
        one, two = statistics.median(rates[1]), statistics.median(rates[2])
        ratio = two / baseline_rate
        print(f"| {name} | {which} | {one:,.0f} | {two:,.0f} | {ratio:.1f} | {rss:,.0f} |")
        print(f"# {name}, {which}: runs {_runs(rates)}", file=sys.stderr)
    print(
        f"| scikit-learn TF-IDF + LR (same job, fitted on train) | dev, all languages "
        f"({args.speed_lines:,}) | {statistics.median(t[1]):,.0f} | {baseline_rate:,.0f} "
        "| 1.0 | – |"
    )
    print(f"# TF-IDF + LR: runs {_runs(t)}", file=sys.stderr)
    print(f"# load average after: {os.getloadavg()[0]:.2f}", file=sys.stderr)


def _runs(rates: dict[int, list[float]]) -> str:
    return "; ".join(f"{c} core(s) " + " / ".join(f"{r:,.0f}" for r in rates[c]) for c in (1, 2))


if __name__ == "__main__":
    main()
