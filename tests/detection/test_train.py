"""`vigil train` on a tiny synthetic set writes a loadable model without pickle."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from vigil.cli.main import app
from vigil.detection import load_detector
from vigil.detection.training.contrast import contrast_examples
from vigil.detection.training.fit import FitConfig
from vigil.detection.training.train import train_model

ABUSE = [
    "women are worthless {w}",
    "shut up you dumb {w}",
    "go back to the kitchen {w}",
    "she is a stupid {w}",
    "females should obey {w}",
]
CLEAN = [
    "the match was great {w}",
    "I cooked pasta {w}",
    "the bus was late {w}",
    "we watched a film {w}",
    "the garden is green {w}",
]
WORDS = ["today", "again", "honestly", "lol", "now", "really", "tonight", "as usual"]


def make_edos(folder: Path, n: int, seed: int) -> None:
    rng = random.Random(seed)
    (folder / "edos").mkdir(parents=True, exist_ok=True)
    for split, size in (("train", n), ("dev", n // 4)):
        with (folder / "edos" / f"{split}.csv").open("w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(
                ["rewire_id", "text", "label_sexist", "label_category", "label_vector", "split"]
            )
            for i in range(size):
                sexist = i % 2 == 0
                text = rng.choice(ABUSE if sexist else CLEAN).format(w=rng.choice(WORDS))
                w.writerow(
                    [
                        f"x-{i}",
                        text,
                        "sexist" if sexist else "not sexist",
                        "2. derogation" if sexist else "none",
                        "none",
                        split,
                    ]
                )


def test_train_writes_a_loadable_model_without_pickle(tmp_path: Path) -> None:
    make_edos(tmp_path / "data", 240, seed=1)
    review = tmp_path / "data" / "review.jsonl"
    review.write_text(
        json.dumps({"id": 1, "text": "dumb woman, I will find you", "label": ["threat"]})
        + "\n"
        + json.dumps({"id": 2, "text": "lovely dinner", "label": False})
        + "\n",
        "utf-8",
    )
    out = tmp_path / "model"
    report = train_model(tmp_path / "data", out, seed=7, config=FitConfig(bits=14, keep=4000))
    assert report.n_train == 242
    assert {p.name for p in out.iterdir()} == {"model.npz", "model.json", "MODEL_CARD.md"}
    with np.load(out / "model.npz", allow_pickle=False) as arrays:
        assert arrays["weights"].dtype == np.float16
    assert report.dev and report.dev[0]["dataset"] == "edos"
    assert report.dev[0]["f1"] > 0.8
    detector = load_detector("fast", out)
    abusive, clean = detector.predict(["shut up you dumb woman", "the bus was late"])
    assert abusive.categories["sexist_abuse"] > clean.categories["sexist_abuse"]
    assert "edos" in (out / "MODEL_CARD.md").read_text("utf-8")


def test_training_is_reproducible(tmp_path: Path) -> None:
    make_edos(tmp_path / "data", 120, seed=2)
    cfg = FitConfig(bits=12, keep=1000)
    train_model(tmp_path / "data", tmp_path / "a", seed=3, config=cfg)
    train_model(tmp_path / "data", tmp_path / "b", seed=3, config=FitConfig(bits=12, keep=1000))
    with np.load(tmp_path / "a" / "model.npz") as a, np.load(tmp_path / "b" / "model.npz") as b:
        assert np.array_equal(a["weights"], b["weights"])


def test_cli_train_and_scan_with_the_model(tmp_path: Path) -> None:
    make_edos(tmp_path / "data", 80, seed=4)
    out = tmp_path / "model"
    runner = CliRunner()
    result = runner.invoke(
        app, ["train", "--data-dir", str(tmp_path / "data"), "--out", str(out), "--seed", "1"]
    )
    assert result.exit_code == 0, result.output
    assert "edos" in result.stdout
    posts = tmp_path / "posts.jsonl"
    posts.write_text(json.dumps({"id": 1, "text": "shut up you dumb woman"}) + "\n", "utf-8")
    result = runner.invoke(app, ["scan", str(posts), "--model", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["id"] == 1


def test_cli_train_adds_contrast_examples_when_asked(tmp_path: Path) -> None:
    make_edos(tmp_path / "data", 60, seed=6)
    runner = CliRunner()
    base = ["train", "--data-dir", str(tmp_path / "data"), "--seed", "1"]
    with_them = runner.invoke(app, [*base, "--out", str(tmp_path / "a"), "--contrast"])
    without = runner.invoke(app, [*base, "--out", str(tmp_path / "b")])
    assert with_them.exit_code == 0 and without.exit_code == 0, without.output
    assert f"({60 + len(contrast_examples())} examples" in with_them.stdout
    assert "(60 examples" in without.stdout
    card = json.loads((tmp_path / "a" / "model.json").read_text("utf-8"))
    assert "vigil_contrast" in card["meta"]["trained_on"]


def test_cli_train_without_data_fails_clearly(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["train", "--out", str(tmp_path / "m")], env={"VIGIL_DATA_DIR": ""}
    )
    assert result.exit_code == 2


def test_review_labels_map_onto_the_taxonomy(tmp_path: Path) -> None:
    import pytest

    from vigil.detection.training.datasets import load_review_export, review_labels
    from vigil.errors import InvalidInput

    assert review_labels(True) == {"gbv": 1}
    assert review_labels("none")["threat"] == 0
    labels = review_labels(["threat", "doxxing"])
    assert labels["gbv"] == labels["threat"] == labels["doxxing"] == 1
    assert labels["ncii"] == 0
    assert review_labels("harassment, not in the taxonomy") == {"gbv": 1}
    assert review_labels(None)["gbv"] == 0
    with pytest.raises(InvalidInput):
        review_labels(3)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "x", "label": true}\n{"text": "no label"}\n', "utf-8")
    with pytest.raises(InvalidInput, match="line 2"):
        load_review_export(bad)


def test_accurate_tier_writes_its_second_model(tmp_path: Path) -> None:
    from vigil.detection import AccurateDetector

    make_edos(tmp_path / "data", 80, seed=5)
    out = tmp_path / "model"
    # Without its transformer (test_transformer_training.py covers that part).
    train_model(
        tmp_path / "data",
        out,
        tier="accurate",
        seed=1,
        config=FitConfig(bits=12),
        transformer=False,
    )
    assert (out / "accurate" / "model.npz").is_file()
    detector = AccurateDetector(model_dir=out).load()
    assert detector.fallback is False
    (result,) = detector.predict(["shut up you dumb woman"])
    assert 0.0 <= result.score <= 1.0


def test_fast_tier_refits_on_every_row_and_keeps_the_held_out_calibration(
    tmp_path: Path,
) -> None:
    from vigil.detection.training.fit import fit_linear
    from vigil.detection.training.train import collect

    make_edos(tmp_path / "data", 200, seed=4)
    train, _ = collect(tmp_path / "data", [], redistributable_only=False)
    held_out = fit_linear(train, FitConfig(bits=12, keep=1000, seed=5))
    refit = fit_linear(train, FitConfig(bits=12, keep=1000, seed=5, refit_all=True))
    # Same calibration and thresholds (chosen on the held-out rows), different weights (the
    # held-out rows joined the fit).
    assert np.array_equal(held_out.calibration, refit.calibration)
    assert held_out.thresholds == refit.thresholds
    assert not np.array_equal(held_out.weights, refit.weights)


def test_cli_train_help_names_the_extra_to_install() -> None:
    """Rich markup once swallowed ``[train]``: the help said "needs vigil)"."""
    result = CliRunner().invoke(app, ["train", "--help"], env={"COLUMNS": "300"})
    assert result.exit_code == 0
    assert "needs vigil[train]" in result.output


def test_cli_train_epochs_are_checked_before_any_work(tmp_path: Path) -> None:
    """--epochs is the transformer's: refused for the fast tier and below 1, at once."""
    runner = CliRunner()
    for args in (["--epochs", "2"], ["--tier", "accurate", "--epochs", "0"]):
        result = runner.invoke(
            app, ["train", "--data-dir", str(tmp_path), "--out", str(tmp_path / "m"), *args]
        )
        assert result.exit_code == 2, result.output
        assert "--epochs" in result.output
        assert not (tmp_path / "m").exists()


def test_idf_weights_favour_rare_buckets() -> None:
    from scipy import sparse

    from vigil.detection.training.fit import idf_weights

    # Bucket 0 is in every row, bucket 1 in one, bucket 2 in none.
    x = sparse.csr_matrix(np.array([[1.0, 0, 0], [2.0, 3.0, 0], [1.0, 0, 0]]))
    idf = idf_weights(x)
    assert idf[0] == 1.0  # log(4/4) + 1
    assert idf[1] > idf[0]
    assert idf[2] > idf[1]


def test_idf_is_folded_into_the_saved_weights_exactly(tmp_path: Path) -> None:
    """Scoring multiplies raw counts by the weights: with the idf folded in, the model's raw
    score must be the fitted regression's decision on idf-scaled features."""
    from scipy import sparse
    from sklearn.linear_model import LogisticRegression

    from vigil.detection.features import Hasher
    from vigil.detection.training.fit import _fit_heads, idf_weights
    from vigil.detection.training.train import collect

    make_edos(tmp_path / "data", 120, seed=8)
    train, _ = collect(tmp_path / "data", [], redistributable_only=False)
    hasher = Hasher(12, (2, 3), (1,))
    texts = [e.text for e in train]
    config = FitConfig(bits=12, c=2.0, idf=True)
    weights, bias = _fit_heads(hasher, ["gbv"], train, config)
    x = hasher.matrix(texts)
    scaled = x @ sparse.diags(idf_weights(x))
    y = np.array([e.labels["gbv"] for e in train])
    clf = LogisticRegression(C=2.0, solver="liblinear", class_weight="balanced").fit(scaled, y)
    folded = np.asarray(x @ weights[:, 0]).ravel() + bias[0]
    assert np.allclose(folded, clf.decision_function(scaled), atol=1e-4)
    plain, _ = _fit_heads(hasher, ["gbv"], train, FitConfig(bits=12, c=2.0, idf=False))
    assert not np.allclose(plain, weights)


def test_cross_fitted_thresholds_use_every_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With folds, each row is scored by a model that never saw it, and the thresholds and
    calibration come from all of those scores, not from the 15 % held-out share."""
    from vigil.detection.training import fit
    from vigil.detection.training.train import collect

    make_edos(tmp_path / "data", 200, seed=6)
    train, _ = collect(tmp_path / "data", [], redistributable_only=False)
    seen: list[int] = []
    original = fit._calibration

    def spy(z: Any, cal: Any, *rest: Any) -> Any:
        seen.append(len(cal))
        assert not np.any(np.all(z == 0, axis=1))  # every row was scored
        return original(z, cal, *rest)

    monkeypatch.setattr(fit, "_calibration", spy)
    model = fit.fit_linear(train, FitConfig(bits=12, keep=1000, refit_all=True, folds=4))
    held_out = fit.fit_linear(train, FitConfig(bits=12, keep=1000, refit_all=True))
    assert seen == [len(train), int(len(train) * fit.CALIBRATION_SHARE)]
    # Fitted on every row either way: the same weights, calibrated differently.
    np.testing.assert_array_equal(model.weights, held_out.weights)
    assert not np.array_equal(model.calibration, held_out.calibration)


def test_the_fast_tier_trains_on_idf_weights_with_out_of_fold_thresholds(tmp_path: Path) -> None:
    make_edos(tmp_path / "data", 160, seed=9)
    out = tmp_path / "model"
    train_model(tmp_path / "data", out, seed=2)
    config = json.loads((out / "model.json").read_text("utf-8"))["meta"]["config"]
    assert config["idf"] is True and config["folds"] == 5 and config["refit_all"] is True
    card = (out / "MODEL_CARD.md").read_text("utf-8")
    assert "idf-weighted counts" in card and "out-of-fold scores" in card
    accurate = tmp_path / "accurate"
    train_model(tmp_path / "data", accurate, tier="accurate", seed=2, transformer=False)
    config = json.loads((accurate / "model.json").read_text("utf-8"))["meta"]["config"]
    assert config["idf"] is False and config["refit_all"] is False
    assert "15 % of the training data held out" in (accurate / "MODEL_CARD.md").read_text("utf-8")
