"""``vigil train``: fit a text model from labelled data and review decisions."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import typer

from vigil.cli.context import handles_errors
from vigil.errors import InvalidInput


@handles_errors
def train(
    data_dir: Path | None = typer.Option(
        None, "--data-dir", help="Folder of labelled sets (default: $VIGIL_DATA_DIR)."
    ),
    out: Path = typer.Option(..., "--out", help="Folder to write the model and its card to."),
    tier: str = typer.Option(
        "fast",
        "--tier",
        help="fast or accurate (fine-tunes a transformer on the CPU: needs vigil\\[train]).",
    ),
    seed: int = typer.Option(13, "--seed", help="Seed for every random choice."),
    epochs: int | None = typer.Option(
        None,
        "--epochs",
        help="Accurate tier: epochs of fine-tuning (default 3, ~6 minutes each on 2 cores).",
    ),
    review: list[Path] = typer.Option(
        [], "--review", help="Review-queue export (scan JSONL + label); repeatable."
    ),
    redistributable_only: bool = typer.Option(
        False, "--redistributable-only", help="Only sets whose license allows shipping the model."
    ),
    contrast: bool = typer.Option(
        False,
        "--contrast",
        help="Add Vigil's contrast examples (kind, neutral and counter-speech posts about "
        "women): fewer such posts flagged, but less recall (docs/model-card.md).",
    ),
) -> None:
    """Train a model; print per-dataset dev scores. Nothing is pickled."""
    from vigil.detection.training.finetune import TransformerConfig
    from vigil.detection.training.train import train_model

    if epochs is not None and tier != "accurate":
        raise InvalidInput("--epochs applies to --tier accurate only", field="--epochs")
    if epochs is not None and epochs < 1:
        raise InvalidInput("--epochs must be at least 1", field="--epochs")
    if data_dir is None and os.environ.get("VIGIL_DATA_DIR"):
        data_dir = Path(os.environ["VIGIL_DATA_DIR"])
    if data_dir is None and not review:
        raise InvalidInput("give --data-dir (or VIGIL_DATA_DIR) or --review", field="--data-dir")
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    report = train_model(
        data_dir,
        out,
        tier=tier,
        seed=seed,
        reviews=list(review),
        redistributable_only=redistributable_only,
        transformer=TransformerConfig(seed=seed, epochs=epochs) if epochs else True,
        with_contrast=contrast,
    )
    typer.echo(f"model written to {report.out} ({report.n_train} examples, {report.seconds} s)")
    if report.dev:
        typer.echo(f"{'dataset':<30} {'lang':<4} {'n':>6} {'F1':>6} {'macro-F1':>9}")
        for r in report.dev:
            name, lang, n = r["dataset"], r["lang"], r["n"]
            typer.echo(f"{name:<30} {lang:<4} {n:>6} {r['f1']:>6.3f} {r['macro_f1']:>9.3f}")
