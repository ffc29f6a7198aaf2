"""Next-token probabilities from a loaded model: the one computation chapter 1 is about."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Candidate:
    """One possible next token and how much the model likes it."""

    token_id: int
    text: str
    logit: float
    prob: float


def next_token_probs(model, tok, prompt: str):
    """The probability of every token in the vocabulary coming next (a 1-D tensor, sums to 1)."""
    ids = tok(prompt, return_tensors="pt").input_ids.to(model.device)
    logits = model(ids).logits[0, -1].float()
    return logits, logits.softmax(dim=-1)


def top_next_tokens(model, tok, prompt: str, k: int = 10) -> tuple[list[Candidate], float]:
    """The k most likely next tokens, and the probability left for all the others."""
    logits, probs = next_token_probs(model, tok, prompt)
    top = probs.topk(k)
    cands = [
        Candidate(int(i), tok.decode([int(i)]), float(logits[i]), float(p))
        for p, i in zip(top.values, top.indices)
    ]
    return cands, float(1.0 - top.values.sum())
