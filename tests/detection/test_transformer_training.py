"""Fine-tune → ONNX int8 export → load → scan, with a tiny random BERT and tokenizer made here.

Needs PyTorch, which ``make test`` installs (the ``train-core`` extra): without it the test
fails rather than skips, so the export path is always checked. The real MiniLM fine-tuning
takes ~40 minutes on two cores and is run by ``vigil train --tier accurate``.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from vigil.detection import load_detector
from vigil.detection.training.finetune import MissingTrainingDependency, TransformerConfig
from vigil.detection.training.fit import FitConfig
from vigil.detection.training.train import train_model


def _sibling(name: str) -> Any:
    """A module of this folder (pytest's importlib mode puts none on ``sys.path``)."""
    spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name(f"{name}.py"))
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def make_tiny_bert(folder: Path, words: list[str]) -> None:
    """A 2-layer, 32-wide BERT with random weights and a WordPiece tokenizer over ``words``."""
    import torch
    from safetensors.torch import save_file
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    from vigil.detection.training.bert import BertClassifier, BertConfig

    vocab = {t: i for i, t in enumerate(["[PAD]", "[UNK]", "[CLS]", "[SEP]", *words])}
    tokenizer = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", 2), ("[SEP]", 3)]
    )
    tokenizer.decoder = decoders.WordPiece()
    folder.mkdir(parents=True)
    tokenizer.save(str(folder / "tokenizer.json"))
    config = {
        "vocab_size": len(vocab),
        "hidden_size": 32,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "intermediate_size": 64,
        "max_position_embeddings": 64,
    }
    (folder / "config.json").write_text(json.dumps(config), "utf-8")
    torch.manual_seed(0)
    encoder = BertClassifier(BertConfig.from_hf(config), 1)
    state = {k: v for k, v in encoder.state_dict().items() if not k.startswith("classifier.")}
    save_file(state, str(folder / "model.safetensors"))


def test_finetune_export_and_serve_with_onnx_runtime(tmp_path: Path) -> None:
    data = _sibling("test_train")
    data.make_edos(tmp_path / "data", 320, seed=3)
    templates = " ".join([*data.ABUSE, *data.CLEAN, *data.WORDS, "woman"])
    make_tiny_bert(tmp_path / "bert", sorted(set(re.findall(r"\w+", templates.lower()))))
    out = tmp_path / "model"
    tcfg = TransformerConfig(
        base=str(tmp_path / "bert"), max_len=16, batch=16, epochs=3, lr=3e-3, threads=1
    )
    report = train_model(
        tmp_path / "data", out, tier="accurate", seed=5, config=FitConfig(bits=12), transformer=tcfg
    )
    files = {p.name for p in (out / "transformer").iterdir()}
    assert files == {"model.onnx", "tokenizer.json", "transformer.json"}
    assert not list(out.rglob("*.pkl")) and not list(out.rglob("*.pt"))
    doc = json.loads((out / "transformer" / "transformer.json").read_text("utf-8"))
    assert doc["heads"][:2] == ["gbv", "sexist_abuse"]
    assert set(doc["weights"]) >= {"default", "en"}
    assert 0.0 <= doc["weights"]["en"] <= 1.0
    # int8: the quantised graph carries integer weights.
    import onnx

    graph = onnx.load(str(out / "transformer" / "model.onnx")).graph
    assert any(t.data_type == onnx.TensorProto.INT8 for t in graph.initializer)
    detector = load_detector("accurate", out)
    assert detector._transformer is not None  # type: ignore[attr-defined]
    abusive, clean = detector.predict(["shut up you dumb woman", "the bus was late"], ["en"] * 2)
    assert abusive.categories["sexist_abuse"] > clean.categories["sexist_abuse"]
    assert report.dev and report.dev[0]["f1"] > 0.8
    # ONNX Runtime reproduces PyTorch on the same text (int8: close, not equal).
    logits = detector._transformer.logits(["women are worthless", ""])  # type: ignore[attr-defined]
    assert logits.shape == (2, len(doc["heads"])) and np.isfinite(logits).all()


def test_accurate_training_without_torch_fails_clearly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)  # import torch → ImportError
    with pytest.raises(MissingTrainingDependency, match=r"vigil\[train\]"):
        train_model(tmp_path, tmp_path / "out", tier="accurate")
