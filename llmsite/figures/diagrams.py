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

from llmsite.figures import svg
from llmsite.figures import REPO, Context, Figure, show_token
from llmsite.figures.svg import BLUE, GREY, ORANGE, _attrs, _num, _svg_open

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


# ----------------------------------------------------------------------------- chapter 9: the cache


def build_kv_cache(ctx: Context) -> Figure:
    from llmsite.transformer import kv_bytes_per_token

    out_text = (REPO / "snippets" / "09-generation" / "loop.out").read_text(encoding="utf-8")
    steps = [(int(s), int(r), int(c), eval(t, {})) for s, r, c, t in  # noqa: S307 (repr of a str we wrote)
             re.findall(r"^step\s+(\d+): read\s+(\d+) token\(s\), cache holds\s+(\d+), picked ('.*')$", out_text, re.M)]
    per_token = kv_bytes_per_token(ctx.model.config)
    prompt_len = steps[0][1]
    left, cell, row_h, top = 58, 5.6, 24, 40
    max_held = max(c for _, _, c, _ in steps)
    labels = [f"{c * per_token / 1e6:.2f} MB" + ("  the prompt" if s == 0 else f"  + {show_token(steps[i - 1][3])}")
              for i, (s, _, c, _) in enumerate(steps)]
    W = left + max_held * cell + 8 + max(len(t) for t in labels) * MONO_W
    H = top + len(steps) * row_h + 8
    desc = (f"Diagram of the KV cache during one reply. Step 0 reads the {prompt_len}-token prompt at once and "
            f"stores {prompt_len} tokens' keys and values; every later step reads one token, the one picked "
            "before, and the cache grows by one: "
            + "; ".join(f"step {s}: {c} tokens, {c * per_token / 1e6:.2f} MB" for s, _, c, _ in steps)
            + f". Each token costs {per_token:,} bytes.")
    out = _svg_open(W, H, "The KV cache grows by one token per step", desc, "fig-09-kv-cache")
    out.append(text(left, 14, "one square = one token's keys and values, all 30 layers", size=12, opacity=0.85))
    out.append(f'<rect{_attrs(x=left, y=22, width=10, height=10)} class="llm-bar" fill="{BLUE}" fill-opacity="0.55"/>')
    out.append(text(left + 14, 32, "the prompt", size=12))
    out.append(f'<rect{_attrs(x=left + 90, y=22, width=10, height=10)} class="llm-dg-accent" fill="{ORANGE}"/>')
    out.append(text(left + 104, 32, "added this step", size=12))
    for i, (s, read, held, tok) in enumerate(steps):
        y = top + i * row_h
        out.append(text(left - 8, y + 14, f"step {s}", size=12, anchor="end"))
        for j in range(held):
            if s > 0 and j == held - 1:
                cls, fill, op = "llm-dg-accent", ORANGE, 1.0
            else:
                cls, fill, op = "llm-bar", BLUE, (0.55 if j < prompt_len else 0.3)
            out.append(f'<rect{_attrs(x=_num(left + j * cell), y=_num(y + 3), width=_num(cell - 1.2), height=15)}'
                       f' class="{cls}" fill="{fill}" fill-opacity="{op:.2f}"/>')
        out.append(text(left + held * cell + 6, y + 14, labels[i], size=12, mono=True))
    return Figure(
        name="09-kv-cache", svg=finish(out),
        caption=(f"The reply from loop.py below, step by step. Step 0 (prefill) stores the keys and values of all "
                 f"{prompt_len} prompt tokens; every later step feeds in only the token picked just before and adds one square "
                 f"(step 7 picks <|im_end|> and the reply ends). "
                 f"Each square costs {per_token:,} bytes in float32 (2 × {ctx.model.config.num_hidden_layers} layers × "
                 f"{ctx.model.config.num_key_value_heads} key/value heads × {ctx.model.config.head_dim} numbers × 4 bytes)."),
        table_header=["step", "tokens read", "cache holds", "cache bytes", "picked"],
        table_rows=[[str(s), str(r), str(c), f"{c * per_token:,}", f'"{show_token(t)}"'] for s, r, c, t in steps],
        inputs={"snippet_output": "snippets/09-generation/loop.out", "bytes_per_token": per_token},
    )


# ----------------------------------------------------------------------------- chapter 6: one block


def build_block(ctx: Context) -> Figure:
    cfg = ctx.model.config
    out_text = (REPO / "snippets" / "06-transformer-block" / "one_block.out").read_text(encoding="utf-8")
    emb = re.search(r"^embedding\s+size ([\d.]+)", out_text, re.M).group(1)
    after = dict(re.findall(r"^after block\s+(\d+)\s+size ([\d.]+)", out_text, re.M))
    last = str(cfg.num_hidden_layers)  # one_block.out counts blocks from 1
    W, H = 440, 468
    sx = 92  # the residual stream runs up this line
    desc = (f"Diagram of one transformer block. The residual stream ({cfg.hidden_size} numbers per token) runs "
            f"bottom to top. The first half takes a normalised copy (RMSNorm), runs attention over earlier tokens and "
            f"adds the result back; the second half takes another normalised copy, runs the feed-forward network "
            f"({cfg.hidden_size} → {cfg.intermediate_size} → {cfg.hidden_size}) and adds that back. Measured size of the "
            f"last token's vector: {emb} before block 1, {after['1']} after it, {after[last]} after all "
            f"{cfg.num_hidden_layers} blocks.")
    out = _svg_open(W, H, "One block: read a copy, compute, add back", desc, "fig-06-block")
    # the stream
    out.append(f'<line{_attrs(x1=sx, y1=446, x2=sx, y2=36)} class="llm-line" stroke="{BLUE}" stroke-width="9"'
               ' stroke-opacity="0.35"/>')
    out.append(arrow([(sx, 60), (sx, 22)], head=9, opacity=0.8))
    out.append(text(sx - 12, 456, f"in: size {emb}", size=12, anchor="middle"))
    out.append(text(sx + 12, 16, f"out: size {after['1']}, to the next block", size=12))
    out.append(text(16, 250, "residual", size=12, opacity=0.85, bold=True))
    out.append(text(16, 265, "stream", size=12, opacity=0.85, bold=True))
    out.append(text(16, 282, f"{cfg.hidden_size} numbers", size=11, opacity=0.75))
    out.append(text(16, 296, "per token", size=11, opacity=0.75))

    def half(y_tap, y_add, name, lines):
        bx = sx + 40
        out.append(arrow([(sx + 5, y_tap), (bx, y_tap)], head=6))
        out.append(box(bx, y_tap - 15, 92, 30, kind="muted"))
        out.append(text(bx + 46, y_tap + 4.5, "RMSNorm", size=12, anchor="middle"))
        out.append(arrow([(bx + 92, y_tap), (bx + 112, y_tap)], head=6))
        hx, hh = bx + 112, 18 + 16 * len(lines)
        out.append(box(hx, y_tap - hh / 2, W - hx - 8, hh, kind="stage"))
        out.append(text(hx + 8, y_tap - hh / 2 + 17, name, size=13, bold=True))
        for k, line in enumerate(lines[1:]):
            out.append(text(hx + 8, y_tap - hh / 2 + 33 + 16 * k, line, size=12, opacity=0.85))
        mx = hx + (W - hx - 8) / 2
        out.append(arrow([(mx, y_tap - hh / 2), (mx, y_add), (sx + 14, y_add)], head=6))
        out.append(f'<circle{_attrs(cx=sx, cy=y_add, r=10)} fill="currentColor" fill-opacity="0.08"'
                   ' stroke="currentColor" stroke-opacity="0.7"/>')
        out.append(text(sx, y_add + 5, "+", size=16, anchor="middle", bold=True))

    half(378, 290, "attention", ["attention", "looks at earlier tokens", f"{cfg.num_attention_heads} heads"])
    half(200, 108, "feed-forward (SwiGLU)", ["ffn", "each token on its own",
                                             f"{cfg.hidden_size} → {cfg.intermediate_size} → {cfg.hidden_size}"])
    out.append(text(sx + 40, 414, "a normalised copy goes out;", size=12, opacity=0.8))
    out.append(text(sx + 40, 429, "the result is added back", size=12, opacity=0.8))
    out.append(text(W - 8, 60, f"× {cfg.num_hidden_layers} blocks:", size=12, anchor="end", opacity=0.85))
    out.append(text(W - 8, 75, f"size {after[last]} after the last", size=12, anchor="end", opacity=0.85))
    return Figure(
        name="06-block", svg=finish(out),
        caption=(f"One of the {cfg.num_hidden_layers} blocks. The stream is never replaced: each half reads a normalised "
                 f"copy and adds its result back (the ⊕). Sizes are the root mean square of the last token's vector on "
                 f"\"The capital of France is\", from one_block.py below; widths are from the model's configuration."),
        table_header=["where", "value"],
        table_rows=[["numbers per token in the stream", str(cfg.hidden_size)],
                    ["attention heads (query / key-value)", f"{cfg.num_attention_heads} / {cfg.num_key_value_heads}"],
                    ["FFN width", str(cfg.intermediate_size)],
                    ["RMSNorm ε", f"{cfg.rms_norm_eps:g}"],
                    ["size before block 1 (embedding)", emb],
                    ["size after block 1", after["1"]],
                    [f"size after block {cfg.num_hidden_layers}", after[last]]],
        inputs={"snippet_output": "snippets/06-transformer-block/one_block.out"},
    )


# ----------------------------------------------------------------------------- chapter 11


def _template_tokens(ctx: Context, user: str) -> list[tuple[str, int]]:
    chat = [{"role": "user", "content": user}]
    text_ = ctx.tok.apply_chat_template(chat, tokenize=False, add_generation_prompt=True)
    ids = ctx.tok(text_).input_ids
    return [(ctx.tok.decode([i]), i) for i in ids]


def _chip_kind(t: str) -> str:
    return "accent" if t.startswith("<|") else "plain"


def build_post_training(ctx: Context) -> Figure:
    pref = (REPO / "snippets" / "11-fine-tuning" / "preference_pair.out").read_text(encoding="utf-8")
    rows = {name: (int(n), float(lp)) for name, n, lp, _ in
            re.findall(r"^(\w+)\s+(\d+)\s+(-?[\d.]+)\s+(-?[\d.]+)$", pref, re.M)}
    user = "Hi!"
    toks = _template_tokens(ctx, user)
    # show the user turn and the open assistant turn (the system turn is in the next figure)
    start = max(i for i, (t, _) in enumerate(toks) if t == "<|im_start|>" and toks[i + 1][0] == "user")
    shown = toks[start:]
    W, x0, right = 440, 28, 432
    parts: list[str] = []
    y = 8
    stages = []

    def stage(title, lines, kind="stage"):
        nonlocal y
        h = 26 + 17 * len(lines)
        parts.append(box(x0, y, right - x0, h, kind=kind))
        parts.append(text(x0 + 10, y + 19, title, bold=True))
        for k, line in enumerate(lines):
            parts.append(text(x0 + 10, y + 38 + 17 * k, line, size=12, opacity=0.85))
        stages.append((y, h))
        y += h

    stage("1. Pretraining: continue any text", ["data: trillions of tokens of web pages, code, maths",
                                                "learns: what text tends to come next"])
    y += 26
    stage("2. Supervised fine-tuning (SFT)", ["data: conversations, every one in the chat template:"])
    y_chips = stages[-1][0] + 26 + 17 + 4
    chips, bottom = flow([(show_token(t), str(i) if t.startswith("<|") else "", _chip_kind(t)) for t, i in shown],
                         x0 + 10, y_chips, right - 8, h=34)
    parts += chips
    extra = bottom + 22 - (stages[-1][0] + stages[-1][1])
    # grow the SFT box to hold its chips (it was drawn first; redraw its rect taller)
    sy, sh = stages[-1]
    parts[parts.index(box(x0, sy, right - x0, sh, kind="stage"))] = box(x0, sy, right - x0, sh + extra, kind="stage")
    parts.append(text(x0 + 10, bottom + 16, "learns: the format, the tone, and when to stop (<|im_end|>)", size=12,
                      opacity=0.85))
    y += extra + 26
    c, r = rows["clear"], rows["condescending"]
    stage("3. Preference tuning (RLHF, DPO)", ["data: pairs of answers, one marked better",
                                               "learns: to move probability to the better one",
                                               f"ours today: clear answer {c[1]:.1f}, rude one {r[1]:.1f}",
                                               "(log-probability; closer to 0 = more likely)"])
    bottoms = [stages[0][0] + stages[0][1], sy + sh + extra]
    tops = [stages[1][0], stages[2][0]]
    for b, t in zip(bottoms, tops):
        parts.append(arrow([(W / 2, b + 2), (W / 2, t - 2)], head=7))
    H = y + 8
    desc = ("Diagram of the three training stages of a chat model. 1: pretraining on trillions of tokens of text; "
            "the model learns to continue text. 2: supervised fine-tuning on conversations in the chat template, "
            "whose tokens are: " + " ".join(f'"{show_token(t)}"' for t, _ in shown)
            + ". 3: preference tuning on pairs of answers; our model gives the clear answer of chapter 11 a "
            f"log-probability of {c[1]:.1f} and the rude one {r[1]:.1f}.")
    out = _svg_open(W, H, "From text predictor to assistant: three stages", desc, "fig-11-post-training")
    out += parts
    return Figure(
        name="11-post-training", svg=finish(out),
        caption=("Three stages, one objective: each is still next-token training, on different text. The chips are "
                 f"the real tokens our tokenizer makes of a user turn (\"{user}\") and the open assistant turn (orange: "
                 "special tokens, with their ids; ↵ is a new line). The log-probabilities are from preference_pair.py "
                 "below. Data sizes: Allal et al., 2025 (the SmolLM2 paper)."),
        table_header=["stage", "data", "our model shows"],
        table_rows=[["pretraining", "web text, code, maths", "continues raw text (with_and_without.py)"],
                    ["SFT", "conversations in the chat template", " ".join(f'"{show_token(t)}"' for t, _ in shown)],
                    ["preference tuning", "pairs of answers", f"clear {c[1]:.1f} vs condescending {r[1]:.1f} (log-prob)"]],
        inputs={"user": user, "snippet_output": "snippets/11-fine-tuning/preference_pair.out"},
    )


def build_chat_template(ctx: Context) -> Figure:
    user = "Give me three tips for sleeping better."  # as in snippets/11-fine-tuning/chat_template.py
    toks = _template_tokens(ctx, user)
    W, x0, right = 440, 8, 432
    out_parts, bottom = flow([(show_token(t), str(i), _chip_kind(t)) for t, i in toks], x0, 8, right, gap=4, h=34)
    H = bottom + 8
    n_special = sum(t.startswith("<|") for t, _ in toks)
    desc = (f"The {len(toks)} tokens the model reads for one chat request, in order, each with its id: "
            + " ".join(f'"{show_token(t)}" {i}' for t, i in toks)
            + f". {n_special} of them are the special tokens that open and close turns.")
    out = _svg_open(W, H, "What the model reads when you ask one question", desc, "fig-11-chat-template")
    out += out_parts
    return Figure(
        name="11-chat-template", svg=finish(out),
        caption=(f"Every token of the chat template filled in with \"{user}\": {len(toks)} tokens, the first "
                 f"{next(i for i, (t, _) in enumerate(toks) if t == '<|im_start|>' and i > 0)} of them a system turn "
                 "we never wrote. Orange chips are special tokens (<|im_start|> is id 1, <|im_end|> is id 2); "
                 "␣ marks a space, ↵ a new line."),
        table_header=["position", "token", "id"],
        table_rows=[[str(k), f'"{show_token(t)}"', str(i)] for k, (t, i) in enumerate(toks)],
        inputs={"user": user},
    )


# ----------------------------------------------------------------------------- chapter 4: one row


def attention_row(ctx: Context, sentence: str, layer: int, head: int, query: str):
    """Query · keys → scores → softmax → weights → mix of values, for one head and one token,
    computed step by step from the model's weights (and checked against the model's attention)."""
    import torch

    from llmsite.transformer import (apply_rope, attention, embed, from_hf, rms_norm, rope_cos_sin,
                                     swiglu_ffn)

    W_ = from_hf(ctx.model)
    ids = ctx.tok(sentence).input_ids
    toks = [ctx.tok.decode([i]) for i in ids]
    qi = toks.index(query)
    pos = torch.arange(len(ids))
    with torch.no_grad():
        x = embed(torch.tensor([ids]), W_)
        for lay in range(layer):
            lw = W_.layers[lay]
            x = x + attention(rms_norm(x, lw.attn_norm, W_.eps), lay, W_, pos)
            x = x + swiglu_ffn(rms_norm(x, lw.ffn_norm, W_.eps), lay, W_)
        lw = W_.layers[layer]
        normed = rms_norm(x, lw.attn_norm, W_.eps)
        D, kvh = W_.head_dim, head // W_.group_size
        q = (normed[0] @ lw.q.T).view(len(ids), W_.n_heads, D)[:, head]
        k = (normed[0] @ lw.k.T).view(len(ids), W_.n_kv_heads, D)[:, kvh]
        v = (normed[0] @ lw.v.T).view(len(ids), W_.n_kv_heads, D)[:, kvh]
        cos, sin = rope_cos_sin(pos, D, W_.rope_theta)
        q, k = apply_rope(q[None, None], cos, sin)[0, 0], apply_rope(k[None, None], cos, sin)[0, 0]
        scores = (k[: qi + 1] @ q[qi]) * D**-0.5
        weights = scores.softmax(-1)
        mix = weights @ v[: qi + 1]
        _, model_w = attention(normed, layer, W_, pos, return_weights=True)
    assert torch.allclose(weights, model_w[0, head, qi, : qi + 1], atol=1e-5), "worked row ≠ the model's attention"
    return toks[: qi + 1], scores.tolist(), weights.tolist(), v[: qi + 1].tolist(), mix.tolist(), kvh


def build_attention_row(ctx: Context) -> Figure:
    sentence, (layer, head) = "The animal didn't cross the street because it was too tired", (13, 8)  # as figures/attention.py (block 14, head 9)
    toks, scores, weights, values, mix, kvh = attention_row(ctx, sentence, layer, head, " it")
    n = len(toks)
    W, row_h, top = 440, 26, 72
    xs = {"tok": 92, "score": 150, "exp": 168, "w": 232, "bar": 236}
    bar_w = 84
    H = top + n * row_h + 86
    best = max(range(n), key=lambda j: weights[j])
    desc = (f'Worked example of one row of attention: the query of " it" in block {layer + 1}, head {head + 1}. Scores '
            "(query · key ÷ 8) and weights after softmax: "
            + "; ".join(f'"{show_token(t)}" {s:.2f} → {w:.1%}' for t, s, w in zip(toks, scores, weights))
            + f'. The output is the weighted mix of the values, mostly the value of "{show_token(toks[best])}".')
    out = _svg_open(W, H, 'One row of attention, worked through: where " it" looks', desc, "fig-04-attention-row")
    out.append(text(8, 16, f'query: " it" asks (64 numbers)', size=12, bold=True))
    out.append(text(8, 32, "1. score = query · key ÷ 8, one per earlier token", size=12, opacity=0.85))
    out.append(text(8, 48, "2. softmax turns the scores into weights that add up to 1", size=12, opacity=0.85))
    out.append(text(xs["tok"], top - 2, "key of", size=11, anchor="end", opacity=0.75))
    out.append(text(xs["score"], top - 2, "score", size=11, anchor="end", opacity=0.75))
    out.append(text(xs["w"], top - 2, "weight", size=11, anchor="end", opacity=0.75))
    for j, (t, s, w) in enumerate(zip(toks, scores, weights)):
        y = top + 6 + j * row_h
        strong = j == best
        out.append(text(xs["tok"], y + 12, show_token(t), size=12, anchor="end", mono=True, bold=strong))
        out.append(text(xs["score"], y + 12, f"{s:.2f}", size=12, anchor="end"))
        out.append(arrow([(xs["score"] + 6, y + 8), (xs["score"] + 30, y + 8)], head=5, opacity=0.45))
        out.append(text(xs["w"], y + 12, f"{w:.1%}", size=12, anchor="end", bold=strong))
        out.append(f'<rect{_attrs(x=xs["bar"] + 6, y=y, width=_num(max(bar_w * w, 1)), height=16)} class="llm-bar"'
                   f' fill="{BLUE}"/>')
        out.append(text(xs["bar"] + 12 + bar_w, y + 12, f"× v({show_token(t)})", size=11, opacity=0.7, mono=True))
    y = top + 6 + n * row_h + 8
    out.append(text(8, y + 6, "3. mix: add up weight × value, row by row", size=12, opacity=0.85))
    fmt = lambda vec: "[" + ", ".join(f"{a:.2f}" for a in vec[:3]) + ", …]"  # noqa: E731
    out.append(text(8, y + 26, f"output for \" it\": {fmt(mix)}", size=12, mono=True))
    out.append(text(8, y + 44, f"value of {show_token(toks[best])}:  {fmt(values[best])}", size=12, mono=True,
                    opacity=0.8))
    out.append(text(8, y + 62, f"(first 3 of 64 numbers; {weights[best]:.0%} of the mix is the value of {show_token(toks[best])})",
                    size=11, opacity=0.75))
    table = [[f'"{show_token(t)}"', f"{s:.3f}", f"{w:.4f}", fmt(vv)] for t, s, w, vv in zip(toks, scores, weights, values)]
    table.append(["mix (output)", "", f"{sum(weights):.4f}", fmt(mix)])
    return Figure(
        name="04-attention-row", svg=finish(out),
        caption=(f'The row of " it" in block {layer + 1}, head {head + 1} (key/value head {kvh + 1}), computed step by step from '
                 "the model's own weights: query · key ÷ √64 gives a score per earlier token, softmax turns "
                 "scores into weights, and the output is the weights' mix of the value vectors (v). The drawing "
                 "code checks these weights against the model's own attention. Bar length = weight."),
        table_header=["key of", "score", "weight", "value (first 3 of 64)"],
        table_rows=table,
        inputs={"text": sentence, "layer": layer, "head": head, "query": " it"},
    )


# ----------------------------------------------------------------------------- chapter 10: the loop


def build_training_loop(ctx: Context) -> Figure:
    W, H = 440, 330
    steps = [
        ("1. a batch of text", "32 random windows of 64 characters"),
        ("2. forward pass", "predict every next character"),
        ("3. loss", "how surprised was it by the real ones?"),
        ("4. backward pass", "which way should each weight move?"),
        ("5. step", "nudge every weight a little that way"),
    ]
    desc = ("Diagram of the training loop: " + "; ".join(f"{a}: {b}" for a, b in steps)
            + ". Then back to step 1 with a new batch, hundreds of times.")
    out = _svg_open(W, H, "The training loop", desc, "fig-10-training-loop")
    x0, bw, bh, gap = 56, 296, 46, 14
    for i, (a, b) in enumerate(steps):
        y = 10 + i * (bh + gap)
        out.append(box(x0, y, bw, bh, kind="accent" if i == 2 else "stage"))
        out.append(text(x0 + 12, y + 19, a, bold=True))
        out.append(text(x0 + 12, y + 37, b, size=12, opacity=0.85))
        if i:
            out.append(arrow([(x0 + bw / 2, y - gap + 1), (x0 + bw / 2, y - 1)], head=6))
    y_last = 10 + 4 * (bh + gap) + bh / 2
    out.append(arrow([(x0, y_last), (24, y_last), (24, 10 + bh / 2), (x0 - 2, 10 + bh / 2)], head=7, dashed=True))
    out.append(text(16, H / 2 - 40, "again, with the next batch", size=12, opacity=0.85, anchor="middle",
                    cls="llm-dg-vertical").replace("<text", f'<text transform="rotate(-90 16 {_num(H / 2 - 40)})"', 1))
    out.append(text(x0 + bw + 8, 10 + 2 * (bh + gap) + 28, "the number", size=11, opacity=0.75))
    out.append(text(x0 + bw + 8, 10 + 2 * (bh + gap) + 42, "on the curve", size=11, opacity=0.75))
    return Figure(
        name="10-training-loop", svg=finish(out),
        caption=("One training step: the four moves below, plus picking a batch. The loss (orange) is the number the loss curve below plots; "
                 "everything else exists to make it smaller next time. loop.py below is this diagram in code."),
        table_header=["step", "what happens"],
        table_rows=[[a, b] for a, b in steps],
        inputs={},
    )
