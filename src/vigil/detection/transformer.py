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
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from vigil.detection.base import Span
from vigil.errors import ConfigurationError

F32 = npt.NDArray[np.float32]
FORMAT: Final = "vigil-transformer/1"
#: Characters kept before tokenising: far more than ``max_len`` tokens ever need, and it keeps a
#: megabyte-long post from costing a megabyte of tokenising.
CHARS_PER_TOKEN: Final = 8
#: An explanation takes a post's words out one at a time, in at most this many runs of words
#: (one model call each, all in one batch).
EXPLAIN_PARTS: Final = 8
#: A run of words counts as a reason when taking it out lowers the probability this much.
EXPLAIN_MIN_DROP: Final = 0.02
_WORD: Final = re.compile(r"\w+(?:['’]\w+)*")


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
        self._pool: ThreadPoolExecutor | None = None
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

    def _runner(self) -> tuple[Any, ThreadPoolExecutor | None]:
        """This process's session, and a pool of ``threads`` callers when it has more than one
        core to use. Made per process: neither a session's nor a pool's threads survive a fork,
        and `vigil scan` forks its workers after loading the detector."""
        if self._session is None or self._session_pid != os.getpid():
            # A forked worker is one of several: one thread each, or they fight for cores.
            forked = os.getpid() != self._loaded_pid
            threads = self.threads or (1 if forked else _cores())
            self._session = _session(self.directory / "model.onnx", 1)
            self._pool = ThreadPoolExecutor(threads) if threads > 1 else None
            self._session_pid = os.getpid()
        return self._session, self._pool

    def logits(self, texts: list[str]) -> F32:
        """Raw scores, ``(len(texts), len(heads))``.

        One post per ONNX Runtime call. Dynamic int8 quantisation scales each call's
        activations by their range, so in a batch a post's score moved with its batch-mates
        (by up to 1.2 in logit, ~0.01 macro-F1 on a dev set). Alone, a post always gets the
        same score. Posts run side by side on a pool of one-thread callers instead, which
        costs little: ONNX Runtime releases the GIL while it runs."""
        out = np.zeros((len(texts), len(self.heads)), dtype=np.float32)
        if not texts:
            return out
        limit = self.max_len * CHARS_PER_TOKEN
        encoded = self._tokenizer.encode_batch([_valid_utf8(t[:limit]) for t in texts])
        session, pool = self._runner()

        def run(ids: list[int]) -> F32:
            row = np.array([ids], dtype=np.int64)
            feed = {"input_ids": row, "attention_mask": np.ones_like(row)}
            return np.asarray(session.run(None, feed)[0][0], dtype=np.float32)

        rows = [e.ids for e in encoded]
        for i, scores in enumerate(pool.map(run, rows) if pool else map(run, rows)):
            out[i] = scores
        return out

    def explain(self, texts: list[str], head: str, limit: int = 5) -> list[list[Span]]:
        """For each text, the runs of words whose removal lowers ``head``'s probability most
        (occlusion): what the transformer read as the reason. Weights are drops in probability.

        A text and its variants (each with one run taken out) go through the model as one
        batch: the batch depends on the text alone, so its explanation is reproducible."""
        k = self.heads.index(head)
        a, b = self.calibration[k]
        session, pool = self._runner()
        jobs = [self._occlusions(t) for t in texts]

        def run(job: tuple[str, list[tuple[int, int]], Any]) -> list[Span]:
            text, parts, batch = job
            if not parts:
                return []
            ids, mask = batch
            z = np.asarray(session.run(None, {"input_ids": ids, "attention_mask": mask})[0])
            p = _sigmoid(z[:, k] * a + b)
            spans = [
                Span(start, end, text[start:end], float(p[0] - p[1 + j]), "transformer")
                for j, (start, end) in enumerate(parts)
                if p[0] - p[1 + j] >= EXPLAIN_MIN_DROP
            ]
            return sorted(spans, key=lambda s: -s.weight)[:limit]

        return list(pool.map(run, jobs)) if pool else [run(j) for j in jobs]

    def _occlusions(self, text: str) -> tuple[str, list[tuple[int, int]], Any]:
        """The runs of words the model reads in ``text`` and the padded batch of ``text``
        followed by one variant per run with that run replaced by a space."""
        text = _valid_utf8(text[: self.max_len * CHARS_PER_TOKEN])
        full = self._tokenizer.encode(text)
        # Words past the last token the model reads (max_len) cannot matter.
        read_to = max((end for end in (o[1] for o in full.offsets)), default=0)
        words = [(m.start(), m.end()) for m in _WORD.finditer(text, 0, read_to)]
        if not words:
            return text, [], None
        size = -(-len(words) // EXPLAIN_PARTS)
        parts = [
            (words[i][0], words[min(i + size, len(words)) - 1][1])
            for i in range(0, len(words), size)
        ]
        variants = [text] + [text[:s] + " " + text[e:] for s, e in parts]
        encoded = [full, *self._tokenizer.encode_batch(variants[1:])]
        width = max(len(e.ids) for e in encoded)
        ids = np.zeros((len(encoded), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        for r, e in enumerate(encoded):
            ids[r, : len(e.ids)] = e.ids
            mask[r, : len(e.ids)] = 1
        return text, parts, (ids, mask)

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
