"""Target + predicate patterns: abuse of women said in ordinary words.

A slur list catches "salope"; it cannot catch "les femmes sont des ordures", where every word is
harmless alone. For languages with little or no labelled data (French and Arabic have a few
hundred examples, most of ours none) a lexicon's ``patterns`` section says it compositionally:
a word for women (a *target*: ``femmes``, ``النساء``) and a hostile *predicate* (``ordures``,
``je déteste``, ``méritent d'être battues``) in one clause (commas end one) flag the predicate's
category: at most ``window`` words apart when the target comes first ("women are all so
stupid"), two when the predicate does ("I hate all women"), except for threats (below).
Guards keep the rule from flagging what defends women or only reports on violence:

* a *negator* (``pas``, ``never``, ``لا``) between the two, or before the predicate in its
  clause, cancels the pair ("je ne déteste pas les femmes", "no one should hurt women"); a
  negated phrase that is itself hostile ("ne méritent aucun respect") is written as a
  predicate, whose own words never cancel it; a *near negator* (Arabic ``ما``, which is also
  "what") cancels only the predicate right after it;
* a *counter-speech* marker anywhere in the text ("arrêtez de dire", "it is wrong to say")
  cancels every pattern of that text: quoting abuse to denounce it is not abuse;
* a pair inside quotation marks is someone else's words, quoted (mostly to denounce them);
* a *cued* predicate (a violence word: ``tuer``, ``kill``) counts only after an intent, wish or
  "should" (``je vais``, ``deserve``), or before an *after-cue* ("beating them is normal"):
  "a woman was killed" is news, not a threat.

A *pronoun* (``elles``, ``them``, French ``c'`` in "Les femmes, c'est du bétail") counts as a
target once the text has named women before it ("Les femmes ? Je les méprise."); so does a
pronoun *suffix* on the predicate's word, where a language attaches them (Arabic ما بطيقهن,
"I can't stand them"). A threat's verb may take its object in another clause of the same
sentence ("si je croise ces femmes, je les frappe"), at most ``window`` words away either side.

Terms are normalised like lexicon terms (``normalize.py``) and matched with the lexicon's term
matcher in the file's match mode; pronouns and negators always as whole words (``لا`` must not
match inside every Arabic word that holds it).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final

from vigil.detection.normalize import is_word
from vigil.detection.taxonomy import THREAT
from vigil.detection.terms import Entry, TermMatcher, weighted_terms
from vigil.errors import ConfigurationError

Candidate = tuple[int, int, Entry]  # (start, end, entry) in a normalised text

#: Words allowed between a target and its predicate when a file does not say.
DEFAULT_WINDOW: Final = 6
#: Words allowed between a predicate and a target that follows it.
PREDICATE_FIRST_WINDOW: Final = 2
#: A cued predicate needs its cue this many words before it at most ("I will kill", "they
#: should all be beaten"), or an after-cue this many after it ("beating them is normal").
CUE_REACH: Final = 4
AFTER_CUE_REACH: Final = 6
_WORD = re.compile(r"\w+")
#: A quotation: what it holds is reported speech, not the writer's own words.
_QUOTED = re.compile(
    r'"[^"\n]*"|“[^”\n]*”|«[^»\n]*»|„[^“”\n]*[“”]'
    # Single quotes only where no letter touches them outside: never l'homme, don't.
    r"|(?<!\w)'[^'\n]+'(?!\w)|(?<!\w)‘[^’\n]+’(?!\w)"
)
#: What ends a clause: most pairs never cross one ("stupid, when you know women").
_CLAUSE_END = re.compile(r"[.!?;:,()\[\]\n؟。،؛…—–]")
#: What ends a sentence: a threat may span its clauses ("if I meet those women, I'll hit them").
_SENTENCE_END = re.compile(r"[.!?\n؟。…]")


@dataclass(frozen=True)
class PatternSpec:
    """One language's ``patterns`` section, its terms normalised."""

    language: str
    window: int
    targets: tuple[str, ...]
    pronouns: tuple[str, ...]
    negators: tuple[str, ...]
    counter: tuple[str, ...]
    predicates: tuple[tuple[str, str, float], ...]  # (term, category, weight)
    cues: tuple[str, ...] = ()
    cued: tuple[tuple[str, str, float], ...] = ()  # predicates that need a cue (or after-cue)
    pronoun_suffixes: tuple[str, ...] = ()  # attached to a predicate's word: أكره|هن
    after_cues: tuple[str, ...] = ()  # cues that follow the violence word ("... is normal")
    near_negators: tuple[str, ...] = ()  # negate only right before the predicate (Arabic ما)


@dataclass(frozen=True)
class PatternHit:
    start: int  # in the normalised text: the target and the predicate, whichever comes first
    end: int
    category: str
    weight: float
    term: str  # "target … predicate", for the explanation's reader


class _Found:
    """Term occurrences in one normalised text, with word indexes and clause numbers."""

    def __init__(self, norm: str) -> None:
        self.word_starts = [m.start() for m in _WORD.finditer(norm)]
        self.breaks = [m.start() for m in _CLAUSE_END.finditer(norm)]
        self.sentence_breaks = [m.start() for m in _SENTENCE_END.finditer(norm)]
        self.quotes = [m.span() for m in _QUOTED.finditer(norm)]

    def quoted(self, start: int, end: int) -> bool:
        return any(a < start and end < b for a, b in self.quotes)

    def word(self, pos: int) -> int:
        """Index of the word at or before character ``pos``."""
        return bisect_right(self.word_starts, pos) - 1

    def clause(self, pos: int) -> int:
        return bisect_right(self.breaks, pos)

    def sentence(self, pos: int) -> int:
        return bisect_right(self.sentence_breaks, pos)

    def continues(self, word: int, pos: int) -> bool:
        """Whether the clause at ``pos`` holds another word after word ``word``."""
        return word + 1 < len(self.word_starts) and self.clause(
            self.word_starts[word + 1]
        ) == self.clause(pos)


@dataclass(frozen=True)
class Negation:
    word: int  # index of the negator's word
    clause: int
    near: bool  # a near negator negates only the word right after it

    def reaches(self, first: int, last: int) -> bool:
        """Whether it negates a predicate on words ``first..last`` (never one of its own)."""
        if first <= self.word <= last:
            return False
        return self.word == first - 1 if self.near else True


class PatternMatcher:
    """The patterns of one language, matched in normalised texts."""

    def __init__(self, spec: PatternSpec, mode: str) -> None:
        self.spec = spec
        lang = spec.language
        self._targets = TermMatcher([Entry(t, "target", 0.0, lang) for t in spec.targets], mode)
        self._predicates = TermMatcher([Entry(t, c, w, lang) for t, c, w in spec.predicates], mode)
        self._cued = TermMatcher([Entry(t, c, w, lang) for t, c, w in spec.cued], mode)
        # The words around a pair, found in one pass per match mode (one in all for word-mode
        # languages); a term on several lists carries all their kinds ("negator|pronoun").
        kinds: dict[tuple[str, str], set[str]] = {}
        for terms, kind, how in (
            (spec.pronouns, "pronoun", "word"),
            (spec.negators, "negator", "word"),
            (spec.counter, "counter", mode),
            (spec.cues, "cue", mode),
            (spec.after_cues, "after_cue", mode),
            (spec.near_negators, "near_negator", "word"),
        ):
            for term in terms:
                kinds.setdefault((how, term), set()).add(kind)
        self._context = [
            TermMatcher(
                [
                    Entry(t, "|".join(sorted(k)), 0.0, lang)
                    for (h, t), k in kinds.items()
                    if h == how
                ],
                how,
            )
            for how in sorted({how for how, _ in kinds})
        ]

    def find(self, norm: str) -> list[PatternHit]:
        """The strongest hit per category in one normalised text (none if it is counter-speech)."""
        return self.find_batch([norm]).get(0, [])

    def find_batch(self, norms: Sequence[str]) -> dict[int, list[PatternHit]]:
        """``find`` for the texts of a batch that have hits, by index: one automaton pass over
        all of them for the targets, one over those with a target for the predicates."""
        clean = [n.replace("\x00", " ") for n in norms]  # a NUL matches as a space would
        with_target = self._targets.scan(clean)
        if not with_target:
            return {}
        rows = sorted(with_target)
        texts = [clean[i] for i in rows]
        predicates, cued = self._predicates.scan(texts), self._cued.scan(texts)
        out: dict[int, list[PatternHit]] = {}
        for j, i in enumerate(rows):
            if j in predicates or j in cued:
                hits = self._find(clean[i], with_target[i], predicates.get(j, []), cued.get(j, []))
                if hits:
                    out[i] = hits
        return out

    def _find(
        self,
        norm: str,
        targets: list[Candidate],
        predicates: list[Candidate],
        cued: list[Candidate],
    ) -> list[PatternHit]:
        kinds = ("pronoun", "negator", "near_negator", "cue", "after_cue")
        context: dict[str, list[Candidate]] = {k: [] for k in kinds}
        for matcher in self._context:
            for start, end, entry in matcher.candidates(norm):
                for kind in entry.category.split("|"):
                    if kind == "counter":
                        return []
                    context[kind].append((start, end, entry))
        where = _Found(norm)
        if cued:
            cues = [(where.word(a), where.clause(a)) for a, _, _ in context["cue"]]
            after = [(where.word(a), where.clause(a)) for a, _, _ in context["after_cue"]]
            predicates = predicates + [c for c in cued if _cued(where, cues, after, c[0], c[1])]
        first_named = min(start for start, _, _ in targets)
        # Pronouns after women were first named stand for them; the rest are just words.
        pronouns = [p for p in context["pronoun"] if p[0] > first_named]
        pronouns += self._suffixed(norm, predicates, first_named)
        negations = [
            Negation(where.word(a), where.clause(a), kind == "near_negator")
            for kind in ("negator", "near_negator")
            for a, _, _ in context[kind]
        ]
        best: dict[str, PatternHit] = {}
        for p_start, p_end, pred in predicates:
            p_word_end = _whole_words(norm, p_start, p_end)[1]
            for t_start, t_end, target in targets + pronouns:
                # A pronoun inside the predicate or its word is its target ("je ne les
                # supporte pas", "ما بطيقهن"); any other overlap is one word read as both.
                inside = target.category != "target" and p_start <= t_start and t_end <= p_word_end
                if inside:
                    if _negated(where, negations, p_start, p_end):
                        continue
                elif (t_start < p_end and p_start < t_end) or not self._pairs(
                    where, negations, (t_start, t_end), (p_start, p_end), pred.category == THREAT
                ):
                    continue
                if where.quotes and where.quoted(min(t_start, p_start), max(t_end, p_end)):
                    continue  # « les femmes sont nulles », c'est ce qu'il a écrit
                held = best.get(pred.category)
                if held is None or pred.weight > held.weight:
                    start, end = _whole_words(norm, min(t_start, p_start), max(t_end, p_end))
                    best[pred.category] = PatternHit(
                        start,
                        end,
                        pred.category,
                        pred.weight,
                        f"{target.term} … {pred.term}",
                    )
                break
        return sorted(best.values(), key=lambda h: h.start)

    def _pairs(
        self,
        where: _Found,
        negations: Sequence[Negation],
        target: tuple[int, int],
        predicate: tuple[int, int],
        threat: bool,
    ) -> bool:
        """Whether a target and a predicate make a pattern: in one clause, or one sentence for
        a threat (whose verb takes its object later) or a target whose clause goes on; close;
        not negated."""
        t_first, t_last = where.word(target[0]), where.word(target[1] - 1)
        p_first, p_last = where.word(predicate[0]), where.word(predicate[1] - 1)
        if where.clause(target[0]) != where.clause(predicate[0]):
            if where.sentence(target[0]) != where.sentence(predicate[0]):
                return False
            # Across a comma only for a threat, or when the target's clause goes on after it:
            # "women are all the same, liars" but not the list "men, women, kids, dogs".
            if not threat and not (t_last < p_first and where.continues(t_last, target[0])):
                return False
        if t_last < p_first:  # "women are (so) stupid"
            lo, hi, window = t_last, p_first, self.spec.window
        elif threat:  # "I will beat any of these women"
            lo, hi, window = p_last, t_first, self.spec.window
        else:  # "I hate (all) women": an adjective or verb before its target stays close
            lo, hi, window = p_last, t_first, min(self.spec.window, PREDICATE_FIRST_WINDOW)
        if hi - lo - 1 > window:
            return False
        if any(lo < n.word < hi and n.reaches(p_first, p_last) for n in negations):
            return False
        return not _negated(where, negations, predicate[0], predicate[1])

    def _suffixed(
        self, norm: str, predicates: list[Candidate], first_named: int
    ) -> list[Candidate]:
        """Pronouns attached to the end of a predicate's word, after women were named."""
        found: list[Candidate] = []
        for p_start, p_end, _ in predicates:
            end = _whole_words(norm, p_start, p_end)[1]
            for suffix in self.spec.pronoun_suffixes:
                after = p_start > first_named and end - len(suffix) >= p_end
                if after and norm.endswith(suffix, 0, end):
                    entry = Entry(suffix, "pronoun", 0.0, self.spec.language)
                    found.append((end - len(suffix), end, entry))
        return found


def _negated(where: _Found, negations: Sequence[Negation], start: int, end: int) -> bool:
    """A negator before the predicate in its clause ("no one should hurt women", "I don't
    think women are stupid"), but not one of the predicate's own words."""
    first, last, clause = where.word(start), where.word(end - 1), where.clause(start)
    return any(n.word < first and n.clause == clause and n.reaches(first, last) for n in negations)


def _whole_words(norm: str, start: int, end: int) -> tuple[int, int]:
    """A span widened to whole words (substring terms start and end inside them: النساء)."""
    while start > 0 and is_word(norm[start - 1]):
        start -= 1
    while end < len(norm) and is_word(norm[end]):
        end += 1
    return start, end


def _cued(
    where: _Found,
    cues: Sequence[tuple[int, int]],
    after: Sequence[tuple[int, int]],
    start: int,
    end: int,
) -> bool:
    """Whether a cue ends shortly before the predicate (or inside it), in its clause."""
    first, last, clause = where.word(start), where.word(end - 1), where.clause(start)
    if any(s == clause and first - CUE_REACH <= w <= last for w, s in cues):
        return True
    return any(s == clause and last < w <= last + AFTER_CUE_REACH for w, s in after)


def parse_patterns(
    raw: Any, language: str, name: str, normalize_term: Callable[[str], str]
) -> PatternSpec | None:
    """Validate a lexicon file's ``patterns`` section (None when it has none)."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise ConfigurationError(f"{name}: 'patterns' must be a mapping")
    window = raw.get("window", DEFAULT_WINDOW)
    if not isinstance(window, int) or not 0 <= window <= 30:
        raise ConfigurationError(f"{name}: patterns.window must be a whole number from 0 to 30")

    def terms(key: str, required: bool = False, raw: dict[str, Any] = raw) -> tuple[str, ...]:
        value = raw.get(key) or []
        if not isinstance(value, list) or not all(isinstance(t, str) and t.strip() for t in value):
            raise ConfigurationError(f"{name}: patterns.{key} must be a list of terms")
        if required and not value:
            raise ConfigurationError(f"{name}: patterns.{key} is empty")
        return tuple(normalize_term(t) for t in value)

    predicates = _predicates(raw.get("predicates"), name, "patterns", normalize_term)
    cued_raw = raw.get("cued") or {}
    if not isinstance(cued_raw, dict):
        raise ConfigurationError(f"{name}: patterns.cued must map cues and predicates")
    cued = (
        _predicates(cued_raw["predicates"], name, "patterns.cued", normalize_term)
        if cued_raw
        else ()
    )
    if cued and not cued_raw.get("cues"):
        raise ConfigurationError(f"{name}: patterns.cued has predicates but no cues")
    return PatternSpec(
        language,
        window,
        terms("targets", required=True),
        terms("pronouns"),
        terms("negators"),
        terms("counter"),
        predicates,
        terms("cues", raw=cued_raw),
        cued,
        terms("pronoun_suffixes"),
        terms("after_cues", raw=cued_raw),
        terms("near_negators"),
    )


def _predicates(
    raw: Any, name: str, where: str, normalize_term: Callable[[str], str]
) -> tuple[tuple[str, str, float], ...]:
    if not raw:
        raise ConfigurationError(f"{name}: {where}.predicates is missing or empty")
    return tuple(weighted_terms(raw, name, f"{where}.predicates", normalize_term))
