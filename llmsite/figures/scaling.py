"""Charts for chapter 12 (scaling): recorded outputs beside published numbers.

* ``12-params-tokens``  our toy models against published open models: parameters vs training
                        tokens, log–log, with Chinchilla's 20 tokens per parameter as a line
                        (toy numbers from snippets/12-scaling/toy_scaling.out and
                        snippets/10-training/train_tiny.out; published ones in ``llmsite.published``)
* ``12-exact-match``    per-character accuracy vs the chance of a perfect k-character answer,
                        with the toy models' accuracies from toy_scaling.out marked
"""

from __future__ import annotations

import math
import re
from html import escape

from llmsite import published
from llmsite.figures import svg
from llmsite.figures import REPO, Context, Figure
from llmsite.figures.svg import BLUE, ORANGE, _attrs, _num, _svg_open

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
                                  "down": (0, 16, "middle"), "down-left": (5, 17, "end"), "up-left": (-2, -9, "end"),
                                  "below": (0, 19, "middle")}[side]
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
    ours.append((tiny_n, tiny_seen, "tiny GPT (ch. 10)", "right"))  # "up" crossed the dashed line
    sides = {"GPT-3": "right", "Chinchilla": "right", "SmolLM2-135M": "down", "SmolLM2-1.7B": "left",
             "Llama 3 8B": "below", "Llama 3 405B": "up-left"}  # clear of the dashed line and each other
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
