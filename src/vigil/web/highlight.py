"""A flagged post's text with the spans that drove the decision marked, for reviewers.

Detectors explain a decision as spans of the text (``vigil scan``'s ``explanation``: start and
end in code points, the text and a weight: a lexicon or pattern weight, or a word's summed
feature contribution). Stored explanations come from any detector version, so nothing about them is
trusted: a span out of range, overlapping an earlier one, or whose text no longer matches the
post is left out, and the post is always shown whole. Jinja escapes every part.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

#: Explanation spans a page draws per post: the strongest (a text that repeats a slur
#: would otherwise be all marks).
MAX_MARKS: Final = 32


@dataclass(frozen=True)
class Segment:
    text: str
    why: str = ""  # empty for plain text; else the span's source and weight ("pattern:fr · 0.70")


def explanation_spans(explanation: Any) -> list[dict[str, Any]]:
    """The well-formed spans of a stored explanation (a list of span objects), else none."""
    if not isinstance(explanation, list):
        return []
    spans = []
    for item in explanation:
        if not isinstance(item, dict):
            continue
        start, end, weight = item.get("start"), item.get("end"), item.get("weight")
        if not (type(start) is int and type(end) is int and type(weight) in (int, float)):
            continue
        if 0 <= start < end and isinstance(item.get("text"), str):
            spans.append(item)
    return spans


def highlight(text: str, explanation: Any) -> list[Segment]:
    """``text`` cut into plain and marked segments, in order; joined, they are ``text``."""
    if not isinstance(text, str):
        return []
    strongest_first = sorted(explanation_spans(explanation), key=lambda s: -abs(s["weight"]))
    spans = strongest_first[:MAX_MARKS]
    taken: list[dict[str, Any]] = []
    for s in spans:
        if s["end"] > len(text) or text[s["start"] : s["end"]] != s["text"]:
            continue  # the text changed since, or the detector counted differently
        if any(s["start"] < t["end"] and t["start"] < s["end"] for t in taken):
            continue
        taken.append(s)
    out: list[Segment] = []
    at = 0
    for s in sorted(taken, key=lambda s: s["start"]):
        if s["start"] > at:
            out.append(Segment(text[at : s["start"]]))
        out.append(Segment(text[s["start"] : s["end"]], _why(s)))
        at = s["end"]
    if at < len(text):
        out.append(Segment(text[at:]))
    return out


def _why(span: dict[str, Any]) -> str:
    """The weight, and the source where the stored span names one (``vigil scan`` output,
    whose format scripts rely on, does not)."""
    weight = f"{float(span['weight']):.2f}"
    source = span.get("source")
    return f"{source[:40]} · {weight}" if isinstance(source, str) and source else weight
