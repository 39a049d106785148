"""Per-code-point tables kept between runs (``tables.py``): what is read back is what would be
built, and a bad or unwritable cache only costs the time to build."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from vigil.detection import (
    automaton,
    batch_normalize,
    features,
    langid,
    normalize,
    pii,
    skeleton,
    tables,
)

CACHED: list[Callable[[], Any]] = [
    normalize.char_table,
    skeleton._table,
    batch_normalize._class_table,
    features._fold_table,
    features.word_table,
    langid._class_table,
]


def _clear() -> None:
    tables.cache_folder.cache_clear()
    for table in [*CACHED, pii._hint_automaton]:
        table.cache_clear()  # type: ignore[attr-defined]


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    _clear()
    yield tmp_path
    _clear()


def _same(a: Any, b: Any) -> bool:
    return a == b if isinstance(a, dict) else bool(np.array_equal(a, b) and a.dtype == b.dtype)


def test_tables_read_back_equal_the_built_ones(cache: Path) -> None:
    built = [table() for table in CACHED]
    classes = pii._hint_automaton()
    files = sorted(p.name for p in cache.glob("vigil/tables/*/*.npy"))
    assert len(files) == 8, files  # the seven tables and the hints' automaton
    _clear()
    for table, first in zip(CACHED, built, strict=True):
        assert _same(table(), first), table
    assert np.array_equal(pii._hint_automaton().classes, classes.classes)


def test_a_damaged_cache_file_is_rebuilt(cache: Path) -> None:
    expected = features.word_table()
    (path,) = cache.glob("vigil/tables/*/word_chars.npy")
    path.write_bytes(b"not an array")
    _clear()
    assert _same(features.word_table(), expected)
    np.save(path, np.zeros(7, dtype=np.bool_))  # wrong shape
    _clear()
    assert _same(features.word_table(), expected)


def test_a_cut_char_table_is_rebuilt(cache: Path) -> None:
    expected = normalize.char_table()
    (path,) = cache.glob("vigil/tables/*/char_table.npy")
    np.save(path, np.array([0x41, 5, 0x61], dtype=np.uint32))  # an entry cut short
    _clear()
    assert normalize.char_table() == expected


def test_an_unwritable_cache_still_gives_the_tables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder would go", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    _clear()
    try:
        assert normalize.char_table()[ord("É")] == "e"
        assert not any(tmp_path.glob("**/*.npy"))
    finally:
        _clear()


def test_old_versions_are_pruned(cache: Path) -> None:
    import os

    root = cache / "vigil" / "tables"
    for k in range(4):  # folders left by four earlier versions, oldest first
        old = root / f"old{k}"
        old.mkdir(parents=True)
        (old / "word_chars.npy").write_bytes(b"x")
        os.utime(old, (1_000_000 + k, 1_000_000 + k))
    features.word_table()
    left = sorted(d.name for d in root.iterdir())
    assert len(left) == 1 + tables.KEEP_OTHER_VERSIONS
    assert "old3" in left and "old2" in left and "old0" not in left


# Automata of keywords (lexicon terms): cached under a digest of the keywords themselves.

_CLASSES = np.zeros(automaton.CODES, dtype=np.uint16)
_CLASSES[[ord("a"), ord("b"), ord("c"), ord("d")]] = [1, 2, 3, 4]
_TEXTS = ["abc", "xxbcd", "dab", "", "cab abd"]


def _keywords(*words: str) -> dict[tuple[int, ...], int]:
    return {tuple(int(_CLASSES[ord(c)]) for c in w): 1 << k for k, w in enumerate(words)}


def _masks(words: dict[tuple[int, ...], int], cache_as: str | None) -> list[int]:
    built = automaton.ClassAutomaton(_CLASSES, words, cache_as=cache_as)
    return built.masks(_TEXTS).tolist()


needs_kernel = pytest.mark.skipif(not automaton.compiled(), reason="prefilter kernel not built")


@needs_kernel
def test_a_cached_automaton_is_read_back_not_rebuilt(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    words = _keywords("ab", "bcd", "d")
    expected = _masks(words, None)
    assert _masks(words, "test") == expected
    assert len(list(cache.glob("vigil/tables/*/automaton-test-*.npy"))) == 1

    def refuse(*_args: Any) -> Any:
        raise AssertionError("rebuilt although cached")

    monkeypatch.setattr(automaton, "_build", refuse)
    assert _masks(words, "test") == expected


@needs_kernel
def test_other_keywords_never_read_anothers_automaton(cache: Path) -> None:
    first, second = _keywords("ab", "bcd"), _keywords("ca", "d")
    assert _masks(first, "test") == _masks(first, None)
    assert _masks(second, "test") == _masks(second, None)
    assert _masks(first, "test") != _masks(second, "test")


@needs_kernel
def test_a_damaged_automaton_file_is_rebuilt(cache: Path) -> None:
    words = _keywords("ab", "bcd")
    expected = _masks(words, "test")
    (path,) = cache.glob("vigil/tables/*/automaton-test-*.npy")
    packed = np.load(path)
    packed[5] = 10_000  # a next state far outside the table: the C loop must not follow it
    np.save(path, packed)
    assert _masks(words, "test") == expected
    np.save(path, packed[:7])  # cut short
    assert _masks(words, "test") == expected
    path.write_bytes(b"not an array")
    assert _masks(words, "test") == expected


@needs_kernel
def test_each_automaton_slot_keeps_a_few_files(cache: Path) -> None:
    for k in range(6):
        _masks(_keywords("ab" + "c" * k), "test")
    files = list(cache.glob("vigil/tables/*/automaton-test-*.npy"))
    assert len(files) == tables.KEEP_PER_SLOT
