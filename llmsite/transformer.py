"""SmolLM2-135M-Instruct, forward pass written out by hand in plain torch.

``transformers`` runs the model for us everywhere else on this site. This module does the
same computation again, one small function per idea, so that each chapter can show the
piece it is about, and the tests check that the whole thing gives transformers' logits.

The model is a stack of 30 identical blocks:

    token ids ──embed──▶ x                     x: one 576-number vector per token
    for each of the 30 blocks:
        x = x + attention(rms_norm(x))         tokens look at earlier tokens
        x = x + swiglu_ffn(rms_norm(x))        each token is processed on its own
    logits = rms_norm(x) @ embedding.T         a score for each of the 49,152 tokens

``x`` is the *residual stream*: every block reads it and adds something to it.

Quick start::

    import torch
    from llmsite.transformer import load_weights, forward
    from llmsite.model import load_tokenizer

    W = load_weights()                          # the real weights, as plain tensors
    tok = load_tokenizer()
    ids = torch.tensor([tok("The capital of France is").input_ids])
    logits = forward(ids, W)                    # [1, 5, 49152]
    tok.decode(logits[0, -1].argmax())          # ' Paris'

Shapes in the comments use B = batch, T = tokens in this call, S = tokens the attention
can see (T plus any earlier tokens held in a KV cache), H = query heads, K = key/value heads,
D = head_dim.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import torch

__all__ = [
    "LayerWeights",
    "Weights",
    "from_hf",
    "load_weights",
    "embed",
    "rms_norm",
    "rope_cos_sin",
    "apply_rope",
    "causal_mask",
    "attention",
    "swiglu_ffn",
    "block",
    "unembed",
    "ForwardResult",
    "forward",
    "KVCache",
    "kv_bytes_per_token",
    "hidden_states_per_layer",
    "LensResult",
    "logit_lens",
    "attention_maps",
]


# --------------------------------------------------------------------------- the weights


@dataclass
class LayerWeights:
    """The nine tensors of one block. Matrices are stored as ``[out, in]`` (torch's
    ``nn.Linear`` layout), so applying one to ``x`` is ``x @ w.T``."""

    attn_norm: torch.Tensor  # [576]        scales the normalised input of attention
    q: torch.Tensor  # [9*64, 576]  queries: "what am I looking for?"
    k: torch.Tensor  # [3*64, 576]  keys:    "what do I contain?"
    v: torch.Tensor  # [3*64, 576]  values:  "what do I pass on if looked at?"
    o: torch.Tensor  # [576, 9*64]  mixes the heads' outputs back into the stream
    ffn_norm: torch.Tensor  # [576]        scales the normalised input of the FFN
    gate: torch.Tensor  # [1536, 576]  SwiGLU gate
    up: torch.Tensor  # [1536, 576]  SwiGLU value
    down: torch.Tensor  # [576, 1536]  back to the residual stream


@dataclass
class Weights:
    """Every tensor of the model plus the configuration numbers the code needs."""

    embedding: torch.Tensor  # [vocab, hidden]: one row per token
    layers: list[LayerWeights]
    final_norm: torch.Tensor  # [hidden]
    unembedding: torch.Tensor  # [vocab, hidden]: the *same tensor* as `embedding` (tied)
    n_layers: int = 30
    hidden: int = 576
    n_heads: int = 9
    n_kv_heads: int = 3
    head_dim: int = 64
    intermediate: int = 1536
    vocab_size: int = 49152
    eps: float = 1e-5
    rope_theta: float = 100000.0

    @property
    def device(self) -> torch.device:
        return self.embedding.device

    @property
    def dtype(self) -> torch.dtype:
        return self.embedding.dtype

    @property
    def group_size(self) -> int:
        """How many query heads share one key/value head (9 / 3 = 3)."""
        return self.n_heads // self.n_kv_heads

    @property
    def tied(self) -> bool:
        return self.unembedding is self.embedding

    def n_params(self) -> int:
        """Parameters, counting the tied embedding once (134,515,008 for SmolLM2-135M)."""
        seen, total = set(), 0
        tensors = [self.embedding, self.unembedding, self.final_norm]
        for lw in self.layers:
            tensors += [getattr(lw, name) for name in LayerWeights.__dataclass_fields__]
        for t in tensors:
            if id(t) not in seen:
                seen.add(id(t))
                total += t.numel()
        return total


def _rope_theta(config) -> float:
    params = getattr(config, "rope_parameters", None) or {}
    return float(params.get("rope_theta", getattr(config, "rope_theta", 10000.0)))


def from_hf(model) -> Weights:
    """Take the weights out of a transformers ``LlamaForCausalLM``.

    No copies: the tensors are the model's own, on its device and in its dtype.
    """
    cfg = model.config
    sd = model.state_dict()
    n_layers = cfg.num_hidden_layers
    n_heads = cfg.num_attention_heads
    layers = []
    for i in range(n_layers):
        p = f"model.layers.{i}."
        layers.append(
            LayerWeights(
                attn_norm=sd[p + "input_layernorm.weight"],
                q=sd[p + "self_attn.q_proj.weight"],
                k=sd[p + "self_attn.k_proj.weight"],
                v=sd[p + "self_attn.v_proj.weight"],
                o=sd[p + "self_attn.o_proj.weight"],
                ffn_norm=sd[p + "post_attention_layernorm.weight"],
                gate=sd[p + "mlp.gate_proj.weight"],
                up=sd[p + "mlp.up_proj.weight"],
                down=sd[p + "mlp.down_proj.weight"],
            )
        )
    embedding = sd["model.embed_tokens.weight"]
    lm_head = sd.get("lm_head.weight")
    tied = getattr(cfg, "tie_word_embeddings", True) or lm_head is None
    return Weights(
        embedding=embedding,
        layers=layers,
        final_norm=sd["model.norm.weight"],
        unembedding=embedding if tied else lm_head,
        n_layers=n_layers,
        hidden=cfg.hidden_size,
        n_heads=n_heads,
        n_kv_heads=cfg.num_key_value_heads,
        head_dim=getattr(cfg, "head_dim", None) or cfg.hidden_size // n_heads,
        intermediate=cfg.intermediate_size,
        vocab_size=cfg.vocab_size,
        eps=float(cfg.rms_norm_eps),
        rope_theta=_rope_theta(cfg),
    )


def load_weights(device: str | None = None, dtype=None) -> Weights:
    """Load the real model (via ``llmsite.model.load``) and return its weights.

    Device and dtype follow ``llmsite.model``: CUDA when a GPU is present, else the CPU;
    float32 on both unless ``dtype`` says otherwise. The tokenizer is ``llmsite.model.load_tokenizer()``.
    """
    from llmsite.model import load

    model, _tok = load(device=device, dtype=dtype)
    return from_hf(model)


# --------------------------------------------------------------------------- the pieces


def embed(ids: torch.Tensor, W: Weights) -> torch.Tensor:
    """Token ids → vectors: each id simply picks its row of the embedding table.

    ids [B, T] (ints) → x [B, T, hidden]
    """
    return W.embedding[ids]


def rms_norm(x: torch.Tensor, weight: torch.Tensor, eps: float) -> torch.Tensor:
    """Rescale each token's vector to a typical size of 1, then apply a learned per-channel gain.

    "RMS" is the root-mean-square of the vector's 576 numbers. Dividing by it keeps the
    numbers entering each layer in a steady range however large the residual stream grows.
    Unlike LayerNorm there is no mean subtraction and no bias. The arithmetic is done in
    float32 even for bfloat16 weights (as transformers does), because squaring and
    averaging in 8 bits of precision loses too much.
    """
    dtype = x.dtype
    x32 = x.float()
    inv_rms = torch.rsqrt(x32.pow(2).mean(dim=-1, keepdim=True) + eps)  # 1 / rms
    return weight * (x32 * inv_rms).to(dtype)


def rope_cos_sin(positions: torch.Tensor, head_dim: int, theta: float) -> tuple[torch.Tensor, torch.Tensor]:
    """The rotation angles RoPE uses for each position, as cos and sin tables.

    RoPE splits each 64-number query/key into 32 pairs and turns pair ``i`` by the angle
    ``position × freq_i``. The 32 frequencies go from 1 radian per token (pair 0) down to
    ``1/theta`` (pair 31): fast pairs tell neighbours apart, slow ones track long distances.

    positions [T] → cos, sin [T, head_dim], float32. Pair ``i`` is made of dimensions ``i``
    and ``i + head_dim/2`` (the "rotate half" layout), so each angle appears twice.
    """
    pair = torch.arange(0, head_dim, 2, dtype=torch.float32, device=positions.device)  # 0, 2, …, 62
    freqs = 1.0 / (theta ** (pair / head_dim))  # [head_dim/2]: 1, …, ≈ 1/theta
    angles = positions.float()[:, None] * freqs[None, :]  # [T, head_dim/2]
    angles = torch.cat([angles, angles], dim=-1)  # [T, head_dim]
    return angles.cos(), angles.sin()


def apply_rope(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """Rotate each (first-half, second-half) pair of dimensions by its angle.

    For a pair (a, b) turned by angle t:  (a, b) → (a·cos t − b·sin t,  b·cos t + a·sin t).
    Rotating both the query at position m and the key at position n makes their dot product
    depend on ``m − n`` only: attention learns *relative* positions.

    x [B, heads, T, D]; cos, sin [T, D] (from ``rope_cos_sin``), moved to wherever x lives.
    """
    cos, sin = cos.to(x.device, x.dtype), sin.to(x.device, x.dtype)
    half = x.shape[-1] // 2
    a, b = x[..., :half], x[..., half:]
    rotated_partner = torch.cat([-b, a], dim=-1)  # what cos/sin mix in for each dimension
    return x * cos + rotated_partner * sin


def causal_mask(query_positions: torch.Tensor, n_keys: int) -> torch.Tensor:
    """True where a query must NOT look: at keys from later positions (the future).

    query_positions [T] → mask [T, S]. Keys are positions 0 … S−1 (the cache, then this call).
    """
    key_positions = torch.arange(n_keys, device=query_positions.device)
    return key_positions[None, :] > query_positions[:, None]


def attention(
    x: torch.Tensor,
    layer: int,
    W: Weights,
    positions: torch.Tensor,
    cache: KVCache | None = None,
    return_weights: bool = False,
):
    """Causal self-attention with grouped-query heads (the first half of a block).

    x [B, T, hidden] is the *normalised* residual stream; positions [T] are the token
    positions (0 … T−1 without a cache). Returns [B, T, hidden], plus the attention
    weights [B, H, T, S] when ``return_weights`` is true.

    Each of the 9 query heads asks its own question; to save memory the keys and values
    come from only 3 heads, each shared by 3 query heads (grouped-query attention).
    """
    lw = W.layers[layer]
    B, T, _ = x.shape
    H, K, D = W.n_heads, W.n_kv_heads, W.head_dim
    positions = positions.to(x.device)  # a reader may build them on the CPU

    # 1. Project every token to queries, keys and values, and split them into heads.
    #    [B, T, heads*D] → [B, heads, T, D]
    q = (x @ lw.q.T).view(B, T, H, D).transpose(1, 2)
    k = (x @ lw.k.T).view(B, T, K, D).transpose(1, 2)
    v = (x @ lw.v.T).view(B, T, K, D).transpose(1, 2)

    # 2. Mark the position of each token on its query and key (RoPE). Values get none.
    cos, sin = rope_cos_sin(positions, D, W.rope_theta)
    q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)

    # 3. With a cache, add this call's keys/values to those of the earlier tokens and use
    #    them all: earlier tokens never change, so they are computed once.
    if cache is not None:
        k, v = cache.update(layer, k, v)
    S = k.shape[2]

    # 4. Grouped-query attention: query heads 0,1,2 use key/value head 0; 3,4,5 use head 1;
    #    6,7,8 use head 2. Repeating each K/V head 3 times lines them up with the queries.
    k = k.repeat_interleave(W.group_size, dim=1)  # [B, H, S, D]
    v = v.repeat_interleave(W.group_size, dim=1)

    # 5. Scores: how well each query matches each key, scaled by 1/√D so that their size
    #    does not grow with D. Future tokens get −∞, which softmax turns into exactly 0.
    scores = (q @ k.transpose(-2, -1)) * D**-0.5  # [B, H, T, S]
    scores = scores.masked_fill(causal_mask(positions, S), float("-inf"))
    weights = torch.softmax(scores.float(), dim=-1).to(q.dtype)  # each row sums to 1

    # 6. Each query takes the weighted average of the values it attends to; the 9 heads'
    #    results are laid side by side and mixed back to the stream's 576 dimensions.
    out = weights @ v  # [B, H, T, D]
    out = out.transpose(1, 2).reshape(B, T, H * D)
    out = out @ lw.o.T  # [B, T, hidden]
    return (out, weights) if return_weights else out


def swiglu_ffn(x: torch.Tensor, layer: int, W: Weights) -> torch.Tensor:
    """The feed-forward network (second half of a block), applied to each token alone.

    Widen 576 → 1536 twice: a "gate" passed through SiLU (a smooth ReLU) and a plain "up"
    projection; multiply them element-wise, so the gate decides how much of each of the
    1536 features gets through; then project back down to 576.
    """
    lw = W.layers[layer]
    gate = torch.nn.functional.silu(x @ lw.gate.T)  # silu(z) = z · sigmoid(z)
    up = x @ lw.up.T
    return (gate * up) @ lw.down.T


def block(
    x: torch.Tensor,
    layer: int,
    W: Weights,
    positions: torch.Tensor,
    cache: KVCache | None = None,
    return_weights: bool = False,
):
    """One transformer block, "pre-norm": normalise a copy, compute, add it back.

    The residual stream ``x`` itself is never normalised; each half only *adds* to it.
    Returns the new x [B, T, hidden] (and attention weights when asked).
    """
    lw = W.layers[layer]
    attn = attention(rms_norm(x, lw.attn_norm, W.eps), layer, W, positions, cache, return_weights)
    if return_weights:
        attn, weights = attn
    x = x + attn
    x = x + swiglu_ffn(rms_norm(x, lw.ffn_norm, W.eps), layer, W)
    return (x, weights) if return_weights else x


def unembed(x: torch.Tensor, W: Weights) -> torch.Tensor:
    """Residual stream → logits: final norm, then a dot product with every token's
    embedding row (the same table that ``embed`` reads: the weights are *tied*).

    x [..., hidden] → logits [..., vocab]
    """
    return rms_norm(x, W.final_norm, W.eps) @ W.unembedding.T


# --------------------------------------------------------------------------- the whole model


@dataclass
class ForwardResult:
    """What ``forward`` returns when asked for more than the logits."""

    logits: torch.Tensor  # [B, T, vocab]
    hidden: torch.Tensor | None = None  # [n_layers + 1, B, T, hidden]: [0] embeddings, [i] after block i
    attentions: torch.Tensor | None = None  # [n_layers, B, H, T, S]


def _as_batch(ids) -> tuple[torch.Tensor, bool]:
    """Accept a list, a [T] tensor or a [B, T] tensor; return [B, T] and whether we added B."""
    ids = torch.as_tensor(ids)
    if ids.dim() == 1:
        return ids[None, :], True
    return ids, False


def forward(
    ids,
    W: Weights,
    cache: KVCache | None = None,
    return_hidden: bool = False,
    return_attentions: bool = False,
):
    """Run the model: token ids [B, T] → logits [B, T, vocab] (a [T] input gives [T, vocab]).

    With a ``cache``, ``ids`` are the *new* tokens only: they get positions after the
    cached ones, attend to them too, and their keys/values are appended to the cache.

    With ``return_hidden`` or ``return_attentions`` the result is a ``ForwardResult``.
    """
    ids, unbatched = _as_batch(ids)
    ids = ids.to(W.device)
    start = cache.length if cache is not None else 0
    positions = torch.arange(start, start + ids.shape[1], device=W.device)

    x = embed(ids, W)
    hidden, attentions = [x], []
    for layer in range(W.n_layers):
        if return_attentions:
            x, weights = block(x, layer, W, positions, cache, return_weights=True)
            attentions.append(weights)
        else:
            x = block(x, layer, W, positions, cache)
        if return_hidden:
            hidden.append(x)
    logits = unembed(x, W)

    def strip(t: torch.Tensor, batch_dim: int) -> torch.Tensor:
        return t.squeeze(batch_dim) if unbatched else t

    if not (return_hidden or return_attentions):
        return strip(logits, 0)
    return ForwardResult(
        logits=strip(logits, 0),
        hidden=strip(torch.stack(hidden), 1) if return_hidden else None,
        attentions=strip(torch.stack(attentions), 1) if return_attentions else None,
    )


# --------------------------------------------------------------------------- the KV cache


class KVCache:
    """The keys and values of every token seen so far, for every layer (after RoPE).

    When generating, each new token needs the keys and values of all earlier tokens, and
    those never change. So instead of re-running the whole prompt for every new token,
    we keep them here: one *prefill* call processes the prompt and fills the cache, then
    each *decode* step runs a single token and appends its keys and values.

    Per layer: keys and values [B, K, S, D]. Growing by concatenation keeps this simple;
    serving engines preallocate (or page) the memory instead.
    """

    def __init__(self, n_layers: int):
        self.keys: list[torch.Tensor | None] = [None] * n_layers
        self.values: list[torch.Tensor | None] = [None] * n_layers

    @classmethod
    def for_weights(cls, W: Weights) -> KVCache:
        return cls(W.n_layers)

    @property
    def length(self) -> int:
        """Tokens held (the positions 0 … length−1 are taken)."""
        k = self.keys[0]
        return 0 if k is None else k.shape[2]

    def update(self, layer: int, k: torch.Tensor, v: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Append this call's k, v [B, K, T, D] to the layer's store; return everything held."""
        if self.keys[layer] is None:
            self.keys[layer], self.values[layer] = k, v
        else:
            self.keys[layer] = torch.cat([self.keys[layer], k], dim=2)
            self.values[layer] = torch.cat([self.values[layer], v], dim=2)
        return self.keys[layer], self.values[layer]

    def nbytes(self) -> int:
        """Memory held by the cached tensors, in bytes."""
        return sum(t.nbytes for t in self.keys + self.values if t is not None)

    def __repr__(self) -> str:
        return f"KVCache(layers={len(self.keys)}, tokens={self.length}, bytes={self.nbytes():,})"


def kv_bytes_per_token(W_or_config, dtype: torch.dtype | None = None) -> int:
    """Cache memory one token costs: 2 (K and V) × layers × kv_heads × head_dim × bytes.

    Accepts ``Weights``, a transformers config, or a dict of config names. ``dtype``
    defaults to the weights' dtype (float32 for a config). For SmolLM2-135M:
    2 × 30 × 3 × 64 × 4 = 46,080 bytes in float32, 23,040 in bfloat16. Grouped-query
    attention is why it is 3 heads, not 9: a third of the memory.
    """
    c = W_or_config
    if isinstance(c, Weights):
        n_layers, n_kv, head_dim = c.n_layers, c.n_kv_heads, c.head_dim
        dtype = dtype or c.dtype
    else:
        get = c.get if isinstance(c, dict) else lambda name, default=None: getattr(c, name, default)
        n_layers = get("num_hidden_layers")
        n_kv = get("num_key_value_heads") or get("num_attention_heads")
        head_dim = get("head_dim") or get("hidden_size") // get("num_attention_heads")
        dtype = dtype or torch.float32
    return 2 * n_layers * n_kv * head_dim * dtype.itemsize


# --------------------------------------------------------------------------- looking inside


def hidden_states_per_layer(ids, W: Weights) -> torch.Tensor:
    """The residual stream for each token: [n_layers + 1, T, hidden] for a [T] input
    ([n_layers + 1, B, T, hidden] for [B, T]). Entry 0 is the embeddings; entry i is the
    stream after block i, before the final norm (so entry 30 → ``unembed`` → the logits)."""
    return forward(ids, W, return_hidden=True).hidden


class LensResult(NamedTuple):
    """Top predictions read off each layer: ids and probabilities, [n_layers + 1, T, top]."""

    ids: torch.Tensor
    probs: torch.Tensor


def logit_lens(ids, W: Weights, top: int = 1) -> LensResult:
    """What would the model predict if it stopped after block i?

    Apply the final norm and the output projection (``unembed``) to every layer's residual
    stream. Early layers give vague guesses; the answer usually appears somewhere in the
    middle and sharpens towards the end. Row 0 is the embeddings alone, row 30 the model's
    real prediction. Batch of one: ids [T] or [1, T] → [n_layers + 1, T, top].
    """
    ids, _ = _as_batch(ids)
    assert ids.shape[0] == 1, "logit_lens is for a single sequence"
    hidden = hidden_states_per_layer(ids, W)[:, 0]  # [L+1, T, hidden]
    top_ids, top_probs = [], []
    for h in hidden:  # one layer at a time: [T, vocab] each, not [31, T, vocab] at once
        probs = torch.softmax(unembed(h, W).float(), dim=-1)
        p, i = probs.topk(top, dim=-1)
        top_ids.append(i)
        top_probs.append(p)
    return LensResult(torch.stack(top_ids), torch.stack(top_probs))


def attention_maps(ids, W: Weights) -> torch.Tensor:
    """Attention weights of all 30 × 9 = 270 heads: [layers, heads, T, T] (batch of one).

    ``maps[l, h, i, j]`` is how much token i looks at token j in head h of block l.
    Rows sum to 1; everything above the diagonal is 0 (no looking ahead).
    """
    ids, _ = _as_batch(ids)
    assert ids.shape[0] == 1, "attention_maps is for a single sequence"
    return forward(ids, W, return_attentions=True).attentions[:, 0]
