"""A tiny recurrent language model, to race the tiny GPT of chapter 10 ("Why transformers won").

Before transformers, language models read text the way a conveyor belt carries boxes: one
character at a time, each step folding the new character into a fixed-size *state* and passing
that state on to the next step. ``TinyGRU`` is such a model, built from ``torch.nn.GRU``
(Cho et al., 2014), with about the parameter count of ``llmsite.train.TinyGPT`` (≈ 380K), on the
same characters of the same text (``llmsite.train.load_corpus``).

    ids ──embedding──▶ vectors ──GRU, position after position──▶ states ──RMSNorm, · embeddingᵀ──▶ logits

Like ``TinyGPT`` it ties its output projection to its embedding and ends with an RMSNorm, so the
two models differ only in how positions talk to each other: a chain of steps (here) or one
attention pass over all positions at once (there). ``TinyGRU`` has the attributes
``llmsite.train`` relies on (``cfg.context``, ``embedding``, ``forward(ids) -> logits``), so
``estimate_loss``, ``sample`` and ``greedy`` work on it unchanged.

``train_model`` (from ``llmsite.train``, re-exported here) is the loop ``llmsite.train.train``
itself runs, for a model you pass in (the same batches, learning-rate schedule, optimizer and
checkpoints), so both models are trained by the very same code.

Runs are deterministic on CPU, as in ``llmsite.train``: seeded weights, seeded batches, one
thread, deterministic algorithms (``llmsite.train.deterministic``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from llmsite import transformer
from llmsite.train import train_model  # noqa: F401  (re-exported: chapter 10's loop, for any model)

__all__ = ["RecurrentConfig", "TinyGRU", "train_model", "sequential_steps", "state_bytes", "kv_cache_bytes",
           "generate_counting"]


@dataclass(frozen=True)
class RecurrentConfig:
    """The shape of a tiny GRU language model. The defaults give 2 layers of width 174:
    about the parameter count of ``TinyConfig()``'s 2 transformer blocks of width 128."""

    vocab_size: int
    n_layers: int = 2
    hidden: int = 174
    context: int = 64  # characters per training window (the GRU itself has no limit)
    eps: float = 1e-5


class TinyGRU(nn.Module):
    """Embedding → ``nn.GRU`` (``n_layers`` stacked) → RMSNorm → tied output projection."""

    def __init__(self, cfg: RecurrentConfig, seed: int = 0):
        super().__init__()
        self.cfg = cfg
        gen = torch.Generator().manual_seed(seed)
        self.embedding = nn.Parameter(torch.randn(cfg.vocab_size, cfg.hidden, generator=gen) * 0.02)
        self.gru = nn.GRU(cfg.hidden, cfg.hidden, num_layers=cfg.n_layers, batch_first=True)
        bound = 1 / math.sqrt(cfg.hidden)  # torch's own GRU initialisation, from our generator
        with torch.no_grad():
            for p in self.gru.parameters():
                p.copy_(torch.rand(p.shape, generator=gen) * 2 * bound - bound)
        self.final_norm = nn.Parameter(torch.ones(cfg.hidden))

    def forward(self, ids: torch.Tensor, state: torch.Tensor | None = None, return_state: bool = False):
        """ids [B, T] → logits [B, T, vocab] (and, with ``return_state``, the state after the last
        position, [n_layers, B, hidden], to carry on from). ``nn.GRU`` runs the positions in order,
        one step after another: step t needs the state of step t − 1."""
        states, last = self.gru(self.embedding[ids], state)
        logits = transformer.rms_norm(states, self.final_norm, self.cfg.eps) @ self.embedding.T
        return (logits, last) if return_state else logits

    def forward_stepwise(self, ids: torch.Tensor) -> torch.Tensor:
        """The same as ``forward``, with the conveyor belt written out: one position per step."""
        state, out = None, []
        for t in range(ids.shape[1]):
            logits, state = self(ids[:, t:t + 1], state, return_state=True)
            out.append(logits)
        return torch.cat(out, dim=1)

    def n_params(self) -> int:
        return sum(p.numel() for p in self.parameters())


def sequential_steps(model: nn.Module, length: int) -> int:
    """How many steps must run one after another to read ``length`` tokens (the critical path).

    A recurrent model does one step per position and layer, ``length × n_layers`` in all, but the
    layers overlap like a bucket brigade: layer 2 can take position 1 while layer 1 takes position 2.
    Step (layer l, position t) waits for (l, t − 1) and (l − 1, t), so the longest chain is
    ``length + n_layers − 1``: it grows with the length. A transformer needs one pass per block,
    whatever the length."""
    if isinstance(model, TinyGRU):
        return length + model.cfg.n_layers - 1
    return model.cfg.n_layers


def state_bytes(cfg: RecurrentConfig, dtype_bytes: int = 4) -> int:
    """What a GRU carries from one token to the next: one vector per layer, however long the text."""
    return cfg.n_layers * cfg.hidden * dtype_bytes


def kv_cache_bytes(cfg, tokens: int, dtype_bytes: int = 4) -> int:
    """What a transformer (``TinyConfig``) keeps to generate the next token: a key and a value
    per key/value head, per layer, for every token so far (chapter 9's KV cache)."""
    return 2 * cfg.n_layers * cfg.n_kv_heads * cfg.head_dim * tokens * dtype_bytes


@dataclass
class Generation:
    ids: list[int]  # the new tokens
    passes: int  # forward passes (model calls) it took
    memory: list[int]  # bytes carried from one pass to the next, after each pass


@torch.no_grad()
def generate_counting(model: nn.Module, prompt: list[int], n_new: int) -> Generation:
    """Greedy generation, the way each model does it best, counting the passes and the memory
    carried between them: the GRU carries its state (fixed size), the GPT a KV cache (chapter 9)
    that grows by one token per pass. Either way, one pass per new token: token t + 1 cannot be
    picked before token t is known."""
    ids, passes, memory = list(prompt), 0, []
    x = torch.tensor([prompt])
    if isinstance(model, TinyGRU):
        state = None
        for _ in range(n_new):
            logits, state = model(x, state, return_state=True)
            passes += 1
            memory.append(state.nbytes)
            ids.append(int(logits[0, -1].argmax()))
            x = torch.tensor([[ids[-1]]])
    else:
        W, cache = model.weights(), transformer.KVCache(model.cfg.n_layers)
        for _ in range(n_new):
            logits = transformer.forward(x, W, cache=cache)
            passes += 1
            memory.append(cache.nbytes())
            ids.append(int(logits[0, -1].argmax()))
            x = torch.tensor([[ids[-1]]])
    return Generation(ids[len(prompt):], passes, memory)


