"""Contrast examples: posts about women that are not abuse (``vigil train --contrast``).

The labelled sets teach that a post naming women is often sexist, so the models learn the
topic: "I love women", "women are not stupid" and "saying women are stupid is sexist" get
flagged (the accurate tier left only a quarter of the negated statements in our own
functional cases unflagged). These templates, written by the Vigil team and not taken from
any dataset or test file (a test checks the case files), pair group nouns with kind, neutral,
negated and counter-speech sentences, all labelled not abusive on every head. No slur or
lexicon term is in them: the models must keep reading slurs as abuse.

They are fitted on, never held out (``Example.synthetic``): calibration and thresholds are
chosen on real posts only. Opt-in, because they trade recall on real posts for fewer
flagged supportive ones (measured in docs/model-card.md).
"""

from __future__ import annotations

from typing import Final

from vigil.detection.taxonomy import LEARNED
from vigil.detection.training.datasets import Example

#: The name contrast examples carry as their dataset (in model cards and training reports).
DATASET: Final = "vigil_contrast"
LICENSE: Final = "Vigil's own templates (AGPL-3.0-or-later, as the code)"

GROUPS: Final = (
    "women",
    "girls",
    "wives",
    "mothers",
    "female engineers",
    "women in politics",
    "female drivers",
    "women footballers",
    "female students",
    "feminists",
)

TEMPLATES: Final = (
    # kind
    "I really love and admire {g}",
    "{g} are brilliant at what they do",
    "{g} deserve respect like everyone else",
    "{g} are just as capable as men",
    "so proud of the {g} in my family",
    "{g} make great leaders",
    "{g} should be paid the same as men",
    "honestly {g} are amazing",
    "we need more {g} in every field",
    "thank you to all the {g} who keep this town running",
    # neutral
    "{g} met at the community centre on Tuesday",
    "the report looks at how {g} use social media",
    "{g} were interviewed for the study last year",
    "a new survey of {g} came out this morning",
    "the club is organising a workshop for {g}",
    # negated
    "{g} are not stupid",
    "{g} are not inferior to men",
    "{g} are not objects",
    "I don't hate {g}, why would anyone",
    "nobody has the right to hurt {g}",
    "{g} never deserve to be hit",
    "{g} can cook if they like, or not, it is their choice",
    # counter-speech
    "saying {g} are stupid is sexist",
    "stop telling {g} what they can and cannot do",
    "people who think {g} can't lead are wrong",
    "I'm tired of hearing that {g} are too emotional",
    "calling {g} useless is pure misogyny",
    "sending threats to {g} online is a crime, report it",
    "it's disgusting how {g} get harassed online",
)


def contrast_examples() -> list[Example]:
    """Every template with every group: English, split ``train``, no head positive."""
    return [
        Example(t.format(g=g), "en", DATASET, "train", dict.fromkeys(LEARNED, 0), synthetic=True)
        for t in TEMPLATES
        for g in GROUPS
    ]
