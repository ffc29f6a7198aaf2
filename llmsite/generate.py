"""The generation loop, from scratch, on the hand-written forward pass (``llmsite.transformer``).

    prompt ──tokenize──▶ ids ──▶ ┌─ forward pass: scores for the next token ◀──┐
                                 │  pick one (llmsite.sampling)                │
                                 │  stop token or limit?  ── yes ──▶ done      │
                                 └─ append it ─────────────────────────────────┘

This is the only generation loop in the project. Two ways to run it:

* ``use_cache=False``: every step re-runs the whole sequence so far (prompt + new tokens).
* ``use_cache=True`` (default): one *prefill* pass runs the prompt and fills a KV cache;
  then each *decode* step runs only the newest token, which reads the earlier tokens'
  keys and values from the cache. Same tokens, far less work.

Either way there is exactly one forward pass per new token; what differs is how many tokens
each pass processes. ``Generation.stats`` counts both.

Quick start::

    from llmsite.generate import generate, chat_prompt
    from llmsite.model import load
    from llmsite.transformer import from_hf

    model, tok = load()
    W = from_hf(model)
    ids = tok(chat_prompt(tok, "What is 2 + 2?")).input_ids
    out = generate(ids, W, max_new_tokens=30)            # greedy; stops at <|im_end|>
    print(tok.decode(out.tokens), out.stop_reason)

``stream_text`` yields the reply as text pieces while it is being generated.
"""

from __future__ import annotations

import codecs
import time
from dataclasses import dataclass, field
from typing import Callable, Iterator

import torch

from llmsite import sampling
from llmsite import transformer as tf

__all__ = ["IM_END_ID", "IM_START_ID", "DEFAULT_SYSTEM", "Stats", "Generation", "next_token_logits",
           "generate_tokens", "generate", "Utf8Stream", "stream_text", "chat_messages", "chat_prompt",
           "build_chat_prompt"]

IM_START_ID = 1  # <|im_start|>: opens a chat turn
IM_END_ID = 2  # <|im_end|>: closes a turn; the instruct model's end-of-sequence token
DEFAULT_SYSTEM = "You are a helpful AI assistant named SmolLM, trained by Hugging Face"


@dataclass
class Stats:
    """What one generation cost. Timings are wall-clock seconds (CUDA is synchronised)."""

    forward_passes: int = 0
    tokens_processed: int = 0  # sum over passes of the tokens fed in
    prefill_tokens: int = 0  # tokens in the first pass (the prompt)
    prefill_seconds: float = 0.0  # the first pass
    decode_steps: int = 0  # passes after the first
    decode_seconds: float = 0.0

    @property
    def decode_tokens_per_second(self) -> float:
        return self.decode_steps / self.decode_seconds if self.decode_seconds else float("nan")


@dataclass
class Generation:
    prompt: list[int]
    tokens: list[int]  # the new tokens, without the stop token
    stop_reason: str  # "stop token" or "length"
    stop_token: int | None = None
    stats: Stats = field(default_factory=Stats)


def next_token_logits(ids: torch.Tensor, W: tf.Weights, cache: tf.KVCache | None = None) -> torch.Tensor:
    """One forward pass that returns only the last position's scores, ids [B, T] → [B, vocab].

    The same blocks as ``transformer.forward``, but the output layer (576 → 49,152) runs
    for the last token only: the loop never looks at the other positions' predictions.
    """
    start = cache.length if cache is not None else 0
    positions = torch.arange(start, start + ids.shape[1], device=W.device)
    x = tf.embed(ids, W)
    for layer in range(W.n_layers):
        x = tf.block(x, layer, W, positions, cache)
    return tf.unembed(x[:, -1], W)


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def generate_tokens(
    prompt,
    W: tf.Weights,
    max_new_tokens: int = 50,
    *,
    temperature: float = 0.0,
    top_k: int | None = None,
    top_p: float | None = None,
    min_p: float | None = None,
    seed: int | None = None,
    generator: torch.Generator | None = None,
    use_cache: bool = True,
    stop_ids=(IM_END_ID,),
    stats: Stats | None = None,
    cache: tf.KVCache | None = None,
    on_stop: Callable[[int | None], None] | None = None,
) -> Iterator[int]:
    """Yield new token ids one at a time (the loop itself).

    ``prompt`` is a list of ids or a [T] / [1, T] tensor. Sampling settings are those of
    ``llmsite.sampling.sample``; the default ``temperature=0`` is greedy. ``seed`` makes a
    fresh CPU generator (or pass your own CPU ``generator``). Stops after
    ``max_new_tokens`` or when a token in ``stop_ids`` comes out; the stop token is not
    yielded, and ``on_stop`` (if given) receives it (None when the limit was hit).
    Pass an empty ``cache`` (``KVCache.for_weights(W)``) to look at it afterwards.
    """
    ids, _ = tf._as_batch(prompt)
    assert ids.shape[0] == 1, "the loop here generates a single sequence"
    ids = ids.to(W.device)
    if generator is None and seed is not None:
        generator = torch.Generator().manual_seed(seed)  # on the CPU: a seed means the same everywhere
    stop_ids = set(stop_ids or ())
    stats = stats if stats is not None else Stats()
    if cache is not None and cache.length:
        raise ValueError("pass an empty KVCache: the loop prefills it with the prompt")
    if use_cache and cache is None:
        cache = tf.KVCache.for_weights(W)
    elif not use_cache:
        cache = None
    seq = ids  # everything so far (needed without a cache)
    step_input = ids  # what the next pass reads: the prompt first, then one token
    stopped: int | None = None
    with torch.inference_mode():
        for step in range(max_new_tokens):
            _sync(W.device)
            t0 = time.perf_counter()
            logits = next_token_logits(step_input, W, cache)[0]
            token = sampling.sample(logits, temperature, top_k, top_p, min_p, generator)
            _sync(W.device)  # `int(...)` inside sample already waits; this is for clarity
            dt = time.perf_counter() - t0
            stats.forward_passes += 1
            stats.tokens_processed += step_input.shape[1]
            if step == 0:
                stats.prefill_tokens, stats.prefill_seconds = step_input.shape[1], dt
            else:
                stats.decode_steps += 1
                stats.decode_seconds += dt
            if token in stop_ids:
                stopped = token
                break
            yield token
            new = torch.tensor([[token]], device=W.device)
            seq = torch.cat([seq, new], dim=1)
            step_input = new if use_cache else seq  # with a cache, only the new token goes in
    if on_stop is not None:
        on_stop(stopped)


def generate(prompt, W: tf.Weights, max_new_tokens: int = 50, **settings) -> Generation:
    """Run the loop to the end; returns the new tokens, why it stopped, and what it cost.

    Keyword settings are those of ``generate_tokens``.
    """
    stats = settings.pop("stats", None) or Stats()
    box: list[int | None] = []
    tokens = list(generate_tokens(prompt, W, max_new_tokens, stats=stats, on_stop=box.append, **settings))
    stop = box[0] if box else None
    prompt_ids = tf._as_batch(prompt)[0][0].tolist()
    return Generation(prompt_ids, tokens, "stop token" if stop is not None else "length", stop, stats)


# --------------------------------------------------------------------------- streaming


class Utf8Stream:
    """Turn token ids into text as they arrive, never splitting a character.

    A token is a run of *bytes*, and one character can be spread over two tokens (an emoji
    is 4 bytes; a rare one is often split). Decoding each token alone would print "�" for
    each half. An incremental UTF-8 decoder keeps an unfinished character's first bytes
    until the rest arrive. ``token_bytes`` maps an id to its bytes (default: the pure-Python
    tokenizer of the model, ``llmsite.tokenizer``).
    """

    def __init__(self, token_bytes: Callable[[int], bytes] | None = None):
        if token_bytes is None:
            from llmsite.tokenizer import load_model_tokenizer

            token_bytes = load_model_tokenizer().token_bytes
        self.token_bytes = token_bytes
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")

    def push(self, token: int) -> str:
        """The text this token completes ('' while a character is still unfinished)."""
        return self._decoder.decode(self.token_bytes(token))

    def flush(self) -> str:
        """Whatever is left at the end ('�' for a character that never got finished)."""
        return self._decoder.decode(b"", final=True)


def stream_text(prompt, W: tf.Weights, max_new_tokens: int = 50, token_bytes=None, **settings) -> Iterator[str]:
    """Yield the generated text piece by piece while the loop runs (no empty pieces)."""
    stream = Utf8Stream(token_bytes)
    for token in generate_tokens(prompt, W, max_new_tokens, **settings):
        piece = stream.push(token)
        if piece:
            yield piece
    rest = stream.flush()
    if rest:
        yield rest


# --------------------------------------------------------------------------- the chat template


def chat_messages(user: str, system: str | None = None) -> list[dict]:
    messages = [{"role": "system", "content": system}] if system is not None else []
    return messages + [{"role": "user", "content": user}]


def chat_prompt(tok, user: str, system: str | None = None) -> str:
    """The text the instruct model was trained to continue, from the tokenizer's own chat
    template (``transformers``' ``apply_chat_template``), ending where the assistant's
    reply starts. The model then writes the reply and closes it with <|im_end|>."""
    return tok.apply_chat_template(chat_messages(user, system), tokenize=False, add_generation_prompt=True)


def build_chat_prompt(messages: list[dict], add_generation_prompt: bool = True) -> str:
    """The same template written out by hand (ChatML): each turn is
    ``<|im_start|>role\\ncontent<|im_end|>\\n``; without a system turn, SmolLM2's default
    one is put first; the prompt ends with ``<|im_start|>assistant\\n``."""
    parts = []
    if messages and messages[0]["role"] != "system":
        parts.append(f"<|im_start|>system\n{DEFAULT_SYSTEM}<|im_end|>\n")
    for m in messages:
        parts.append(f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n")
    if add_generation_prompt:
        parts.append("<|im_start|>assistant\n")
    return "".join(parts)
