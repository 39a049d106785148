"""The accurate tier's transformer: a fine-tuned MiniLM, int8 ONNX, served by ONNX Runtime.

A model folder's ``transformer/`` holds ``model.onnx`` (dynamically quantised int8),
``tokenizer.json`` (Hugging Face ``tokenizers``) and ``transformer.json``: heads, Platt
calibration per head, the ensemble weight of the transformer per language (0: the n-gram model
alone) and the ensemble's thresholds per head and language, all chosen on held-out training data
by ``vigil train --tier accurate``. No PyTorch at run time, no pickle.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from vigil.errors import ConfigurationError

F32 = npt.NDArray[np.float32]
FORMAT: Final = "vigil-transformer/1"
#: Texts per ONNX Runtime call; sorted by length first, so padding stays short.
INFER_BATCH: Final = 64
#: Characters kept before tokenising: far more than ``max_len`` tokens ever need, and it keeps a
#: megabyte-long post from costing a megabyte of tokenising.
CHARS_PER_TOKEN: Final = 8


#: Every ONNX Runtime session this process (or a parent before a fork) made, by model file
#: (path and modification time), thread count and process id. Sessions are never freed: one
#: that crossed a fork deadlocks when destroyed (its thread pool's locks belong to the
#: parent), and a process reuses its own.
_SESSIONS: dict[tuple[str, int, int, int], Any] = {}


def _sigmoid(z: F32) -> F32:
    return (1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))).astype(np.float32)


class TransformerModel:
    """Logits and calibrated probabilities of the fine-tuned transformer, and how the accurate
    tier mixes them with the n-gram model (``weight``) and thresholds them (``threshold``)."""

    def __init__(self, directory: Path, doc: dict[str, Any], threads: int | None = None) -> None:
        from tokenizers import Tokenizer

        self.directory = directory
        self.heads: list[str] = list(doc["heads"])
        self.max_len = int(doc["max_len"])
        self.calibration = np.array(
            [doc["calibration"].get(h, [1.0, 0.0]) for h in self.heads], dtype=np.float32
        )
        self.weights: dict[str, float] = {k: float(v) for k, v in doc["weights"].items()}
        self.thresholds: dict[str, dict[str, float]] = doc["thresholds"]
        self.meta: dict[str, Any] = doc.get("meta", {})
        self.threads = threads
        tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        tokenizer.no_padding()
        tokenizer.enable_truncation(self.max_len)
        self._tokenizer = tokenizer
        self._session: Any = None
        self._session_pid = -1
        self._loaded_pid = os.getpid()

    @classmethod
    def load(cls, directory: Path, threads: int | None = None) -> TransformerModel:
        try:
            doc = json.loads((directory / "transformer.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigurationError(f"cannot read transformer in {directory}: {exc}") from None
        if doc.get("format") != FORMAT:
            raise ConfigurationError(f"{directory}: not a {FORMAT} model")
        for name in ("model.onnx", "tokenizer.json"):
            if not (directory / name).is_file():
                raise ConfigurationError(f"{directory}: {name} is missing")
        return cls(directory, doc, threads)

    def _run(self, ids: npt.NDArray[np.int64], mask: npt.NDArray[np.int64]) -> F32:
        # One session per process: ONNX Runtime's thread pool does not survive a fork, and
        # `vigil scan` forks its workers after loading the detector.
        if self._session is None or self._session_pid != os.getpid():
            # A forked worker is one of several: one thread each, or they fight for cores.
            forked = os.getpid() != self._loaded_pid
            threads = self.threads or (1 if forked else _cores())
            self._session = _session(self.directory / "model.onnx", threads)
            self._session_pid = os.getpid()
        out = self._session.run(None, {"input_ids": ids, "attention_mask": mask})
        return np.asarray(out[0], dtype=np.float32)

    def logits(self, texts: list[str]) -> F32:
        """Raw scores, ``(len(texts), len(heads))``."""
        out = np.zeros((len(texts), len(self.heads)), dtype=np.float32)
        if not texts:
            return out
        limit = self.max_len * CHARS_PER_TOKEN
        encoded = self._tokenizer.encode_batch([_valid_utf8(t[:limit]) for t in texts])
        lengths = np.array([len(e.ids) for e in encoded])
        order = np.argsort(lengths, kind="stable")
        for start in range(0, len(order), INFER_BATCH):
            rows = order[start : start + INFER_BATCH]
            width = int(lengths[rows].max())
            ids = np.zeros((rows.size, width), dtype=np.int64)
            mask = np.zeros_like(ids)
            for r, i in enumerate(rows.tolist()):
                n = lengths[i]
                ids[r, :n] = encoded[i].ids
                mask[r, :n] = 1
            out[rows] = self._run(ids, mask)
        return out

    def probabilities(self, texts: list[str]) -> F32:
        z = self.logits(texts)
        return _sigmoid(z * self.calibration[:, 0] + self.calibration[:, 1])

    def weight(self, lang: str) -> float:
        """The transformer's share of the ensemble in ``lang`` (0: n-gram model alone)."""
        return self.weights.get(lang, self.weights.get("default", 0.0))

    def threshold(self, head: str, lang: str) -> float:
        by_lang = self.thresholds.get(head, {})
        return float(by_lang.get(lang, by_lang.get("default", 0.5)))


def _session(path: Path, threads: int) -> Any:
    key = (str(path.resolve()), path.stat().st_mtime_ns, threads, os.getpid())
    if key not in _SESSIONS:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        _SESSIONS[key] = ort.InferenceSession(
            str(path), options, providers=["CPUExecutionProvider"]
        )
    return _SESSIONS[key]


def _cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _valid_utf8(text: str) -> str:
    """``text`` with lone surrogates (a hostile or broken post may hold them; the tokenizer
    rejects the whole batch then) replaced by "?"."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")
    return text
