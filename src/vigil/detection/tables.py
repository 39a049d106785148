"""Per-code-point tables kept between runs, so that starting a scan does not rebuild them.

Normalisation, the n-gram features, language id and the prefilters each fold or classify every
code point once per process: ~140 ms together, a quarter of the start of `vigil scan`. The
tables depend only on this Python's Unicode database and on the source of the modules that
build them, so the first run saves them in the user's cache folder
(``$XDG_CACHE_HOME/vigil/tables/<key>/``, else ``~/.cache/vigil/...``) under a key made of both,
and later runs read them back in a millisecond or two. Arrays only (``.npy``, never pickle),
written atomically; a file that is missing, unreadable or not of the expected type and shape,
or a cache folder that cannot be written, means the table is built as before.

Tables that also depend on data (the prefilters' automata of lexicon terms, ~40 ms to build)
go through ``cached_keyed_array``, whose file names carry a digest of that data.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import unicodedata
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

#: The modules whose code builds a cached table: any change to one of them changes the key.
_SOURCES = (
    "normalize.py",
    "batch_normalize.py",
    "features.py",
    "langid.py",
    "skeleton.py",
    "pii.py",
    "automaton.py",
    "tables.py",
)


@lru_cache(maxsize=1)
def cache_folder() -> Path | None:
    """Where this build's tables live, or None when their sources cannot be read."""
    digest = hashlib.sha256(f"{unicodedata.unidata_version} {np.__version__}".encode())
    here = Path(__file__).parent
    try:
        for name in _SOURCES:
            digest.update((here / name).read_bytes())
    except OSError:
        return None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "vigil" / "tables" / digest.hexdigest()[:20]


def cached_array(
    name: str, build: Callable[[], npt.NDArray[Any]], dtype: Any, shape: tuple[int, ...] | None
) -> npt.NDArray[Any]:
    """The table ``name``: read from the cache when it is there and of ``dtype`` and ``shape``
    (None: any 1-D length), else built and saved for the next run."""
    folder = cache_folder()
    path = folder / f"{name}.npy" if folder is not None else None
    if path is not None:
        try:
            table: npt.NDArray[Any] = np.load(path, allow_pickle=False)
            right_shape = table.shape == shape if shape is not None else table.ndim == 1
            if table.dtype == np.dtype(dtype) and right_shape:
                return table
        except (OSError, ValueError):
            pass
    table = build()
    if path is not None:
        _save(path, table)
    return table


def cached_keyed_array(
    slot: str, key: bytes, build: Callable[[], npt.NDArray[Any]], dtype: Any
) -> npt.NDArray[Any]:
    """A 1-D table that depends on data as well as on code (an automaton of lexicon terms):
    ``cached_array`` under ``<slot>-<digest of key>``, so an edited lexicon never reads a
    stale one. Each slot keeps its ``KEEP_PER_SLOT`` newest files; older ones are removed
    when a new one is saved."""
    name = f"{slot}-{hashlib.sha256(key).hexdigest()[:24]}"
    folder = cache_folder()
    new = folder is not None and not (folder / f"{name}.npy").is_file()
    table = cached_array(name, build, dtype, None)
    if folder is not None and new:
        _prune_slot(folder, slot, keep=f"{name}.npy")
    return table


#: Files kept per slot of ``cached_keyed_array``: the shipped lexicon's and a few others.
KEEP_PER_SLOT = 3


def _prune_slot(folder: Path, slot: str, keep: str) -> None:
    try:
        files = [f for f in folder.glob(f"{slot}-*.npy") if f.name != keep]
        files.sort(key=lambda f: f.stat().st_mtime, reverse=True)
        for old in files[KEEP_PER_SLOT - 1 :]:
            old.unlink(missing_ok=True)
    except OSError:
        pass  # another run pruning at the same time


#: Cache folders of other versions (each edit of a source makes one) kept beside this one.
KEEP_OTHER_VERSIONS = 2


def _save(path: Path, table: npt.NDArray[Any]) -> None:
    """Write atomically (a temporary file renamed over): concurrent runs never read half."""
    try:
        if not path.parent.is_dir():
            path.parent.mkdir(parents=True, exist_ok=True)
            _prune(path.parent)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                np.save(f, table, allow_pickle=False)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError:
        pass  # a read-only or full disk: the next run builds the table again


def _prune(current: Path) -> None:
    """Remove the oldest cache folders of other versions, keeping a few (two installs of
    Vigil on one machine do not rebuild each other's tables at every start)."""
    try:
        others = [d for d in current.parent.iterdir() if d.is_dir() and d != current]
        others.sort(key=lambda d: d.stat().st_mtime, reverse=True)
        for old in others[KEEP_OTHER_VERSIONS:]:
            for f in old.iterdir():
                f.unlink(missing_ok=True)
            old.rmdir()
    except OSError:
        pass  # another run pruning at the same time, or a file we may not remove
