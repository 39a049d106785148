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
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from importlib import resources
from itertools import accumulate
from pathlib import Path
from typing import Any, Final

import ahocorasick  # type: ignore[import-not-found]
import yaml

from vigil.detection.batch_normalize import OTHER, PLAIN, TRICKY, fold_batch
from vigil.detection.normalize import is_word, normalize, normalize_with_offsets
from vigil.detection.skeleton import Prefilter
from vigil.detection.taxonomy import CATEGORIES
from vigil.errors import ConfigurationError

MATCH_MODES: Final = ("word", "substring")
_WORD = re.compile(r"\w+")


#: Hits reported per text (and so lexicon spans in an explanation); see ``_capped``.
MAX_HITS: Final = 32
#: ``word*`` terms need this many letters, or they would match half the dictionary.
_MIN_PREFIX = 4


@dataclass(frozen=True)
class Entry:
    term: str  # normalised; a trailing "*" means any ending
    category: str
    weight: float
    language: str


@dataclass(frozen=True)
class Hit:
    start: int  # offsets in the original text
    end: int
    text: str
    entry: Entry


class _Matcher:
    """All terms of one match mode in an Aho-Corasick automaton: one pass over the text finds
    every candidate, whatever the number of terms; word boundaries are checked per candidate."""

    def __init__(self, entries: Sequence[Entry], mode: str) -> None:
        self.mode = mode
        self.by_term: dict[str, Entry] = {}
        for e in sorted(entries, key=lambda e: -len(e.term)):
            self.by_term.setdefault(e.term.rstrip("*"), e)
        self._automaton: Any = None
        if self.by_term:
            automaton = ahocorasick.Automaton()
            for body, entry in self.by_term.items():
                automaton.add_word(body, (len(body), entry))
            automaton.make_automaton()
            self._automaton = automaton

    def _candidates(self, norm: str) -> Iterator[tuple[int, int, Entry]]:
        """(start, end, entry) of every occurrence that respects word boundaries."""
        if self._automaton is None:
            return
        for last, (size, entry) in self._automaton.iter(norm):
            start, end = last - size + 1, last + 1
            if self.mode == "word":
                if start > 0 and is_word(norm[start - 1]):
                    continue
                if entry.term.endswith("*"):
                    while end < len(norm) and is_word(norm[end]):
                        end += 1
                elif end < len(norm) and is_word(norm[end]):
                    continue
            yield start, end, entry

    def scan(self, norms: Sequence[str]) -> dict[int, list[tuple[int, int, Entry]]]:
        """The candidates of each text (already normalised, none holding a NUL) that has any,
        in the order ``_candidates`` gives them for the text alone: one automaton pass over
        the batch joined by NULs, which are never word characters (nor in a term)."""
        if self._automaton is None or not norms:
            return {}
        joined = "\x00".join(norms)
        ends = list(accumulate(len(n) + 1 for n in norms))
        out: dict[int, list[tuple[int, int, Entry]]] = {}
        for start, end, entry in self._candidates(joined):
            i = bisect_right(ends, start)
            offset = ends[i - 1] if i else 0
            out.setdefault(i, []).append((start - offset, end - offset, entry))
        return out

    def matching(self, norms: Sequence[str]) -> list[int]:
        """Indexes of the texts (already normalised, none holding a NUL) with a candidate."""
        return sorted(self.scan(norms))

    def find(self, text: str, tricky: bool = False) -> list[Hit]:
        norm, where = normalize_with_offsets(text, tricky)
        return _resolve(text, self._candidates(norm), where)


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
        self._word: _Matcher | None = None
        self._substring: dict[str, _Matcher] = {}
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
            meta, entries = parse_lexicon(f.read_text(encoding="utf-8"), f.name)
            self.languages[meta["language"]] = meta
            self.entries.extend(entries)
            if meta["match"] == "word":
                word_entries.extend(entries)
            else:
                sub_entries.setdefault(meta["language"], []).extend(entries)
        self._word = _Matcher(word_entries, "word")
        self._substring = {k: _Matcher(v, "substring") for k, v in sub_entries.items()}
        # The word lexicons under the key None, substring ones under their language.
        terms: dict[str | None, list[str]] = {None: list(self._word.by_term)}
        terms |= {k: list(m.by_term) for k, m in self._substring.items()}
        self._prefilter = Prefilter(terms)
        return self

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
        need = sorted(set().union(*mine.values()))
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
                    out[i].extend(matcher.find(texts[i], tricky=True))
                elif kinds[row[i]] == OTHER and matcher.scan([_nul_as_space(normalize(texts[i]))]):
                    out[i].extend(matcher.find(texts[i]))
        for i in need:
            if len(out[i]) > MAX_HITS:
                out[i] = _capped(out[i])
        return out


def _nul_as_space(norm: str) -> str:
    """A NUL in a normalised text matches as a space would (it would split a joined batch)."""
    return norm.replace("\x00", " ")


#: libyaml's safe loader where PyYAML was built with it (5x faster: the lexicons are read at
#: every start of `vigil scan`), the pure-Python one otherwise. Never a full loader.
_SAFE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_lexicon(source: str, name: str = "lexicon") -> tuple[dict[str, Any], list[Entry]]:
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
    raw = data.get("entries") or {}
    if not isinstance(raw, dict):
        raise ConfigurationError(f"{name}: 'entries' must map categories to weights to terms")
    entries: list[Entry] = []
    for category, by_weight in raw.items():
        if category not in CATEGORIES:
            raise ConfigurationError(f"{name}: unknown category {category!r}")
        if not isinstance(by_weight, dict):
            raise ConfigurationError(f"{name}: {category} must map weights to lists of terms")
        for weight, terms in by_weight.items():
            if not isinstance(weight, float | int) or not 0 < float(weight) <= 1:
                raise ConfigurationError(f"{name}: weight {weight!r} must be in (0, 1]")
            for term in terms or []:
                if not isinstance(term, str) or not term.strip("* "):
                    raise ConfigurationError(f"{name}: empty term under {category}")
                star = term.endswith("*")
                norm = normalize(term.rstrip("*").strip())
                words = _WORD.findall(norm) or [norm]
                if star and max(words, key=len) == words[-1] and len(words[-1]) < _MIN_PREFIX:
                    raise ConfigurationError(
                        f"{name}: {term!r}: a word* term needs at least {_MIN_PREFIX} letters"
                    )
                entries.append(Entry(norm + ("*" if star else ""), category, float(weight), lang))
    meta = {
        "language": lang,
        "match": mode,
        "status": str(data.get("status", "")),
        "entries": len(entries),
    }
    return meta, entries
