"""LoRA from scratch: adapt SmolLM2-135M-Instruct by training 0.05% as many numbers (chapter 18).

Full fine-tuning moves all 134,515,008 numbers. LoRA (Hu et al., 2021, arXiv:2106.09685)
freezes them and learns a small *change* for a few weight matrices instead, written as a
product of two thin matrices:

    W' = W + (alpha / r) · B · A          W [out, in] frozen; B [out, r], A [r, in] trained

With r = 8 and W a 576 × 576 query projection, B and A hold 9,216 numbers instead of 331,776.
B starts at zero, so before training the adapted model *is* the original model.

Nothing here is a second transformer. ``LoRA`` stands in for one weight inside
``llmsite.transformer.Weights``: the forward pass computes ``x @ lw.q.T``, and a ``LoRA``
answers that product as ``x @ W.T + scale · (x @ A.T) @ B.T`` (the adapter beside the frozen
weight). ``Adapter.weights()`` is the model with the adapters in; ``Adapter.merged()`` is the
model with ``W + scale · B · A`` written into plain tensors: the same logits, no extra work.

The task: read a support ticket, after a one-line system turn and no instruction, and answer
with its category, one word, then stop. ``llmsite/data/tickets-train.jsonl`` holds 60 training
tickets, 12 per category, written for this chapter (the first two of each category are chapter
14b's few-shot examples); the 60 test tickets of chapter 14b (``llmsite.prompting``) are the
held-out set. The file's sha256 is pinned, like ``llmsite.corpus``.

Quick start::

    from llmsite.lora import load_task, train_adapter, classify

    task = load_task()                       # weights, tokenizer, training and held-out tickets
    run = train_adapter(task, steps=40)      # CPU, deterministic; A and B of 8 adapters
    classify(task, run.adapter.merged(), "My card was charged twice.")   # a category
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import torch
from torch import nn

from llmsite import transformer as tf

__all__ = [
    "TRAIN_TICKETS",
    "TRAIN_TICKETS_SHA256",
    "LoRA",
    "Adapter",
    "Task",
    "load_train_tickets",
    "load_task",
    "SYSTEM",
    "prompt_ids",
    "encode_example",
    "run_blocks",
    "frozen_bottom",
    "Step",
    "AdapterRun",
    "train_adapter",
    "classify",
    "reply",
    "HeldOut",
    "held_out",
    "training_bytes",
    "state_bytes",
]

DATA = Path(__file__).resolve().parent / "data"
TRAIN_TICKETS = DATA / "tickets-train.jsonl"
TRAIN_TICKETS_SHA256 = "b113bc861ec231b59d7b0309be4fa1805c27eefd82751dc74f7d30df01005931"

# --------------------------------------------------------------------------- the adapter


class _Transposed:
    """What ``lora.T`` returns, so that ``x @ lora.T`` (the line ``transformer.attention``
    runs for a plain weight) calls the adapter."""

    def __init__(self, lora: LoRA):
        self.lora = lora

    def __rmatmul__(self, x: torch.Tensor) -> torch.Tensor:
        return self.lora(x)


class LoRA(nn.Module):
    """A rank-``r`` adapter beside one frozen weight ``W`` [out, in].

    ``lora(x) = x @ W.T + (alpha / r) · (x @ A.T) @ B.T``: the frozen path plus a detour
    through ``r`` numbers per token. A is small and random, B is zero: at the start the
    detour adds exactly nothing, and training grows it from there.
    """

    def __init__(self, weight: torch.Tensor, r: int, alpha: float, gen: torch.Generator):
        super().__init__()
        out_features, in_features = weight.shape
        self.weight = weight  # frozen: a plain tensor, not a Parameter, so no gradient, no optimizer
        self.A = nn.Parameter(torch.randn(r, in_features, generator=gen) / math.sqrt(in_features))
        self.B = nn.Parameter(torch.zeros(out_features, r))
        self.r, self.alpha = r, alpha
        self.scale = alpha / r

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x @ self.weight.T + self.scale * ((x @ self.A.T) @ self.B.T)

    @property
    def T(self) -> _Transposed:
        return _Transposed(self)

    @property
    def shape(self) -> torch.Size:
        return self.weight.shape

    def merged(self) -> torch.Tensor:
        """``W + scale · B · A`` as one plain tensor of W's shape: the adapter folded in."""
        with torch.no_grad():
            return self.weight + self.scale * (self.B @ self.A)


class Adapter(nn.Module):
    """LoRA adapters on some projections (``targets``, e.g. q and v) of some blocks
    (``layers``) of a frozen model ``W``. Only the adapters' A and B are parameters."""

    def __init__(self, W: tf.Weights, layers, targets=("q", "v"), r: int = 8, alpha: float = 16,
                 seed: int = 0):
        super().__init__()
        gen = torch.Generator().manual_seed(seed)
        self.base = W
        self.layers = sorted(layers)
        self.targets = tuple(targets)
        self.loras = nn.ModuleDict({
            f"{layer}_{name}": LoRA(getattr(W.layers[layer], name), r, alpha, gen)
            for layer in self.layers for name in self.targets})

    def n_trainable(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def weights(self) -> tf.Weights:
        """The model with the adapters beside the frozen weights (what training runs)."""
        return self._with(lambda key: self.loras[key])

    def merged(self) -> tf.Weights:
        """The model with each adapter folded into its weight: plain tensors, the same shapes,
        the same speed as the original model."""
        return self._with(lambda key: self.loras[key].merged())

    def _with(self, pick) -> tf.Weights:
        layers = list(self.base.layers)
        for layer in self.layers:
            layers[layer] = replace(layers[layer], **{name: pick(f"{layer}_{name}") for name in self.targets})
        return replace(self.base, layers=layers)


# --------------------------------------------------------------------------- the task


@dataclass(frozen=True)
class Ticket:
    text: str
    label: str


def _read_pinned(path: Path, sha256: str) -> bytes:
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != sha256:
        raise ValueError(f"{path} is not the pinned file (sha256 {hashlib.sha256(data).hexdigest()[:12]}…, "
                         f"expected {sha256[:12]}…): restore it with `git checkout -- llmsite/data`")
    return data


def load_train_tickets(path: Path = TRAIN_TICKETS) -> list[Ticket]:
    """The 60 training tickets (12 per category), none of them among chapter 14b's test tickets."""
    rows = [json.loads(line) for line in _read_pinned(path, TRAIN_TICKETS_SHA256).decode().splitlines() if line.strip()]
    return [Ticket(r["text"], r["label"]) for r in rows]


@dataclass
class Task:
    """Everything a training run needs: the frozen model, its tokenizer and the tickets."""

    W: tf.Weights
    tok: object
    train: list[Ticket]
    test: list[Ticket]
    _bottoms: dict = field(default_factory=dict, repr=False)  # held_out's cache of the frozen blocks' output


def load_task(model=None, tok=None) -> Task:
    """The real model on the CPU in float32 (training here is CPU-only: byte-stable), the
    training tickets and chapter 14b's 60 test tickets. Pass an already loaded CPU float32
    ``model`` and ``tok`` to reuse them."""
    from llmsite.model import load
    from llmsite.prompting import load_tickets

    if model is None:
        model, tok = load(device="cpu", dtype="float32")
    if model.device.type != "cpu" or model.dtype != torch.float32:
        raise ValueError(f"training here runs on the CPU in float32, got {model.device} {model.dtype}")
    test = [Ticket(t.text, t.label) for t in load_tickets("test")]
    return Task(tf.from_hf(model), tok, load_train_tickets(), test)


SYSTEM = "You sort support tickets."  # the application's system turn; it names the job, not the labels


def prompt_ids(tok, ticket: str) -> list[int]:
    """The ticket in the chat template, after a one-line system turn and no instruction: what
    the model reads, before and after adapting."""
    from llmsite.generate import chat_prompt

    return tok(chat_prompt(tok, ticket, SYSTEM), add_special_tokens=False).input_ids


def encode_example(tok, ticket: Ticket) -> tuple[list[int], list[int]]:
    """(prompt ids, answer ids): the answer is the label, then <|im_end|> (stop)."""
    from llmsite.generate import IM_END_ID

    return prompt_ids(tok, ticket.text), tok(ticket.label, add_special_tokens=False).input_ids + [IM_END_ID]


# --------------------------------------------------------------------------- training


@dataclass
class Step:
    step: int
    loss: float  # mean over the batch's answer tokens


@dataclass
class AdapterRun:
    adapter: Adapter
    history: list[Step]  # the loss of every step
    seconds: float  # wall time (depends on the machine: never printed by a snippet)
    settings: dict = field(default_factory=dict)


def _pad(rows: list[torch.Tensor]) -> torch.Tensor:
    """[T_i, hidden] rows → [n, max T, hidden], zeros on the right. A causal model never looks
    right, so the padding changes nothing at the real positions."""
    width = max(r.shape[0] for r in rows)
    return torch.stack([nn.functional.pad(r, (0, 0, 0, width - r.shape[0])) for r in rows])


def run_blocks(x: torch.Tensor, W: tf.Weights, layers) -> torch.Tensor:
    """The residual stream x [B, T, hidden] through the given blocks of W."""
    positions = torch.arange(x.shape[1], device=x.device)
    for layer in layers:
        x = tf.block(x, layer, W, positions)
    return x


@torch.no_grad()
def frozen_bottom(W: tf.Weights, sequences: list[list[int]], upto: int, batch_size: int = 20) -> list[torch.Tensor]:
    """The residual stream of each sequence entering block ``upto`` ([T_i, hidden] each).
    Blocks below the first adapter never change: compute this once and keep it."""
    out = []
    for s in range(0, len(sequences), batch_size):
        chunk = sequences[s:s + batch_size]
        ids = [torch.tensor(c) for c in chunk]
        width = max(len(c) for c in chunk)
        x = tf.embed(torch.stack([nn.functional.pad(i, (0, width - len(i))) for i in ids]), W)
        x = run_blocks(x, W, range(upto))
        out += [x[row, :len(c)] for row, c in enumerate(chunk)]
    return out


def _answer_logits(h: torch.Tensor, examples, W: tf.Weights) -> tuple[torch.Tensor, torch.Tensor]:
    """Scores at the positions where an answer token comes next, and those tokens."""
    rows, cols, targets = [], [], []
    for row, (p, a) in enumerate(examples):
        for j, t in enumerate(a):
            rows.append(row)
            cols.append(len(p) - 1 + j)
            targets.append(t)
    return tf.unembed(h[rows, cols], W), torch.tensor(targets)


def train_adapter(task: Task, steps: int = 40, layers=range(26, 30), targets=("q", "v"), r: int = 8,
                  alpha: float = 16, lr: float = 5e-3, batch_size: int = 8, seed: int = 0,
                  on_step=None) -> AdapterRun:
    """Train a LoRA adapter on the training tickets, on the CPU, deterministically.

    The loss is next-token cross-entropy on the answer tokens only (the label and the stop):
    the ticket is given, not learned. The blocks below the first adapted one are frozen and
    see the same tickets every time, so their output is computed once per ticket and kept;
    each step then runs only the adapted blocks and the output layer.
    """
    from llmsite.train import deterministic, lr_at

    W, tok = task.W, task.tok
    layers = sorted(layers)
    first = layers[0]
    examples = [encode_example(tok, t) for t in task.train]
    with deterministic("cpu"), torch.enable_grad():
        torch.manual_seed(seed)
        adapter = Adapter(W, layers, targets, r=r, alpha=alpha, seed=seed)
        bottoms = frozen_bottom(W, [p + a[:-1] for p, a in examples], first)  # once, not every step
        opt = torch.optim.AdamW(adapter.parameters(), lr=lr, weight_decay=0.0)
        gen = torch.Generator().manual_seed(seed + 1)
        history, order, start = [], [], time.perf_counter()
        for step in range(steps):
            if len(order) < batch_size:  # a fresh shuffle of the tickets each time round
                order += torch.randperm(len(examples), generator=gen).tolist()
            batch, order = order[:batch_size], order[batch_size:]
            for group in opt.param_groups:  # chapter 10's schedule: warm up, then a cosine decay
                group["lr"] = lr_at(step, steps, lr, max(1, steps // 10))
            Wa = adapter.weights()  # the model with the adapters in
            h = run_blocks(_pad([bottoms[i] for i in batch]), Wa, range(first, W.n_layers))
            logits, answer = _answer_logits(h, [examples[i] for i in batch], Wa)
            loss = nn.functional.cross_entropy(logits.float(), answer)  # surprise at the answer tokens
            opt.zero_grad(set_to_none=True)
            loss.backward()  # gradients reach A and B only: everything else is frozen
            opt.step()
            history.append(Step(step + 1, loss.item()))
            if on_step:
                on_step(history[-1])
        seconds = time.perf_counter() - start
    adapter.eval()
    return AdapterRun(adapter, history, seconds,
                      dict(steps=steps, layers=layers, targets=targets, r=r, alpha=alpha, lr=lr,
                           batch_size=batch_size, seed=seed))


# --------------------------------------------------------------------------- using it


@torch.no_grad()
def reply(task: Task, W: tf.Weights, ticket: str, max_new_tokens: int = 12) -> str:
    """The model's greedy reply to a ticket (our generation loop, the whole model), up to
    <|im_end|> or ``max_new_tokens``."""
    from llmsite.generate import generate
    from llmsite.train import deterministic

    with deterministic("cpu"):
        out = generate(prompt_ids(task.tok, ticket), W, max_new_tokens=max_new_tokens)
    return task.tok.decode(out.tokens, skip_special_tokens=True)


@dataclass
class HeldOut:
    """The 60 test tickets, read the way an application would read the reply."""

    n: int
    exact: int  # the whole greedy reply is the right category, then the stop
    a_label: int  # the reply starts like one of the five categories (right or wrong)
    picks: list  # per ticket: the category the reply starts with, or None
    first_tokens: list  # per ticket: the id of the reply's first token


@torch.no_grad()
def held_out(task: Task, W: tf.Weights, start: int = 26) -> HeldOut:
    """Score the 60 test tickets with one pass each instead of a generation loop.

    Feed the ticket followed by its right answer and check that the model's top token is the
    next answer token at every answer position: greedy decoding writes exactly the answer if
    and only if that holds. The top token after the ticket also tells which category the
    reply starts with (the five categories start with five different tokens).
    ``W`` may differ from the base model only in blocks ``start`` and up (checked): the blocks
    below are the base model's, so their output is computed once and shared.
    """
    from llmsite.prompting import LABELS
    from llmsite.train import deterministic

    if any(W.layers[i] is not task.W.layers[i] for i in range(start)):
        raise ValueError(f"W differs from the base model below block {start}: use a lower start")
    first_token = {task.tok(lab, add_special_tokens=False).input_ids[0]: lab for lab in LABELS}
    assert len(first_token) == len(LABELS), "each category must start with its own token"
    examples = [encode_example(task.tok, t) for t in task.test]
    exact, picks, firsts = 0, [], []
    with deterministic("cpu"):
        key = (start, tuple(t.text for t in task.test))
        if task._bottoms.get("key") != key:
            task._bottoms = {"key": key, "x": frozen_bottom(task.W, [p + a[:-1] for p, a in examples], start)}
        for s in range(0, len(examples), 20):
            chunk = examples[s:s + 20]
            h = run_blocks(_pad(task._bottoms["x"][s:s + 20]), W, range(start, W.n_layers))
            logits, answer = _answer_logits(h, chunk, W)
            top = logits.argmax(-1).tolist()
            pos = 0
            for p, a in chunk:
                exact += top[pos:pos + len(a)] == answer[pos:pos + len(a)].tolist()
                picks.append(first_token.get(top[pos]))
                firsts.append(top[pos])
                pos += len(a)
    return HeldOut(len(examples), exact, sum(p is not None for p in picks), picks, firsts)


def training_bytes(n_trainable: int, n_frozen: int = 0, bytes_per_number: int = 4) -> int:
    """Memory for the numbers training keeps (float32, AdamW), activations not counted: each
    trainable number comes with its gradient and Adam's two running averages (4 numbers); a
    frozen number is just itself (1)."""
    return (4 * n_trainable + n_frozen) * bytes_per_number


def state_bytes(params, opt: torch.optim.Optimizer) -> int:
    """The same for trainable ``params``, counted from the tensors that exist after a step: the
    parameters, their gradients and the optimizer's per-parameter state (Adam's averages)."""
    total = 0
    for p in params:
        total += p.nbytes + (p.grad.nbytes if p.grad is not None else 0)
        total += sum(t.nbytes for t in opt.state[p].values() if torch.is_tensor(t) and t.shape == p.shape)
    return total
