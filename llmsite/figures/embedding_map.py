"""The embedding map of chapter 3: real SmolLM2 input embeddings of a few word groups, in 2-D.

The rows are the model's input embedding table (the one ``snippets/03-embeddings/lookup.py``
and ``neighbours.py`` read). The projection is plain PCA over the chosen rows only, each scaled to length 1
first (direction is what cosine similarity compares), in float64, with each axis's sign fixed (its largest-magnitude loading positive) so that it is
deterministic. The nearest neighbours are computed as ``neighbours.py`` does: cosine similarity
with all 49,152 rows in the full 576 dimensions. The fragment is a static SVG (each point's
tooltip names its neighbours); ``docs/assets/js/embedding-map.js`` adds keyboard focus, a
neighbour panel and lines to the neighbours that are on the map.
"""

from __future__ import annotations

import json
from html import escape

import torch

from llmsite.figures import svg

DATA = "docs/assets/data/embedding-map.json"
GROUPS = [  # (id, label, words); each must be one token (with its leading space)
    ("royal", "royalty and gender", [" king", " queen", " prince", " princess", " man", " woman", " boy", " girl"]),
    ("geo", "countries and capitals", [" France", " Paris", " Germany", " Berlin", " Italy", " Rome", " Japan", " Tokyo",
                                       " Spain", " Madrid"]),
    ("num", "numbers", [" one", " two", " three", " four", " five", " six", " seven", " eight"]),
    ("colour", "colours", [" red", " blue", " green", " yellow", " black", " white", " purple", " orange"]),
    ("day", "days", [" Monday", " Tuesday", " Wednesday", " Thursday", " Friday", " Saturday", " Sunday"]),
]
COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00"]  # Okabe–Ito
MARKERS = ["circle", "square", "triangle", "diamond", "cross"]  # so colour is never the only cue
K = 5  # neighbours shown


def pca2(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Rows x [n, d] (float64) → (coordinates [n, 2], share of the variance on each axis [2]).

    Centre the rows, take the two leading right-singular vectors; flip each so that its
    largest-magnitude entry is positive (SVD leaves the sign free)."""
    c = x - x.mean(0, keepdim=True)
    _, s, vh = torch.linalg.svd(c, full_matrices=False)
    axes = vh[:2]
    flip = torch.sign(axes.gather(1, axes.abs().argmax(1, keepdim=True)))
    axes = axes * flip
    share = s.pow(2) / s.pow(2).sum()
    return c @ axes.T, share[:2]


def compute(ctx) -> dict:
    table = ctx.model.get_input_embeddings().weight.detach().double().cpu()
    unit = torch.nn.functional.normalize(table, dim=-1)
    points = []
    for g, (gid, _, words) in enumerate(GROUPS):
        for word in words:
            ids = ctx.tok(word).input_ids
            assert len(ids) == 1, f"{word!r} is {len(ids)} tokens"
            points.append((gid, word, ids[0]))
    rows = unit[[i for _, _, i in points]]  # directions: what cosine similarity compares
    xy, share = pca2(rows)
    out = []
    for (gid, word, i), (x, y) in zip(points, xy.tolist()):
        sims = unit @ unit[i]
        sims[i] = -1  # leave out the word itself
        best = sims.topk(K)
        out.append({"token": word, "id": i, "group": gid, "x": round(x, 4), "y": round(y, 4),
                    "neighbours": [[ctx.tok.decode([int(j)]), round(float(v), 3)]
                                   for v, j in zip(best.values.tolist(), best.indices.tolist())]})
    return {"format": 1, "model": "SmolLM2-135M-Instruct", "dims": table.shape[1],
            "explained": [round(float(v), 4) for v in share],
            "groups": [{"id": gid, "label": label} for gid, label, _ in GROUPS], "points": out}


def _marker(kind: str, x: float, y: float, colour: str) -> str:
    n = svg._num
    if kind == "circle":
        return f'<circle cx="{n(x)}" cy="{n(y)}" r="5" fill="{colour}"/>'
    if kind == "square":
        return f'<rect x="{n(x - 4.5)}" y="{n(y - 4.5)}" width="9" height="9" fill="{colour}"/>'
    if kind == "triangle":
        return f'<path d="M{n(x)} {n(y - 6)}L{n(x + 5.5)} {n(y + 4)}L{n(x - 5.5)} {n(y + 4)}Z" fill="{colour}"/>'
    if kind == "diamond":
        return f'<path d="M{n(x)} {n(y - 6)}L{n(x + 6)} {n(y)}L{n(x)} {n(y + 6)}L{n(x - 6)} {n(y)}Z" fill="{colour}"/>'
    return (f'<path d="M{n(x - 5)} {n(y - 5)}L{n(x + 5)} {n(y + 5)}M{n(x + 5)} {n(y - 5)}L{n(x - 5)} {n(y + 5)}"'
            f' stroke="{colour}" stroke-width="2.5" fill="none"/>')


def label_area(W: float, H: float, M: float) -> tuple[float, float, float, float]:
    """Where point labels may go: inside the figure, below the two legend lines, above the axis."""
    return 14.0, 44.0, W - 2.0, H - M + 10


def _label_box(lx: float, ly: float, anchor: str, w: float) -> tuple[float, float, float, float]:
    """The box an 11 px label of width ``w`` covers: 9 above its baseline ``ly``, 3 below."""
    x0 = {"start": lx, "end": lx - w, "middle": lx - w / 2}[anchor]
    return x0, ly - 9, x0 + w, ly + 3


def _overlaps(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def place_labels(xy: list[tuple[float, float]], texts: list[str], *, area: tuple[float, float, float, float]):
    """Where each point's label goes: (x, y, anchor, leader) per point, greedily, so that no label
    covers another label or another point's marker and all stay inside ``area`` (x0, y0, x1, y1).

    Each label tries the spot right of its point first, then left, above, below and the four
    diagonals, then the same farther out; one placed away from its point gets a leader line.
    Deterministic: same points, same places."""
    char_w = svg.CHAR_W * 0.85  # 11 px text
    marks = [(x - 6, y - 6, x + 6, y + 6) for x, y in xy]
    placed: list[tuple[float, float, float, float]] = []
    out = []
    dirs = [(1, 0), (-1, 0), (0, -1), (0, 1), (1, -1), (1, 1), (-1, -1), (-1, 1)]
    for i, ((x, y), text) in enumerate(zip(xy, texts)):
        w = char_w * len(text)
        best = None
        for r in (8, 18, 28, 40, 54, 70, 88):
            for dx, dy in dirs:
                k = r if dx == 0 or dy == 0 else r * 0.75
                anchor = "start" if dx > 0 else "end" if dx < 0 else "middle"
                lx, ly = x + dx * k, y + dy * k + (4 if dy == 0 else 8 if dy > 0 else 0)
                box = _label_box(lx, ly, anchor, w)
                if not (area[0] <= box[0] and box[2] <= area[2] and area[1] <= box[1] and box[3] <= area[3]):
                    continue
                if any(_overlaps(box, b) for b in placed) or any(
                        _overlaps(box, m) for j, m in enumerate(marks) if j != i):
                    continue
                best = (lx, ly, anchor, r > 8, box)
                break
            if best:
                break
        if best is None:  # nowhere free: the plain spot (the test of the committed map fails on this)
            best = (x + 8, y + 4, "start", False, _label_box(x + 8, y + 4, "start", w))
        placed.append(best[4])
        out.append(best[:4])
    return out


def map_svg(data: dict) -> str:
    W, H, M = 480, 500, 30  # at most 480 wide: on a 390 px phone the 11 px labels stay >= 8 px
    pts = data["points"]
    xs, ys = [p["x"] for p in pts], [p["y"] for p in pts]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    sx = lambda v: M + (v - x0) / (x1 - x0) * (W - 2 * M - 60)  # room for labels on the right
    sy = lambda v: H - M - (v - y0) / (y1 - y0) * (H - 2 * M - 40)  # y up; room for the legend
    gi = {g["id"]: k for k, g in enumerate(data["groups"])}
    e1, e2 = data["explained"]
    desc = (f"Scatter plot of {len(pts)} tokens' input embeddings projected from {data['dims']} dimensions to 2 "
            f"with PCA: the first axis keeps {e1:.0%} of their variance, the second {e2:.0%}. "
            + " ".join(f"{g['label']}: " + ", ".join(p["token"].strip() for p in pts if p["group"] == g["id"]) + "."
                       for g in data["groups"]))
    out = svg._svg_open(W, H, "Word groups in SmolLM2's embedding table, seen along two axes", desc, "fig-03-embedding-map")
    lx, ly = M, 16
    for k, g in enumerate(data["groups"]):  # legend
        if k:
            lx += svg.CHAR_W * 0.85 * len(data["groups"][k - 1]["label"]) + 26
        if lx > W - 100 and ly == 16:  # second line of the legend
            lx, ly = M, 34
        out.append(f'<g class="em-legend">{_marker(MARKERS[k], lx, ly, COLOURS[k])}'
                   f'<text x="{svg._num(lx + 10)}" y="{ly + 4}" font-size="11" fill="currentColor">{escape(g["label"])}</text></g>')
    out.append(f'<line x1="{M}" y1="{H - M + 14}" x2="{W - M}" y2="{H - M + 14}" stroke="currentColor" stroke-opacity="0.3"/>')
    out.append(f'<text x="{W - M}" y="{H - 6}" text-anchor="end" font-size="11" fill="currentColor">first axis ({e1:.1%} of the variance)</text>')
    out.append(f'<text x="10" y="{H - M}" font-size="11" fill="currentColor" transform="rotate(-90 10 {H - M})">'
               f"second axis ({e2:.1%})</text>")
    out.append('<g class="em-links"></g>')
    xy = [(sx(p["x"]), sy(p["y"])) for p in pts]
    places = place_labels(xy, [p["token"].strip() for p in pts], area=label_area(W, H, M))
    for k, (p, (x, y), (lx, ly, anchor, leader)) in enumerate(zip(pts, xy, places)):
        g = gi[p["group"]]
        tip = f"{p['token'].strip()}: nearest in all {data['dims']} dimensions: " + ", ".join(
            f"{svg_token(t)} {v:.2f}" for t, v in p["neighbours"])
        line = ""
        if leader:  # from the point to the nearest spot of its label's box
            bx0, by0, bx1, by1 = _label_box(lx, ly, anchor, svg.CHAR_W * 0.85 * len(p["token"].strip()))
            ex, ey = min(max(x, bx0), bx1), min(max(y, by0), by1)
            line = (f'<line x1="{svg._num(x)}" y1="{svg._num(y)}" x2="{svg._num(ex)}" y2="{svg._num(ey)}"'
                    ' stroke="currentColor" stroke-opacity="0.45" stroke-width="0.8" class="em-leader"/>')
        align = "" if anchor == "start" else f' text-anchor="{anchor}"'
        out.append(f'<g class="em-pt" data-k="{k}" data-x="{svg._num(x)}" data-y="{svg._num(y)}">'
                   f"<title>{escape(tip)}</title>{line}{_marker(MARKERS[g], x, y, COLOURS[g])}"
                   f'<text x="{svg._num(lx)}" y="{svg._num(ly)}"{align}'
                   f' font-size="11" fill="currentColor">{escape(p["token"].strip())}</text></g>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def svg_token(t: str) -> str:
    from llmsite.figures import show_token

    return show_token(t)


def to_bytes(data: dict) -> bytes:
    return (json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def build_embedding_map(ctx) -> "Figure":
    from llmsite.figures import Figure, _html

    data = compute(ctx)
    e1, e2 = data["explained"]
    caption = (f"{len(data['points'])} tokens (each with its leading space) from SmolLM2's input embedding table, "
               f"each scaled to length 1 and projected from {data['dims']} dimensions onto the two directions along which "
               f"these rows vary most (PCA). Those two axes keep {e1:.1%} + {e2:.1%} = {e1 + e2:.1%} of the variance of these rows; the "
               f"other {1 - e1 - e2:.0%} is invisible here, so two points can look close and be far apart. "
               "The neighbours listed for each point are measured in all 576 dimensions.")
    rows = "".join(
        f"<tr><td>{escape(svg_token(p['token']))}</td><td>{escape(next(g['label'] for g in data['groups'] if g['id'] == p['group']))}</td>"
        f"<td>{p['x']:.2f}</td><td>{p['y']:.2f}</td><td>"
        + escape(", ".join(f"{svg_token(t)} {v:.2f}" for t, v in p["neighbours"])) + "</td></tr>"
        for p in data["points"])
    html = (
        f'<div class="llm-widget llm-embedding-map" data-widget="embedding-map" data-src="{DATA.rsplit("/", 1)[1]}">\n'
        f'<figure class="llm-figure" id="fig-03-embedding-map">\n{map_svg(data)}'
        f"<figcaption>{_html(caption)}</figcaption>\n</figure>\n"
        f'<details class="em-numbers"><summary>The numbers behind this map</summary>'
        f'<div class="em-table-wrap"><table><thead><tr><th>token</th><th>group</th><th>axis 1</th><th>axis 2</th>'
        f"<th>nearest {K} in {data['dims']} dimensions (cosine)</th></tr></thead><tbody>{rows}</tbody></table></div></details>\n"
        f"</div>\n"
        f'<script type="module" src="assets/js/embedding-map.js"></script>\n'
    )
    return Figure(name="03-embedding-map", svg="", caption="", table_header=[], table_rows=[],
                  inputs={"groups": {gid: words for gid, _, words in GROUPS}}, html=html, data={DATA: to_bytes(data)})
