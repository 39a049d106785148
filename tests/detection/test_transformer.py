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
from vigil.detection.transformer import EXPLAIN_PARTS, TransformerModel
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
    np.testing.assert_array_equal(together, alone)
    assert model.logits([]).shape == (0, len(model.heads))


def test_a_posts_score_does_not_depend_on_its_batch_mates() -> None:
    """Dynamic int8 quantisation scales each call's activations by their range: scored in one
    batch, a post moved with its neighbours (by up to 1.2 in logit on the EDOS dev set). Each
    post now runs alone, also on the two-thread pool."""
    model = TransformerModel.load(SHIPPED, threads=2)
    post = "she only got the job because she slept with the boss"
    neighbours = [
        "",
        "ok",
        "WOMEN ARE PROPERTY!!! " * 6,
        "the council meets on tuesday to discuss the new bus timetable for the north of town",
    ]
    alone = model.logits([post])[0]
    for k in range(len(neighbours) + 1):
        batch = [*neighbours[:k], post, *neighbours[k:]]
        np.testing.assert_array_equal(model.logits(batch)[k], alone)


def test_explanations_name_the_words_the_transformer_read(model: TransformerModel) -> None:
    post = "honestly women are too stupid to be allowed to drive a car"
    (spans,) = model.explain([post], "gbv")
    assert spans and all(s.source == "transformer" for s in spans)
    assert all(post[s.start : s.end] == s.text and s.weight >= 0.02 for s in spans)
    assert [s.weight for s in spans] == sorted((s.weight for s in spans), reverse=True)
    assert "women" in spans[0].text  # taking "women" out changes the most
    # Reproducible whatever is explained beside it; nothing to explain without words.
    again = model.explain(["", "!!!", "ok then", post], "gbv")
    assert again[:2] == [[], []] and again[3] == spans


def test_a_long_posts_explanation_stays_within_what_the_model_reads(
    model: TransformerModel,
) -> None:
    post = "women are stupid " + "and the weather was fine today " * 60
    (spans,) = model.explain([post], "gbv", limit=20)
    assert spans and max(s.end for s in spans) < model.max_len * 8
    assert len(spans) <= EXPLAIN_PARTS  # runs of words, one model call each


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


def test_where_the_transformer_decided_its_reasons_are_shown(
    detector: AccurateDetector,
) -> None:
    """Flagged posts that neither the n-gram models alone nor a lexicon or pattern hit explain
    are explained by the transformer (occlusion); the others keep their n-gram words."""
    from vigil.detection.taxonomy import GBV

    explaining = AccurateDetector().load()
    posts = [
        "girls like her should stay quiet and let the men decide",
        "she is just another gold digger looking for a rich husband",
        "typical female logic, crying until she gets her way",
        "females can't handle real responsibility",
        "a woman's opinion is worth nothing in this house",
        "women in tech are diversity hires",
    ]
    results = explaining.predict(posts)
    first, second = detector._model, detector._second
    assert first is not None and second is not None
    k = first.heads.index(GBV)
    ngram = (first.probabilities(posts)[:, k] + second.probabilities(posts)[:, k]) / 2
    kinds = set()
    for result, p in zip(results, ngram.tolist(), strict=True):
        if not result.gbv:
            continue
        sources = {s.source for s in result.explanation}
        ruled = any(src.startswith(("lexicon", "pattern")) for src in sources)
        decided = p < detector._threshold(GBV, result.lang) and not ruled
        assert ("transformer" in sources) == decided, (result, p)
        kinds.add(decided)
    assert kinds == {True, False}  # both kinds are among the posts


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
