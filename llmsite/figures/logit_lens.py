"""The logit-lens strip of chapter 6: what every layer would predict at every position.

The numbers come from ``llmsite.transformer.logit_lens`` (the code behind
``snippets/06-transformer-block/logit_lens.py``): the final norm and the output table applied to
each layer's residual stream. The fragment is a table for the first prompt (readable without
JavaScript: each cell names that layer's top token and its probability, its tooltip the top 5);
``docs/assets/js/logit-lens.js`` adds the other prompts, keyboard moves and a top-5 panel, from
``docs/assets/data/logit-lens.json``. Probabilities are stored rounded to 3 decimals.
"""

from __future__ import annotations

import json
from html import escape

import torch

DATA = "docs/assets/data/logit-lens.json"
PROMPTS = [
    "The capital of France is",
    "The Eiffel Tower is in the city of",
    "The opposite of hot is",
    "One, two, three, four,",
]
TOP = 5


def compute(ctx) -> dict:
    from llmsite.transformer import from_hf, logit_lens

    W = from_hf(ctx.model)
    vocab: dict[int, int] = {}  # token id -> index into "vocab" (first seen first)
    prompts = []
    for text in PROMPTS:
        ids = ctx.tok(text).input_ids
        with torch.no_grad():
            lens = logit_lens(torch.tensor(ids), W, top=TOP)
        rows = []
        for layer in range(lens.ids.shape[0]):
            row = []
            for pos in range(len(ids)):
                cell = []
                for t, p in zip(lens.ids[layer, pos].tolist(), lens.probs[layer, pos].tolist()):
                    cell.append([vocab.setdefault(int(t), len(vocab)), round(float(p), 3)])
                row.append(cell)
            rows.append(row)
        prompts.append({"text": text, "ids": ids, "tokens": [ctx.tok.decode([i]) for i in ids], "lens": rows})
    ids_in_order = sorted(vocab, key=vocab.get)
    return {"format": 1, "model": "SmolLM2-135M-Instruct", "layers": W.n_layers, "top": TOP,
            "vocab": [ctx.tok.decode([i]) for i in ids_in_order], "vocab_ids": ids_in_order, "prompts": prompts}


def to_bytes(data: dict) -> bytes:
    return (json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def _short(text: str, n: int = 9) -> str:
    from llmsite.figures import show_token

    t = show_token(text)
    return t if len(t) <= n else t[: n - 1] + "…"


def table_html(data: dict, k: int) -> str:
    """The strip for prompt k, as the viewer draws it too: rows = layers (30 at the top, the
    embedding at the bottom), columns = positions; each cell = that layer's top guess for the
    next token. Cells whose guess is the model's final answer at that position are marked."""
    from llmsite.figures import show_token

    p, vocab = data["prompts"][k], data["vocab"]
    T, L = len(p["tokens"]), len(p["lens"])
    head = "".join(f'<th scope="col">{escape(show_token(t))}</th>' for t in p["tokens"])
    rows = []
    for layer in reversed(range(L)):
        cells = []
        for pos in range(T):
            cell = p["lens"][layer][pos]
            t, prob = cell[0]
            final = p["lens"][L - 1][pos][0][0] == t
            tip = f"layer {layer}, after “{show_token(p['tokens'][pos])}”: " + ", ".join(
                f"{show_token(vocab[i])} {q:.3f}" for i, q in cell)
            cells.append(f'<td class="ll-cell{" ll-final" if final else ""}" data-layer="{layer}" data-pos="{pos}"'
                         f' style="--ll-p: {prob:.3f}" title="{escape(tip)}">'
                         f'<span class="ll-tok">{escape(_short(vocab[t]))}</span>'
                         f'<span class="ll-p">{prob:.2f}</span></td>')
        name = "emb" if layer == 0 else str(layer)
        rows.append(f'<tr><th scope="row">{name}</th>{"".join(cells)}</tr>')
    return (f'<table class="ll-table" data-prompt="{k}"><caption>“{escape(p["text"])}”: the top guess of each layer '
            f"(rows, layer 30 at the top) after each token (columns), with its probability</caption>"
            f'<thead><tr><th scope="col">layer</th>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>')


def build_logit_lens_strip(ctx) -> "Figure":
    from llmsite.figures import Figure

    data = compute(ctx)
    html = (
        f'<div class="llm-widget llm-logit-lens" data-widget="logit-lens" data-src="{DATA.rsplit("/", 1)[1]}">\n'
        f'<div class="ll-prerendered">\n'
        f'<p><button type="button" class="md-button" data-widget-load>More prompts, with the top 5 of each cell</button></p>\n'
        f'<div class="ll-wrap" tabindex="0" role="region" aria-label="Logit-lens strip">{table_html(data, 0)}</div>\n'
        f"</div>\n</div>\n"
        f'<script type="module" src="assets/js/logit-lens.js"></script>\n'
    )
    return Figure(name="06-logit-lens-strip", svg="", caption="", table_header=[], table_rows=[],
                  inputs={"prompts": PROMPTS, "top": TOP}, html=html, data={DATA: to_bytes(data)})
