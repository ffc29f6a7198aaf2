"""A tiny GPT, trained live on a CPU in about a minute (training and scaling chapters).

Nothing here is a second transformer. ``TinyGPT`` only *holds* trainable weights
(``nn.Parameter``) in the exact layout of ``llmsite.transformer.Weights``, and its forward
pass is ``llmsite.transformer.forward``: the same ``rms_norm``, RoPE, grouped-query
``attention`` and ``swiglu_ffn`` that run the real SmolLM2-135M, at a much smaller size.
Autograd differentiates through those functions as they are.

    text ──CharTokenizer──▶ ids ──TinyGPT (= transformer.forward)──▶ logits
    loss = cross-entropy(logits, the next id)      how surprised was the model?
    loss.backward(); AdamW.step()                   nudge every weight to be less surprised

Tokens are single characters: a vocabulary of about a hundred, so the model needs no
tokenizer training and its mistakes are easy to read. The text is the help topics of the Python 3.11.7
documentation (PSF licence), shipped with this package (``llmsite.corpus``): English, offline,
465,048 characters, the same on every Python.

Runs are deterministic: a seed fixes the initial weights, the batches and the samples; on
CPU the arithmetic runs on one thread with deterministic algorithms, so two runs print the
same losses to the last digit.

Quick start::

    from llmsite.train import load_corpus, TinyConfig, train, sample

    data = load_corpus()
    run = train(TinyConfig(vocab_size=data.tok.vocab_size), data, steps=300)
    run.history[-1]                  # Checkpoint(step=300, train_loss=…, val_loss=…)
    sample(run.model, data.tok, "The ", n_chars=80)
"""

from __future__ import annotations

import contextlib
import math
import os
import time
from dataclasses import dataclass, field, fields

import torch
from torch import nn

from llmsite import transformer
from llmsite.site import cpu
from llmsite.transformer import LayerWeights, Weights

__all__ = [
    "CharTokenizer",
    "Corpus",
    "python_docs_text",
    "load_corpus",
    "with_repeats",
    "TinyConfig",
    "TinyGPT",
    "lm_loss",
    "get_batch",
    "lr_at",
    "deterministic",
    "Checkpoint",
    "TrainRun",
    "train",
    "train_model",
    "estimate_loss",
    "sample",
    "greedy",
    "SCALING_SIZES",
    "ScalingPoint",
    "accuracy",
    "scaling_experiment",
]


# --------------------------------------------------------------------------- the data


class CharTokenizer:
    """One token per character: the vocabulary is every character the text uses, sorted."""

    def __init__(self, text: str):
        self.chars = sorted(set(text))
        self.index = {c: i for i, c in enumerate(self.chars)}

    @property
    def vocab_size(self) -> int:
        return len(self.chars)

    def encode(self, text: str) -> list[int]:
        return [self.index[c] for c in text]

    def decode(self, ids) -> str:
        return "".join(self.chars[int(i)] for i in ids)


@dataclass
class Corpus:
    """Token ids split into a training part and a held-out part the model never trains on."""

    tok: CharTokenizer
    train: torch.Tensor  # [N_train] int64
    val: torch.Tensor  # [N_val] int64

    @property
    def n_train(self) -> int:
        return self.train.numel()


def python_docs_text() -> str:
    """The help topics of the Python 3.11.7 documentation (PSF licence), shipped with this
    package (``llmsite.corpus``): the same characters on every Python."""
    from llmsite.corpus import python_docs

    return python_docs()


def load_corpus(text: str | None = None, every: int = 10, chunk: int = 2000) -> Corpus:
    """Tokenize ``text`` (default: the Python docs) and cut it into chunks of ``chunk``
    characters; every ``every``-th chunk is held out, the rest is for training. Spreading
    the held-out chunks over the whole text keeps both parts alike."""
    text = python_docs_text() if text is None else text
    tok = CharTokenizer(text)
    ids = torch.tensor(tok.encode(text), dtype=torch.long)
    chunks = list(ids.split(chunk))
    held = [c for i, c in enumerate(chunks) if i % every == every - 1]
    kept = [c for i, c in enumerate(chunks) if i % every != every - 1]
    return Corpus(tok, torch.cat(kept), torch.cat(held))


def with_repeats(data: Corpus, passage: str, copies: int) -> Corpus:
    """The same corpus with ``passage`` pasted ``copies`` times at evenly spaced places in the
    training part (the held-out part is unchanged): duplicated text, as web crawls are full of."""
    pieces, step = [], data.n_train // copies
    p = torch.tensor(data.tok.encode(passage + "\n"), dtype=torch.long)
    for i in range(copies):
        pieces += [data.train[i * step:(i + 1) * step], p]
    pieces.append(data.train[copies * step:])
    return Corpus(data.tok, torch.cat(pieces), data.val)


# --------------------------------------------------------------------------- the model


@dataclass(frozen=True)
class TinyConfig:
    """The shape of a tiny model. SmolLM2-135M, for comparison: 30 layers, width 576,
    9 query heads sharing 3 key/value heads of 64, FFN 1536, vocabulary 49,152."""

    vocab_size: int
    n_layers: int = 2
    hidden: int = 128
    n_heads: int = 4
    n_kv_heads: int = 2
    intermediate: int = 352
    context: int = 64  # characters the model sees at once while training
    eps: float = 1e-5
    rope_theta: float = 10000.0

    @property
    def head_dim(self) -> int:
        return self.hidden // self.n_heads


class _Layer(nn.Module):
    """The nine trainable tensors of one block, named like ``transformer.LayerWeights``."""

    def __init__(self, cfg: TinyConfig, init):
        super().__init__()
        D, H, K = cfg.head_dim, cfg.n_heads, cfg.n_kv_heads
        # Outputs that are *added* to the residual stream start smaller (GPT-2's trick), so
        # the stream does not grow with depth before training has begun.
        out_std = 0.02 / math.sqrt(2 * cfg.n_layers)
        self.attn_norm = nn.Parameter(torch.ones(cfg.hidden))
        self.q = init(H * D, cfg.hidden)
        self.k = init(K * D, cfg.hidden)
        self.v = init(K * D, cfg.hidden)
        self.o = init(cfg.hidden, H * D, out_std)
        self.ffn_norm = nn.Parameter(torch.ones(cfg.hidden))
        self.gate = init(cfg.intermediate, cfg.hidden)
        self.up = init(cfg.intermediate, cfg.hidden)
        self.down = init(cfg.hidden, cfg.intermediate, out_std)


class TinyGPT(nn.Module):
    """Trainable weights in ``transformer.Weights`` layout; the forward pass is
    ``transformer.forward``. Embedding and output projection are tied, as in SmolLM2."""

    def __init__(self, cfg: TinyConfig, seed: int = 0):
        super().__init__()
        self.cfg = cfg
        gen = torch.Generator().manual_seed(seed)

        def init(rows: int, cols: int, std: float = 0.02) -> nn.Parameter:
            return nn.Parameter(torch.randn(rows, cols, generator=gen) * std)

        self.embedding = init(cfg.vocab_size, cfg.hidden)
        self.layers = nn.ModuleList(_Layer(cfg, init) for _ in range(cfg.n_layers))
        self.final_norm = nn.Parameter(torch.ones(cfg.hidden))

    def weights(self) -> Weights:
        """The parameters as a ``Weights`` object: the same tensors, no copies."""
        c = self.cfg
        layers = [LayerWeights(**{f.name: getattr(layer, f.name) for f in fields(LayerWeights)})
                  for layer in self.layers]
        return Weights(
            embedding=self.embedding, layers=layers, final_norm=self.final_norm,
            unembedding=self.embedding, n_layers=c.n_layers, hidden=c.hidden, n_heads=c.n_heads,
            n_kv_heads=c.n_kv_heads, head_dim=c.head_dim, intermediate=c.intermediate,
            vocab_size=c.vocab_size, eps=c.eps, rope_theta=c.rope_theta,
        )

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        """ids [B, T] → logits [B, T, vocab], by the from-scratch SmolLM2 forward pass."""
        return transformer.forward(ids, self.weights())

    def n_params(self) -> int:
        """Trainable numbers (the tied embedding counted once)."""
        return sum(p.numel() for p in self.parameters())


def lm_loss(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Cross-entropy: the average of −ln(probability the model gave to the true next token)."""
    return nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]).float(), targets.reshape(-1))


# --------------------------------------------------------------------------- training


def get_batch(ids: torch.Tensor, batch_size: int, context: int, gen: torch.Generator):
    """``batch_size`` random windows of the text; targets are the same windows shifted by one."""
    starts = torch.randint(0, ids.numel() - context - 1, (batch_size,), generator=gen)
    x = torch.stack([ids[s:s + context] for s in starts.tolist()])
    y = torch.stack([ids[s + 1:s + context + 1] for s in starts.tolist()])
    return x, y


def lr_at(step: int, steps: int, peak: float, warmup: int) -> float:
    """Learning rate: a linear warm-up, then a cosine decay to a tenth of the peak."""
    if step < warmup:
        return peak * (step + 1) / warmup
    progress = (step - warmup) / max(1, steps - warmup)
    return peak * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))


@contextlib.contextmanager
def deterministic(device: str, threads: int = 1):
    """Byte-stable CPU arithmetic for the duration: deterministic kernels, a fixed thread count
    (float sums depend on how the work is split). Restores the previous settings afterwards.

    On CPU the kernels themselves must be the pinned ones (:mod:`llmsite.site.cpu`): it warns when
    they are not, since the losses then differ from the site's in the last digits."""
    if device == "cpu":
        cpu.check()
    old_det, old_threads = torch.are_deterministic_algorithms_enabled(), torch.get_num_threads()
    torch.use_deterministic_algorithms(True, warn_only=True)
    if device == "cpu":
        torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(old_det)
        torch.set_num_threads(old_threads)


@dataclass
class Checkpoint:
    step: int
    train_loss: float  # on fixed batches of the training text
    val_loss: float  # on fixed batches of the held-out text


@dataclass
class TrainRun:
    model: TinyGPT
    history: list[Checkpoint]
    tokens_seen: int
    seconds: float  # wall time (varies with the machine: never printed by a snippet)
    cfg: TinyConfig = field(repr=False, default=None)


@torch.no_grad()
def estimate_loss(model: TinyGPT, ids: torch.Tensor, batches: int, batch_size: int, seed: int = 1234) -> float:
    """Average loss over the same ``batches`` random windows each time (fixed seed)."""
    gen = torch.Generator().manual_seed(seed)
    dev = model.embedding.device
    total = 0.0
    for _ in range(batches):
        x, y = get_batch(ids, batch_size, model.cfg.context, gen)
        total += lm_loss(model(x.to(dev)), y.to(dev)).item()
    return total / batches


def train(
    cfg: TinyConfig,
    data: Corpus,
    steps: int,
    batch_size: int = 32,
    lr: float = 3e-3,
    seed: int = 0,
    eval_every: int = 50,
    eval_batches: int = 4,
    device: str | None = None,
    on_checkpoint=None,
) -> TrainRun:
    """Train a fresh ``TinyGPT`` for ``steps`` steps of ``batch_size`` windows.

    Each step is the whole of training in miniature: forward, loss, backward, update.
    Losses on fixed train and held-out batches are recorded at step 0 and every
    ``eval_every`` steps (``on_checkpoint(cp, model)`` is called with each, and the model
    as it is at that step). ``device`` defaults to the CPU, even on a machine with a GPU: the
    page's numbers are a CPU run's (byte-stable there), and a model this small trains in about a
    minute on a CPU anyway. Pass ``device="cuda"`` (or set ``LLMSITE_TRAIN_DEVICE=cuda``) to
    train on a GPU; the losses then differ in the last digits.
    """
    device = device or os.environ.get("LLMSITE_TRAIN_DEVICE") or "cpu"
    return train_model(TinyGPT(cfg, seed=seed), data, steps, batch_size=batch_size, lr=lr, seed=seed,
                       eval_every=eval_every, eval_batches=eval_batches, device=device,
                       on_checkpoint=on_checkpoint)


def train_model(
    model: nn.Module,
    data: Corpus,
    steps: int,
    batch_size: int = 32,
    lr: float = 3e-3,
    seed: int = 0,
    eval_every: int = 50,
    eval_batches: int = 4,
    device: str = "cpu",
    on_checkpoint=None,
) -> TrainRun:
    """:func:`train`'s loop for a model you pass in (a ``TinyGPT``, or the ``TinyGRU`` of
    ``llmsite.recurrent``): the same windows (seed + 1), warm-up and cosine schedule, AdamW
    settings and checkpoints, so two models trained with the same arguments see exactly the
    same text in the same order."""
    # llmsite.model.load() turns gradients off for the whole process; training needs them.
    with deterministic(device), torch.enable_grad():
        torch.manual_seed(seed)
        model = model.to(device)
        model.train()
        opt = torch.optim.AdamW(model.parameters(), lr=lr, betas=(0.9, 0.95), weight_decay=0.1)
        gen = torch.Generator().manual_seed(seed + 1)  # which windows each step sees
        warmup = max(1, steps // 10)
        history: list[Checkpoint] = []
        context = model.cfg.context
        start = time.perf_counter()

        def checkpoint(step: int) -> None:
            model.eval()
            cp = Checkpoint(step, estimate_loss(model, data.train, eval_batches, batch_size),
                            estimate_loss(model, data.val, eval_batches, batch_size))
            model.train()
            history.append(cp)
            if on_checkpoint:
                on_checkpoint(cp, model)

        checkpoint(0)
        for step in range(steps):
            for group in opt.param_groups:
                group["lr"] = lr_at(step, steps, lr, warmup)
            x, y = get_batch(data.train, batch_size, context, gen)
            logits = model(x.to(device))  # 1. forward: a score for every possible next character
            loss = lm_loss(logits, y.to(device))  # 2. loss: how surprised were we by the real ones?
            opt.zero_grad(set_to_none=True)
            loss.backward()  # 3. backward: how each weight should move to lower the loss
            opt.step()  # 4. step: move every weight a little that way
            if (step + 1) % eval_every == 0 or step + 1 == steps:
                checkpoint(step + 1)
        seconds = time.perf_counter() - start
    return TrainRun(model, history, steps * batch_size * context, seconds, model.cfg)


# --------------------------------------------------------------------------- using the model


@torch.no_grad()
def _generate(model: TinyGPT, tok: CharTokenizer, prompt: str, n_chars: int, pick) -> str:
    dev = model.embedding.device
    ids = tok.encode(prompt)
    for _ in range(n_chars):
        window = torch.tensor([ids[-model.cfg.context:]], device=dev)
        logits = model(window)[0, -1].float()
        ids.append(pick(logits))
    return tok.decode(ids[len(tok.encode(prompt)):])


def sample(model: TinyGPT, tok: CharTokenizer, prompt: str, n_chars: int = 120,
           temperature: float = 0.8, seed: int = 0) -> str:
    """Continue ``prompt`` by sampling one character at a time (seeded: same seed, same text)."""
    gen = torch.Generator().manual_seed(seed)
    was_training = model.training
    model.eval()
    with deterministic(str(model.embedding.device)):
        out = _generate(model, tok, prompt, n_chars,
                        lambda lg: int(torch.multinomial((lg.cpu() / temperature).softmax(-1), 1, generator=gen)))
    model.train(was_training)
    return out


def greedy(model: TinyGPT, tok: CharTokenizer, prompt: str, n_chars: int = 120) -> str:
    """Continue ``prompt`` with the single most likely character each time."""
    with deterministic(str(model.embedding.device)):
        return _generate(model, tok, prompt, n_chars, lambda lg: int(lg.argmax()))


# --------------------------------------------------------------------------- a toy scaling curve

# (n_layers, hidden, n_heads, n_kv_heads, intermediate): each about 3–4× the one before.
SCALING_SIZES = [
    (1, 32, 2, 1, 96),
    (2, 48, 4, 2, 128),
    (2, 96, 4, 2, 256),
    (3, 160, 4, 2, 448),
]


@dataclass
class ScalingPoint:
    n_params: int
    val_loss: float
    tokens: int
    flops: float  # ≈ 6 × parameters × tokens
    char_accuracy: float  # held-out: how often the most likely next character is the right one


@torch.no_grad()
def accuracy(model: TinyGPT, ids: torch.Tensor, batches: int = 8, batch_size: int = 16, seed: int = 1234) -> float:
    """How often the model's most likely next character is the right one (given the true
    text before it), on the same random windows each time."""
    gen = torch.Generator().manual_seed(seed)
    dev = model.embedding.device
    right = 0.0
    for _ in range(batches):
        x, y = get_batch(ids, batch_size, model.cfg.context, gen)
        right += (model(x.to(dev)).argmax(-1).cpu() == y).float().mean().item()
    return right / batches


def scaling_experiment(data: Corpus, steps: int = 150, batch_size: int = 16, context: int = 64,
                       sizes=SCALING_SIZES, seed: int = 0, device: str | None = None,
                       lr: float = 3e-3) -> list[ScalingPoint]:
    """Train each size in ``sizes`` on the same data, for the same number of tokens, and
    report its final held-out loss and accuracy. A toy: a minute or two
    on a CPU, not a scaling law. ``lr`` is the peak learning rate of every run."""
    points = []
    for n_layers, hidden, n_heads, n_kv, inter in sizes:
        cfg = TinyConfig(vocab_size=data.tok.vocab_size, n_layers=n_layers, hidden=hidden, n_heads=n_heads,
                         n_kv_heads=n_kv, intermediate=inter, context=context)
        run = train(cfg, data, steps=steps, batch_size=batch_size, lr=lr, seed=seed, eval_every=steps,
                    eval_batches=8, device=device)
        n = run.model.n_params()
        with deterministic(str(run.model.embedding.device)):
            acc = accuracy(run.model, data.val)
        points.append(ScalingPoint(n, run.history[-1].val_loss, run.tokens_seen, 6.0 * n * run.tokens_seen, acc))
    return points
