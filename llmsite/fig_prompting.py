"""Figures of the chapter "Prompting, measured", drawn from the snippets' recorded outputs.

Every snippet of the chapter prints its results as ``rate_line`` lines
(``name: k/n = 38% (95% CI 27%-51%)``, see ``llmsite.prompting``); a builder here reads them
back from the ``.out`` file, so a figure shows exactly the numbers printed on the page and the
stale test redraws it when a recording changes. ``rate_chart`` draws one bar per result with
its 95% confidence interval as a whisker, and a dashed line where guessing would land.
"""

from __future__ import annotations

import re
from html import escape

from llmsite.figures import REPO, Context, Figure
from llmsite.svg import BLUE, CHAR_W, _attrs, _num, _svg_open

RATE = re.compile(r"^(?P<name>[^\n:]+): (?P<k>\d+)/(?P<n>\d+) = (?P<rate>\d+)% \(95% CI (?P<lo>\d+)%-(?P<hi>\d+)%\)$", re.M)
CHART_W = 460


def recorded(rel: str) -> str:
    return (REPO / "snippets" / "14b-prompting" / rel).read_text(encoding="utf-8")


def rates(text: str, keep=lambda name: True) -> list[dict]:
    """The ``rate_line`` results in a recorded output, in order."""
    out = []
    for m in RATE.finditer(text):
        if keep(m["name"].strip()):
            out.append({"name": m["name"].strip(), "k": int(m["k"]), "n": int(m["n"]), "rate": int(m["rate"]),
                        "lo": int(m["lo"]), "hi": int(m["hi"])})
    if not out:
        raise ValueError("no results found: the snippet's output format changed")
    return out


def rate_chart(rows: list[dict], *, title: str, description: str, fig_id: str, chance: float | None = None,
               chance_text: str = "guessing", width: int = CHART_W) -> str:
    """One horizontal bar per result (0-100%), its 95% interval as a whisker, and an optional
    dashed line at the rate a blind guess would get."""
    bar_h, gap, top, bottom = 20, 12, 24 if chance is not None else 8, 30
    label_w = CHAR_W * max(len(r["name"]) for r in rows) + 14
    value_w = CHAR_W * 12
    plot_w = width - label_w - value_w - 8
    height = top + len(rows) * (bar_h + gap) + bottom
    x_of = lambda pct: label_w + plot_w * pct / 100  # noqa: E731
    out = _svg_open(width, height, title, description, fig_id)
    axis_y = top + len(rows) * (bar_h + gap)
    for i, r in enumerate(rows):
        y = top + i * (bar_h + gap)
        mid = y + bar_h / 2
        out.append(f'<text{_attrs(x=_num(label_w - 8), y=_num(mid + 4.5))} text-anchor="end" fill="currentColor"'
                   f' class="llm-label">{escape(r["name"])}</text>')
        out.append(f'<rect{_attrs(x=_num(label_w), y=y, width=_num(max(x_of(r["rate"]) - label_w, 1)), height=bar_h, rx=3)}'
                   f' class="llm-bar" fill="{BLUE}"><title>{escape(r["name"])}: {r["k"]} of {r["n"]}</title></rect>')
        lo, hi = x_of(r["lo"]), x_of(r["hi"])
        out.append(f'<line{_attrs(x1=_num(lo), y1=_num(mid), x2=_num(hi), y2=_num(mid))} stroke="currentColor"'
                   ' stroke-width="2" class="llm-ci"/>')
        for x in (lo, hi):
            out.append(f'<line{_attrs(x1=_num(x), y1=_num(mid - 6), x2=_num(x), y2=_num(mid + 6))}'
                       ' stroke="currentColor" stroke-width="2" class="llm-ci"/>')
        out.append(f'<text{_attrs(x=_num(width - value_w + 4), y=_num(mid + 4.5))} fill="currentColor"'
                   f' class="llm-value">{r["rate"]}% ({r["k"]}/{r["n"]})</text>')
    out.append(f'<line{_attrs(x1=_num(label_w), y1=axis_y, x2=_num(label_w + plot_w), y2=axis_y)}'
               ' stroke="currentColor" stroke-opacity="0.4" class="llm-axis"/>')
    for t in (0, 25, 50, 75, 100):
        out.append(f'<text{_attrs(x=_num(x_of(t)), y=axis_y + 18)} text-anchor="middle" fill="currentColor"'
                   f' fill-opacity="0.7" font-size="11">{t}%</text>')
    if chance is not None:
        x = _num(x_of(chance * 100))
        out.append(f'<line{_attrs(x1=x, y1=top - 6, x2=x, y2=axis_y)} stroke="currentColor" stroke-dasharray="4 3"'
                   ' stroke-opacity="0.8" class="llm-chance"/>')
        out.append(f'<text{_attrs(x=x, y=top - 10)} text-anchor="middle" fill="currentColor" font-size="11">'
                   f'{escape(chance_text)} {chance:.0%}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _rates_figure(name: str, out_file: str, *, title: str, caption: str, what: str, chance: float | None,
                  chance_text: str = "guessing", keep=lambda name: True) -> Figure:
    rows = rates(recorded(out_file), keep)
    desc = (f"Bar chart of {what}, each with its 95% confidence interval: "
            + "; ".join(f"{r['name']}: {r['k']} of {r['n']}, {r['rate']}% ({r['lo']}% to {r['hi']}%)" for r in rows)
            + (f". A dashed line marks {chance:.0%}, {chance_text}." if chance is not None else "."))
    return Figure(
        name=name,
        svg=rate_chart(rows, title=title, description=desc, fig_id=f"fig-{name}", chance=chance, chance_text=chance_text),
        caption=caption + f" Bars: the share of n cases; whiskers: 95% Wilson interval. From the output of {out_file[:-4]}.py below.",
        table_header=["condition", "right / n", "rate", "95% CI"],
        table_rows=[[r["name"], f"{r['k']}/{r['n']}", f"{r['rate']}%", f"{r['lo']}%–{r['hi']}%"] for r in rows],
        inputs={"snippet_output": f"snippets/14b-prompting/{out_file}"},
    )


def build_accuracy(ctx: Context) -> Figure:
    return _rates_figure(
        "14b-accuracy", "zero_vs_few.out", title="Accuracy on 60 tickets: four ways to ask and read",
        what="the share of 60 synthetic tickets classified right", chance=0.2,
        caption="The same 60 tickets, asked with no examples (zero-shot) or with 10 solved examples "
                "(few-shot), and read freely (the model's favourite next token) or constrained "
                "(the best of the 5 label tokens).")
