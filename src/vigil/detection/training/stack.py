"""The accurate tier's transformer, end to end: fine-tune on the fitting rows, export int8 ONNX,
then calibrate, weigh against the n-gram models and threshold on the held-out rows."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from vigil.detection.linear import LinearModel
from vigil.detection.training import ensemble
from vigil.detection.training.datasets import Example
from vigil.detection.training.finetune import TransformerConfig, finetune, label_matrix
from vigil.detection.training.fit import FitConfig, calibration_split
from vigil.detection.transformer import TransformerModel

log = logging.getLogger(__name__)

#: Where the transformer lives inside a model folder.
SUBDIR = "transformer"


def train_transformer(
    train: Sequence[Example], out: Path, fit_config: FitConfig, config: TransformerConfig
) -> dict[str, Any]:
    """Write ``out/transformer/``; ``out`` already holds the two n-gram models. Returns a
    summary for the model card."""
    first = LinearModel.load(out)
    second = LinearModel.load(out / "accurate")
    heads = first.heads
    fit_idx, cal_idx = calibration_split(train, fit_config.seed)
    fit_ex = [train[i] for i in fit_idx.tolist()]
    cal_ex = [train[i] for i in cal_idx.tolist()]
    directory = out / SUBDIR
    record = finetune(fit_ex, heads, config, directory)
    provisional = {
        "heads": heads,
        "max_len": config.max_len,
        "calibration": {},
        "weights": {},
        "thresholds": {},
    }
    model = TransformerModel(directory, provisional, threads=config.threads)
    texts = [e.text for e in cal_ex]
    langs = np.array([e.lang for e in cal_ex])
    labels = label_matrix(cal_ex, heads)
    log.info("scoring %d held-out examples with the transformer", len(texts))
    logits = model.logits(texts)
    trained_lang = np.isin(langs, list(config.languages))
    by_index = ensemble.platt(logits, labels, trained_lang)
    calibration = {h: by_index[str(k)] for k, h in enumerate(heads)}
    a = np.array([calibration[h][0] for h in heads], dtype=np.float32)
    b = np.array([calibration[h][1] for h in heads], dtype=np.float32)
    p_t = (1.0 / (1.0 + np.exp(-np.clip(logits * a + b, -30, 30)))).astype(np.float32)
    p_n = ((first.probabilities(texts) + second.probabilities(texts)) / 2).astype(np.float32)
    chosen = ensemble.choose_weights(p_t, p_n, labels, langs)
    mixed = ensemble.mix(p_t, p_n, langs, chosen["weights"])
    thresholds = ensemble.thresholds(mixed, labels, langs, heads)
    log.info("ensemble weights per language: %s", chosen["weights"])
    record["held_out"] = len(cal_ex)
    record["held_out_log_loss"] = chosen["log_loss"]
    ensemble.write(
        directory,
        {
            "heads": heads,
            "max_len": config.max_len,
            "calibration": calibration,
            "weights": chosen["weights"],
            "thresholds": thresholds,
            "meta": record,
        },
    )
    return {**record, "weights": chosen["weights"], "thresholds": thresholds}
