"""Target + predicate patterns (``patterns.py``) in the shipped lexicons and in a partner's."""

from __future__ import annotations

from pathlib import Path

import pytest

from vigil.detection import load_detector
from vigil.detection.lexicon import Lexicon, parse_lexicon
from vigil.errors import ConfigurationError


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return Lexicon().load()


def _patterns(lexicon: Lexicon, text: str, lang: str = "und") -> list[tuple[str, str]]:
    (hits,) = lexicon.match([text], [lang])
    return [(h.text, h.entry.category) for h in hits if h.source == "pattern"]


@pytest.mark.parametrize(
    ("text", "span", "category"),
    [
        ("Les femmes sont des ordures.", "femmes sont des ordures", "sexist_abuse"),
        ("Je déteste les femmes", "déteste les femmes", "sexist_abuse"),
        ("Je vais tuer toutes les femmes", "tuer toutes les femmes", "threat"),
        ("Les femmes méritent d'être battues", "femmes méritent d'être", "threat"),
        ("Les femmes ? Je ne les supporte pas.", "ne les supporte pas", "sexist_abuse"),
        ("Women are nothing but property", "Women are nothing but", "sexist_abuse"),
        ("women should be beaten until they obey", "women should be beaten", "threat"),
        ("النساء قذرات", "النساء قذرات", "sexist_abuse"),
        ("dasar cewek murahan", "cewek murahan", "sexist_abuse"),
        # Offsets are in the original text, through leetspeak and stretched letters.
        ("Les f3mmes sont des ordurrrres", "f3mmes sont des ordurrrres", "sexist_abuse"),
        # A pronoun takes up the group: after a comma ("c'"), attached to the verb (هن).
        ("Les femmes, c'est du bétail.", "c'est du bétail", "sexist_abuse"),
        ("النساء؟ ما بطيقهن.", "ما بطيقهن", "sexist_abuse"),
        # Tatweel and vowel marks do not hide a word.
        ("النساء غـبـيـات", "النساء غـبـيـات", "sexist_abuse"),
        ("Women don't deserve respect", "Women don't deserve respect", "sexist_abuse"),
        # Across a comma when the target's clause goes on: "women are all the same, liars".
        ("Žene su sve iste, lažljive i pokvarene.", "Žene su sve iste, lažljive", "sexist_abuse"),
        ("Жените се паразити на општеството.", "Жените се паразити", "sexist_abuse"),
        ("كل ما أشوف النساء أحس بالاشمئزاز", "النساء أحس بالاشمئزاز", "sexist_abuse"),
        # A threat's verb may come in the next clause of the sentence.
        ("Si je croise ces femmes, je vais les frapper", "femmes, je vais les frapper", "threat"),
        # Georgian stems take their case endings (ქალებ-ს: "women", dative).
        ("ფემინისტები სულელები არიან", "ფემინისტები სულელები", "sexist_abuse"),
        ("ქალებს ცემა სჭირდებათ", "ქალებს ცემა სჭირდებათ", "threat"),
    ],
)
def test_hostile_sentences_hit(lexicon: Lexicon, text: str, span: str, category: str) -> None:
    assert (span, category) in _patterns(lexicon, text)


@pytest.mark.parametrize(
    "text",
    [
        "Je ne déteste pas les femmes.",  # negated
        "Les femmes ne sont pas stupides.",
        "No one should ever hurt women.",
        "I don't think women are stupid.",
        "Une femme tuée par son mari à Lyon.",  # violence reported, no intent: not a threat
        "A woman was killed in the city last night.",
        "Dire que les femmes sont stupides est sexiste.",  # counter-speech
        "Il a écrit « les femmes sont nulles ».",  # quoted
        "Stupid traffic, I met two women at the station.",  # a comma ends the clause
        "a lot of stupid Yankees, men, women, kids, dogs, cats",  # a list, not a clause
        "'women are trash' lol what a clown",  # quoted in single quotes
        "Pičku materinu, zaboravio sam ključeve",  # a curse at no one
        "Ugly guys easily trick girls",  # the adjective is not about them
        "Women don't deserve to be harassed.",  # protective: "don't deserve" needs an object
        "Les femmes ne méritent pas d'être harcelées.",
        "كل ما أشوف النساء أفرح",  # ما as "whenever" is not a negation, and no predicate
        "اكرههم",  # a pronoun with no one named before it
        "These women are great. I will kill this bug in my code.",  # a threat ends at "."
        "Je déteste les lundis.",  # no target
        "Les femmes sont brillantes.",  # no predicate
        "J'adore les femmes",
        "ქალები არ არიან სულელები",  # Georgian: "women are not stupid"
        "სექსიზმია თქმა, რომ ქალები სულელები არიან",  # "it is sexism to say women are stupid"
    ],
)
def test_what_defends_or_reports_does_not_hit(lexicon: Lexicon, text: str) -> None:
    assert _patterns(lexicon, text) == []


def test_patterns_apply_whatever_the_detected_language(lexicon: Lexicon) -> None:
    # Short posts are often misidentified; a French pattern still needs French words.
    assert _patterns(lexicon, "les femmes sont des ordures", "en")
    assert _patterns(lexicon, "les femmes sont des ordures", "fr")


def test_batches_give_what_texts_alone_give(lexicon: Lexicon) -> None:
    texts = [
        "Les femmes sont des ordures.",
        "plain text without anything",
        "wh\u043ere and women are trash",
        "",
        "Je vais tuer toutes les femmes\x00 ok",
        "الحريم حيوانات",
    ]
    langs = ["und"] * len(texts)
    alone = [lexicon.match([t], ["und"])[0] for t in texts]
    assert lexicon.match(texts, langs) == alone
    assert any(h.source == "pattern" for h in alone[2])


def test_detector_flags_and_explains_a_pattern() -> None:
    detector = load_detector("fast")
    (result,) = detector.predict(["Les femmes sont des ordures."])
    assert result.gbv
    assert "sexist_abuse" in result.flags
    assert any(s.source == "pattern:fr" for s in result.explanation)
    # Switched off (to measure what they add), the same detector finds no pattern.
    (off,) = detector.without_patterns().predict(["Les femmes sont des ordures."])  # type: ignore[attr-defined]
    assert not any(s.source.startswith("pattern") for s in off.explanation)
    assert off.categories["sexist_abuse"] < result.categories["sexist_abuse"]


def test_partner_patterns(tmp_path: Path) -> None:
    (tmp_path / "xx.yaml").write_text(
        "language: xx\nmatch: word\nentries: {}\n"
        "patterns:\n"
        "  window: 2\n"
        "  targets: [zorgas]\n"
        "  negators: [nix]\n"
        "  near_negators: [ma]\n"
        "  predicates:\n"
        "    sexist_abuse: {0.8: [blorb*]}\n"
        "  cued:\n"
        "    cues: [wil]\n"
        "    after_cues: [normol]\n"
        "    predicates:\n"
        "      threat: {0.9: [krak]}\n",
        encoding="utf-8",
    )
    lex = Lexicon(tmp_path).load()
    hits = lex.match(
        [
            "zorgas blorbish",
            "zorgas nix blorbish",
            "zorgas are very much blorbish",
            "wil krak zorgas",
            "krak zorgas",
            "krak zorgas is normol",
            "zorgas ma blorbish",
            "ma zorgas blorbish",
        ],
        ["xx"] * 8,
    )
    found = [[(h.text, h.entry.category, h.entry.weight) for h in text_hits] for text_hits in hits]
    assert found == [
        [("zorgas blorbish", "sexist_abuse", 0.8)],
        [],  # negated
        [],  # three words apart, window 2
        [("krak zorgas", "threat", 0.9)],
        [],  # a violence word without a cue
        [("krak zorgas", "threat", 0.9)],  # an after-cue
        [],  # a near negator right before the predicate
        [("zorgas blorbish", "sexist_abuse", 0.8)],  # a near negator further away
    ]


@pytest.mark.parametrize(
    "patterns",
    [
        "patterns: [a, b]",
        "patterns:\n  predicates: {sexist_abuse: {0.5: [x]}}",  # no targets
        "patterns:\n  targets: [a]",  # no predicates
        "patterns:\n  targets: [a]\n  predicates: {nonsense: {0.5: [x]}}",
        "patterns:\n  targets: [a]\n  predicates: {threat: {1.5: [x]}}",
        "patterns:\n  targets: [a]\n  window: 99\n  predicates: {threat: {0.5: [x]}}",
        "patterns:\n  targets: [a]\n  predicates: {threat: {0.5: [x]}}\n"
        "  cued: {predicates: {threat: {0.5: [y]}}}",  # cued predicates without cues
        "patterns:\n  targets: [a, 3]\n  predicates: {threat: {0.5: [x]}}",
    ],
)
def test_bad_patterns_are_refused(patterns: str) -> None:
    with pytest.raises(ConfigurationError):
        parse_lexicon(f"language: xx\nentries: {{}}\n{patterns}\n", "bad.yaml")


def test_patterns_read_the_start_of_a_long_post(lexicon: Lexicon) -> None:
    from vigil.detection.lexicon import PATTERN_CHARS

    hostile = "les femmes sont des ordures"
    padding = "lorem ipsum " * (PATTERN_CHARS // 12 + 1)
    assert _patterns(lexicon, hostile + " " + padding)
    assert not _patterns(lexicon, padding + hostile)
    # Listed terms are still found anywhere.
    (hits,) = lexicon.match([padding + "salope"], ["fr"])
    assert [h.text for h in hits] == ["salope"]


def test_curses_and_english_words_are_not_slurs(lexicon: Lexicon) -> None:
    # The sh lexicon once listed "pick*", which every English "pick up" matched.
    texts = ["Pičku materinu, zaboravio sam ključeve", "I'll pick you up at six, picky eater"]
    assert lexicon.match(texts, ["sh", "en"]) == [[], []]
