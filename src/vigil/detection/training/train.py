"""``vigil train`` as a library call: read data, fit, score on dev, write model and card."""

from __future__ import annotations

import logging
import platform
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from vigil.detection.base import Result
from vigil.detection.taxonomy import SEXIST_ABUSE
from vigil.detection.training import contrast
from vigil.detection.training.card import write_card
from vigil.detection.training.datasets import (
    Example,
    info_for,
    load_review_export,
    load_shared,
)
from vigil.detection.training.finetune import TransformerConfig, require_torch
from vigil.detection.training.fit import FitConfig, fit_linear
from vigil.detection.training.metrics import f1, macro_f1
from vigil.detection.training.stack import train_transformer
from vigil.errors import InvalidInput

log = logging.getLogger(__name__)

TIERS = ("fast", "accurate")
#: A model trained for the fast tier fits idf-weighted counts and chooses its thresholds on
#: out-of-fold scores of every row (``fit.idf_weights``, ``fit._fit_cross``). The accurate
#: tier's n-gram models keep plain counts and the held-out share, on which its ensemble is
#: tuned: there idf changed no set's average precision measurably and moved the Korean
#: threshold (docs/model-card.md).
CROSS_FOLDS = 5
#: The accurate tier's second model: wider n-grams, more buckets, weaker regularisation.
ACCURATE_CONFIG = {
    "bits": 20,
    "char_orders": (1, 2, 3, 4, 5, 6),
    "word_orders": (1, 2, 3),
    "c": 8.0,
}


@dataclass
class TrainReport:
    out: Path
    tier: str
    n_train: int
    datasets: list[str]
    dev: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0


def _license(dataset: str) -> str:
    if dataset == contrast.DATASET:
        return contrast.LICENSE
    info = info_for(dataset)
    return info.license if info else "review export (the unit's own data)"


def collect(
    data_dir: Path | None,
    reviews: list[Path],
    *,
    redistributable_only: bool,
    with_contrast: bool = False,
) -> tuple[list[Example], list[Example]]:
    """Training and dev examples; ``with_contrast`` adds the contrast examples
    (``contrast.py``) to a run that has data of its own."""
    train: list[Example] = []
    dev: list[Example] = []
    review_files = list(reviews)
    if data_dir is not None:
        if not data_dir.is_dir():
            raise InvalidInput(f"no such data folder: {data_dir}", field="--data-dir")
        train += load_shared(data_dir, "train", redistributable_only=redistributable_only)
        dev += load_shared(data_dir, "dev", redistributable_only=False)
        review_files += sorted(data_dir.glob("*.jsonl"))
    for path in review_files:
        train += load_review_export(path)
    if not train:
        raise InvalidInput("found no training data (dataset folders or review *.jsonl files)")
    if with_contrast:
        train += contrast.contrast_examples()
    return train, dev


def evaluate_results(results: list[Result], dev: list[Example]) -> list[dict[str, Any]]:
    """Per dataset: F1 of the positive class and macro-F1, for the ``sexist_abuse`` flag."""
    rows: list[dict[str, Any]] = []
    for name in sorted({e.dataset for e in dev}):
        idx = [i for i, e in enumerate(dev) if e.dataset == name and SEXIST_ABUSE in e.labels]
        if not idx:
            continue
        y = np.array([dev[i].labels[SEXIST_ABUSE] == 1 for i in idx])
        p = np.array([SEXIST_ABUSE in results[i].flags for i in idx])
        rows.append(
            {
                "dataset": name,
                "lang": dev[idx[0]].lang,
                "n": len(idx),
                "positives": int(y.sum()),
                "f1": round(f1(y, p), 4),
                "macro_f1": round(macro_f1(y, p), 4),
            }
        )
    return rows


def train_model(
    data_dir: Path | None,
    out: Path,
    *,
    tier: str = "fast",
    seed: int = 13,
    reviews: list[Path] | None = None,
    redistributable_only: bool = False,
    config: FitConfig | None = None,
    transformer: TransformerConfig | bool = True,
    with_contrast: bool = False,
) -> TrainReport:
    """``transformer`` (accurate tier only): True fine-tunes with the default settings, a
    config with those, False leaves the accurate tier to the two n-gram models.
    ``with_contrast``: add the contrast examples (``contrast.py``)."""
    from vigil.detection import load_detector

    if tier not in TIERS:
        raise InvalidInput(f"--tier must be one of {', '.join(TIERS)}", field="--tier")
    if tier == "accurate" and transformer is not False:
        require_torch()  # before minutes of n-gram fitting, not after
    started = time.perf_counter()
    train, dev = collect(
        data_dir,
        reviews or [],
        redistributable_only=redistributable_only,
        with_contrast=with_contrast,
    )
    # The fast tier refits on every row after calibrating; the accurate tier's ensemble is
    # tuned on the held-out rows, so its n-gram models must not have seen them.
    fast = tier == "fast"
    config = config or FitConfig(refit_all=fast, folds=CROSS_FOLDS if fast else 0, idf=fast)
    config.seed = seed
    if tier == "accurate":
        config.refit_all = False
    model = fit_linear(train, config)
    used = sorted({e.dataset for e in train})
    model.meta = {
        "tier": tier,
        "seed": seed,
        "trained_on": used,
        "n_train": len(train),
        "languages": sorted({e.lang for e in train}),
        "licenses": {d: _license(d) for d in used},
        "redistributable_only": redistributable_only,
        "config": {k: list(v) if isinstance(v, tuple) else v for k, v in vars(config).items()},
        "python": platform.python_version(),
    }
    model.save(out, keep=config.keep)
    if tier == "accurate":
        second_cfg = FitConfig(**{**vars(config), **ACCURATE_CONFIG})
        second = fit_linear(train, second_cfg)
        second.meta = {
            **model.meta,
            "config": {
                k: list(v) if isinstance(v, tuple) else v for k, v in vars(second_cfg).items()
            },
        }
        second.save(out / "accurate", keep=second_cfg.keep)
        if transformer is not False:
            tcfg = transformer if isinstance(transformer, TransformerConfig) else None
            model.meta["transformer"] = train_transformer(
                train, out, config, tcfg or TransformerConfig(seed=seed)
            )
    report = TrainReport(out=out, tier=tier, n_train=len(train), datasets=used)
    if dev:
        detector = load_detector(tier, out)
        results = detector.predict([e.text for e in dev])
        report.dev = evaluate_results(results, dev)
    report.seconds = round(time.perf_counter() - started, 1)
    model.meta["dev"] = report.dev
    model.meta["train_seconds"] = report.seconds
    model.save(out, keep=config.keep)
    write_card(out / "MODEL_CARD.md", model.meta, model.thresholds)
    return report
