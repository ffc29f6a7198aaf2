"""Charts for chapters 12 and 15 (issue 12): recorded outputs, published numbers and the
notebook's own computation, drawn narrow for phones and in both colour schemes.

Builders:

* ``12-params-tokens``  our toy models against published open models: parameters vs training
                        tokens, log–log, with Chinchilla's 20 tokens per parameter as a line
                        (toy numbers from snippets/12-scaling/toy_scaling.out and
                        snippets/10-training/train_tiny.out; published ones cited in ``PUBLISHED``)
* ``12-exact-match``    per-character accuracy vs the chance of a perfect k-character answer,
                        with the toy models' accuracies from toy_scaling.out marked
* ``15-next-token``     the notebook's final probabilities after "…because it" (our forward pass)
* ``10-before-after``    the tiny GPT's writing at step 0 and at the end (snippets/10-training/train_tiny.out)
* ``11-preference``      surprise per token of a clear and a rude answer (snippets/11-fine-tuning/preference_pair.out)
* ``15-stream-by-block`` the notebook's logit lens: the size (RMS) of " it" after each block, and
                        what the model would predict if it stopped there
"""

from __future__ import annotations

import math
import re
from html import escape

from llmsite import published, svg
from llmsite.figures import REPO, Context, Figure, show_token
from llmsite.svg import BLUE, ORANGE, _attrs, _num, _svg_open

CHART_W = 420  # like fig_measured: legible when a phone scales the chart to ~360 px

PUBLISHED = published.TRAINING_DATA  # (name, parameters, tokens, source, date): llmsite/published.py


def _out(rel: str) -> str:
    return (REPO / "snippets" / rel).read_text(encoding="utf-8")


def toy_points() -> list[tuple[int, int, float, float]]:
    """(parameters, characters seen, held-out loss, next-char accuracy) from toy_scaling.out."""
    out = _out("12-scaling/toy_scaling.out")
    chars = int(re.search(r"saw the same ([\d,]+) characters", out).group(1).replace(",", ""))
    rows = re.findall(r"^\s*([\d,]+)\s+[\d.]+\s+([\d.]+)\s+([\d.]+)%$", out, re.M)
    return [(int(n.replace(",", "")), chars, float(loss), float(acc) / 100) for n, loss, acc in rows]


def tiny_gpt_point() -> tuple[int, int]:
    """(parameters, characters seen) of chapter 10's tiny GPT, from its recorded outputs."""
    m = re.search(r"parameters of the tiny model: ([\d,]+)", _out("10-training/objective.out"))
    seen = re.search(r"^([\d,]+) characters seen", _out("10-training/train_tiny.out"), re.M)
    return int(m.group(1).replace(",", "")), int(seen.group(1).replace(",", ""))


# ----------------------------------------------------------------------------- a log–log scatter


def scatter_loglog(groups, *, title, description, fig_id, x_label, y_label, x_range, y_range,
                   guide=None, width=CHART_W, height=330) -> str:
    """Points on log–log axes. ``groups`` = [(legend name, [(x, y, label, label side)], shape)],
    shape "circle" or "square" (so colour is never the only cue); ``guide`` = (legend text, slope
    factor k) draws y = k·x dashed."""
    left, right, top, bottom = 54, 14, 40, 46
    pw, ph = width - left - right, height - top - bottom
    lx0, lx1 = math.log10(x_range[0]), math.log10(x_range[1])
    ly0, ly1 = math.log10(y_range[0]), math.log10(y_range[1])

    def sx(x):
        return left + pw * (math.log10(x) - lx0) / (lx1 - lx0)

    def sy(y):
        return top + ph * (1 - (math.log10(y) - ly0) / (ly1 - ly0))

    out = _svg_open(width, height, title, description, fig_id)
    out.append(f'<rect{_attrs(x=left, y=top, width=pw, height=ph)} fill="none" stroke="currentColor"'
               ' stroke-opacity="0.4" class="llm-axis"/>')
    for k in range(math.ceil(lx0), math.floor(lx1) + 1, 2):
        x = sx(10.0**k)
        out.append(f'<line{_attrs(x1=_num(x), y1=top, x2=_num(x), y2=top + ph)} stroke="currentColor"'
                   ' stroke-opacity="0.12" class="llm-grid"/>')
        out.append(f'<text{_attrs(x=_num(x), y=top + ph + 16)} text-anchor="middle" fill="currentColor"'
                   f' fill-opacity="0.75" font-size="11">{escape(_short(10.0**k))}</text>')
    for k in range(math.ceil(ly0), math.floor(ly1) + 1, 2):
        y = sy(10.0**k)
        out.append(f'<line{_attrs(x1=left, y1=_num(y), x2=left + pw, y2=_num(y))} stroke="currentColor"'
                   ' stroke-opacity="0.12" class="llm-grid"/>')
        label = _short(10.0**k)
        out.append(f'<text{_attrs(x=left - 5, y=_num(y + 4))} text-anchor="end" fill="currentColor"'
                   f' fill-opacity="0.75" font-size="11">{escape(label)}</text>')
    out.append(f'<text{_attrs(x=_num(left + pw / 2), y=height - 8)} text-anchor="middle" fill="currentColor"'
               f' font-size="12">{escape(x_label)}</text>')
    out.append(f'<text{_attrs(x=13, y=_num(top + ph / 2))} transform="rotate(-90 13 {_num(top + ph / 2)})"'
               f' text-anchor="middle" fill="currentColor" font-size="12">{escape(y_label)}</text>')
    legend_x = left
    if guide:
        name, k = guide
        xa, xb = x_range[0], min(x_range[1], y_range[1] / k)
        out.append(f'<line{_attrs(x1=_num(sx(xa)), y1=_num(sy(max(k * xa, y_range[0]))), x2=_num(sx(xb)), y2=_num(sy(k * xb)))}'
                   ' stroke="currentColor" stroke-opacity="0.6" stroke-width="1.6" stroke-dasharray="6 4"/>')
    colours = [BLUE, ORANGE]
    for i, (name, pts, shape) in enumerate(groups):
        colour = colours[i % 2]
        cls = f"llm-series llm-series-{i % 4} llm-series-dot"
        for x, y, label, side in pts:
            cx, cy = sx(x), sy(y)
            if shape == "square":
                out.append(f'<rect{_attrs(x=_num(cx - 4.5), y=_num(cy - 4.5), width=9, height=9)} class="{cls}"'
                           f' fill="{colour}"/>')
            else:
                out.append(f'<circle{_attrs(cx=_num(cx), cy=_num(cy), r=4.5)} class="{cls}" fill="{colour}"/>')
            if label:
                dx, dy, anchor = {"right": (8, 4, "start"), "left": (-8, 4, "end"), "up": (0, -8, "middle"),
                                  "down": (0, 16, "middle"), "down-left": (5, 17, "end")}[side]
                out.append(f'<text{_attrs(x=_num(cx + dx), y=_num(cy + dy))} text-anchor="{anchor}"'
                           f' fill="currentColor" font-size="11">{escape(label)}</text>')
        # legend
        if shape == "square":
            out.append(f'<rect{_attrs(x=_num(legend_x), y=9, width=9, height=9)} class="{cls}" fill="{colour}"/>')
        else:
            out.append(f'<circle{_attrs(cx=_num(legend_x + 4.5), cy=13.5, r=4.5)} class="{cls}" fill="{colour}"/>')
        out.append(f'<text{_attrs(x=_num(legend_x + 14), y=18)} fill="currentColor" font-size="12">{escape(name)}</text>')
        legend_x += 14 + 6.4 * len(name) + 16
    if guide:
        out.append(f'<line{_attrs(x1=_num(left), y1=31, x2=_num(left + 22), y2=31)} stroke="currentColor"'
                   ' stroke-opacity="0.6" stroke-width="1.6" stroke-dasharray="6 4"/>')
        out.append(f'<text{_attrs(x=_num(left + 28), y=35)} fill="currentColor" font-size="12">{escape(guide[0])}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


# ----------------------------------------------------------------------------- chapter 12


def _short(n: float) -> str:
    return f"{n / 1e12:g}T" if n >= 1e12 else svg._tick_text(n)


def build_params_tokens(ctx: Context) -> Figure:
    toys = toy_points()
    tiny_n, tiny_seen = tiny_gpt_point()
    ours = [(n, c, "", "right") for n, c, _, _ in toys]
    ours[-1] = (*ours[-1][:2], "toy models (ch. 12)", "right")
    ours.append((tiny_n, tiny_seen, "tiny GPT (ch. 10)", "up"))
    sides = {"GPT-3": "right", "Chinchilla": "right", "SmolLM2-135M": "down", "SmolLM2-1.7B": "left",
             "Llama 3 8B": "up", "Llama 3 405B": "down-left"}
    pub = [(n, t, name, sides[name]) for name, n, t, _, _ in PUBLISHED]
    desc = ("Log–log scatter of parameters against training tokens. Our models: "
            + "; ".join(f"{n:,} parameters, {c:,} characters" for n, c, _, _ in ours)
            + ". Published: " + "; ".join(f"{name} {_short(n)} parameters, {_short(t)} tokens" for name, n, t, _, _ in PUBLISHED)
            + ". A dashed line marks 20 tokens per parameter, Chinchilla's rule. SmolLM2-135M sits far above it.")
    return Figure(
        name="12-params-tokens",
        svg=scatter_loglog([("ours (characters)", ours, "circle"), ("published (tokens)", pub, "square")],
                           title="Our toy models and published ones: size against training data",
                           description=desc, fig_id="fig-12-params-tokens",
                           x_label="parameters (log scale)", y_label="training tokens (log scale)",
                           x_range=(5e3, 2e12), y_range=(5e4, 1e14),
                           guide=("20 tokens per parameter (Chinchilla)", 20)),
        caption=("Each dot is one model: how many parameters it has (across) and how much text it trained on "
                 "(up), both on log scales, so every grid line is 100 times the last. Our toys saw characters, "
                 "the published models tokens. Models above the dashed line are trained past Chinchilla's "
                 "20 tokens per parameter: SmolLM2-135M by about 740 times. Sources and dates in the table."),
        table_header=["model", "parameters", "training tokens", "tokens per parameter", "source (date)"],
        table_rows=[[f"toy model {i + 1} (ch. 12)", f"{n:,}", f"{c:,} chars", f"{c / n:.1f}",
                     "snippets/12-scaling/toy_scaling.out"] for i, (n, c, _, _) in enumerate(toys)]
        + [["tiny GPT (ch. 10)", f"{tiny_n:,}", f"{tiny_seen:,} chars", f"{tiny_seen / tiny_n:.1f}",
            "snippets/10-training/train_tiny.out"]]
        + [[name, _short(n), _short(t), f"{t / n:,.0f}", f"{src} ({date})"] for name, n, t, src, date in PUBLISHED],
        inputs={"snippet_outputs": ["snippets/12-scaling/toy_scaling.out", "snippets/10-training/train_tiny.out"],
                "published": [p[0] for p in PUBLISHED]},
    )


def build_exact_match(ctx: Context) -> Figure:
    toys = toy_points()
    ks = [1, 10, 30]
    grid = [i / 50 for i in range(0, 51)]
    series = [(f"{k} char{'s' if k > 1 else ''}", [(a * 100, (a**k) * 100) for a in grid])
              for k in ks]
    desc = ("Line chart: the chance that every character of an answer is right, against the accuracy per "
            "character, if errors are independent: accuracy to the power k, for answers of "
            + ", ".join(str(k) for k in ks) + " characters. The 30-character curve stays near zero until "
            "the per-character accuracy passes about 80%, then shoots up. Our toy models' accuracies: "
            + ", ".join(f"{a:.1%}" for *_, a in toys) + ", all in the flat part.")
    chart = svg.series_chart(series, title="Smooth per character, sudden per answer", description=desc,
                             fig_id="fig-12-exact-match", x_label="accuracy per character (%)",
                             y_label="whole answer right (%)", x_range=(0, 100), y_range=(0, 100),
                             width=CHART_W, height=300)
    chart = chart.replace(' width="100%"', f' width="{CHART_W}"', 1)
    # mark the toy models' accuracies on the x axis (the table lists them)
    left, right, top, bottom = 58, 18, 36, 46
    pw, ph = CHART_W - left - right, 300 - top - bottom
    marks = []
    for *_, a in toys:
        x = left + pw * a
        marks.append(f'<line{_attrs(x1=_num(x), y1=top + ph - 10, x2=_num(x), y2=top + ph)} stroke="currentColor"'
                     ' stroke-width="2" stroke-opacity="0.8"/>')
    marks.append(f'<text{_attrs(x=_num(left + pw * max(a for *_, a in toys) + 6), y=top + ph - 4)} fill="currentColor"'
                 ' font-size="11">our toys</text>')
    chart = chart.replace("</svg>", "\n".join(marks) + "\n</svg>")
    rows = [[f"{a:.0%}"] + [f"{a**k:.1%}" for k in ks] for a in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99)]
    rows += [[f"toy model, {n:,} parameters: {a:.1%}"] + [f"{a**k:.2%}" for k in ks] for n, _, _, a in toys]
    return Figure(
        name="12-exact-match",
        svg=chart,
        caption=("If each character is right with the same chance and errors are independent, a perfect "
                 "k-character answer has that chance to the power k. Per character the curve is a straight "
                 "line; for 30 characters it hugs zero, then climbs steeply past about 80%. The ticks on the "
                 "bottom axis are our four toy models, from the output of toy_scaling.py: every one of them "
                 "would score about 0% on a pass/fail test of 10-character answers."),
        table_header=["accuracy per character"] + [f"{k}-character answer right" for k in ks],
        table_rows=rows,
        inputs={"snippet_output": "snippets/12-scaling/toy_scaling.out", "answer_lengths": ks},
    )


# ----------------------------------------------------------------------------- chapter 15

PROMPT_15 = "The animal didn't cross the street because it"  # the notebook's prompt


def _notebook_pass(ctx: Context):
    import torch

    from llmsite.transformer import forward, from_hf

    W = from_hf(ctx.model)
    ids = ctx.tok(PROMPT_15).input_ids
    with torch.inference_mode():
        out = forward(torch.tensor([ids]), W, return_hidden=True)
    return W, ids, out


def build_next_token_15(ctx: Context) -> Figure:
    _, ids, out = _notebook_pass(ctx)
    probs = out.logits[0, -1].softmax(dim=-1)
    top = probs.topk(5)
    rows = [(show_token(ctx.tok.decode([int(i)])), float(p), f"{float(p):.1%}") for p, i in zip(top.values, top.indices)]
    rest = 1 - sum(p for _, p, _ in rows)
    rows.append((f"the other {len(probs) - 5:,}", rest, f"{rest:.1%}"))
    desc = (f"Bar chart of the model's probabilities for the token after \"{PROMPT_15}\": "
            + "; ".join(f"{t}: {s}" for t, _, s in rows) + ".")
    return Figure(
        name="15-next-token",
        svg=svg.horizontal_bars(rows, title="What comes after \"…because it\"", description=desc,
                                fig_id="fig-15-next-token", muted_last=True, width=CHART_W
                                ).replace(' width="100%"', f' width="{CHART_W}"', 1),
        caption=(f"The end of the journey: after \"{PROMPT_15}\" the model puts about half its bet on "
                 "\"␣was\", and spreads the rest over tens of thousands of tokens (grey). Computed by our "
                 "from-scratch forward pass, as in the notebook's step 5."),
        table_header=["next token", "probability"],
        table_rows=[[t, s] for t, _, s in rows],
        inputs={"prompt": PROMPT_15},
    )


def build_stream_by_block(ctx: Context) -> Figure:
    from llmsite.transformer import unembed

    W, ids, out = _notebook_pass(ctx)
    blocks = [0, 5, 10, 15, 20, 25, 30]
    pts, labels, table = [], [], []
    for i in blocks:
        h = out.hidden[i, 0, -1]
        size = float(h.pow(2).mean().sqrt())
        guess = show_token(ctx.tok.decode([int(unembed(h, W).argmax())]))
        pts.append((i, size))
        labels.append({",": "comma"}.get(guess, guess))
        table.append([str(i), f"{size:.2f}", f'"{guess}"'])
    desc = ("Line chart of the size (root mean square) of the last token's vector, \" it\", after blocks "
            + ", ".join(f"{i}: {s:.1f}, predicting {g}" for (i, s), g in zip(pts, labels)) + ".")
    chart = svg.series_chart([("size of \"␣it\" (RMS)", pts)], title="The stream grows, the guess changes",
                             description=desc, fig_id="fig-15-stream-by-block", x_label="blocks passed",
                             y_label="size (RMS)", markers=True, x_range=(-1, 34),
                             y_range=(0, max(s for _, s in pts) * 1.25), point_labels=[labels],
                             width=CHART_W, height=290)
    return Figure(
        name="15-stream-by-block",
        svg=chart.replace(' width="100%"', f' width="{CHART_W}"', 1),
        caption=("The vector of \"␣it\" after 0, 5, … 30 blocks: its size (root mean square, as in chapter 6) "
                 "and, beside each dot, the token the model would predict if it stopped there (the logit "
                 "lens). A comma for most of the way, then 's, and ␣was only at the end. Computed by "
                 "our forward pass, as in the notebook's step 4."),
        table_header=["blocks passed", "size (RMS)", "prediction if it stopped here"],
        table_rows=table,
        inputs={"prompt": PROMPT_15, "blocks": blocks},
    )


# ----------------------------------------------------------------------------- chapter 10

MONO_W = 7.25  # a monospace glyph at 12 px (layout only)


def _wrap(s: str, width: int) -> list[str]:
    """Lines of at most ``width`` characters, broken at spaces where there are any (the
    figure's table keeps the exact text)."""
    import textwrap

    return textwrap.wrap(s.replace("\n", "↵"), width, replace_whitespace=False, break_on_hyphens=False)


def build_before_after(ctx: Context) -> Figure:
    import ast

    out = _out("10-training/train_tiny.out")
    before = ast.literal_eval(re.search(r"^before training: (.*)$", out, re.M).group(1))
    after = ast.literal_eval(re.search(r"^after training:\s+(.*)$", out, re.M).group(1))
    losses = {int(a): (float(b), float(c)) for a, b, c in
              re.findall(r"^step\s+(\d+)\s+loss: training text ([\d.]+)\s+held-out text ([\d.]+)", out, re.M)}
    last = max(losses)
    midway = {}  # step -> what it wrote then (the lines under that step's loss)
    step = None
    for line in out.splitlines():
        if m := re.match(r"^step\s+(\d+)\s+loss:", line):
            step = int(m[1])
        elif (m := re.match(r"^\s+it writes: (.*)$", line)) and step is not None:
            midway[step] = ast.literal_eval(m[1])
    per_line, n_lines = 52, 4
    width = 420
    panels = ([(f"step 0 (random weights): held-out loss {losses[0][1]:.2f}", before)]
              + [(f"step {s}: held-out loss {losses[s][1]:.2f}", t) for s, t in sorted(midway.items())]
              + [(f"step {last}: held-out loss {losses[last][1]:.2f}", after)])
    y = 8
    body = []
    for head, sample in panels:
        lines = _wrap(sample, per_line)
        shown = lines[:n_lines]
        if len(lines) > n_lines:
            shown[-1] = shown[-1][:-1] + "…"
        body.append(f'<text{_attrs(x=12, y=y + 16)} fill="currentColor" font-size="13" font-weight="bold">'
                    f'{escape(head)}</text>')
        box_h = 12 + 17 * len(shown)
        body.append(f'<rect{_attrs(x=6, y=y + 24, width=width - 12, height=box_h, rx=6)} class="llm-bar"'
                    f' fill="{BLUE}" fill-opacity="0.10" stroke="currentColor" stroke-opacity="0.45"/>')
        for j, line in enumerate(shown):
            body.append(f'<text{_attrs(x=14, y=y + 24 + 20 + 17 * j)} fill="currentColor" font-size="12"'
                        f' font-family="monospace" class="llm-label" xml:space="preserve">{escape(line)}</text>')
        y += 24 + box_h + 14
    height = y
    desc = (f"Two samples of the tiny model's writing, each starting with \"The \". Before training (held-out "
            f"loss {losses[0][1]:.2f}): {before!r}. After {last} steps (held-out loss {losses[last][1]:.2f}): "
            f"{after[:160]!r}…")
    svg_text = "\n".join(_svg_open(width, height, "The same model as it learns", desc,
                                   "fig-10-before-after") + body + ["</svg>"]) + "\n"
    return Figure(
        name="10-before-after",
        svg=svg_text,
        caption=(f"What the tiny model writes when it starts from \"The \", along the loss curve: random keys "
                 f"at step 0, \"the\" everywhere by step {min(midway, default=last)}, English-shaped words and "
                 f"Python names after {last} steps (↵ is a new line). From the output of train_tiny.py below; "
                 "the table has every sample whole."),
        table_header=["step", "held-out loss", "sample (starts with \"The \")"],
        table_rows=([["0", f"{losses[0][1]:.2f}", before.replace("\n", "↵")]]
                    + [[str(s), f"{losses[s][1]:.2f}", t.replace("\n", "↵")] for s, t in sorted(midway.items())]
                    + [[str(last), f"{losses[last][1]:.2f}", after.replace("\n", "↵")]]),
        inputs={"snippet_output": "snippets/10-training/train_tiny.out"},
    )


# ----------------------------------------------------------------------------- chapter 11


def build_preference(ctx: Context) -> Figure:
    out = _out("11-fine-tuning/preference_pair.out")
    rows = [(name, int(n), float(total), float(per)) for name, n, total, per in
            re.findall(r"^(\w+)\s+(\d+)\s+(-[\d.]+)\s+(-[\d.]+)$", out, re.M)]
    gap = re.search(r"log-prob gap ([\d.]+), so about ([\de+.]+) times", out)
    bars = [(f"{name} answer", -per, f"{-per:.2f}") for name, _, _, per in rows]
    top = max(v for _, v, _ in bars)
    ticks = [float(i) for i in range(0, int(top) + 2)]
    desc = ("Bar chart of the model's average surprise per token (minus the log-probability per token) for two "
            "answers to \"Explain gravity in one sentence.\": "
            + "; ".join(f"{name}: {v:.2f} over {n} tokens" for (name, n, _, _), (_, v, _) in zip(rows, bars))
            + f". Lower is more likely. The clear answer wins; in total by a log-probability gap of {gap.group(1)}.")
    chart = svg.value_bars(bars, title="Which answer does the instruct model find more likely?", description=desc,
                           fig_id="fig-11-preference", ticks=ticks, tick_label="{:g}",
                           muted=frozenset(i for i, (n, *_) in enumerate(rows) if n != "clear"), width=CHART_W)
    return Figure(
        name="11-preference",
        svg=chart.replace(' width="100%"', f' width="{CHART_W}"', 1),
        caption=("The model's surprise per token (shorter bar = more likely) at two hand-written answers to "
                 "\"Explain gravity in one sentence.\": a clear one and a condescending one. The model already "
                 f"leans the way a rater would: over the whole answer, about {gap.group(2)} times as likely. "
                 "From the output of preference_pair.py below."),
        table_header=["answer", "tokens", "log-probability", "per token"],
        table_rows=[[name, str(n), f"{total}", f"{per}"] for name, n, total, per in rows],
        inputs={"snippet_output": "snippets/11-fine-tuning/preference_pair.out"},
    )
