"""The prefilters of the lexicon and the PII finder (``skeleton.py``, ``pii._hints``, the C loop
in ``_prefilter_kernel``) change no result: the same hits and spans as the plain per-text path,
with and without the compiled kernel."""

from __future__ import annotations

import random

import pytest

from vigil.detection import automaton, pii
from vigil.detection import normalize as normalize_mod
from vigil.detection.batch_normalize import normalize_batch
from vigil.detection.lexicon import (
    MAX_HITS,
    PATTERN_CHARS,
    Hit,
    Lexicon,
    _capped,
    _find,
    _pattern_hits,
)
from vigil.detection.normalize import (
    HOMOGLYPHS,
    LEET,
    SEPARATORS,
    normalize,
    normalize_with_offsets,
)
from vigil.detection.skeleton import Prefilter, skeleton, text_skeletons

LANGS = ["en", "ko", "id", "fr", "ka", "sh", "mk", "dv", "ar", "und"]
ODD = ["\u200b", "\u200d", "\u00ad", "\ufeff", "…", "ǆ", "ﬁ", "™", "‼", "\x00", "\U0001f600"]
OTHER = ["ㅋㅋㅋ", "김치녀들은", "İ", "ß", "𝐬𝐥𝐮𝐭", "ｓｌｕｔ", "@user", "10am", "a", "i", "\n", "é"]


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return Lexicon().load()


def _tricked(rng: random.Random, term: str) -> str:
    leet = {v: k for k, v in LEET.items()}
    glyph = {v: k for k, v in HOMOGLYPHS.items()}
    kind = rng.randrange(7)
    if kind == 0:
        return rng.choice(SEPARATORS).join(term)
    if kind == 1:
        return "".join(c * rng.choice([1, 2, 3]) for c in term)
    if kind == 2:
        return "".join(leet.get(c, c) if rng.random() < 0.5 else c for c in term)
    if kind == 3:
        return "".join(glyph.get(c, c) if rng.random() < 0.5 else c for c in term)
    if kind == 4:
        return "".join(c + rng.choice(ODD[:4]) for c in term)
    return term.upper() if kind == 5 else term


def _texts(lexicon: Lexicon, n: int = 600, seed: int = 5) -> list[str]:
    rng = random.Random(seed)
    terms = sorted({e.term.rstrip("*") for e in lexicon.entries})
    for patterns in lexicon._patterns.values():  # their words, to pair at random
        spec = patterns.spec
        words = [*spec.targets, *spec.pronouns, *spec.negators, *spec.cues]
        words += [t for t, _, _ in spec.predicates + spec.cued]
        terms += sorted({w.rstrip("*") for w in words})
    chars = list("abcdefghijklmnopqrstuvwxyz0134578@$|!") + list(SEPARATORS) + list(HOMOGLYPHS)
    out = [
        "s_l_u_t_s ㅋㅋㅋ",
        "p_e_t_a_s_s_e.개개개년",
        "kill\x00yourself",
        "",
        "\x00",
        "slut " * 60,
    ]
    for _ in range(n):
        parts = []
        for _ in range(rng.randrange(1, 7)):
            if rng.random() < 0.4:
                parts.append(_tricked(rng, rng.choice(terms)))
            elif rng.random() < 0.5:
                parts.append(rng.choice(ODD + OTHER))
            else:
                parts.append("".join(rng.choice(chars) for _ in range(rng.randrange(1, 9))))
        out.append(rng.choice([" ", "", ".", "_"]).join(parts))
    # A target and a predicate of one language, tricked, near each other: pattern hits.
    for _ in range(n // 4):
        patterns = lexicon._patterns[rng.choice(sorted(lexicon._patterns))].spec
        glue = rng.choice([" ", ", ", " not ", " pas "])
        target = rng.choice(patterns.targets + patterns.pronouns).rstrip("*")
        predicate = rng.choice(patterns.predicates + patterns.cued)[0].rstrip("*")
        pair = [_tricked(rng, target), _tricked(rng, predicate)]
        out.append(glue.join(pair if rng.random() < 0.6 else pair[::-1]))
    return out


def _plain_path(lexicon: Lexicon, text: str, lang: str) -> list[Hit]:
    """The hits of one text without any prefilter: a matcher finds (with offsets) where the
    text's normal form holds one of its terms, and every language's patterns look at it."""
    norm = normalize(text).replace("\x00", " ")
    hits: list[Hit] = []
    assert lexicon._word is not None
    matchers = [lexicon._word, lexicon._substring.get(lang)]
    for matcher in matchers:
        if matcher is not None and matcher.scan([norm]):
            hits.extend(_find(matcher, text))
    with_offsets, where = normalize_with_offsets(text[:PATTERN_CHARS])
    for patterns in lexicon._patterns.values():
        hits.extend(_pattern_hits(text, patterns, patterns.find(with_offsets), where))
    return _capped(hits) if len(hits) > MAX_HITS else hits


@pytest.mark.parametrize("compiled", [True, False])
def test_match_equals_the_plain_path(
    lexicon: Lexicon, compiled: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not compiled:
        monkeypatch.setattr(automaton, "_prefilter_kernel", None)
        lexicon = Lexicon().load()
    elif not automaton.compiled():
        pytest.skip("the prefilter kernel is not built")
    texts = _texts(lexicon)
    rng = random.Random(3)
    langs = [rng.choice(LANGS) for _ in texts]
    expected = [_plain_path(lexicon, t, g) for t, g in zip(texts, langs, strict=True)]
    for size in (1, 7, 256):
        got = []
        for at in range(0, len(texts), size):
            got += lexicon.match(texts[at : at + size], langs[at : at + size])
        assert got == expected


def test_prefilter_never_drops_a_hit(lexicon: Lexicon) -> None:
    texts = _texts(lexicon, seed=11)
    assert lexicon._prefilter is not None
    wanted = lexicon._prefilter.candidates(texts)
    for i, text in enumerate(texts):
        for lang in LANGS:
            if _plain_path(lexicon, text, lang):
                keys = [None, lang, *lexicon._patterns]
                assert any(i in wanted.get(key, []) for key in keys)
    # Each normal form's skeleton is that of the text's fold (once or twice): why it holds.
    for text in texts:
        assert skeleton(normalize(text)) in text_skeletons(text)


def test_compiled_prefilter_finds_the_same_texts(lexicon: Lexicon) -> None:
    if not automaton.compiled():
        pytest.skip("the prefilter kernel is not built")
    terms = {"a": ["slut", "kill yourself", "김치녀"], "b": ["...", "ǆ"], "c": ["x"]}
    texts = _texts(lexicon, seed=13)
    assert Prefilter(terms).candidates(texts) == Prefilter(terms, compiled=False).candidates(texts)


def test_batches_normalise_as_texts_alone(lexicon: Lexicon) -> None:
    # "_" is a word character and a separator: spaced-out letters joined by it once escaped
    # the batch's spacing step, so a hit depended on the other texts of the batch.
    texts = ["p_e_t_a_s_s_e.개개개년", "s_l_u_t_s ㅋㅋㅋ", "hello", "sluuut a_b_c_d"]
    assert normalize_batch(texts) == [normalize(t) for t in texts]
    alone = [lexicon.match([t], ["fr"])[0] for t in texts]
    assert lexicon.match(texts, ["fr"] * len(texts)) == alone
    assert [h.text for h in alone[0]] == ["p_e_t_a_s_s_e"]


ADDRESSES = [
    "221 Baker Street", "10 Downing St.", "12 rue de la Paix", "Jl. Sudirman no. 5",
    "jalan Merdeka No 17", "ulica Kralja Tomislava 12", "ul. Maršala Tita br. 5",
    "서울시 강남구 테헤란로 152", "1600 Pennsylvania Avenue", "3, Allée des Roses",
    "12 İSTANBUL STREET", "5 ſtreet", "I have 3 cats", "\u0345ul. x 5", "37.5665, 126.9780",
    "+1 202-555-0173", "jane.doe@example.com", "@user", "4111 1111 1111 1111", "٣ Main Road",
]  # fmt: skip


def _pii_texts(n: int = 400, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    chars = list("abcdefghijklmnopqrstuvwxyz0123456789 \t\u00a0.,-()/@") + list("시도구로가")
    out = []
    for _ in range(n):
        parts = []
        for _ in range(rng.randrange(0, 6)):
            if rng.random() < 0.5:
                part = rng.choice(ADDRESSES)
                parts.append(part.upper() if rng.random() < 0.3 else part)
            else:
                parts.append("".join(rng.choice(chars) for _ in range(rng.randrange(1, 12))))
        out.append(rng.choice([" ", "", "\n"]).join(parts))
    return out + ADDRESSES


@pytest.mark.parametrize("compiled", [True, False])
def test_pii_equals_the_plain_path(compiled: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    if not compiled:
        monkeypatch.setattr(automaton, "_prefilter_kernel", None)
    elif not automaton.compiled():
        pytest.skip("the prefilter kernel is not built")
    finder = pii.PiiFinder()
    texts = _pii_texts()
    langs = [LANGS[i % len(LANGS)] for i in range(len(texts))]
    found = finder.find(texts, langs)
    assert found == [finder.find_one(t, g) for t, g in zip(texts, langs, strict=True)]
    for text, matches in zip(texts, found, strict=True):
        # Addresses and coordinates as their patterns alone find them, without any hint.
        expected = [m.span() for m in pii._ADDRESS.finditer(text)]
        expected = expected if pii._HAS_DIGIT.search(text) else []
        assert [(p.start, p.end) for p in matches if p.type == pii.ADDRESS] == expected
        coords = [m for m in pii._COORD.finditer(text) if abs(float(m.group(1))) <= 90]
        coords = [m for m in coords if abs(float(m.group(2))) <= 180]
        assert [(p.start, p.end) for p in matches if p.type == pii.COORDINATES] == [
            m.span() for m in coords
        ]
        everywhere = pii._STREET | pii._STREET_NAME | pii._KOREAN
        assert [m.span() for m in pii._addresses(text, everywhere)] == [
            m.span() for m in pii._ADDRESS.finditer(text)
        ]


def test_compiled_hints_are_those_of_the_patterns() -> None:
    if not automaton.compiled():
        pytest.skip("the prefilter kernel is not built")
    rng = random.Random(17)
    alphabet = list("0123456789٣１") + list(" \t\u00a0-.()/,x@") + ["시", "도"]
    texts = [
        "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 30))) for _ in range(3000)
    ]
    hints = pii._hints(texts)
    for text, bits in zip(texts, hints.tolist(), strict=True):
        assert bool(bits & pii._DIGIT) == bool(pii._HAS_DIGIT.search(text))
        assert bool(bits & pii._AT) == ("@" in text)
        assert bool(bits & pii._COORD_MARK) == bool(pii._COORD_HINT.search(text))
        assert bool(bits & pii._RUN) == bool(pii._DIGIT_RUN.search(text))
        assert bits & pii._KOREAN or not ("시" in text or "도" in text)


def test_leet_tokens_fold_as_the_pattern_does() -> None:
    rng = random.Random(19)
    alphabet = [*"abcxyz019@$€£|! _.-\t", "é", "ж", "ㅋ", "\x00", "A", "٣", "😀", "·"]
    for _ in range(5000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 20)))
        assert normalize_mod._fold_leet(text) == normalize_mod._LEET_TOKEN.sub(
            normalize_mod._fold_token, text
        )
