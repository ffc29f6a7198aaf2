"""A stand-in for the in-browser engine (docs/assets/js/engine/client.js), computed by
``llmsite.transformer`` in CPython, for the explorers' browser tests.

``analyze(text)`` returns exactly what the engine's ``analyze`` resolves to (the contract of
issue 21), as JSON: ``ids``, ``tokens``, ``n``, ``layers``, ``heads``, ``attention`` (float32
[layer][head][query][key], base64), ``residualNorm`` (float32 [(layers + 1) * n], base64: the
root mean square of the residual stream after each block, row 0 = the embeddings, as in
chapter 15's chart), ``lens`` (per block, per position, the top k ``{id, token, p}``),
``probs`` (float32 [49152] for the last position, base64) and ``truncated``.

``FAKE_CLIENT`` is a JavaScript module with the engine's interface (``createEngine``) that asks
this file for its numbers through a URL the browser test answers (``page.route``): the
explorers' code cannot tell it from the real engine, and every number it shows comes from the
real model.
"""

from __future__ import annotations

import base64
import functools

import torch

MAX_TOKENS = 64
TOP_K = 5
ROUTE = "/__fake_engine__"


@functools.lru_cache(maxsize=1)
def _model():
    from llmsite.model import load
    from llmsite.transformer import from_hf

    model, tok = load(device="cpu", dtype="float32")
    return from_hf(model), tok


def _b64(t: torch.Tensor) -> str:
    return base64.b64encode(t.detach().to(torch.float32).contiguous().numpy().tobytes()).decode("ascii")


def ids_of(text: str) -> list[int]:
    return _model()[1](text).input_ids


@functools.lru_cache(maxsize=32)  # a test compares with the very result the page was given
def analyze(text: str, max_tokens: int = MAX_TOKENS, top_k: int = TOP_K) -> dict:
    from llmsite.transformer import forward, unembed

    if not text:
        raise ValueError("empty")
    W, tok = _model()
    ids = tok(text).input_ids
    truncated = len(ids) > max_tokens
    ids = ids[:max_tokens]
    n = len(ids)
    with torch.no_grad():
        r = forward(torch.tensor(ids), W, return_hidden=True, return_attentions=True)
        hidden = r.hidden  # [L+1, n, hidden]
        norm = hidden.pow(2).mean(-1).sqrt()  # [L+1, n]
        # the logit lens: unembed() on every layer's stream; rows go through the output table
        # together, in chunks (it is read once per chunk, not once per layer: much faster)
        rows = hidden.reshape(-1, hidden.shape[-1])
        tops = [torch.softmax(unembed(c, W).float(), dim=-1).topk(top_k, dim=-1) for c in rows.split(512)]
        p_all = torch.cat([t.values for t in tops]).view(len(hidden), n, top_k).tolist()
        i_all = torch.cat([t.indices for t in tops]).view(len(hidden), n, top_k).tolist()
        names = {}
        name = lambda a: names.setdefault(a, tok.decode([a]))  # noqa: E731
        lens = [[[{"id": a, "token": name(a), "p": b} for a, b in zip(ii, pp)] for ii, pp in zip(il, pl)]
                for il, pl in zip(i_all, p_all)]
        last = torch.softmax(r.logits[-1].float(), dim=-1)
    return {"ids": ids, "tokens": [tok.decode([i]) for i in ids], "n": n, "layers": W.n_layers, "heads": W.n_heads,
            "attention": _b64(r.attentions), "residualNorm": _b64(norm), "lens": lens, "probs": _b64(last),
            "truncated": truncated}


def attention(text: str) -> torch.Tensor:
    """[L, H, n, n] float32 attention of ``text`` (capped like ``analyze``)."""
    from llmsite.transformer import attention_maps

    ids = ids_of(text)[:MAX_TOKENS]
    with torch.no_grad():
        return attention_maps(torch.tensor(ids), _model()[0]).float()


# The engine's interface, in front of the route above. It reports a download in three steps
# (what the real engine's onProgress reports too: bytes loaded and the total).
FAKE_CLIENT = """
const f32 = (b64) => { const s = atob(b64), u = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) u[i] = s.charCodeAt(i); return new Float32Array(u.buffer); };
export async function createEngine({ manifestUrl, onProgress } = {}) {
  const man = await (await fetch(manifestUrl)).json();
  const total = man.shards.reduce((a, n) => a + man.sizes[n], 0);
  for (const k of [0, 1, 2, 3]) { onProgress && onProgress({ loaded: total * k / 3, total }); await new Promise((r) => setTimeout(r, 20)); }
  window.__fakeEngine = { created: (window.__fakeEngine?.created || 0) + 1, calls: [] };
  return {
    async analyze(text, { maxTokens = 64, topK = 5 } = {}) {
      if (!text) throw new Error("empty");
      window.__fakeEngine.calls.push(text);
      const r = await fetch("ROUTE", { method: "POST", body: JSON.stringify({ text, maxTokens, topK }) });
      const d = await r.json();
      if (d.error) throw new Error(d.error);
      return { ...d, ids: Int32Array.from(d.ids), attention: f32(d.attention), residualNorm: f32(d.residualNorm), probs: f32(d.probs) };
    },
  };
}
""".replace("ROUTE", ROUTE)
