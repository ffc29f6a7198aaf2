"""Prompt (prefix) caching: run a long shared beginning once, keep its KV cache, reuse it.

Many requests to one application start with the same tokens: a long system prompt, a handbook,
tool definitions, a few worked examples. Only the end differs (the user's question). A causal
model's keys and values for a token depend only on the tokens *before* it, so the cache that
the shared beginning leaves behind (chapter 9) is the same for every request that starts with
it. Compute it once; for each request, start from a copy and run only the new tokens.

    shared = prefill(prefix_ids, W)                 # once: the long part
    for question_ids in requests:
        cache = fork(shared)                        # free: no tensor is copied
        logits = next_token_logits(question_ids, W, cache)

``fork`` copies no tensor: ``KVCache.update`` never writes into a stored tensor, it makes a
longer one with ``torch.cat`` and stores that, so a fork can grow while the shared cache stays
as it was. Serving engines share fixed-size blocks of cache memory between requests instead
(paged attention), with the same effect.

The cache is keyed by *token ids*, not text: tokenize the prefix and the rest separately and
join the ids, or check that tokenizing the whole text gives the same ids (``splits_cleanly``).
"""

from __future__ import annotations

import torch

from llmsite import transformer as tf
from llmsite.generate import IM_END_ID, next_token_logits

__all__ = ["prefill", "fork", "first_token_logits", "greedy_reply", "splits_cleanly", "request_cost"]


def prefill(prefix_ids, W: tf.Weights) -> tf.KVCache:
    """Run the shared prefix once and return the filled cache (its logits are not needed)."""
    ids, _ = tf._as_batch(prefix_ids)
    if ids.shape[1] == 0:
        raise ValueError("the prefix is empty: there is nothing to cache")
    cache = tf.KVCache.for_weights(W)
    with torch.inference_mode():
        x = tf.embed(ids.to(W.device), W)
        positions = torch.arange(ids.shape[1], device=W.device)
        for layer in range(W.n_layers):
            x = tf.block(x, layer, W, positions, cache)
    return cache


def fork(cache: tf.KVCache) -> tf.KVCache:
    """A cache that starts where ``cache`` is and can grow on its own; the original is untouched."""
    if cache.length == 0:
        raise ValueError("fork a filled cache (use prefill first)")
    new = tf.KVCache(len(cache.keys))
    new.keys, new.values = list(cache.keys), list(cache.values)
    return new


def first_token_logits(rest_ids, W: tf.Weights, shared: tf.KVCache | None = None, prefix_ids=None) -> torch.Tensor:
    """The scores for the first token of the reply, [vocab].

    With ``shared`` (a prefilled cache): only ``rest_ids`` go through the model. Without it:
    ``prefix_ids + rest_ids`` are computed from scratch, as a server without caching does.
    """
    rest, _ = tf._as_batch(rest_ids)
    if rest.shape[1] == 0:
        raise ValueError("a request needs at least one token after the prefix")
    with torch.inference_mode():
        if shared is not None:
            return next_token_logits(rest.to(W.device), W, fork(shared))[0]
        if prefix_ids is None:
            raise ValueError("without a shared cache, pass prefix_ids: the whole prompt must be computed")
        full = torch.cat([tf._as_batch(prefix_ids)[0], rest], dim=1)
        return next_token_logits(full.to(W.device), W)[0]


def greedy_reply(rest_ids, W: tf.Weights, shared: tf.KVCache, max_new_tokens: int = 24,
                 stop_id: int = IM_END_ID) -> list[int]:
    """A greedy reply to one request that starts after the shared prefix (ids, without the stop).

    The loop of chapter 9 on a fork of the shared cache: the request's own tokens first, then one
    token per step. The shared cache is left as it was, ready for the next request.
    """
    cache, step, out = fork(shared), tf._as_batch(rest_ids)[0].to(W.device), []
    with torch.inference_mode():
        for _ in range(max_new_tokens):
            token = int(next_token_logits(step, W, cache)[0].argmax())
            if token == stop_id:
                break
            out.append(token)
            step = torch.tensor([[token]], device=W.device)
    return out


def splits_cleanly(tok, prefix: str, rest: str) -> bool:
    """Does tokenizing ``prefix + rest`` give the prefix's tokens followed by the rest's?
    If not, a cache of the prefix's tokens cannot serve the whole text (a word was cut)."""
    enc = lambda s: tok(s, add_special_tokens=False).input_ids  # noqa: E731
    return enc(prefix + rest) == enc(prefix) + enc(rest)


def request_cost(prefix_tokens: int, fresh_tokens: int, output_tokens: int, price, *, cached: bool) -> float:
    """Dollars for one request at ``price`` (``llmsite.published.CachePrice``, $ per million tokens).

    ``cached``: the prefix is read from the provider's cache (billed at the cache-read price);
    otherwise every input token is billed at the input price. The first request that writes the
    cache costs more where the provider bills cache writes (``price.cache_write``); see
    ``llmsite.published.CACHE_PRICES``.
    """
    if min(prefix_tokens, fresh_tokens, output_tokens) < 0:
        raise ValueError("token counts cannot be negative")
    prefix_rate = price.cache_read if cached else price.input
    return (prefix_tokens * prefix_rate + fresh_tokens * price.input + output_tokens * price.output) / 1e6
