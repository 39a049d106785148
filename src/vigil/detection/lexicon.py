"""Per-language lexicons of TFGBV terms, kept as project data (``lexicons/<lang>.yaml``).

Each file names its language, how terms match (``word``: whole words, ``word*`` any ending;
``substring``: anywhere, for languages whose particles attach to words) and lists terms by
category and weight. Texts and terms go through the same normalisation (``normalize.py``), so
``s l u t``, ``$lut`` and ``ѕlut`` with a Cyrillic ``ѕ`` all match ``slut``.

Matching runs an Aho-Corasick automaton (``pyahocorasick``) over the normalised texts of a whole
batch, joined: one pass for all terms and texts. Before that, a cheap prefilter (``skeleton.py``)
sets aside the texts that cannot hold any term however they are normalised: most posts, which
then cost no normalisation at all. Only texts with a hit pay for the offsets back into the
original text, and not even those whose normal form is their table fold (offsets the identity).

A file may also hold ``patterns`` (``patterns.py``): a word for women and a hostile predicate in
one clause. Their hits come out as lexicon hits with ``source="pattern"``; only texts holding a
target's and a predicate's skeleton are looked at.
"""

from __future__ import annotations

import copy
import re
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Final

import yaml

from vigil.detection.batch_normalize import OTHER, PLAIN, TRICKY, fold_batch, normalize_batch
from vigil.detection.features import MAX_CHARS
from vigil.detection.normalize import normalize, normalize_with_offsets
from vigil.detection.patterns import PatternHit, PatternMatcher, PatternSpec, parse_patterns
from vigil.detection.skeleton import Prefilter
from vigil.detection.terms import MATCH_MODES, Entry, TermMatcher, weighted_terms
from vigil.errors import ConfigurationError

_WORD = re.compile(r"\w+")
_PATTERNS: Final = "pattern:"  # prefilter keys: a pattern's targets, and its predicates
_PREDICATES: Final = "predicate:"
#: Patterns read the start of a post, as the models do (a 10,000-character post cost ~1.5 ms
#: to normalise whole); listed terms are still found anywhere in it.
PATTERN_CHARS: Final = MAX_CHARS


#: Hits reported per text (and so lexicon spans in an explanation); see ``_capped``.
MAX_HITS: Final = 32
#: ``word*`` terms need this many letters, or they would match half the dictionary.
_MIN_PREFIX = 4


@dataclass(frozen=True)
class Hit:
    start: int  # offsets in the original text
    end: int
    text: str
    entry: Entry
    source: str = "lexicon"  # or "pattern": a target and a predicate (``patterns.py``)


def _resolve(
    text: str, candidates: Iterable[tuple[int, int, Entry]], where: list[int] | None
) -> list[Hit]:
    """Hits from the candidates in ``text``'s normalised form (``where``: the offset in
    ``text`` of each of its characters; None: the identity)."""
    # Longest first, then leftmost; overlapping shorter candidates are dropped.
    found = sorted(candidates, key=lambda c: (-(c[1] - c[0]), c[0]))
    # Taken spans never overlap, so kept sorted by start a candidate need only be checked
    # against its two neighbours (a text with thousands of hits stays linear-ish).
    starts: list[int] = []
    taken: list[tuple[int, int, Entry]] = []
    for c in found:
        at = bisect_left(starts, c[0])
        if at > 0 and taken[at - 1][1] > c[0]:
            continue
        if at < len(taken) and taken[at][0] < c[1]:
            continue
        starts.insert(at, c[0])
        taken.insert(at, c)
    hits: list[Hit] = []
    for start_n, end_n, entry in taken:
        start, end = (where[start_n], where[end_n - 1] + 1) if where else (start_n, end_n)
        hits.append(Hit(start, end, text[start:end], entry))
    return hits


def _capped(hits: list[Hit]) -> list[Hit]:
    """The first ``MAX_HITS`` hits, and the strongest of each category beyond them: the same
    category weights, without ten thousand spans for a text that repeats one slur."""
    kept = hits[:MAX_HITS]
    best: dict[str, Hit] = {}
    for h in kept:
        if h.entry.weight >= best.get(h.entry.category, h).entry.weight:
            best[h.entry.category] = h
    for h in hits[MAX_HITS:]:
        if h.entry.category not in best or h.entry.weight > best[h.entry.category].entry.weight:
            best[h.entry.category] = h
            kept.append(h)
    return kept


class Lexicon:
    """All lexicons of a folder (default: the ones shipped with Vigil)."""

    def __init__(self, directory: str | Path | None = None) -> None:
        self.directory = directory
        self.entries: list[Entry] = []
        self.languages: dict[str, dict[str, Any]] = {}
        self._word: TermMatcher | None = None
        self._substring: dict[str, TermMatcher] = {}
        self._patterns: dict[str, PatternMatcher] = {}
        self._prefilter: Prefilter[str | None] | None = None

    def load(self) -> Lexicon:
        files: Iterable[Any]
        if self.directory is None:
            files = list(resources.files("vigil.detection.lexicons").iterdir())
        else:
            files = list(Path(self.directory).iterdir())
        word_entries: list[Entry] = []
        sub_entries: dict[str, list[Entry]] = {}
        for f in sorted(files, key=lambda f: f.name):
            if not f.name.endswith((".yaml", ".yml")):
                continue
            meta, entries, patterns = parse_lexicon(f.read_text(encoding="utf-8"), f.name)
            self.languages[meta["language"]] = meta
            self.entries.extend(entries)
            if patterns is not None:
                self._patterns[_PATTERNS + patterns.language] = PatternMatcher(
                    patterns, meta["match"]
                )
            if meta["match"] == "word":
                word_entries.extend(entries)
            else:
                sub_entries.setdefault(meta["language"], []).extend(entries)
        self._word = TermMatcher(word_entries, "word")
        self._substring = {k: TermMatcher(v, "substring") for k, v in sub_entries.items()}
        # The word lexicons under the key None, substring ones under their language.
        terms: dict[str | None, list[str]] = {None: list(self._word.by_term)}
        terms |= {k: list(m.by_term) for k, m in self._substring.items()}
        # A pattern needs one of its targets ("pattern:<language>") and one of its predicates
        # ("predicate:<language>"): a tenth of posts mention women, far fewer abuse them.
        for key, matcher in self._patterns.items():
            spec = matcher.spec
            terms[key] = [t.rstrip("*") for t in spec.targets]
            terms[_PREDICATES + key] = [t.rstrip("*") for t, _, _ in spec.predicates + spec.cued]
        self._prefilter = Prefilter(terms)
        return self

    def without_patterns(self) -> Lexicon:
        """The same lexicons with their patterns switched off: to measure what they add."""
        if self._word is None:
            self.load()
        lexicon = copy.copy(self)
        lexicon._patterns = {}
        return lexicon

    def match(self, texts: Sequence[str], langs: Sequence[str]) -> list[list[Hit]]:
        """Hits per text. Word-mode lexicons apply to every text (posts mix languages);
        substring lexicons to texts of their language."""
        if self._word is None:
            self.load()
        assert self._word is not None
        if len(langs) != len(texts):
            raise ValueError(f"{len(texts)} texts but {len(langs)} languages")
        out: list[list[Hit]] = [[] for _ in texts]
        # Only texts whose skeleton holds a term's skeleton can hit (``skeleton.py``): the
        # rest skip normalisation.
        assert self._prefilter is not None
        wanted = self._prefilter.candidates(texts)
        mine: dict[str | None, list[int]] = {None: wanted[None]}
        mine |= {lang: [i for i in wanted[lang] if langs[i] == lang] for lang in self._substring}
        # Patterns apply whatever the detected language: short posts are often misread, and a
        # pattern needs a target and a predicate of its language anyway.
        by_pattern = {
            key: sorted(set(wanted[key]).intersection(wanted[_PREDICATES + key]))
            for key in self._patterns
        }
        need = sorted(set().union(*mine.values(), *by_pattern.values()))
        if not need:
            return out
        row = {i: k for k, i in enumerate(need)}
        folds, kinds = fold_batch([texts[i] for i in need])
        for key, indexes in mine.items():
            matcher = self._word if key is None else self._substring[key]
            plain = [i for i in indexes if kinds[row[i]] == PLAIN]
            # A plain text: its fold is its normal form, offsets the identity, candidates
            # found for all of them in one pass.
            for j, candidates in sorted(matcher.scan([folds[row[i]] for i in plain]).items()):
                out[plain[j]].extend(_resolve(texts[plain[j]], candidates, None))
            for i in indexes:
                if kinds[row[i]] == TRICKY:  # normalised with offsets, as ``normalize`` does
                    out[i].extend(_find(matcher, texts[i], tricky=True))
                elif kinds[row[i]] == OTHER and matcher.scan([_nul_as_space(normalize(texts[i]))]):
                    out[i].extend(_find(matcher, texts[i]))
        if by_pattern:
            self._match_patterns(texts, by_pattern, folds, kinds, row, out)
        for i in need:
            if len(out[i]) > MAX_HITS:
                out[i] = _capped(out[i])
        return out

    def _match_patterns(
        self,
        texts: Sequence[str],
        by_pattern: dict[str, list[int]],
        folds: list[str],
        kinds: list[int],
        row: dict[int, int],
        out: list[list[Hit]],
    ) -> None:
        """Pattern hits of the texts that hold a target's and a predicate's skeleton, in their
        first ``PATTERN_CHARS`` characters. Their normal forms come from the batch (a plain
        text's is its fold); offsets only for the few texts with a hit."""
        todo = sorted(set().union(*by_pattern.values()))
        tricky = [i for i in todo if kinds[row[i]] != PLAIN]
        norms = {i: folds[row[i]][:PATTERN_CHARS] for i in todo if kinds[row[i]] == PLAIN}
        heads = normalize_batch([texts[i][:PATTERN_CHARS] for i in tricky])
        norms |= zip(tricky, heads, strict=True)
        for key, indexes in by_pattern.items():
            patterns = self._patterns[key]
            found = patterns.find_batch([norms[i] for i in indexes])
            for k, hits in sorted(found.items()):
                i = indexes[k]
                where = None
                if kinds[row[i]] != PLAIN:
                    _, where = normalize_with_offsets(texts[i][:PATTERN_CHARS])
                out[i].extend(_pattern_hits(texts[i], patterns, hits, where))


def _find(matcher: TermMatcher, text: str, tricky: bool = False) -> list[Hit]:
    norm, where = normalize_with_offsets(text, tricky)
    return _resolve(text, matcher.candidates(norm), where)


def _pattern_hits(
    text: str, patterns: PatternMatcher, found: list[PatternHit], where: list[int] | None
) -> list[Hit]:
    """Pattern hits as lexicon hits, with offsets in the original text."""
    hits: list[Hit] = []
    for h in found:
        start, end = (where[h.start], where[h.end - 1] + 1) if where else (h.start, h.end)
        entry = Entry(h.term, h.category, h.weight, patterns.spec.language)
        hits.append(Hit(start, end, text[start:end], entry, "pattern"))
    return hits


def _nul_as_space(norm: str) -> str:
    """A NUL in a normalised text matches as a space would (it would split a joined batch)."""
    return norm.replace("\x00", " ")


#: libyaml's safe loader where PyYAML was built with it (5x faster: the lexicons are read at
#: every start of `vigil scan`), the pure-Python one otherwise. Never a full loader.
_BASE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _SafeLoader(_BASE_LOADER):  # type: ignore[misc]
    """The safe loader, refusing a key given twice in one mapping: YAML would keep the last,
    and a second ``0.8:`` line in a category would silently drop the first one's terms."""

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if isinstance(key, str | int | float) and key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"{key!r} is given twice", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep)


_SAFE_LOADER: Any = _SafeLoader


def parse_lexicon(
    source: str, name: str = "lexicon"
) -> tuple[dict[str, Any], list[Entry], PatternSpec | None]:
    """Validate one lexicon file; errors name the file and what is wrong."""
    try:
        data = yaml.load(source, Loader=_SAFE_LOADER)  # noqa: S506  # nosec B506: a safe loader
    except yaml.YAMLError as exc:
        raise ConfigurationError(f"{name}: not valid YAML ({exc})") from None
    if not isinstance(data, dict):
        raise ConfigurationError(f"{name}: expected a mapping at the top")
    lang = data.get("language")
    mode = data.get("match", "word")
    if not isinstance(lang, str) or not lang:
        raise ConfigurationError(f"{name}: 'language' is missing")
    if mode not in MATCH_MODES:
        raise ConfigurationError(f"{name}: 'match' must be one of {', '.join(MATCH_MODES)}")
    entries = [
        Entry(term, category, weight, lang)
        for term, category, weight in weighted_terms(
            data.get("entries") or {}, name, "entries", lambda t: _normal_term(t, name)
        )
    ]
    patterns = parse_patterns(data.get("patterns"), lang, name, lambda t: _normal_term(t, name))
    meta = {
        "language": lang,
        "match": mode,
        "status": str(data.get("status", "")),
        "entries": len(entries),
        "patterns": len(patterns.predicates) if patterns else 0,
    }
    return meta, entries, patterns


def _normal_term(term: str, name: str) -> str:
    """A term as matched: normalised like texts, a trailing ``*`` kept (any ending)."""
    star = term.endswith("*")
    norm = normalize(term.rstrip("*").strip())
    words = _WORD.findall(norm) or [norm]
    if star and max(words, key=len) == words[-1] and len(words[-1]) < _MIN_PREFIX:
        raise ConfigurationError(
            f"{name}: {term!r}: a word* term needs at least {_MIN_PREFIX} letters"
        )
    return norm + ("*" if star else "")
