"""Readers for the labelled sets in ``shared/data`` and for review-queue exports.

Every reader maps its dataset's labels onto Vigil's taxonomy (docs/taxonomy.md has the table).
A label a dataset does not annotate is left out of ``labels`` (unknown), never guessed as 0.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from vigil.detection.taxonomy import (
    CATEGORIES,
    GBV,
    LGBTQIA_HATE,
    SEXIST_ABUSE,
    SEXUAL_HARASSMENT,
    THREAT,
)
from vigil.errors import InvalidInput

csv.field_size_limit(1 << 24)


@dataclass
class Example:
    text: str
    lang: str
    dataset: str
    split: str
    labels: dict[str, int] = field(default_factory=dict)
    #: Written by us, not sampled from posts (``contrast.py``): always fitted on, never used
    #: to calibrate or choose thresholds, which must reflect real posts.
    synthetic: bool = False


@dataclass(frozen=True)
class DatasetInfo:
    name: str
    license: str
    redistributable: bool  # may a model trained on it be shipped (CC0, MIT, CC BY(-SA))?
    positive: str  # what the benchmark scores as the positive class
    reader: Callable[[Path, str], Iterator[Example]]
    splits: tuple[str, ...] = ("train", "dev")


def _rows(path: Path) -> Iterator[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        yield from csv.DictReader(f)


def _edos(folder: Path, split: str) -> Iterator[Example]:
    for r in _rows(folder / f"{split}.csv"):
        sexist = int(r["label_sexist"] == "sexist")
        yield Example(
            r["text"],
            "en",
            "edos",
            split,
            {
                GBV: sexist,
                SEXIST_ABUSE: sexist,
                THREAT: int(r["label_category"].startswith("1.")),
                SEXUAL_HARASSMENT: int(r["label_vector"].startswith("2.3")),
            },
        )


def _reddit(folder: Path, split: str) -> Iterator[Example]:
    for r in _rows(folder / f"{split}.csv"):
        mis = int(r["level_1"] == "Misogynistic")
        threat = int(mis and r["level_3"].startswith("Threatening"))
        yield Example(
            r["body"],
            "en",
            "reddit_misogyny_guest2021",
            split,
            {GBV: mis, SEXIST_ABUSE: mis, THREAT: threat},
        )


def _mlma(folder: Path, split: str) -> Iterator[Example]:
    for lang in ("en", "fr", "ar"):
        for r in _rows(folder / f"{split}_{lang}.csv"):
            hostile = r["sentiment"] != "normal"
            sexist = int(hostile and r["target"] == "gender")
            lgbt = int(hostile and r["target"] == "sexual_orientation")
            yield Example(
                r["tweet"],
                lang,
                f"mlma_{lang}",
                split,
                {GBV: int(sexist or lgbt), SEXIST_ABUSE: sexist, LGBTQIA_HATE: lgbt},
            )


def _beep(folder: Path, split: str) -> Iterator[Example]:
    for r in _rows(folder / f"{split}.csv"):
        g = int(r["contain_gender_bias"] == "True")
        yield Example(
            r["comments"], "ko", "korean_hate_speech_beep", split, {GBV: g, SEXIST_ABUSE: g}
        )


def _kmhas(folder: Path, split: str) -> Iterator[Example]:
    for r in _rows(folder / f"{split}.csv"):
        g = int("5" in r["label"].split(","))
        yield Example(r["document"], "ko", "kmhas", split, {GBV: g, SEXIST_ABUSE: g})


def _unsmile(folder: Path, split: str) -> Iterator[Example]:
    for r in _rows(folder / f"{split}.csv"):
        women, lgbt = int(r["여성/가족"] == "1"), int(r["성소수자"] == "1")
        yield Example(
            r["문장"],
            "ko",
            "korean_unsmile",
            split,
            {GBV: int(women or lgbt), SEXIST_ABUSE: women, LGBTQIA_HATE: lgbt},
        )


def _indonesian(folder: Path, split: str) -> Iterator[Example]:
    for r in _rows(folder / f"{split}.csv"):
        g = int(r["HS_Gender"] == "1")
        yield Example(
            r["Tweet"], "id", "id_multilabel_hate_abusive", split, {GBV: g, SEXIST_ABUSE: g}
        )


def _ethos(folder: Path, split: str) -> Iterator[Example]:
    multi = {r["source_row"]: r for r in _rows(folder / f"multilabel_{split}.csv")}
    for r in _rows(folder / f"binary_{split}.csv"):
        hate = float(r["isHate"]) >= 0.5
        m = multi.get(r["source_row"])
        gender = bool(hate and m and float(m["gender"]) >= 0.5)
        lgbt = bool(hate and m and float(m["sexual_orientation"]) >= 0.5)
        violent = bool(gender and m and float(m["violence"]) >= 0.5)
        yield Example(
            r["comment"],
            "en",
            "ethos",
            split,
            {
                GBV: int(gender or lgbt),
                SEXIST_ABUSE: int(gender),
                LGBTQIA_HATE: int(lgbt),
                THREAT: int(violent),
            },
        )


DATASETS: Final[dict[str, DatasetInfo]] = {
    d.name: d
    for d in (
        DatasetInfo("edos", "CC0-1.0", True, "sexist", _edos),
        DatasetInfo("reddit_misogyny_guest2021", "MIT", True, "Misogynistic", _reddit),
        DatasetInfo("mlma", "MIT", True, "hostile, target=gender", _mlma),
        DatasetInfo("korean_hate_speech_beep", "CC-BY-SA-4.0", True, "contain_gender_bias", _beep),
        DatasetInfo("kmhas", "CC-BY-SA-4.0", True, "class 5 (gender)", _kmhas),
        DatasetInfo("korean_unsmile", "CC-BY-NC-ND-4.0", False, "여성/가족", _unsmile),
        DatasetInfo(
            "id_multilabel_hate_abusive", "CC-BY-NC-SA-4.0", False, "HS_Gender", _indonesian
        ),
        DatasetInfo("ethos", "GPL-3.0", False, "isHate & gender", _ethos),
    )
}


def info_for(dataset: str) -> DatasetInfo | None:
    """The dataset an example's ``dataset`` name comes from (``mlma_fr`` → ``mlma``)."""
    return DATASETS.get(dataset) or DATASETS.get(dataset.rsplit("_", 1)[0])


def load_shared(
    data_dir: Path,
    split: str,
    *,
    redistributable_only: bool = False,
    names: list[str] | None = None,
) -> list[Example]:
    """Every example of ``split`` in the folders of ``data_dir`` that we know how to read."""
    out: list[Example] = []
    for name, info in DATASETS.items():
        if names is not None and name not in names:
            continue
        if redistributable_only and not info.redistributable:
            continue
        folder = data_dir / name
        if folder.is_dir():
            out.extend(info.reader(folder, split))
    return out


def load_review_export(path: Path) -> list[Example]:
    """Reviewer decisions: ``vigil scan`` JSONL lines plus a ``label`` field, which is a bool
    (gbv or not), a category name, a list of category names, or ``"none"``."""
    out: list[Example] = []
    with path.open(encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError:
                raise InvalidInput(f"{path.name} line {number}: not JSON") from None
            if not isinstance(obj, dict) or "text" not in obj or "label" not in obj:
                raise InvalidInput(f"{path.name} line {number}: needs 'text' and 'label'")
            out.append(
                Example(
                    str(obj["text"]),
                    str(obj.get("lang") or "und"),
                    "review",
                    "train",
                    review_labels(obj["label"], f"line {number}"),
                )
            )
    return out


def review_labels(label: object, where: str = "") -> dict[str, int]:
    """Labels from a reviewer's decision. Reviewers' labels are free text in the review queue:
    a name outside the taxonomy still means "abusive" (``gbv``) with no category known."""
    if isinstance(label, bool):
        return {GBV: int(label)}
    if label is None or (isinstance(label, str) and label in NEGATIVE_LABELS):
        return {GBV: 0, **dict.fromkeys(CATEGORIES, 0)}
    if label == GBV:
        return {GBV: 1}
    names = [label] if isinstance(label, str) else label
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise InvalidInput(f"{where}: label must be a bool, a string or a list of strings")
    known = [n for n in names if n in CATEGORIES]
    if not known:
        return {GBV: 1}
    return {GBV: 1, **{c: int(c in known) for c in CATEGORIES}}


NEGATIVE_LABELS: Final = frozenset({"none", "not_gbv", "clean", "dismiss", "dismissed"})
