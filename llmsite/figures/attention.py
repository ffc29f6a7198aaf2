"""Figures for chapters 4 and 5: one head as a heatmap, one query as lines, all 270 heads as a grid.

The numbers come from ``llmsite.transformer.attention_maps``, the function the chapters'
snippets call; the head roles use the same criteria as ``snippets/05-multi-head-attention/find_heads.py``.
"""

from __future__ import annotations

import torch

from llmsite.figures import svg

# llmsite.figures imports this module to list the builders, so we import it lazily.

SENTENCE = "The animal didn't cross the street because it was too tired"
HEAD = (13, 8)  # layer, head indices (from 0): the head that links " it" to " animal" most
# (snippets/04-self-attention/it_animal.py). Pages count from 1: block 14, head 9 (``named``).


def named(layer: int, head: int) -> str:
    """How the site names a head: blocks 1-30 and heads 1-9, where Python's indices start at 0."""
    return f"block {layer + 1}, head {head + 1}"
REPEAT_TEXT = "The quick brown fox jumps over the lazy dog near the old mill."
ROLES = ["prev", "self", "induction", "sink"]
LEGEND = [("prev", "P", "previous token"), ("self", "S", "itself"), ("induction", "I", "induction (repeat)"),
          ("sink", "·", "mostly the first token"), ("spread", "", "spread out (none of these)")]


def _maps(ctx, text: str) -> tuple[torch.Tensor, list[str]]:
    from llmsite.transformer import attention_maps, from_hf

    ids = ctx.tok(text).input_ids
    with torch.no_grad():
        maps = attention_maps(torch.tensor(ids), from_hf(ctx.model)).float().cpu()
    return maps, [ctx.tok.decode([i]) for i in ids]


def head_scores(maps: torch.Tensor, n: int) -> torch.Tensor:
    """Score every head on four simple criteria; ``maps`` [L, H, 2n, 2n] is the attention on a
    text of n tokens repeated twice. Returns [L, H, 4]: mean weight on the previous token, on
    itself, on the first token (the "sink"), all over the first copy from its third token on,
    and on the token that followed the current one last time ("induction"), over the second copy.
    Order: prev, self, induction, sink (``ROLES``)."""
    i = torch.arange(2, n)
    prev = maps[:, :, i, i - 1].mean(-1)
    self_ = maps[:, :, i, i].mean(-1)
    sink = maps[:, :, 2:n, 0].mean(-1)
    j = torch.arange(n + 1, 2 * n)  # second copy: token j repeats token j - n ...
    induction = maps[:, :, j, j - n + 1].mean(-1)  # ... which was followed by token j - n + 1
    return torch.stack([prev, self_, induction, sink], dim=-1)


def head_role(scores: torch.Tensor) -> tuple[str, float]:
    """The label of one head: its strongest job among prev/self/induction if that gets 0.3 of
    the weight or more; else "sink" if the first token gets half or more; else "spread"."""
    best = int(scores[:3].argmax())
    if scores[best] >= 0.3:
        return ROLES[best], float(scores[best])
    if scores[3] >= 0.5:
        return "sink", float(scores[3])
    return "spread", float(scores.max())


def with_colour_scale(svg_text: str) -> str:
    """Add a colour scale under a heatmap from ``svg.attention_heatmap``: a few cells from weight 0
    to 1 and the masked future, so that no caption has to say "darker" (on a dark page, more
    weight is *brighter*). Masked cells are drawn a clearer grey, distinct from a weight of 0."""
    import re

    w, h = (float(v) for v in re.search(r'viewBox="0 0 ([\d.]+) ([\d.]+)"', svg_text).groups())
    svg_text = svg_text.replace(f'viewBox="0 0 {svg._num(w)} {svg._num(h)}"', f'viewBox="0 0 {svg._num(w)} {svg._num(h + 46)}"', 1)
    svg_text = svg_text.replace('class="llm-heat-masked" fill="#999999" fill-opacity="0.12"',
                                'class="llm-heat-masked" fill="#999999" fill-opacity="0.45"')
    y, x0, cell = h + 4, 12, 22
    parts = [f'<text x="{x0}" y="{svg._num(y + 14)}" fill="currentColor" font-size="12">weight</text>']
    for k, v in enumerate([0, 0.25, 0.5, 0.75, 1.0]):
        x = x0 + 52 + k * (cell + 2)
        parts.append(f'<rect x="{svg._num(x)}" y="{svg._num(y)}" width="{cell}" height="{cell}" class="llm-heat"'
                     f' fill="{svg.BLUE}" fill-opacity="{v:.2f}" stroke="currentColor" stroke-opacity="0.15"/>')
        parts.append(f'<text x="{svg._num(x + cell / 2)}" y="{svg._num(y + cell + 13)}" text-anchor="middle"'
                     f' fill="currentColor" font-size="11">{v:g}</text>')
    x = x0 + 52 + 5 * (cell + 2) + 16
    parts.append(f'<rect x="{svg._num(x)}" y="{svg._num(y)}" width="{cell}" height="{cell}" class="llm-heat-masked"'
                 ' fill="#999999" fill-opacity="0.45"/>')
    parts.append(f'<text x="{svg._num(x + cell + 6)}" y="{svg._num(y + 15)}" fill="currentColor" font-size="12">'
                 'the future (masked)</text>')
    return svg_text.replace("</svg>", "\n".join(parts) + "\n</svg>")


def build_heatmap(ctx) -> "Figure":
    from llmsite.figures import Figure, show_token

    maps, tokens = _maps(ctx, SENTENCE)
    layer, head = HEAD
    w = maps[layer, head]
    shown = [show_token(t) for t in tokens]
    it = tokens.index(" it")
    best = int(w[it, : it + 1].argmax())
    col = int(w[1:].sum(0).argmax())  # the column that gets the most weight (first row left out)
    n_half = int((w[:, col] > 0.5).sum())
    desc = (f"Heatmap of attention weights, {len(tokens)} by {len(tokens)}, {named(layer, head)}, for the sentence "
            f'"{SENTENCE}". Everything above the diagonal is masked (zero). The column of "{shown[col]}" is the '
            f"strongest: {n_half} rows put more than half of their weight on it. "
            f'The row of "it" puts {float(w[it, best]):.2f} on "{shown[best]}".')
    rows = [[f'"{shown[i]}"'] + [f"{float(w[i, j]):.2f}" if j <= i else "" for j in range(len(tokens))]
            for i in range(len(tokens))]
    return Figure(
        name="04-attention-heatmap",
        svg=with_colour_scale(svg.attention_heatmap(shown, w.tolist(), title=f"Attention of {named(layer, head)}",
                                                    description=desc, fig_id="fig-04-attention-heatmap")),
        caption=(f"{named(layer, head).capitalize()} of SmolLM2-135M-Instruct. Row: the token that looks; column: the token "
                 "it looks at; the stronger the blue, the more weight (scale below the map). Grey squares are the "
                 "future, which the causal mask hides. Each row adds up to 1; every number is in the table below."),
        table_header=["looks \\ at"] + [f'"{t}"' for t in shown],
        table_rows=rows,
        inputs={"text": SENTENCE, "layer": layer, "head": head},
    )


def build_lines(ctx) -> "Figure":
    from llmsite.figures import Figure, show_token

    maps, tokens = _maps(ctx, SENTENCE)
    layer, head = HEAD
    it = tokens.index(" it")
    w = maps[layer, head, it].tolist()
    shown = [show_token(t) for t in tokens]
    order = sorted(range(it + 1), key=lambda j: -w[j])
    desc = (f'Lines from the token "it" to each token before it, thicker and darker for more attention, '
            f"{named(layer, head)}: " + "; ".join(f'"{shown[j]}" {w[j]:.2f}' for j in order) + ".")
    return Figure(
        name="04-attention-lines",
        svg=svg.attention_lines(shown, w, it, title=f'Where "it" looks in {named(layer, head)}',
                                description=desc, fig_id="fig-04-attention-lines"),
        caption=(f'One row of the heatmap above, drawn as lines: where " it" looks in {named(layer, head)}. '
                 "Tokens after it are greyed out: it cannot see them."),
        table_header=["token", "weight"],
        table_rows=[[f'"{shown[j]}"', f"{w[j]:.3f}"] for j in range(it + 1)],
        inputs={"text": SENTENCE, "layer": layer, "head": head, "query": " it"},
    )


def build_head_grid(ctx) -> "Figure":
    from llmsite.figures import Figure, show_token

    from llmsite.transformer import attention_maps, from_hf

    ids = ctx.tok(REPEAT_TEXT).input_ids
    n = len(ids)
    with torch.no_grad():
        maps = attention_maps(torch.tensor(ids + ids), from_hf(ctx.model)).float().cpu()
    scores = head_scores(maps, n)
    n_layers, n_heads = scores.shape[:2]
    cells, rows, counts = [], [], {r: 0 for r, _, _ in LEGEND}
    for layer in range(n_layers):
        col = []
        for h in range(n_heads):
            role, strength = head_role(scores[layer, h])
            counts[role] += 1
            s = scores[layer, h].tolist()
            tip = (f"{named(layer, h)}: {role} — prev {s[0]:.2f}, self {s[1]:.2f}, "
                   f"induction {s[2]:.2f}, first token {s[3]:.2f}")
            col.append((role, 0.1 if role == "spread" else 0.25 + 0.75 * strength, tip))
            rows.append([str(layer + 1), str(h + 1), role] + [f"{x:.2f}" for x in s])
        cells.append(col)
    summary = ", ".join(f"{counts[r]} {text}" for r, _, text in LEGEND)
    desc = (f"Grid of {n_layers} blocks by {n_heads} heads (block 1 on the left), each cell coloured by the head's main behaviour "
            f"on a repeated sentence: {summary}.")
    return Figure(
        name="05-head-grid",
        svg=svg.head_grid(cells, title="What each of the 270 heads mostly does", description=desc,
                          fig_id="fig-05-head-grid", legend=LEGEND),
        caption=(f"All 270 heads of SmolLM2-135M-Instruct, blocks 1 to 30 left to right, heads 1 to 9, on \"{REPEAT_TEXT}\" written twice. "
                 f"Each head gets the label of its strongest behaviour ({summary}); stronger = more opaque. "
                 "Every cell's four scores are in the table below."),
        table_header=["block", "head", "label", "prev", "self", "induction", "first token"],
        table_rows=rows,
        inputs={"text": REPEAT_TEXT + " (twice)"},
    )
