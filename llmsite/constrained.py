"""JSON mode is logit masking: constrained decoding, written out.

A model scores all 49,152 tokens at every step. "JSON mode", "structured output" and "pick one
of these labels" all work the same way: before picking, set the score of every token that
cannot continue a valid answer to −∞, so softmax gives it probability 0 and no sampler can
choose it. What is left is the model's own preference among the tokens that keep the answer
valid.

    logits [49,152] ──mask: −∞ where the answer would break──▶ softmax ──pick──▶ token
         ▲                                                                      │
         └──────── the state machine moves along the token's characters ◀──────┘

Two pieces do the bookkeeping:

* ``Choice``: the valid answers as a *byte trie* (a tree of their characters): a state is a
  node, a byte moves to a child, and a node that ends an answer is final. That is a tiny
  state machine for a finite set of answers ("one of 5 labels", or a small JSON shape whose
  fields take one of a few values). Any machine with ``start``, ``step`` and ``is_final``
  works with the rest of the module. ``Pattern`` (runs of allowed characters, like
  ``[A-Z][0-9]{4}``), ``Sequence`` (parts in a row) and ``Either`` (alternatives) build bigger
  ones; ``llmsite.tools.call_constraint`` uses all three for tool calls.
* ``Vocab``: the bytes of every token, in a second trie. The tokens allowed in a state are the
  paths that both tries share: walk the vocabulary trie and the machine together, dropping a
  branch as soon as the machine has no move for its next byte. ``Constraint`` does that once
  for every state the machine can reach (its *index*), so decoding only looks the mask up.

``generate`` is the loop of ``llmsite.generate`` (our transformer, a KV cache, our sampler)
with the mask put in before the pick; ``batch_generate`` runs many prompts at once on
``transformers``' forward pass (same model, same logits) with the same mask and the same pick,
for measuring on a whole ticket set.

Quick start::

    from llmsite.model import load
    from llmsite.transformer import from_hf
    from llmsite.constrained import Choice, Constraint, Vocab, generate, ticket_json_choices

    model, tok = load()
    W = from_hf(model)
    rule = Constraint(Choice(ticket_json_choices()), Vocab.for_model())
    out = generate(tok(prompt).input_ids, W, rule)        # always one of the 10 JSON answers
    print(out.text)
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

import torch

from llmsite import sampling
from llmsite.generate import IM_END_ID, next_token_logits
from llmsite.prompting import LABELS
from llmsite import transformer as tf

__all__ = ["Choice", "Pattern", "Either", "Sequence", "allowed_tokens", "Vocab", "Constraint", "ticket_json_choices", "json_prompt", "parse_ticket_json",
           "Step", "Constrained", "generate", "batch_generate"]


# --------------------------------------------------------------------------- the state machine


class Choice:
    """A finite set of allowed outputs as a byte trie: the smallest useful state machine.

    States are node numbers: 0 is the start (nothing written yet); ``step(state, byte)`` is
    the child along that byte, or None when no allowed output continues that way;
    ``is_final(state)`` says a whole answer has been written.
    """

    def __init__(self, options):
        options = list(options)
        if not options or any(not isinstance(o, str) or not o for o in options):
            raise ValueError("Choice needs at least one option, each a non-empty string")
        self.options = options
        self.children: list[dict[int, int]] = [{}]
        self.final: set[int] = set()
        for option in options:
            node = 0
            for b in option.encode("utf-8"):
                nxt = self.children[node].get(b)
                if nxt is None:
                    nxt = self.children[node][b] = len(self.children)
                    self.children.append({})
                node = nxt
            self.final.add(node)

    start = 0

    def step(self, state: int, byte: int) -> int | None:
        return self.children[state].get(byte)

    def is_final(self, state: int) -> bool:
        return state in self.final

    def __len__(self) -> int:
        """Number of states (trie nodes)."""
        return len(self.children)


class Pattern:
    """A string built from runs of characters, like the regular expression ``[A-Z][0-9]{4}``:
    ``Pattern([("ABC…Z", 1, 1), ("0123456789", 4, 4)])``. Each run is (allowed characters,
    fewest, most); most None means no limit. A state is (run, characters written in it; for a
    run with no limit, counted only up to its fewest, so the states stay few). A byte extends
    the current run if it may, else starts the next run once the current one has its fewest;
    so a run must not allow the character that starts the next one (``@`` in an email is its
    own run)."""

    def __init__(self, runs):
        self.runs = [(frozenset(chars.encode()), lo, hi) for chars, lo, hi in runs]
        if not self.runs or any(not chars or lo < 0 or (hi is not None and not 0 < hi >= lo)
                                for chars, lo, hi in self.runs):
            raise ValueError("each run needs characters and 0 <= fewest <= most (most > 0, or None)")
        if any(b == 0x22 or b == 0x5C or b < 0x20 for chars, _, _ in self.runs for b in chars):
            raise ValueError("a quote, a backslash or a control character would break the JSON string")

    start = (0, 0)

    def step(self, state, byte):
        i, n = state
        while True:
            chars, lo, hi = self.runs[i]
            if byte in chars and (hi is None or n < hi):
                return (i, n + 1 if hi is not None else min(n + 1, lo))
            if n < lo or i + 1 == len(self.runs):
                return None
            i, n = i + 1, 0

    def is_final(self, state) -> bool:
        i, n = state
        return n >= self.runs[i][1] and all(lo == 0 for _, lo, _ in self.runs[i + 1:])


class Either:
    """One of several machines: the state is the set of (branch, state) still alive, so a
    byte is tried in every branch at once (two tool calls that share their first characters
    stay together until they differ)."""

    def __init__(self, branches):
        self.branches = list(branches)
        self.start = frozenset((i, m.start) for i, m in enumerate(self.branches))

    def step(self, state, byte):
        nxt = frozenset((i, n) for i, s in state if (n := self.branches[i].step(s, byte)) is not None)
        return nxt or None

    def is_final(self, state) -> bool:
        return any(self.branches[i].is_final(s) for i, s in state)


class Sequence:
    """Machines one after another: ``Sequence([Choice(heads), Pattern(runs), Choice([tail])])``.

    A state is (part, state in that part). A byte goes to the current part if it can take it,
    else to the next part once the current one is final. That greedy hand-over is exact when
    a part never accepts the byte that starts the next one (here a ``Pattern`` never takes
    the ``"`` that starts the tail), which is all this chapter needs."""

    def __init__(self, parts):
        self.parts = list(parts)
        self.start = (0, self.parts[0].start)

    @staticmethod
    def of(*parts):
        """Strings become one-option ``Choice``s: ``Sequence.of('{"id": "', Pattern(...), '"}')``."""
        return Sequence([Choice([p]) if isinstance(p, str) else p for p in parts])

    def step(self, state, byte):
        i, s = state
        while True:
            nxt = self.parts[i].step(s, byte)
            if nxt is not None:
                return (i, nxt)
            if not self.parts[i].is_final(s) or i + 1 == len(self.parts):
                return None
            i, s = i + 1, self.parts[i + 1].start

    def is_final(self, state) -> bool:
        i, s = state
        return i == len(self.parts) - 1 and self.parts[i].is_final(s)


# --------------------------------------------------------------------------- the vocabulary


class Vocab:
    """Every ordinary token's bytes, in a trie: ``children[node][byte] -> node`` and
    ``token_at[node]``, the token whose bytes end at that node (None if none does).
    Special tokens (``<|im_end|>`` and friends) are left out: they are not text."""

    def __init__(self, token_bytes: list[bytes | None]):
        self.size = len(token_bytes)
        self.children: list[dict[int, int]] = [{}]
        self.token_at: list[int | None] = [None]
        for tid, bs in enumerate(token_bytes):
            if not bs:
                continue
            node = 0
            for b in bs:
                nxt = self.children[node].get(b)
                if nxt is None:
                    nxt = self.children[node][b] = len(self.children)
                    self.children.append({})
                    self.token_at.append(None)
                node = nxt
            self.token_at[node] = tid

    @classmethod
    def for_model(cls) -> Vocab:
        """The vocabulary of SmolLM2-135M-Instruct, from ``llmsite.tokenizer``."""
        from llmsite.tokenizer import load_model_tokenizer

        t = load_model_tokenizer()
        return cls([None if i in t.special_ids else t.token_bytes(i) for i in range(t.vocab_size)])


def allowed_tokens(machine, vocab: Vocab, state) -> dict[int, object]:
    """Every token that can be written in ``state``, and the state it leads to.

    A depth-first walk of the vocabulary trie with the machine alongside: a branch is dropped
    at the first byte the machine refuses, so the work grows with the tokens that fit, not
    with the 49,152 in the vocabulary (the root's ~256 first bytes are tried once each).
    """
    out = {}
    stack = [(0, state)]
    while stack:
        vnode, mstate = stack.pop()
        for b, vchild in vocab.children[vnode].items():
            nxt = machine.step(mstate, b)
            if nxt is None:
                continue
            tid = vocab.token_at[vchild]
            if tid is not None:
                out[tid] = nxt
            stack.append((vchild, nxt))
    return out


class Constraint:
    """A machine and a vocabulary, with the allowed tokens of every reachable state
    precomputed (``index``): state -> {token: next state}. ``eos`` (``<|im_end|>``) is allowed
    exactly in final states, and is the only choice in a final state with nowhere to go."""

    def __init__(self, machine, vocab: Vocab, eos: int = IM_END_ID):
        self.machine, self.vocab, self.eos = machine, vocab, eos
        self.index: dict[object, dict[int, object]] = {}
        todo = [machine.start]
        while todo:
            state = todo.pop()
            if state in self.index:
                continue
            moves = allowed_tokens(machine, vocab, state)
            if not moves and not machine.is_final(state):
                raise ValueError(f"state {state!r}: no token continues it (a dead end)")
            self.index[state] = moves
            todo.extend(s for s in moves.values() if s not in self.index)
        self._masks: dict[object, torch.Tensor] = {}

    @property
    def start(self):
        return self.machine.start

    def allowed(self, state) -> list[int]:
        ids = sorted(self.index[state])
        return ids + [self.eos] if self.machine.is_final(state) else ids

    def mask(self, state, device="cpu") -> torch.Tensor:
        """True for the tokens allowed in ``state`` ([vocab] bool, cached per state)."""
        key = (state, str(device))
        m = self._masks.get(key)
        if m is None:
            m = torch.zeros(self.vocab.size, dtype=torch.bool, device=device)
            m[torch.tensor(self.allowed(state), device=device)] = True
            self._masks[key] = m
        return m

    def apply(self, logits: torch.Tensor, state) -> torch.Tensor:
        """The logits with every forbidden token at −∞."""
        if logits.shape[-1] != self.vocab.size:
            raise ValueError(f"logits over {logits.shape[-1]} tokens, but the vocabulary has {self.vocab.size}")
        return logits.masked_fill(~self.mask(state, logits.device), float("-inf"))

    def advance(self, state, token: int):
        """The state after writing ``token``; ValueError if it was not allowed."""
        if token == self.eos and self.machine.is_final(state):
            return state
        try:
            return self.index[state][token]
        except KeyError:
            raise ValueError(f"token {token} is not allowed in state {state!r}") from None


# --------------------------------------------------------------------------- the ticket task


def ticket_json_choices(labels=LABELS) -> list[str]:
    """The 10 valid answers of the chapter's JSON shape: a category and an urgency flag."""
    return [f'{{"category": "{lab}", "urgent": {u}}}' for lab in labels for u in ("true", "false")]


def json_prompt(tok, ticket: str, labels=LABELS) -> str:
    """The chat prompt that asks for the JSON answer. The ticket comes last, so every prompt
    shares the instruction (and its KV cache)."""
    from llmsite.generate import chat_prompt

    shape = '{"category": "<one of: ' + ", ".join(labels) + '>", "urgent": true or false}'
    return chat_prompt(tok, "Read the support ticket. Answer with JSON only, in exactly this form:\n"
                            f"{shape}\n\nTicket: {ticket}")


def parse_ticket_json(text: str, labels=LABELS) -> dict | None:
    """The answer if ``text`` is exactly one JSON object of the right shape
    ({"category": one of the labels, "urgent": true or false}, nothing else), else None."""
    try:
        obj = json.loads(text)
    except (json.JSONDecodeError, TypeError):
        return None
    if (isinstance(obj, dict) and set(obj) == {"category", "urgent"} and obj["category"] in labels
            and isinstance(obj["urgent"], bool)):
        return obj
    return None


# --------------------------------------------------------------------------- decoding


@dataclass
class Step:
    """One decoding step, for showing what the mask did."""

    token: int
    allowed: int  # how many tokens the mask left (the whole vocabulary without a mask)
    mass_allowed: float  # the share of the model's own probability those tokens held
    seconds: float  # wall time of the step (forward pass + mask + pick)
    mask_seconds: float  # the part spent masking


@dataclass
class Constrained:
    tokens: list[int]
    text: str
    stop_reason: str  # "stop token" or "length"
    steps: list[Step] = field(default_factory=list)
    logits: list = field(default_factory=list)  # with keep_logits: each step's raw logits [vocab]
    states: list = field(default_factory=list)  # and the mask state at that step


def generate(prompt, W: tf.Weights, constraint: Constraint | None = None, max_new_tokens: int = 40, *,
             temperature: float = 0.0, seed: int | None = None, decode=None, stop_id: int = IM_END_ID,
             keep_logits: bool = False) -> Constrained:
    """The generation loop with an optional mask before the pick (KV cache, our sampler).

    Without a ``constraint`` this is the plain loop. ``decode`` turns ids into text (default:
    ``llmsite.tokenizer``). ``keep_logits``: also keep each step's raw logits and mask state
    (for the figure), in ``result.logits`` and ``result.states``.
    """
    if decode is None:
        from llmsite.tokenizer import load_model_tokenizer

        decode = load_model_tokenizer().decode
    ids, _ = tf._as_batch(prompt)
    ids = ids.to(W.device)
    generator = torch.Generator(device=W.device).manual_seed(seed) if seed is not None else None
    cache = tf.KVCache.for_weights(W)
    state = constraint.start if constraint is not None else None
    step_input, tokens, steps, reason, kept, states = ids, [], [], "length", [], []
    with torch.inference_mode():
        for i in range(max_new_tokens):
            t0 = time.perf_counter()
            logits = next_token_logits(step_input, W, cache)[0]
            if keep_logits:
                kept.append(logits.clone())
                states.append(state)
            t1 = time.perf_counter()
            if constraint is not None:
                masked = constraint.apply(logits, state)
                n_allowed = len(constraint.allowed(state))
            else:
                masked, n_allowed = logits, logits.shape[-1]
            t2 = time.perf_counter()
            token = sampling.sample(masked, temperature, generator=generator)
            t3 = time.perf_counter()
            mass = float(torch.softmax(logits.float(), -1)[constraint.mask(state, logits.device)].sum()) \
                if constraint is not None else 1.0
            steps.append(Step(token, n_allowed, mass, t3 - t0, t2 - t1))
            if token == stop_id:
                reason = "stop token"
                break
            if constraint is not None:
                state = constraint.advance(state, token)
            tokens.append(token)
            step_input = torch.tensor([[token]], device=W.device)
    return Constrained(tokens, decode(tokens), reason, steps, kept, states)


def _common_prefix(token_lists: list[list[int]]) -> int:
    n = min(len(t) for t in token_lists) - 1
    first = token_lists[0]
    for t in token_lists[1:]:
        n = next((i for i in range(n) if t[i] != first[i]), n)
    return max(n, 0)


def batch_generate(model, tok, prompts: list[str], constraints=(None,), max_new_tokens: int = 40,
                   stop_id: int = IM_END_ID, give_up=None) -> list[list[list[int]]]:
    """Greedy generation for many prompts at once, under one or more masks, each row with its
    own mask state. Returns ``out[c][i]``: the new tokens of prompt ``i`` under
    ``constraints[c]`` (None: no mask), without the stop token.

    The forward pass is ``transformers``' (the same model as ``llmsite.transformer``, batched):
    the prompts' shared beginning runs once and its KV cache is copied for the batch; the
    rest is padded on the left (padding is masked out of attention) and also runs once, then
    its cache is copied for each constraint. Rows that finish leave the batch. The mask and
    the pick are this module's and ``llmsite.sampling``'s, row by row. ``give_up(tokens)``, if
    given, ends an unmasked row as soon as it returns True (for a reply already known to be
    wrong: it saves time and changes no row's tokens before that point).
    """
    from transformers import DynamicCache

    tokens = [tok(p, add_special_tokens=False).input_ids for p in prompts]
    head = tokens[0][:_common_prefix(tokens)] if len(tokens) > 1 else []
    tails = [t[len(head):] for t in tokens]
    n, width, dev, pad = len(prompts), max(len(t) for t in tails), model.device, stop_id
    ids = torch.tensor([[pad] * (width - len(t)) + t for t in tails], device=dev)
    keep = torch.tensor([[1] * len(head) + [0] * (width - len(t)) + [1] * len(t) for t in tails], device=dev)
    pos = torch.tensor([[len(head)] * (width - len(t)) + list(range(len(head), len(head) + len(t))) for t in tails],
                       device=dev)
    cache = DynamicCache()
    with torch.inference_mode():
        if head:
            head_cache = DynamicCache()
            model(torch.tensor([head], device=dev), past_key_values=head_cache, use_cache=True)
            for layer in range(len(head_cache.layers)):
                k, v = head_cache.layers[layer].keys, head_cache.layers[layer].values
                cache.update(k.expand(n, -1, -1, -1).contiguous(), v.expand(n, -1, -1, -1).contiguous(), layer)
        logits = model(ids, attention_mask=keep, position_ids=pos, past_key_values=cache, use_cache=True).logits[:, -1]
        # one copy of every row per constraint: row r is prompt r % n under constraint r // n
        C = len(constraints)
        rows = list(range(C * n))
        logits, keep, next_pos = logits.repeat(C, 1), keep.repeat(C, 1), (pos[:, -1] + 1).repeat(C)
        for layer in cache.layers:
            layer.keys, layer.values = layer.keys.repeat(C, 1, 1, 1), layer.values.repeat(C, 1, 1, 1)
        rule = [constraints[r // n] for r in rows]
        states = [c.start if c is not None else None for c in rule]
        out: list[list[int]] = [[] for _ in rows]
        for _ in range(max_new_tokens):
            picked, still = [], []
            for i, r in enumerate(rows):
                row_logits = logits[i] if rule[r] is None else rule[r].apply(logits[i], states[r])
                token = sampling.sample(row_logits, 0.0)
                if token == stop_id:
                    continue
                out[r].append(token)
                if rule[r] is not None:
                    states[r] = rule[r].advance(states[r], token)
                elif give_up is not None and give_up(out[r]):
                    continue
                picked.append(token)
                still.append(i)
            if not still:
                break
            if len(still) < len(rows):  # finished rows leave the batch (and the cache)
                idx = torch.tensor(still, device=dev)
                keep, next_pos = keep[idx], next_pos[idx]
                for layer in cache.layers:
                    layer.keys, layer.values = layer.keys[idx], layer.values[idx]
                rows = [rows[i] for i in still]
            keep = torch.cat([keep, torch.ones(len(rows), 1, dtype=keep.dtype, device=dev)], dim=1)
            step = torch.tensor(picked, device=dev)[:, None]
            logits = model(step, attention_mask=keep, position_ids=next_pos[:, None], past_key_values=cache,
                           use_cache=True).logits[:, -1]
            next_pos = next_pos + 1
    return [out[c * n:(c + 1) * n] for c in range(C)]
