"""The model card written next to every trained model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from vigil.detection.training.datasets import info_for

FAILURE_MODES = """\
- **Identity terms.** Posts that merely mention women, feminism or LGBTQIA+ people can score
  high: n-gram models learn topic words. Reviewers decide; thresholds favour recall.
- **Reclaimed and quoted slurs, counter-speech.** A survivor quoting her abuser, or someone
  condemning a slur, contains the same words: lexicon hits fire on both.
- **Sarcasm, implicit sexism, stereotypes without slurs** are mostly missed (EDOS "prejudiced
  discussions" and "backhanded compliments" have the lowest recall).
- **Languages without training data** (ka, sh, mk, dv; French and Arabic have only a few dozen
  gender-targeted examples) rely on the lexicons and on shared character n-grams: recall there
  is low, and the seed lexicons for sh, mk, ka and ar still need native-speaker review.
- **Korean** gender-bias labels (BEEP, K-MHaS) include stereotypes that are not abuse; the
  Korean threshold was chosen on that data.
- **Doxxing** needs personal information *and* a hostile context; a hostile post with a phone
  number in a signature will be flagged. Addresses are found by patterns for a few formats only.
- **Very long texts** are scored on their first 4,000 characters.
"""


def transformer_lines(t: dict[str, Any] | None) -> list[str]:
    """What the card says about the accurate tier's transformer, if it has one."""
    if not t:
        return []
    weights = ", ".join(f"{k}: {v}" for k, v in t.get("weights", {}).items())
    return [
        f"It also mixes in a transformer (`transformer/`): {t.get('base')} fine-tuned on "
        f"{t.get('n_train')} examples in {', '.join(t.get('languages', []))} "
        f"({t.get('epochs')} epoch(s), {t.get('steps')} steps of {t.get('batch')}, "
        f"{t.get('max_len')} tokens, {t.get('seconds')} s on the CPU), exported to ONNX and "
        "quantised to int8. Its share of the ensemble per language, chosen on held-out "
        f"training data: {weights} (0: the n-gram models alone).",
        "",
    ]


def write_card(path: Path, meta: dict[str, Any], thresholds: dict[str, dict[str, float]]) -> None:
    config = meta.get("config", {})
    folds = int(config.get("folds", 0)) if config.get("refit_all") else 0
    lines = [
        "# Model card: Vigil text classifier",
        "",
        f"Tier: **{meta.get('tier')}** — hashed character and word n-grams (orders in "
        "`model.json`), one "
        "logistic regression per head (`gbv`, `sexist_abuse`, `threat`, `sexual_harassment`, "
        f"`lgbtqia_hate`){' on idf-weighted counts' if config.get('idf') else ''}, "
        "Platt-calibrated, thresholds per language; lexicons and the PII "
        "detector add `sextortion`, `ncii` and `doxxing`. Written by `vigil train` "
        f"(seed {meta.get('seed')}, {meta.get('n_train')} training examples, "
        f"{meta.get('train_seconds', '?')} s).",
        "",
        *(
            [
                "The accurate tier averages these probabilities with a second model of the same "
                "kind over wider n-grams (characters 1–6, words 1–3; `accurate/`).",
                "",
            ]
            if meta.get("tier") == "accurate"
            else []
        ),
        *transformer_lines(meta.get("transformer")),
        "## Training data and licenses",
        "",
        "| dataset | license | may ship a derived model |",
        "| --- | --- | --- |",
    ]
    for name in meta.get("trained_on", []):
        info = info_for(name)
        ok = "yes" if info and info.redistributable else ("no" if info else "(your review data)")
        lines.append(f"| {name} | {meta.get('licenses', {}).get(name, '?')} | {ok} |")
    lines += [
        "",
        (
            f"Calibration and thresholds come from out-of-fold scores of every training row "
            f"({folds} folds), and the model is then fitted on all of them; "
            if folds > 1
            else "Calibration and thresholds come from 15 % of the training data held out "
            "from fitting; "
        )
        + "the scores below are on the datasets' dev splits, which the model never saw.",
        "",
        "## Dev scores (positive class = the dataset's gender label; prediction = the "
        "`sexist_abuse` flag of the full detector, lexicons included)",
        "",
        "| dataset | lang | n | positives | F1 (positive) | macro-F1 |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for r in meta.get("dev", []):
        lines.append(
            f"| {r['dataset']} | {r['lang']} | {r['n']} | {r['positives']} | {r['f1']:.3f} "
            f"| {r['macro_f1']:.3f} |"
        )
    lines += ["", "## Thresholds", "", "| head | thresholds by language |", "| --- | --- |"]
    if meta.get("transformer", {}).get("thresholds"):
        thresholds = meta["transformer"]["thresholds"]  # the ensemble's, which the tier uses
    for head, by_lang in thresholds.items():
        lines.append(f"| {head} | " + ", ".join(f"{k}: {v}" for k, v in by_lang.items()) + " |")
    lines += ["", "## Known failure modes", "", FAILURE_MODES]
    path.write_text("\n".join(lines), encoding="utf-8")
