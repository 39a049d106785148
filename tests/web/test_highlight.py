"""Marking the spans of a stored explanation in a post's text (``vigil.web.highlight``)."""

from __future__ import annotations

from typing import Any

import pytest

from vigil.detection import load_detector
from vigil.web.highlight import MAX_MARKS, Segment, highlight


def _span(start: int, end: int, text: str, weight: Any = 0.5, **more: Any) -> dict[str, Any]:
    return {"start": start, "end": end, "text": text, "weight": weight, **more}


def test_spans_are_marked_and_the_text_stays_whole() -> None:
    text = "les femmes sont des ordures, salope"
    parts = highlight(text, [_span(29, 35, "salope", 0.8), _span(4, 27, text[4:27], 0.7)])
    assert "".join(p.text for p in parts) == text
    assert [(p.text, p.why) for p in parts if p.why] == [
        ("femmes sont des ordures", "0.70"),
        ("salope", "0.80"),
    ]
    assert highlight(text, [_span(0, 3, "les", 0.5, source="pattern:fr")])[0].why == (
        "pattern:fr · 0.50"
    )


@pytest.mark.parametrize(
    "explanation",
    [
        None,
        {"terms": ["vile"]},  # an older detector's shape
        "a string",
        [1, "x", None],
        [_span(3, 1, "x")],  # backwards
        [_span(0, 999, "hello")],  # out of range
        [_span(0, 5, "HELLO")],  # the text changed since
        [_span(True, 5, "hello")],  # a bool is no offset
        [_span(0, 5, "hello", weight="heavy")],
        [{"start": 0, "end": 5}],  # no text
    ],
)
def test_malformed_explanations_leave_the_text_as_it_is(explanation: Any) -> None:
    assert highlight("hello world", explanation) == [Segment("hello world")]


def test_overlapping_spans_keep_the_strongest_and_marks_are_capped() -> None:
    parts = highlight("abcdef", [_span(0, 4, "abcd", 0.2), _span(2, 6, "cdef", 0.9)])
    assert [(p.text, bool(p.why)) for p in parts] == [("ab", False), ("cdef", True)]
    text = "x " * 100
    many = [_span(i, i + 1, "x", 0.1 + i / 1000) for i in range(0, 200, 2)]
    parts = highlight(text, many)
    assert sum(bool(p.why) for p in parts) == MAX_MARKS
    assert "".join(p.text for p in parts) == text


def test_a_real_detector_explanation_lines_up_with_the_text() -> None:
    texts = ["Les f3mmes sont des ordurrrres 🙂 et toi une s@lope", "I met two women today."]
    for text, result in zip(texts, load_detector("fast").predict(texts), strict=True):
        parts = highlight(text, result.to_dict()["explanation"])
        assert "".join(p.text for p in parts) == (text if parts else "")
        if result.gbv:
            assert any(p.why for p in parts)
