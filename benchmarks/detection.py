"""Detection quality and speed: per dataset and language, dev-set F1 of the positive class and
macro-F1 for the fast and accurate tiers and a TF-IDF + logistic regression baseline trained in
this run; posts per second of `vigil scan` end to end on 1 and 2 cores.

    python benchmarks/detection.py --data-dir ../shared/data [--model DIR] [--speed-lines 100000]

``--model`` adds a model folder written by ``vigil train`` (e.g. one trained on every set);
the shipped default model is always measured. Prints one table per measurement.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

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


def tier_scores(tier: str, model: Path, dev: list[Example]) -> dict[str, tuple[float, float]]:
    detector = load_detector(tier, model)
    results = detector.predict([e.text for e in dev])
    out: dict[str, tuple[float, float]] = {}
    for name in sorted({e.dataset for e in dev}):
        idx = [i for i, e in enumerate(dev) if e.dataset == name and SEXIST_ABUSE in e.labels]
        y = np.array([dev[i].labels[SEXIST_ABUSE] == 1 for i in idx])
        p = np.array([SEXIST_ABUSE in results[i].flags for i in idx])
        out[name] = (f1(y, p), macro_f1(y, p))
    return out


def speed(lines: int, dev: list[Example], model: Path, tier: str) -> dict[int, float]:
    rng = random.Random(0)
    out: dict[int, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "posts.jsonl"
        with src.open("w", encoding="utf-8") as f:
            for i in range(lines):
                text = rng.choice(dev).text
                f.write(json.dumps({"id": i, "text": text}, ensure_ascii=False) + "\n")
        vigil = [str(Path(sys.executable).with_name("vigil"))]
        for cores in (1, 2):
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
            started = time.perf_counter()
            subprocess.run(cmd, check=True, capture_output=True)
            out[cores] = lines / (time.perf_counter() - started)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data-dir", type=Path, default=Path(os.environ.get("VIGIL_DATA_DIR", "../shared/data"))
    )
    parser.add_argument("--model", type=Path, action="append", default=[])
    parser.add_argument("--speed-lines", type=int, default=100_000)
    parser.add_argument("--skip-speed", action="store_true")
    args = parser.parse_args()
    train = load_shared(args.data_dir, "train")
    dev = load_shared(args.data_dir, "dev")
    columns: dict[str, dict[str, tuple[float, float]]] = {}
    t = time.perf_counter()
    columns["tfidf+lr (per set)"] = baseline(train, dev)
    print(f"# baseline trained in {time.perf_counter() - t:.0f} s", file=sys.stderr)
    models = [("shipped", default_model_dir()), *((m.name, m) for m in args.model)]
    for label, path in models:
        for tier in ("fast", "accurate"):
            if tier == "accurate" and not (path / "accurate" / "model.json").is_file():
                continue
            columns[f"{tier} ({label})"] = tier_scores(tier, path, dev)
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
    print("| tier | model | posts/s, 1 core | posts/s, 2 cores |")
    print("| --- | --- | ---: | ---: |")
    for label, path in models[:1]:
        for tier in ("fast", "accurate"):
            s = speed(args.speed_lines, dev, path, tier)
            print(f"| {tier} | {label} | {s[1]:,.0f} | {s[2]:,.0f} |")


if __name__ == "__main__":
    main()
