"""Functional tests about women, HateCheck-style: accuracy per language and per function.

    python benchmarks/functional.py [--model DIR] [--tiers fast,accurate] [--cases FILE]
                                    [--without-patterns]

The cases are Vigil's own, written in the manner of HateCheck and Multilingual HateCheck: the
published suites are not in ``../shared``, so these figures are a proxy for the issue's
HateCheck targets, not a measurement of them. ``functional_cases.yaml`` (the default) was in
view while the lexicon patterns were written; each ``functional_heldout*.yaml`` was written by
another engineer who read no lexicon, pattern or case file. Once a held-out file's failures
have been read to improve the patterns, its figures are development figures too: the model
card says which files were read, and quotes only those that were not. A case is right when the
detector's ``gbv`` verdict equals its label. Prints one table per tier.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import yaml

from vigil.detection import load_detector

CASES = Path(__file__).with_name("functional_cases.yaml")


@dataclass(frozen=True)
class Case:
    lang: str
    function: str
    text: str
    hateful: bool


def load_cases(path: Path = CASES) -> list[Case]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    cases: list[Case] = []
    for lang, spec in data.items():
        for function, body in spec["functions"].items():
            for template in body["templates"]:
                fillers = spec["who"] if "{who}" in template.lower() else [""]
                for who in fillers:
                    capital = who[:1].upper() + who[1:]
                    text = template.replace("{who}", who).replace("{Who}", capital)
                    cases.append(Case(lang, function, text, bool(body["hateful"])))
    return cases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=None, help="default: the shipped model")
    parser.add_argument("--tiers", default="fast,accurate")
    parser.add_argument(
        "--cases",
        type=Path,
        default=CASES,
        help="case file (default: the development cases; functional_heldout.yaml is held out)",
    )
    parser.add_argument(
        "--without-patterns",
        action="store_true",
        help="switch the lexicon patterns off: the 'before' side of the model card's figures",
    )
    args = parser.parse_args()
    cases = load_cases(args.cases)
    langs = sorted({c.lang for c in cases})
    for tier in args.tiers.split(","):
        detector = load_detector(tier, args.model)
        without = getattr(detector, "without_patterns", None)
        if args.without_patterns and without is None:
            raise SystemExit(f"the {tier} detector has no lexicon patterns to switch off")
        if args.without_patterns and without is not None:
            detector = without()
        results = detector.predict([c.text for c in cases])
        name = args.model.name if args.model else "shipped"
        name += ", patterns off" if args.without_patterns else ""
        right = [r.gbv == c.hateful for r, c in zip(results, cases, strict=True)]
        print(f"\n### {tier} tier ({name})\n")
        print("| language | cases | accuracy | hateful cases | non-hateful cases |")
        print("| --- | ---: | ---: | ---: | ---: |")
        for lang in langs:
            mine = [i for i, c in enumerate(cases) if c.lang == lang]
            hate = [i for i in mine if cases[i].hateful]
            fine = [i for i in mine if not cases[i].hateful]
            print(
                f"| {lang} | {len(mine)} | {_share(right, mine)} | {_share(right, hate)} "
                f"| {_share(right, fine)} |"
            )
        print("\n| function | " + " | ".join(langs) + " |")
        print("| --- |" + " ---: |" * len(langs))
        for function in dict.fromkeys(c.function for c in cases):
            cells = []
            for lang in langs:
                mine = [i for i, c in enumerate(cases) if c.lang == lang and c.function == function]
                cells.append(_share(right, mine) if mine else "–")
            label = "hateful" if any(c.hateful for c in cases if c.function == function) else "not"
            print(f"| {function} ({label}) | " + " | ".join(cells) + " |")


def _share(right: list[bool], idx: list[int]) -> str:
    return f"{sum(right[i] for i in idx) / len(idx):.2f}" if idx else "–"


if __name__ == "__main__":
    main()
