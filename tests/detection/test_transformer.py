"""The shipped accurate tier's transformer: ONNX Runtime + tokenizers only, no PyTorch."""

from __future__ import annotations

import json
import multiprocessing
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from vigil.detection import AccurateDetector, default_model_dir
from vigil.detection.transformer import TransformerModel
from vigil.errors import ConfigurationError

SHIPPED = default_model_dir() / "transformer"


@pytest.fixture(scope="module")
def model() -> TransformerModel:
    return TransformerModel.load(SHIPPED, threads=1)


@pytest.fixture(scope="module")
def detector() -> AccurateDetector:
    return AccurateDetector(explain=False).load()


def test_shipped_transformer_is_int8_onnx_without_pickle() -> None:
    names = {p.name for p in SHIPPED.iterdir() if not p.name.startswith("__")}
    assert names == {"model.onnx", "tokenizer.json", "transformer.json"}
    assert (SHIPPED / "model.onnx").stat().st_size < 30_000_000  # int8: fp32 would be ~90 MB


def test_scores_separate_abuse_from_ordinary_posts(model: TransformerModel) -> None:
    texts = [
        "women are too emotional to vote, send them back to the kitchen",
        "stupid bitch, nobody wants to hear your opinion, get raped",
        "the train was late again this morning",
        "I made a lovely lentil soup for dinner",
    ]
    p = model.probabilities(texts)
    k = model.heads.index("sexist_abuse")
    assert p[:2, k].min() > p[2:, k].max()
    assert ((p >= 0) & (p <= 1)).all()


def test_order_empty_and_very_long_texts(model: TransformerModel) -> None:
    texts = ["you are a disgusting slut", "", "word " * 50_000, "good morning"]
    together = model.logits(texts)
    alone = np.vstack([model.logits([t]) for t in texts])
    assert together.shape == (4, len(model.heads)) and np.isfinite(together).all()
    # int8 dynamic quantisation scales activations per batch: close, not bit-equal.
    assert np.abs(together - alone).max() < 0.5
    assert model.logits([]).shape == (0, len(model.heads))


def test_languages_without_weight_never_reach_the_transformer(
    detector: AccurateDetector, monkeypatch: pytest.MonkeyPatch
) -> None:
    transformer = detector._transformer
    assert transformer is not None
    assert transformer.weight("ko") == 0.0 and transformer.weight("en") > 0.0
    seen: list[list[str]] = []
    original = transformer.probabilities

    def spy(texts: list[str]) -> np.ndarray:
        seen.append(texts)
        return original(texts)

    monkeypatch.setattr(transformer, "probabilities", spy)
    detector.predict(["여자는 집에나 있어라", "women belong in the kitchen"], ["ko", "en"])
    assert seen == [["women belong in the kitchen"]]


def test_accurate_tier_flags_with_per_language_thresholds(detector: AccurateDetector) -> None:
    abusive, clean = detector.predict(
        ["shut up you dumb whore, women are worthless", "see you at the match tomorrow"]
    )
    assert abusive.gbv and "sexist_abuse" in abusive.flags
    assert not clean.gbv
    assert detector._transformer is not None
    assert detector._threshold("sexist_abuse", "en") == detector._transformer.threshold(
        "sexist_abuse", "en"
    )


def test_broken_folders_fail_clearly(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="cannot read transformer"):
        TransformerModel.load(tmp_path)
    copy = tmp_path / "t"
    shutil.copytree(SHIPPED, copy)
    (copy / "model.onnx").unlink()
    with pytest.raises(ConfigurationError, match=r"model\.onnx is missing"):
        TransformerModel.load(copy)
    doc = json.loads((SHIPPED / "transformer.json").read_text("utf-8"))
    (copy / "transformer.json").write_text(json.dumps({**doc, "format": "other"}), "utf-8")
    with pytest.raises(ConfigurationError, match="not a vigil-transformer/1"):
        TransformerModel.load(copy)


def _score_in_child(model: TransformerModel, queue: Any) -> None:
    queue.put(model.logits(["women are worthless"]).tolist())


def test_forked_worker_gets_its_own_session() -> None:
    """`vigil scan` forks workers after the parent scored: the child must neither hang on the
    inherited ONNX Runtime session (destroying it deadlocks) nor share its thread pool."""
    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("no fork on this platform")
    model = TransformerModel.load(SHIPPED, threads=2)  # a thread pool, as in `vigil scan`
    parent = model.logits(["women are worthless"]).tolist()
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_score_in_child, args=(model, queue))
    child.start()
    child.join(60)
    if child.is_alive():
        child.kill()
        pytest.fail("the forked worker hung on the inherited ONNX Runtime session")
    assert child.exitcode == 0
    assert np.allclose(queue.get(timeout=5), parent, atol=1e-4)
