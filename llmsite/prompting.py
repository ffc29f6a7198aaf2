"""Prompting, measured: a labelled ticket set, label scoring and honest error bars.

The chapter "Prompting, measured" asks one question many ways: *does this prompt make the model
put the right label first?* Everything it needs is here, small enough to read:

* ``load_tickets()``: 60 synthetic support tickets (12 per category) plus 10 examples for
  few-shot prompts, written by this project for the chapter (``llmsite/data/tickets.jsonl``).
* ``classify_prompt(...)``: the chat prompt, ending where the answer starts (``Category:``).
* ``score_labels(...)``: one forward pass per prompt; the probability of each label's token
  (constrained decoding: only the 5 labels compete) and the model's free favourite (any of the
  49,152 tokens). Prompts that share a beginning share its KV cache: the long part is read once.
* ``wilson(k, n)``: a 95% confidence interval for a rate measured on n cases.

Quick start::

    from llmsite.model import load
    from llmsite.prompting import LABELS, load_tickets, classify_prompt, score_labels

    model, tok = load()
    tickets = load_tickets()
    scores = score_labels(model, tok, [classify_prompt(tok, t.text) for t in tickets])
    print(sum(s.pick == t.label for s, t in zip(scores, tickets)), "of", len(tickets))
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import torch

from llmsite.generate import chat_prompt

__all__ = ["LABELS", "ANSWER_START", "TICKETS", "Ticket", "load_tickets", "instruction", "classify_prompt", "label_token_ids",
           "Scores", "score_labels", "calibrate", "CONTENT_FREE", "generate_short", "HOUSE_STYLE", "free_is_right", "wilson", "rate_line"]

LABELS = ("billing", "shipping", "technical", "account", "refund")
TICKETS = Path(__file__).resolve().parent / "data" / "tickets.jsonl"
ANSWER_START = "Category:"  # we start the answer; the next token is the label


@dataclass(frozen=True)
class Ticket:
    text: str
    label: str
    split: str  # "test" (what we score) or "example" (what few-shot prompts show)


def load_tickets(split: str = "test", path: Path = TICKETS) -> list[Ticket]:
    """The tickets of one split, in file order (the labels are interleaved)."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [Ticket(r["text"], r["label"], r["split"]) for r in rows if r["split"] == split]


def instruction(labels=LABELS) -> str:
    return f"Classify this support ticket into one of these categories: {', '.join(labels)}."


def classify_prompt(tok, ticket: str, labels=LABELS, *, examples=(), filler: str = "",
                    instruction_last: bool = False, system: str | None = None) -> str:
    """The chat prompt for one ticket, ending with the start of the answer, ``Category:``.

    ``examples`` (Tickets) are shown before the ticket with their answers (few-shot).
    ``filler`` is pasted text placed before the ticket (a long prompt); the instruction comes
    first, or last with ``instruction_last``. ``system`` replaces SmolLM2's default system turn.
    """
    parts = [] if instruction_last else [instruction(labels)]
    if filler:
        parts.append(filler)
    parts += [f"Ticket: {e.text}\n{ANSWER_START} {e.label}" for e in examples]
    parts.append(f"Ticket: {ticket}")
    if instruction_last:
        parts.append(instruction(labels))
    return chat_prompt(tok, "\n\n".join(parts), system) + ANSWER_START


def label_token_ids(tok, labels=LABELS) -> list[int]:
    """The token of each label as the model would write it after ``Category:`` (" billing").
    Each label must be one token, and no two labels the same token."""
    ids = [tok(" " + label, add_special_tokens=False).input_ids for label in labels]
    if any(len(i) != 1 for i in ids) or len({i[0] for i in ids}) != len(ids):
        raise ValueError(f"each label needs its own single token; got {dict(zip(labels, ids))}")
    return [i[0] for i in ids]


@dataclass(frozen=True)
class Scores:
    """What the model thinks comes right after ``Category:`` for one prompt."""

    probs: dict  # label -> probability among the labels only (sums to 1)
    label_mass: float  # share of the whole distribution that the labels hold
    free: str  # the model's favourite token over the whole vocabulary, decoded

    @property
    def pick(self) -> str:
        """Constrained decoding: the best of the labels, whatever else the model prefers."""
        return max(self.probs, key=self.probs.get)


def _common_prefix(token_lists: list[list[int]]) -> int:
    """How many leading tokens all prompts share (leaving at least one token of each to read)."""
    n = min(len(t) for t in token_lists) - 1
    first = token_lists[0]
    for t in token_lists[1:]:
        n = next((i for i in range(n) if t[i] != first[i]), n)
    return max(n, 0) if len(token_lists) > 1 else 0


def score_labels(model, tok, prompts: list[str], labels=LABELS, batch_size: int = 12) -> list[Scores]:
    """Score the labels' tokens at the end of each prompt (one forward pass per prompt).

    The shared beginning of the prompts goes through the model once; its KV cache is then
    copied for each batch of endings. The endings are padded on the right, and a causal model
    never looks right, so padding changes nothing at the real positions we read.
    """
    from transformers import DynamicCache

    label_ids = label_token_ids(tok, labels)
    tokens = [tok(p, add_special_tokens=False).input_ids for p in prompts]
    head = tokens[0][:_common_prefix(tokens)]
    pad = tok.pad_token_id if tok.pad_token_id is not None else 0
    out: list[Scores] = []
    with torch.inference_mode():
        head_cache = None
        if head:
            head_cache = DynamicCache()
            model(torch.tensor([head], device=model.device), past_key_values=head_cache, use_cache=True)
        for start in range(0, len(prompts), batch_size):
            chunk = prompts[start:start + batch_size]
            tails = [t[len(head):] for t in tokens[start:start + batch_size]]
            width = max(len(t) for t in tails)
            ids = torch.tensor([t + [pad] * (width - len(t)) for t in tails], device=model.device)
            cache = None
            if head_cache is not None:
                cache = DynamicCache()
                for layer in range(len(head_cache.layers)):
                    k, v = head_cache.layers[layer].keys, head_cache.layers[layer].values
                    cache.update(k.expand(len(chunk), -1, -1, -1).contiguous(),
                                 v.expand(len(chunk), -1, -1, -1).contiguous(), layer)
            positions = torch.arange(len(head), len(head) + width, device=model.device).expand(len(chunk), -1)
            logits = model(ids, past_key_values=cache, position_ids=positions, use_cache=cache is not None).logits
            for row, tail in enumerate(tails):
                probs = logits[row, len(tail) - 1].float().softmax(dim=-1)
                chosen = probs[label_ids]
                out.append(Scores({lab: float(p) for lab, p in zip(labels, chosen / chosen.sum())},
                                  float(chosen.sum()), tok.decode([int(probs.argmax())])))
    return out


def calibrate(scores: Scores, baseline: Scores) -> Scores:
    """Contextual calibration (Zhao et al., 2021): divide each label's probability by the one
    the same prompt gives to a content-free ticket ("N/A"), then renormalise. A label the
    prompt favours whatever the ticket says loses that head start."""
    ratio = {lab: p / baseline.probs[lab] for lab, p in scores.probs.items()}
    total = sum(ratio.values())
    return Scores({lab: r / total for lab, r in ratio.items()}, scores.label_mass, scores.free)


CONTENT_FREE = "N/A"  # the ticket that says nothing


def free_is_right(free: str, label: str) -> bool:
    """Letting the model write freely, is its first token the start of the right label?
    (" Billing" and " billing" count for billing; " Ref" counts for refund.)"""
    word = free.strip().lower()
    return len(word) >= 3 and label.startswith(word)


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval for k successes out of n (95% with z = 1.96). Unlike
    "rate ± 1.96 × standard error" it stays inside [0, 1] and is honest at 0/n and n/n."""
    if n <= 0 or not 0 <= k <= n:
        raise ValueError(f"need 0 ≤ k ≤ n and n > 0, got k={k}, n={n}")
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def rate_line(name: str, k: int, n: int) -> str:
    """One result, the way every snippet of the chapter prints it (and the figures read it)."""
    lo, hi = wilson(k, n)
    return f"{name}: {k}/{n} = {k / n:.0%} (95% CI {lo:.0%}-{hi:.0%})"


def generate_short(model, tok, prompts: list[str], max_new_tokens: int = 24) -> list[str]:
    """Greedy continuations of several prompts at once (left-padded batch, ``transformers``'
    ``generate``), each cut at <|im_end|>. For short texts only: the chapter's reasoning step."""
    side, tok.padding_side = tok.padding_side, "left"
    try:
        batch = tok(prompts, return_tensors="pt", padding=True, add_special_tokens=False).to(model.device)
        with torch.inference_mode():
            out = model.generate(**batch, max_new_tokens=max_new_tokens, do_sample=False,
                                 pad_token_id=tok.pad_token_id)
    finally:
        tok.padding_side = side
    return [tok.decode(row[batch.input_ids.shape[1]:], skip_special_tokens=True) for row in out]


# Pasted text that makes a prompt long without saying anything about any category: the team's
# house style for replies (about 250 tokens). The chapter puts it between the instruction and
# the ticket, or puts the instruction after both.
HOUSE_STYLE = """Notes for the support team (house style):
Greet the customer by name if you know it, and thank them for writing to us. Keep sentences short and
friendly. Avoid jargon, and explain any word the customer might not know. Use the customer's own words
for the problem where you can. Never blame the customer. If you are not sure, say so, and say when you
will know more. Sign every reply with your first name and the team name. Write in the language the
customer used. Use one paragraph per idea, and no more than five paragraphs in total. Do not use
capital letters for emphasis, and do not use more than one exclamation mark in a reply. Check the
spelling of the customer's name twice. Quote dates as day, month and year, and times with the time
zone. When you promise to call back, write down the time in the shared calendar. Close every reply
by asking whether there is anything else we can help with. Read the whole message before you reply,
and read your reply once more before you send it."""
