"""Picking the next token: greedy, temperature, top-k, top-p and min-p, written out in torch.

The model gives a score (logit) to each of the 49,152 tokens. Picking one is a separate step
with its own settings, applied in this order (the order ``transformers`` uses):

    logits ──temperature──▶ sharper or flatter ──top-k──▶ keep the k best
           ──top-p──▶ keep the best tokens until they hold p of the probability
           ──min-p──▶ drop tokens less than min_p × as likely as the best one
           ──softmax──▶ probabilities of the survivors ──draw──▶ one token id

``filtered_probs`` does every step but the draw and returns the whole distribution (zeros for
the tokens cut off), so a page can show what each setting does. ``sample`` draws from it.
Temperature 0 means greedy: always the most likely token, no randomness at all.

Quick start::

    from llmsite.sampling import filtered_probs, sample
    probs = filtered_probs(logits, temperature=0.7, top_p=0.9)   # [49152], sums to 1
    token = sample(logits, temperature=0.7, top_p=0.9,
                   generator=torch.Generator().manual_seed(0))    # an int

Everything works on a ``[vocab]`` tensor or a batch ``[B, vocab]`` and on any device.
"""

from __future__ import annotations

import math

import torch

__all__ = ["greedy", "apply_temperature", "top_k_mask", "top_p_mask", "min_p_mask", "filtered_logits",
           "filtered_probs", "sample", "entropy_bits"]


def _check(temperature: float, top_k: int | None, top_p: float | None, min_p: float | None) -> None:
    if not (isinstance(temperature, (int, float)) and math.isfinite(temperature) and temperature >= 0):
        raise ValueError(f"temperature must be a finite number ≥ 0, got {temperature!r}")
    if top_k is not None and (int(top_k) != top_k or top_k < 0):
        raise ValueError(f"top_k must be a whole number ≥ 0 (0 or None: off), got {top_k!r}")
    if top_p is not None and not (0 <= top_p <= 1):
        raise ValueError(f"top_p must be in [0, 1], got {top_p!r}")
    if min_p is not None and not (0 <= min_p <= 1):
        raise ValueError(f"min_p must be in [0, 1], got {min_p!r}")


def greedy(logits: torch.Tensor) -> torch.Tensor:
    """The index of the highest score (the first one, if several tie)."""
    return logits.argmax(dim=-1)


def apply_temperature(logits: torch.Tensor, temperature: float) -> torch.Tensor:
    """Divide the scores by the temperature, in float32.

    Below 1, gaps between scores grow (the favourite wins more often); above 1 they shrink
    (the distribution flattens towards uniform). We subtract the best score first: that
    changes no probability (softmax only sees differences), but the best token sits at
    exactly 0, so even a temperature of 1e-30 gives -inf for the others and never inf - inf =
    NaN. Temperature 0 is the limit of that: 0 for the best token(s), -inf for all others.
    """
    x = logits.float()
    x = x - x.max(dim=-1, keepdim=True).values
    if temperature == 0:
        return torch.where(x == 0, 0.0, float("-inf"))
    if temperature != 1:
        x = (x.double() / temperature).float()  # float64: 1e-300 is not 0 there; -1e303 → -inf
    return x


def top_k_mask(logits: torch.Tensor, k: int) -> torch.Tensor:
    """True for the tokens top-k removes: all but the ``k`` best. Tokens tied with the
    k-th best score are all kept (as ``transformers`` does), so a tie may keep more than k."""
    k = min(int(k), logits.shape[-1])
    kth_best = logits.topk(k, dim=-1).values[..., -1:]
    return logits < kth_best


def top_p_mask(logits: torch.Tensor, p: float) -> torch.Tensor:
    """True for the tokens top-p ("nucleus") removes.

    Sort the tokens from most to least likely and walk down the list adding up their
    probabilities. A token is kept while the tokens *before* it hold less than ``p``; the
    first token to reach ``p`` is kept too, everything after it goes. The best token is
    always kept (nothing comes before it), so even a tiny ``p`` leaves one token.
    """
    probs = torch.softmax(logits.float(), dim=-1)
    sorted_probs, order = probs.sort(dim=-1, descending=True, stable=True)
    mass_before = sorted_probs.cumsum(dim=-1) - sorted_probs
    remove_sorted = mass_before >= p
    remove_sorted[..., 0] = False
    return torch.zeros_like(remove_sorted).scatter(-1, order, remove_sorted)


def min_p_mask(logits: torch.Tensor, min_p: float) -> torch.Tensor:
    """True for tokens less than ``min_p`` times as likely as the best one (min-p sampling:
    a cut-off that follows the model's confidence). The best token is always kept."""
    probs = torch.softmax(logits.float(), dim=-1)
    return probs < min_p * probs.max(dim=-1, keepdim=True).values


def filtered_logits(logits: torch.Tensor, temperature: float = 1.0, top_k: int | None = None,
                    top_p: float | None = None, min_p: float | None = None) -> torch.Tensor:
    """The scores after temperature and the cut-offs: float32, -inf for removed tokens."""
    _check(temperature, top_k, top_p, min_p)
    x = apply_temperature(logits, temperature)
    if top_k:  # None or 0: off
        x = x.masked_fill(top_k_mask(x, top_k), float("-inf"))
    if top_p is not None and top_p < 1:
        x = x.masked_fill(top_p_mask(x, top_p), float("-inf"))
    if min_p:
        x = x.masked_fill(min_p_mask(x, min_p), float("-inf"))
    return x


def filtered_probs(logits: torch.Tensor, temperature: float = 1.0, top_k: int | None = None,
                   top_p: float | None = None, min_p: float | None = None) -> torch.Tensor:
    """The distribution ``sample`` draws from: float32, same shape as ``logits``, sums to 1,
    exactly 0 for the tokens the settings cut off."""
    return torch.softmax(filtered_logits(logits, temperature, top_k, top_p, min_p), dim=-1)


def _draw(probs: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
    """Inverse-CDF sampling: stack the probabilities end to end on [0, 1), throw one uniform
    random number at the line, and return the token whose stretch it lands in. A token with
    probability 0 has a stretch of length 0 and can never be hit.

    The throw always happens on the CPU, with a CPU generator, in float64: a GPU's random
    numbers come from another generator, so the same seed would pick other tokens there."""
    cdf = probs.double().cpu().cumsum(dim=-1)
    u = torch.rand(cdf.shape[:-1] + (1,), generator=generator, dtype=torch.float64)
    idx = torch.searchsorted(cdf, u * cdf[..., -1:], right=True)
    return idx.clamp_(max=probs.shape[-1] - 1).squeeze(-1).to(probs.device)


def sample(logits: torch.Tensor, temperature: float = 1.0, top_k: int | None = None,
           top_p: float | None = None, min_p: float | None = None,
           generator: torch.Generator | None = None):
    """Pick the next token: an ``int`` for ``[vocab]`` logits, a ``[B]`` tensor for ``[B, vocab]``.

    ``temperature=0`` is greedy and consumes no random numbers. Otherwise one uniform
    number is drawn per row from ``generator`` (a CPU ``torch.Generator``, whatever device the
    logits are on): the same seed gives the same tokens on a CPU and on a GPU.
    """
    if temperature == 0:
        _check(temperature, top_k, top_p, min_p)
        out = greedy(logits)
    else:
        out = _draw(filtered_probs(logits, temperature, top_k, top_p, min_p), generator)
    return int(out) if logits.dim() == 1 else out


def entropy_bits(probs: torch.Tensor) -> torch.Tensor:
    """How unsure a distribution is, in bits: 0 for a sure thing, 1 for a fair coin,
    log2(n) for n equally likely tokens (15.6 bits for all 49,152)."""
    p = probs.double()
    return -(p * torch.log2(p.clamp_min(1e-300))).sum(dim=-1).float()
