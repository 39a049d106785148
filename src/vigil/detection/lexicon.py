"""Per-language lexicons of TFGBV terms, kept as project data (``lexicons/<lang>.yaml``).

Each file names its language, how terms match (``word``: whole words, ``word*`` any ending;
``substring``: anywhere, for languages whose particles attach to words) and lists terms by
category and weight. Texts and terms go through the same normalisation (``normalize.py``), so
``s l u t``, ``$lut`` and ``ѕlut`` with a Cyrillic ``ѕ`` all match ``slut``.

Matching is gated for speed: word-mode terms are looked up by their first three letters in a set
built from the text's words, and only texts that pass run the full pattern with offsets.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Final

import yaml

from vigil.detection.normalize import normalize, normalize_with_offsets
from vigil.detection.taxonomy import CATEGORIES
from vigil.errors import ConfigurationError

MATCH_MODES: Final = ("word", "substring")
_WORD = re.compile(r"\w+")


def _gate_key(body: str, prefix: bool) -> str:
    """What a text must contain for a term to possibly match: the term's longest word, or for
    ``word*`` terms its first three or four letters. Rare words make the gate selective."""
    words = _WORD.findall(body) or [body]
    longest = max(words, key=len)
    if prefix and longest == words[-1]:
        return longest[:4] if len(longest) >= 4 else longest[:3]
    return longest


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
    """One compiled pattern over many entries."""

    def __init__(self, entries: Sequence[Entry], mode: str) -> None:
        self.mode = mode
        self.by_term: dict[str, Entry] = {}
        alts: list[str] = []
        keys: set[str] = set()
        for e in sorted(entries, key=lambda e: -len(e.term)):
            body = e.term.rstrip("*")
            if body in self.by_term:
                continue
            self.by_term[body] = e
            alts.append(re.escape(body) + (r"\w*" if e.term.endswith("*") else ""))
            keys.add(_gate_key(body, e.term.endswith("*")))
        self.keys = frozenset(keys)
        joined = "|".join(alts) or r"(?!x)x"
        if mode == "word":
            self.pattern = re.compile(rf"(?<!\w)(?:{joined})(?!\w)")
        else:
            self.pattern = re.compile(rf"(?:{joined})")
        # To find which entry matched: the longest term that the matched text starts with.
        self._bodies = sorted(self.by_term, key=len, reverse=True)

    def may_match(self, norm: str) -> bool:
        if self.mode == "substring":
            return self.pattern.search(norm) is not None
        words = _WORD.findall(norm)
        keys = self.keys
        if not keys.isdisjoint(words):
            return True
        return not keys.isdisjoint([w[:4] for w in words]) or not keys.isdisjoint(
            [w[:3] for w in words]
        )

    def find(self, text: str) -> list[Hit]:
        norm, where = normalize_with_offsets(text)
        hits: list[Hit] = []
        for m in self.pattern.finditer(norm):
            found = m.group(0)
            entry = next((self.by_term[b] for b in self._bodies if found.startswith(b)), None)
            if entry is None or m.end() == m.start():
                continue
            start, end = where[m.start()], where[m.end() - 1] + 1
            hits.append(Hit(start, end, text[start:end], entry))
        return hits


class Lexicon:
    """All lexicons of a folder (default: the ones shipped with Vigil)."""

    def __init__(self, directory: str | Path | None = None) -> None:
        self.directory = directory
        self.entries: list[Entry] = []
        self.languages: dict[str, dict[str, Any]] = {}
        self._word: _Matcher | None = None
        self._substring: dict[str, _Matcher] = {}

    def load(self) -> Lexicon:
        files: Iterable[Any]
        if self.directory is None:
            files = [f for f in resources.files("vigil.detection.lexicons").iterdir()]
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
        return self

    def match(self, texts: Sequence[str], langs: Sequence[str]) -> list[list[Hit]]:
        """Hits per text. Word-mode lexicons apply to every text (posts mix languages);
        substring lexicons to texts of their language."""
        if self._word is None:
            self.load()
        assert self._word is not None
        out: list[list[Hit]] = []
        for text, lang in zip(texts, langs, strict=True):
            hits: list[Hit] = []
            if text:
                norm = normalize(text)
                if self._word.may_match(norm):
                    hits.extend(self._word.find(text))
                sub = self._substring.get(lang)
                if sub is not None and sub.may_match(norm):
                    hits.extend(sub.find(text))
            out.append(hits)
        return out


def parse_lexicon(source: str, name: str = "lexicon") -> tuple[dict[str, Any], list[Entry]]:
    """Validate one lexicon file; errors name the file and what is wrong."""
    try:
        data = yaml.safe_load(source)
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
                entries.append(Entry(norm + ("*" if star else ""), category, float(weight), lang))
    meta = {"language": lang, "match": mode, "status": str(data.get("status", "")),
            "entries": len(entries)}  # fmt: skip
    return meta, entries
