"""Mechanism diagrams: what happens, drawn, with the model's real numbers where they show numbers.

Each diagram is narrow (at most ~440 units wide, text 12–13 px), so a phone shows it at about
the size it was drawn, and it uses ``currentColor`` text and the site's CSS classes, so it
reads on light and dark pages. Builders:

* ``01-pipeline``         text → tokens → ids → vectors → 30 blocks → scores → pick → append
                          (home page and chapter 1), on "The capital of France is"
* ``15-life-of-a-token``  the same journey on chapter 15's sentence (snippets/15-recap/pipeline_shapes.py)
* ``04-attention-row``    one row of attention worked through: query · keys → softmax → mix
* ``06-block``            one block and the residual stream, sizes from one_block.out
* ``09-kv-cache``         the cache growing step by step (snippets/09-generation/loop.out)
* ``10-training-loop``    forward, loss, backward, step
* ``11-post-training``    pretraining → SFT → preference tuning, with the chat template's tokens
* ``11-chat-template``    every token of chapter 11's chat template, with its id
"""

from __future__ import annotations

import math
import re
from html import escape

from llmsite import svg
from llmsite.figures import REPO, Context, Figure, show_token
from llmsite.svg import BLUE, GREY, ORANGE, _attrs, _num, _svg_open

MONO_W = 7.25  # width of a monospace glyph at 12 px (layout only)
SANS_W = 6.7  # average sans glyph at 13 px


# ----------------------------------------------------------------------------- primitives


def text(x, y, s, *, size=13, anchor="start", bold=False, opacity=None, mono=False, fill="currentColor",
         cls=None) -> str:
    extra = ""
    if anchor != "start":
        extra += f' text-anchor="{anchor}"'
    if bold:
        extra += ' font-weight="bold"'
    if opacity is not None:
        extra += f' fill-opacity="{opacity}"'
    if mono:
        extra += ' class="llm-label"' if cls is None else f' class="llm-label {cls}"'
    elif cls:
        extra += f' class="{cls}"'
    return (f'<text{_attrs(x=_num(x), y=_num(y))} fill="{fill}" font-size="{size}"{extra}'
            f' xml:space="preserve">{escape(s)}</text>')


def box(x, y, w, h, *, kind="plain", rx=6) -> str:
    """A rounded box. ``kind``: plain (faint blue), stage (stronger blue), accent (orange), muted (grey)."""
    fill, op, cls = {"plain": (BLUE, 0.10, "llm-bar"), "stage": (BLUE, 0.22, "llm-bar"),
                     "accent": (ORANGE, 0.35, "llm-dg-accent"), "muted": (GREY, 0.14, "llm-bar--muted")}[kind]
    return (f'<rect{_attrs(x=_num(x), y=_num(y), width=_num(w), height=_num(h), rx=rx)} class="{cls}"'
            f' fill="{fill}" fill-opacity="{op}" stroke="currentColor" stroke-opacity="0.45"/>')


def arrow(points, *, head=7, opacity=0.7, dashed=False) -> str:
    """A polyline through ``points`` with an arrowhead at the last point."""
    (x1, y1), (x2, y2) = points[-2], points[-1]
    a = math.atan2(y2 - y1, x2 - x1)
    left = (x2 - head * math.cos(a - 0.45), y2 - head * math.sin(a - 0.45))
    right = (x2 - head * math.cos(a + 0.45), y2 - head * math.sin(a + 0.45))
    pts = " ".join(f"{_num(x)},{_num(y)}" for x, y in points)
    dash = ' stroke-dasharray="5 4"' if dashed else ""
    return (f'<polyline points="{pts}" fill="none" stroke="currentColor" stroke-opacity="{opacity}"'
            f' stroke-width="1.6"{dash}/>'
            f'<polygon points="{_num(x2)},{_num(y2)} {_num(left[0])},{_num(left[1])} {_num(right[0])},{_num(right[1])}"'
            f' fill="currentColor" fill-opacity="{opacity}"/>')


def chip_w(label: str, sub: str = "") -> float:
    return max(MONO_W * len(label), 6.6 * len(sub), 10) + 10


def chip(x, y, label: str, sub: str = "", *, kind="plain", h=None) -> list[str]:
    """A token as a chip: its text (monospace, spaces shown as ␣) and, below, a small note (its id)."""
    w = chip_w(label, sub)
    h = h or (34 if sub else 22)
    out = [box(x, y, w, h, kind=kind, rx=4), text(x + w / 2, y + 15.5, label, size=12, anchor="middle", mono=True)]
    if sub:
        out.append(text(x + w / 2, y + 29, sub, size=11, anchor="middle", opacity=0.75))
    return out


def flow(items, x0, y0, max_x, *, gap=5, line_gap=6, h=34):
    """Lay chips out left to right, wrapping at ``max_x``. items = [(label, sub, kind)].
    Returns (svg parts, bottom y)."""
    out, x, y = [], x0, y0
    for label, sub, kind in items:
        w = chip_w(label, sub)
        if x > x0 and x + w > max_x:
            x, y = x0, y + h + line_gap
        out += chip(x, y, label, sub, kind=kind, h=h)
        x += w + gap
    return out, y + h


def wrap(s: str, max_chars: int) -> list[str]:
    lines, cur = [], ""
    for word in s.split(" "):
        if cur and len(cur) + 1 + len(word) > max_chars:
            lines.append(cur)
            cur = word
        else:
            cur = f"{cur} {word}" if cur else word
    return lines + [cur]


def finish(out: list[str]) -> str:
    out.append("</svg>")
    return "\n".join(out) + "\n"


# ----------------------------------------------------------------------------- the pipeline


def _pipeline(ctx: Context, prompt: str, name: str, title: str, caption: str) -> Figure:
    from llmsite.predict import top_next_tokens

    cfg = ctx.model.config
    ids = ctx.tok(prompt).input_ids
    toks = [ctx.tok.decode([i]) for i in ids]
    cands, _rest = top_next_tokens(ctx.model, ctx.tok, prompt, k=3)
    best = cands[0]
    W, lx, cx, right = 440, 10, 112, 430
    stage_w = 88
    out_rows = []  # (stage name, svg parts builder) laid out top to bottom
    y = 10
    parts: list[str] = []
    centers = {}

    def stage(label, y_top, h):
        centers[label] = y_top + h / 2
        parts.append(box(lx, y_top + h / 2 - 13, stage_w, 26, kind="stage", rx=13))
        parts.append(text(lx + stage_w / 2, y_top + h / 2 + 4.5, label, size=13, anchor="middle", bold=True))

    # 1. text
    lines = wrap(f'"{prompt}"', int((right - cx - 12) / SANS_W))
    h = 12 + 17 * len(lines)
    parts.append(box(cx, y, right - cx, h))
    for i, line in enumerate(lines):
        parts.append(text(cx + 8, y + 19 + 17 * i, line))
    stage("text", y, h)
    rows = [("text", y, h)]
    y += h + 22
    # 2. tokens and ids
    chips, bottom = flow([(show_token(t), str(i), "plain") for t, i in zip(toks, ids)], cx, y, right)
    parts += chips
    stage("tokens, ids", y, bottom - y)
    rows.append(("tokens, ids", y, bottom - y))
    y = bottom + 22
    # 3. vectors
    n = len(ids)
    for j in range(n):
        for k in range(6):  # a few stripes per vector: "a column of numbers"
            op = 0.15 + 0.6 * ((j * 7 + k * 3) % 5) / 4
            parts.append(f'<rect{_attrs(x=_num(cx + j * 14), y=_num(y + k * 5), width=10, height=4)}'
                         f' class="llm-bar" fill="{BLUE}" fill-opacity="{op:.2f}"/>')
    parts.append(text(cx + n * 14 + 8, y + 19, f"{n} vectors × {cfg.hidden_size} numbers"))
    stage("vectors", y, 30)
    rows.append(("vectors", y, 30))
    y += 30 + 22
    # 4. blocks
    for k in (2, 1, 0):
        parts.append(box(cx + 6 * k, y + 6 * (2 - k), 150, 30, kind="plain" if k else "stage", rx=4))
    parts.append(text(cx + 75, y + 33, f"block 1 … block {cfg.num_hidden_layers}", anchor="middle"))
    parts.append(text(cx + 172, y + 22, "each adds to", size=12, opacity=0.8))
    parts.append(text(cx + 172, y + 37, "every vector", size=12, opacity=0.8))
    stage(f"{cfg.num_hidden_layers} blocks", y, 42)
    rows.append(("blocks", y, 42))
    y += 42 + 22
    # 5. scores
    for j in range(24):  # a strip of bars: one score per vocabulary token (a sketch; 3 real ones below)
        hgt = 4 + ((j * 37) % 11) * 1.4
        parts.append(f'<rect{_attrs(x=_num(cx + j * 5), y=_num(y + 24 - hgt), width=3.4, height=_num(hgt))}'
                     f' class="llm-bar--muted" fill="{GREY}"/>')
    parts.append(text(cx + 128, y + 13, f"{cfg.vocab_size:,} scores:", size=12))
    parts.append(text(cx + 128, y + 28, "one per token it knows", size=12, opacity=0.8))
    stage("scores", y, 30)
    rows.append(("scores", y, 30))
    y += 30 + 22
    # 6. pick
    chips, bottom = flow([(show_token(c.text), f"{c.prob:.1%}", "accent" if i == 0 else "muted")
                          for i, c in enumerate(cands)], cx, y, right)
    parts += chips
    parts.append(text(cx + sum(chip_w(show_token(c.text), f"{c.prob:.1%}") + 5 for c in cands) + 6, y + 21,
                      "… highest wins", size=12, opacity=0.8))
    stage("pick", y, bottom - y)
    rows.append(("pick", y, bottom - y))
    y = bottom + 22
    # 7. append
    lines = wrap(f'"{prompt}{best.text}"', int((right - cx - 12) / SANS_W))
    h = 12 + 17 * len(lines)
    parts.append(box(cx, y, right - cx, h, kind="plain"))
    for i, line in enumerate(lines):
        parts.append(text(cx + 8, y + 19 + 17 * i, line))
    stage("append", y, h)
    rows.append(("append", y, h))
    y += h + 16
    # arrows between the stages, and the loop back from "append" to "tokens"
    for (_, y1, h1), (_, y2, h2) in zip(rows, rows[1:]):
        parts.append(arrow([(lx + stage_w / 2, y1 + h1 / 2 + 13), (lx + stage_w / 2, y2 + h2 / 2 - 13)], head=6))
    ya, yt = rows[-1][1] + rows[-1][2] / 2, rows[1][1] + rows[1][2] / 2
    xl = lx + stage_w + 6
    parts.append(arrow([(lx + stage_w, ya), (xl, ya), (xl, yt), (lx + stage_w, yt)], head=6, dashed=True))
    H = y
    desc = (f'Diagram of one prediction on "{prompt}". Tokens and ids: '
            + ", ".join(f'"{show_token(t)}" {i}' for t, i in zip(toks, ids))
            + f". Each token becomes a vector of {cfg.hidden_size} numbers; {cfg.num_hidden_layers} blocks transform "
            f"them; the last vector gives {cfg.vocab_size:,} scores. Most likely next tokens: "
            + ", ".join(f'"{show_token(c.text)}" {c.prob:.1%}' for c in cands)
            + f'. "{show_token(best.text)}" is appended and the loop runs again on the longer text.')
    out = _svg_open(W, H, title, desc, f"fig-{name}")
    out += parts
    return Figure(
        name=name, svg=finish(out), caption=caption,
        table_header=["stage", "what the model has"],
        table_rows=[["text", f'"{prompt}"'],
                    ["tokens", " ".join(f'"{show_token(t)}"' for t in toks)],
                    ["ids", " ".join(str(i) for i in ids)],
                    ["vectors", f"{n} × {cfg.hidden_size} numbers"],
                    ["blocks", f"{cfg.num_hidden_layers}, each adding to the {n} vectors"],
                    ["scores", f"{cfg.vocab_size:,}, one per vocabulary token"]]
        + [[f"candidate {i + 1}", f'"{show_token(c.text)}" (id {c.token_id}), p = {c.prob:.4f}'] for i, c in enumerate(cands)]
        + [["append", f'"{prompt}{best.text}", then again']],
        inputs={"prompt": prompt, "top_k": 3},
    )


def build_pipeline(ctx: Context) -> Figure:
    return _pipeline(
        ctx, "The capital of France is", "01-pipeline", "From text to the next token, and round again",
        "One turn of the loop, with the real tokens, ids and probabilities of SmolLM2-135M-Instruct "
        "(␣ marks a space). The dashed arrow is the loop: the picked token joins the text, and the whole "
        "journey runs again for the next one.")


def build_life_of_a_token(ctx: Context) -> Figure:
    return _pipeline(
        ctx, "The animal didn't cross the street because it", "15-life-of-a-token",
        "The life of a token, in one picture",
        "The whole course on one sentence: chapter 2 cuts it into tokens and ids, chapter 3 turns them "
        "into vectors, chapters 4 to 6 run them through the blocks, chapter 7 turns the last vector into "
        "scores, chapter 8 picks, chapter 9 appends and loops. Real numbers of SmolLM2-135M-Instruct, "
        "the same as pipeline_shapes.py prints below.")
