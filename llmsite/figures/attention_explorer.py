"""Data for the attention explorer (chapters 4 and 5): all 30 × 9 heads for a few sentences.

The weights come from ``llmsite.transformer.attention_maps``, the function the chapters'
snippets call. Each row of the causal triangle is stored as bytes that add up to exactly 255
(``quantise_rows``: largest-remainder rounding), so every stored weight is within 1/255 of the
model's and every row sums to 1. Cells above the diagonal (the future) are not stored at all:
they are zero. The viewer is ``docs/assets/js/attention-explorer.js``; the head finders
("previous token", "induction", ...) are the rules of ``llmsite.figures.attention.head_scores``,
the same as ``snippets/05-multi-head-attention/find_heads.py``; ``role_scores`` applies them to
any sentence, and the viewer re-scores the reader's own sentence with the same rules.

Layout of a sentence's ``weights`` (base64): for layer l, head h, row i, column j ≤ i the byte
at ``(l * heads + h) * T(T+1)/2 + i(i+1)/2 + j``.
"""

from __future__ import annotations

import base64
import json
from html import escape

import torch

DATA = "docs/assets/data/attention.json"
SCALE = 255
# (id, label for the menu, text). The clue for " it" / " bank" comes before the word in the
# "clue first" sentences: a causal model can only use what came earlier (chapter 4).
SENTENCES = [
    ("tired", "it … too tired", "The animal didn't cross the street because it was too tired"),
    ("wide", "it … too wide", "The animal didn't cross the street because it was too wide"),
    ("tired-first", "clue first: tired … it", "The animal was so tired that it didn't cross the street"),
    ("wide-first", "clue first: wide … it", "The street was so wide that the animal didn't cross it"),
    ("bank-river", "bank by the river", "The bank by the river was steep"),
    ("bank-loan", "bank approved my loan", "The bank approved my loan"),
    ("bank-grass", "clue first: river … bank", "We walked along the river, and the bank was covered in grass"),
    ("money-bank", "clue first: money … bank", "He borrowed money from the bank"),
    ("repeat", "induction: a sentence twice", None),  # figures.attention.REPEAT_TEXT, its tokens twice
]
ROLE_NAMES = {"prev": "previous token", "self": "itself", "induction": "induction", "sink": "first token (sink)"}


def quantise_rows(w: torch.Tensor, scale: int = SCALE) -> torch.Tensor:
    """Round each row of probabilities ``w`` [..., n] to integers that add up to ``scale``.

    Largest remainder: floor every cell, then give the units still missing to the cells with
    the largest fractional parts. Each integer is within 1 of ``w * scale``; a cell with weight
    0 stays 0 (its fraction is 0, and fewer units are missing than there are positive fractions).
    """
    x = w.double() * scale
    q = x.floor()
    missing = (scale - q.sum(-1)).round().long()  # [...]
    frac = x - q
    order = frac.argsort(dim=-1, descending=True, stable=True)
    rank = torch.empty_like(order)
    rank.scatter_(-1, order, torch.arange(w.shape[-1]).expand_as(order).contiguous())
    q = q + (rank < missing[..., None]).double()
    return q.to(torch.uint8)


def pack(maps: torch.Tensor) -> bytes:
    """[L, H, T, T] attention maps → bytes of the causal triangle, row by row (see module doc)."""
    L, H, T, _ = maps.shape
    rows = [quantise_rows(maps[:, :, i, : i + 1]) for i in range(T)]  # each [L, H, i+1]
    return torch.cat(rows, dim=-1).contiguous().numpy().tobytes()


def unpack(raw: bytes, layers: int, heads: int, T: int) -> torch.Tensor:
    """The inverse of ``pack``: [L, H, T, T] uint8 with zeros above the diagonal."""
    tri = T * (T + 1) // 2
    flat = torch.frombuffer(bytearray(raw), dtype=torch.uint8).view(layers, heads, tri)
    out = torch.zeros(layers, heads, T, T, dtype=torch.uint8)
    for i in range(T):
        out[:, :, i, : i + 1] = flat[:, :, i * (i + 1) // 2: (i + 1) * (i + 2) // 2]
    return out


def role_scores(maps: torch.Tensor, ids: list[int]) -> torch.Tensor:
    """The head finders' scores on any sentence: [L, H, 4] (prev, self, induction, sink), NaN
    where a rule has nothing to measure. The browser re-scores the reader's own sentence with
    the same rules (``roleScores`` in docs/assets/js/attention-explorer.js; a test holds the two
    equal).

    A sentence twice over (``ids == a + a``) is scored exactly as chapter 5 scores its repeated
    sentence (``figures.attention.head_scores``). Any other sentence of T tokens: prev, self and sink
    are the mean weight on the previous token, on itself and on the first token over the tokens
    from the third on; induction is the mean weight, over every token seen before, on the token
    that followed its latest earlier copy (none seen before: NaN)."""
    from llmsite.figures.attention import head_scores

    T = len(ids)
    if T >= 4 and T % 2 == 0 and ids[: T // 2] == ids[T // 2:]:
        return head_scores(maps, T // 2)
    L, H = maps.shape[:2]
    out = torch.full((L, H, 4), float("nan"), dtype=maps.dtype)
    if T > 2:
        i = torch.arange(2, T)
        out[..., 0] = maps[:, :, i, i - 1].mean(-1)
        out[..., 1] = maps[:, :, i, i].mean(-1)
        out[..., 3] = maps[:, :, 2:T, 0].mean(-1)
    pairs = []  # (a token seen before, the token after its latest earlier copy)
    for j in range(2, T):
        earlier = [k for k in range(j - 1) if ids[k] == ids[j]]
        if earlier:
            pairs.append((j, earlier[-1] + 1))
    if pairs:
        q, key = torch.tensor(pairs).T
        out[..., 2] = maps[:, :, q, key].mean(-1)
    return out


def sentence_ids(tok, sid: str) -> list[int]:
    from llmsite.figures.attention import REPEAT_TEXT

    if sid == "repeat":
        ids = tok(REPEAT_TEXT).input_ids
        return ids + ids
    return tok(dict((s, t) for s, _, t in SENTENCES)[sid]).input_ids


def compute(ctx) -> dict:
    """Everything the explorer shows: tokens, packed weights and the heads the chapters discuss."""
    from llmsite.figures.attention import HEAD, REPEAT_TEXT
    from llmsite.transformer import attention_maps, from_hf

    W = from_hf(ctx.model)
    sentences, repeat_maps = [], None
    for sid, label, text in SENTENCES:
        ids = sentence_ids(ctx.tok, sid)
        with torch.no_grad():
            maps = attention_maps(torch.tensor(ids), W).float().cpu()
        if sid == "repeat":
            repeat_maps, text = maps, f"{REPEAT_TEXT} (twice)"
        sentences.append({"id": sid, "label": label, "text": text, "ids": ids,
                          "tokens": [ctx.tok.decode([i]) for i in ids],
                          "weights": base64.b64encode(pack(maps)).decode("ascii")})
    scores = role_scores(repeat_maps, sentence_ids(ctx.tok, "repeat"))  # [L, H, 4]: prev, self, induction, sink
    found = []
    for k, role in enumerate(["prev", "self", "induction", "sink"]):
        flat = int(scores[..., k].flatten().argmax())
        layer, head = divmod(flat, W.n_heads)
        found.append({"role": role, "label": ROLE_NAMES[role], "layer": layer, "head": head,
                      "score": round(float(scores[layer, head, k]), 2),
                      "sentence": "repeat" if role == "induction" else None})
    found.append({"role": "it", "label": "“ it” → “ animal”", "layer": HEAD[0], "head": HEAD[1],
                  "score": None, "sentence": "tired", "query": " it"})
    return {"format": 1, "model": "SmolLM2-135M-Instruct", "layers": W.n_layers, "heads": W.n_heads,
            "scale": SCALE, "found": found, "sentences": sentences}


def _cached(ctx) -> dict:
    if getattr(ctx, "_attention_explorer", None) is None:  # both chapters' builders share one run
        ctx._attention_explorer = compute(ctx)
    return ctx._attention_explorer


def to_bytes(data: dict) -> bytes:
    return (json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def _container(data: dict, *, page: str, sentence: str, layer: int, head: int, view: str) -> str:
    """The widget container with what a reader without JavaScript sees (recorded, tested)."""
    kb = len(to_bytes(data)) / 1000
    found = "".join(
        f"<li>{escape(f['label'])}: block {f['layer'] + 1}, head {f['head'] + 1}"
        + (f" (score {f['score']:.2f})" if f["score"] is not None else "") + "</li>"
        for f in data["found"])
    names = "".join(f"<li>{escape(s['text'])}</li>" for s in data["sentences"])
    return (
        f'<div class="llm-widget llm-attn-explorer" data-widget="attention-explorer" id="explorer-{page}"'
        f' data-src="{DATA.rsplit("/", 1)[1]}" data-sentence="{sentence}" data-layer="{layer}"'
        f' data-head="{head}" data-view="{view}">\n'
        f'<div class="ae-prerendered">\n'
        f"<p><strong>Attention explorer.</strong> All {data['layers'] * data['heads']} heads of the real model "
        f"({data['layers']} blocks × {data['heads']} heads) for {len(data['sentences'])} sentences, "
        f"or for a sentence you type (the model then runs in your browser).</p>\n"
        f'<p><button type="button" class="md-button" data-widget-load>Open the explorer ({kb:.0f} kB of data)</button></p>\n'
        f"<details><summary>The sentences and the heads one click away</summary>\n<ul>{names}</ul>\n<ul>{found}</ul>\n"
        f"</details>\n</div>\n</div>\n"
        f'<script type="module" src="assets/js/attention-explorer.js"></script>\n'
    )


def build_explorer_04(ctx) -> "Figure":
    from llmsite.figures import Figure

    data = _cached(ctx)
    return Figure(name="04-attention-explorer", svg="", caption="", table_header=[], table_rows=[],
                  inputs={"sentences": [s["text"] for s in data["sentences"]]},
                  html=_container(data, page="04", sentence="tired", layer=13, head=8, view="head"),
                  data={DATA: to_bytes(data)})


def build_explorer_05(ctx) -> "Figure":
    """Chapter 5 opens the same data on the repeated sentence, with the grid of all heads."""
    from llmsite.figures import Figure

    data = _cached(ctx)
    ind = next(f for f in data["found"] if f["role"] == "induction")
    return Figure(name="05-attention-explorer", svg="", caption="", table_header=[], table_rows=[],
                  inputs={"sentences": [s["text"] for s in data["sentences"]], "data": DATA},
                  html=_container(data, page="05", sentence="repeat", layer=ind["layer"], head=ind["head"],
                                  view="grid"))
