from __future__ import annotations

import pytest

from vigil.detection.batch_normalize import normalize_batch
from vigil.detection.lexicon import Lexicon, parse_lexicon
from vigil.detection.normalize import normalize, normalize_with_offsets
from vigil.detection.taxonomy import CATEGORIES
from vigil.errors import ConfigurationError


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("b1tch", "bitch"),  # leetspeak
        ("wh0re", "whore"),
        ("@ss", "ass"),
        ("$lut", "slut"),
        ("s l u t", "slut"),  # spacing tricks
        ("s.l.u.t", "slut"),
        ("s-l-u-t", "slut"),
        ("you are a s l u t", "you are a slut"),
        ("sluuuuut", "slut"),  # stretched letters
        ("\u0455lut", "slut"),  # Cyrillic dze
        ("wh\u043ere", "whore"),  # Cyrillic o inside a Latin word
        ("ｓｌｕｔ", "slut"),  # full width
        ("𝐬𝐥𝐮𝐭", "slut"),  # mathematical bold
        ("wh\u200bore", "whore"),  # zero-width space
        ("KUČKA", "kucka"),  # accents and case
        ("Жене", "жене"),  # Cyrillic words stay Cyrillic
        ("김치녀 ㅅㅂ", "김치녀 ㅅㅂ"),  # Hangul and compatibility jamo untouched
        ("call 0812 3456", "call 0812 3456"),  # numbers are not leetspeak
        ("2024 was good", "2024 was good"),
        ("غـبـيـة", "غبيه"),  # Arabic: tatweel dropped, taa marbuta folded
        ("أَكْرَهُ", "اكره"),  # vowel marks dropped, hamza on alef folded
        ("مستشفى", "مستشفي"),  # alef maqsura
    ],
)
def test_normalisation(raw: str, expected: str) -> None:
    assert normalize(raw) == expected
    norm, where = normalize_with_offsets(raw)
    assert norm == expected
    assert len(where) == len(norm)
    assert all(0 <= i < len(raw) for i in where)
    assert where == sorted(where)


TRICKY = [
    "@user lmao you b1tch",  # a leet token is folded once any trick is there
    "10am, 1st and 2nd",  # digits before letters, no trick
    "ㅋㅋㅋㅋ 김치녀 wwww",
    "s l u t and s.l.u.t",
    "wh\u043ere and \u0455lut",
    "…ﬁne ǆ and wh\u200bore",  # characters the table maps to several or none
    "o00x sl00t",
    "",
    "plain text without anything",
    "𝐬𝐥𝐮𝐭 🙂",
]


def test_batch_normalisation_equals_one_by_one() -> None:
    assert normalize_batch(TRICKY) == [normalize(t) for t in TRICKY]
    for i in range(len(TRICKY)):  # each text alone beside ordinary ones, too
        batch = ["hello", TRICKY[i], "world"]
        assert normalize_batch(batch) == [normalize(t) for t in batch]


def test_batch_matching_equals_one_by_one(lexicon: Lexicon) -> None:
    texts = [*TRICKY, "you are a S L U T", "dasar lonte", "김치녀들은", "a\x00slut"]
    langs = ["en"] * (len(texts) - 3) + ["id", "ko", "en"]
    one_by_one = [lexicon.match([t], [g])[0] for t, g in zip(texts, langs, strict=True)]
    assert lexicon.match(texts, langs) == one_by_one


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return Lexicon().load()


@pytest.mark.parametrize(
    ("text", "lang", "span", "category"),
    [
        ("you are a S L U T", "en", "S L U T", "sexist_abuse"),
        ("what a b1tch", "en", "b1tch", "sexist_abuse"),
        ("I know where you live", "en", "I know where you live", "threat"),
        ("send nudes now", "en", "send nudes", "ncii"),
        ("김치녀들은 다 그래", "ko", "김치녀", "sexist_abuse"),
        ("또 꽃뱀 짓이네", "ko", "꽃뱀", "sexist_abuse"),
        ("dasar lonte", "id", "dasar lonte", "sexist_abuse"),
        ("dasar pelakor gak tau malu", "id", "pelakor", "sexist_abuse"),
        ("sale pute", "fr", "sale pute", "sexist_abuse"),
        ("kurvo jedna", "sh", "kurvo", "sexist_abuse"),
        ("ти си курва", "mk", "курва", "sexist_abuse"),
        ("يا شرموطة", "ar", "شرموط", "sexist_abuse"),
        ("შე როსკიპო", "ka", "როსკიპ", "sexist_abuse"),
        ("თუ არ გადაიხდი, შენს ფოტოებს გავავრცელებ", "ka", "ფოტოებს გავავრცელებ", "sextortion"),
        ("გამოგზავნე შიშველი ფოტოები", "ka", "შიშველი ფოტო", "ncii"),
        ("ვიცი სად ცხოვრობ, მოგკლავ", "ka", "მოგკლავ", "threat"),
    ],
)
def test_hits_point_at_the_original_text(
    lexicon: Lexicon, text: str, lang: str, span: str, category: str
) -> None:
    (hits,) = lexicon.match([text], [lang])
    assert any(h.text == span and h.entry.category == category for h in hits), hits
    for h in hits:
        assert text[h.start : h.end] == h.text


def test_no_hit_in_clean_text(lexicon: Lexicon) -> None:
    assert lexicon.match(["the weather is lovely", ""], ["en", "en"]) == [[], []]


def test_indonesian_jalang_needs_a_word_for_a_woman(lexicon: Lexicon) -> None:
    """ "jalang" is also "wild": Chairil Anwar's "Aku ini binatang jalang" is no insult."""
    texts = ["Aku ini binatang jalang dari kumpulannya terbuang", "dasar perempuan jalang"]
    poem, insult = lexicon.match(texts, ["id", "id"])
    assert poem == []
    assert {h.text for h in insult} == {"perempuan jalang"}


def test_korean_substrings_inside_ordinary_words_are_left_out(lexicon: Lexicon) -> None:
    """Korean terms match inside words, so a slur that is also part of an ordinary word
    (한녀 in 한녀석, "one guy") is listed only in forms that cannot be (한녀충, 한녀들)."""
    texts = ["한녀석이 어제 왔어", "한녀충들 또 시작이네"]
    plain, slur = lexicon.match(texts, ["ko", "ko"])
    assert plain == []
    assert [h.text for h in slur] == ["한녀충"]


def test_shipped_lexicons_cover_the_languages(lexicon: Lexicon) -> None:
    assert {"en", "ko", "id", "fr", "ka", "sh", "mk", "dv", "ar"} <= set(lexicon.languages)
    assert {e.category for e in lexicon.entries} <= set(CATEGORIES)


@pytest.mark.parametrize(
    "source",
    [
        "language: xx\nentries:\n  nonsense: {0.5: [a]}\n",
        "language: xx\nentries:\n  threat: {2: [a]}\n",
        "language: xx\nmatch: regex\n",
        "entries: {}\n",
        "- just a list\n",
        "language: xx\nentries:\n  threat: {0.5: ['*']}\n",
        "language: xx\nentries:\n  threat:\n    0.8: [a]\n    0.8: [b]\n",  # a weight twice
    ],
)
def test_bad_lexicon_files_are_refused(source: str) -> None:
    with pytest.raises(ConfigurationError):
        parse_lexicon(source, "bad.yaml")


def test_partner_lexicon_folder(tmp_path: object) -> None:
    from pathlib import Path

    folder = Path(str(tmp_path))
    (folder / "xx.yaml").write_text(
        "language: xx\nmatch: word\nentries:\n  threat:\n    0.9: [zorgle*]\n", encoding="utf-8"
    )
    lex = Lexicon(folder).load()
    (hits,) = lex.match(["you zorglers"], ["xx"])
    assert [(h.text, h.entry.category) for h in hits] == [("zorglers", "threat")]
