"""Small, deterministic SVG drawing: same input, same bytes.

Figures are inlined into pages, so text uses ``currentColor`` and shapes carry CSS classes
(``docs/assets/css/site.css`` colours them for Material's light and dark schemes). The
``fill`` attributes are fallbacks for viewing a file on its own. Colours come from the
Okabe–Ito palette, which stays distinct for the common forms of colour blindness.
"""

from __future__ import annotations

from html import escape

BLUE = "#0072B2"
GREY = "#999999"
ORANGE = "#E69F00"

CHAR_W = 7.4  # average glyph width at 13 px in the system sans fonts (for layout only)


def _num(x: float) -> str:
    """Coordinates with at most one decimal, no trailing zeros: stable across platforms."""
    s = f"{x:.1f}"
    return s[:-2] if s.endswith(".0") else s


def _attrs(**kw) -> str:
    return "".join(f' {k.rstrip("_").replace("_", "-")}="{escape(str(v), quote=True)}"' for k, v in kw.items())


def horizontal_bars(
    rows: list[tuple[str, float, str]],
    *,
    title: str,
    description: str,
    fig_id: str,
    muted_last: bool = False,
    width: int = 640,
) -> str:
    """A horizontal bar chart; ``rows`` are (label, value in 0..1, value text).

    ``muted_last`` draws the last bar grey (for "everything else").
    """
    return value_bars(rows, title=title, description=description, fig_id=fig_id, width=width,
                      ticks=[0, 0.25, 0.5, 0.75, 1.0], tick_label="{:.0%}",
                      muted=frozenset({len(rows) - 1}) if muted_last else frozenset())


def value_bars(
    rows: list[tuple[str, float, str]],
    *,
    title: str,
    description: str,
    fig_id: str,
    ticks: list[float],
    tick_label: str = "{:g}",
    muted: frozenset[int] = frozenset(),
    width: int = 640,
) -> str:
    """Horizontal bars on a plain number axis from 0 to ``ticks[-1]`` (not a 0-100% axis).

    ``rows`` are (label, value, value text); rows whose index is in ``muted`` are drawn grey.
    ``tick_label`` formats each tick, e.g. ``"{:g} chars"``.
    """
    bar_h, gap, top, bottom = 22, 6, 12, 28
    label_w = max(CHAR_W * max(len(r[0]) for r in rows), 60) + 16
    value_w = 64
    plot_w = width - label_w - value_w - 8
    top_value = float(ticks[-1])
    height = top + len(rows) * (bar_h + gap) + bottom
    out = _svg_open(width, height, title, description, fig_id, fluid=True)
    for i, (label, value, text) in enumerate(rows):
        y = top + i * (bar_h + gap)
        cls, fill = ("llm-bar llm-bar--muted", GREY) if i in muted else ("llm-bar", BLUE)
        w = max(plot_w * min(value / top_value, 1.0), 1.0)
        out.append(
            f'<text{_attrs(x=_num(label_w - 8), y=_num(y + bar_h / 2 + 4.5))} text-anchor="end"'
            f' fill="currentColor" class="llm-label" xml:space="preserve">{escape(label)}</text>'
        )
        out.append(f'<rect{_attrs(x=_num(label_w), y=y, width=_num(w), height=bar_h, rx=3)}'
                   f' class="{cls}" fill="{fill}"/>')
        out.append(f'<text{_attrs(x=_num(label_w + w + 6), y=_num(y + bar_h / 2 + 4.5))}'
                   f' fill="currentColor" class="llm-value">{escape(text)}</text>')
    axis_y = top + len(rows) * (bar_h + gap)
    out.append(f'<line{_attrs(x1=_num(label_w), y1=axis_y, x2=_num(label_w + plot_w), y2=axis_y)}'
               ' stroke="currentColor" stroke-opacity="0.4" class="llm-axis"/>')
    for t in ticks:
        x = _num(label_w + plot_w * t / top_value)
        out.append(f'<text{_attrs(x=x, y=axis_y + 18)} text-anchor="middle" fill="currentColor"'
                   f' fill-opacity="0.7" font-size="11">{escape(tick_label.format(t))}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- attention figures
# Heat is drawn as one colour whose fill-opacity is the weight (0 = background, 1 = full), so
# the same figure reads on light and dark pages; every cell also carries a <title> tooltip.

ROLE_COLOURS = {  # Okabe–Ito; each role also gets a letter, so colour is never the only cue
    "prev": "#0072B2",  # blue
    "self": "#E69F00",  # orange
    "induction": "#CC79A7",  # reddish purple
    "sink": "#999999",  # grey
    "spread": "#999999",
}


def _svg_open(width: float, height: float, title: str, description: str, fig_id: str,
              fluid: bool = False) -> list[str]:
    """The opening of a figure: accessible name and description, at its natural width (CSS
    scales it down on narrow screens) or, ``fluid``, filling the column."""
    tid, did = f"{fig_id}-title", f"{fig_id}-desc"
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="llm-fig" viewBox="0 0 {_num(width)} {_num(height)}"'
        f' width="{"100%" if fluid else _num(width)}" role="img" aria-labelledby="{tid} {did}"'
        ' font-family="sans-serif" font-size="13">',
        f'<title id="{tid}">{escape(title)}</title>',
        f'<desc id="{did}">{escape(description)}</desc>',
    ]


def _op(w: float) -> str:
    """An opacity in 0..1 with two decimals (stable text)."""
    w = min(max(float(w), 0.0), 1.0)
    return f"{w:.2f}"


def attention_heatmap(
    tokens: list[str],
    weights: list[list[float]],
    *,
    title: str,
    description: str,
    fig_id: str,
    cell: float = 30,
) -> str:
    """A square attention map: row i = query token i, column j = key token j.

    ``weights[i][j]`` in 0..1 is drawn as fill-opacity of class ``llm-heat``; cells above the
    diagonal (the future, masked) are drawn faint grey, class ``llm-heat-masked``.
    Token labels are text nodes (escaped); pass them already made visible (e.g. ␣ for spaces).
    """
    n = len(tokens)
    assert all(len(r) == n for r in weights) and len(weights) == n, "weights must be n × n"
    label_w = max(CHAR_W * max((len(t) for t in tokens), default=1), 40) + 12
    top = label_w * 0.72 + 16  # room for the slanted column labels
    width = label_w + n * cell + 0.72 * label_w + 8
    height = top + n * cell + 8
    out = _svg_open(width, height, title, description, fig_id)
    x0, y0 = label_w, top
    for j, t in enumerate(tokens):  # column labels, slanted
        cx, cy = x0 + j * cell + cell / 2, y0 - 6
        out.append(f'<text{_attrs(x=_num(cx), y=_num(cy))} transform="rotate(-45 {_num(cx)} {_num(cy)})"'
                   f' fill="currentColor" class="llm-label" font-size="12" xml:space="preserve">{escape(t)}</text>')
    for i, t in enumerate(tokens):
        y = y0 + i * cell
        out.append(f'<text{_attrs(x=_num(x0 - 6), y=_num(y + cell / 2 + 4))} text-anchor="end"'
                   f' fill="currentColor" class="llm-label" font-size="12" xml:space="preserve">{escape(t)}</text>')
        for j in range(n):
            x = x0 + j * cell
            if j > i:
                out.append(f'<rect{_attrs(x=_num(x + 1), y=_num(y + 1), width=_num(cell - 2), height=_num(cell - 2))}'
                           ' class="llm-heat-masked" fill="#999999" fill-opacity="0.12"/>')
                continue
            w = weights[i][j]
            tip = f"{tokens[i]} → {tokens[j]}: {w:.2f}"
            out.append(f'<rect{_attrs(x=_num(x + 1), y=_num(y + 1), width=_num(cell - 2), height=_num(cell - 2))}'
                       f' class="llm-heat" fill="{BLUE}" fill-opacity="{_op(w)}"'
                       f' stroke="currentColor" stroke-opacity="0.15"><title>{escape(tip)}</title></rect>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def attention_lines(
    tokens: list[str],
    weights: list[float],
    query: int,
    *,
    title: str,
    description: str,
    fig_id: str,
    row_h: float = 24,
) -> str:
    """BertViz-style view of one query: the tokens twice, in two columns; a line from the
    query token (left) to every token it can see (right), its opacity and width = weight."""
    n = len(tokens)
    assert len(weights) == n and 0 <= query < n
    label_w = max(CHAR_W * max((len(t) for t in tokens), default=1), 40) + 12
    gap = 220
    width = 2 * label_w + gap + 40
    top = 28
    height = top + n * row_h + 16
    out = _svg_open(width, height, title, description, fig_id)
    xl, xr = label_w + 10, label_w + 10 + gap
    out.append(f'<text{_attrs(x=_num(xl), y=16)} text-anchor="end" fill="currentColor" fill-opacity="0.8" font-size="11">looks</text>')
    out.append(f'<text{_attrs(x=_num(xr), y=16)} fill="currentColor" fill-opacity="0.8" font-size="11">is looked at</text>')
    qy = top + query * row_h + row_h / 2
    for j in range(min(query + 1, n)):  # lines first, labels on top
        w = weights[j]
        y = top + j * row_h + row_h / 2
        tip = f"{tokens[query]} → {tokens[j]}: {w:.2f}"
        out.append(f'<line{_attrs(x1=_num(xl + 4), y1=_num(qy), x2=_num(xr - 4), y2=_num(y))}'
                   f' class="llm-attn-line" stroke="{BLUE}" stroke-opacity="{_op(w)}"'
                   f' stroke-width="{_num(1 + 5 * min(max(w, 0), 1))}"><title>{escape(tip)}</title></line>')
    for i, t in enumerate(tokens):
        y = top + i * row_h + row_h / 2 + 4
        strong = ' font-weight="bold"' if i == query else ' fill-opacity="0.55"'
        out.append(f'<text{_attrs(x=_num(xl - 4), y=_num(y))} text-anchor="end" fill="currentColor"'
                   f' class="llm-label"{strong} xml:space="preserve">{escape(t)}</text>')
        dim = "" if i <= query else ' fill-opacity="0.35"'
        out.append(f'<text{_attrs(x=_num(xr + 4), y=_num(y))} fill="currentColor" class="llm-label"{dim}'
                   f' xml:space="preserve">{escape(t)}</text>')
        if i <= query:
            out.append(f'<text{_attrs(x=_num(width - 4), y=_num(y))} text-anchor="end" fill="currentColor"'
                       f' fill-opacity="0.8" font-size="11">{weights[i]:.2f}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def head_grid(
    cells: list[list[tuple[str, float, str]]],
    *,
    title: str,
    description: str,
    fig_id: str,
    legend: list[tuple[str, str, str]],
    cell: float = 19,
) -> str:
    """A layers × heads overview, every label at 11 px (legible when it scrolls at its natural width
    on a phone; issue 23). ``cells[layer][head] = (role, strength 0..1, tooltip)``.

    Each cell is coloured by its role (class ``llm-role-<role>``, Okabe–Ito), with the
    strength as fill-opacity, and carries the role's letter so colour is not the only cue.
    Blocks run left to right, heads top to bottom, both labelled counting from 1 as the pages
    do (block 1-30, head 1-9). ``legend`` = (role, letter, text).
    """
    n_layers, n_heads = len(cells), len(cells[0])
    letters = {r: ltr for r, ltr, _ in legend}
    left, top = 64, 22
    width = max(left + n_layers * cell + 16, left + min(3, len(legend)) * 180)
    height = top + n_heads * cell + 26 + 20 * ((len(legend) + 2) // 3)
    out = _svg_open(width, height, title, description, fig_id)
    for layer in range(n_layers):
        if layer == 0 or (layer + 1) % 5 == 0 or layer == n_layers - 1:
            out.append(f'<text{_attrs(x=_num(left + layer * cell + cell / 2), y=_num(top - 6))} text-anchor="middle"'
                       f' fill="currentColor" fill-opacity="0.8" font-size="11">{layer + 1}</text>')
    out.append(f'<text{_attrs(x=_num(left - 6), y=_num(top - 6))} text-anchor="end" fill="currentColor"'
               f' fill-opacity="0.8" font-size="11">block</text>')
    for h in range(n_heads):
        y = top + h * cell
        out.append(f'<text{_attrs(x=_num(left - 6), y=_num(y + cell / 2 + 3.5))} text-anchor="end"'
                   f' fill="currentColor" fill-opacity="0.8" font-size="11">head {h + 1}</text>')
        for layer in range(n_layers):
            role, strength, tip = cells[layer][h]
            x = left + layer * cell
            colour = ROLE_COLOURS.get(role, GREY)
            out.append(f'<rect{_attrs(x=_num(x + 1), y=_num(y + 1), width=_num(cell - 2), height=_num(cell - 2))}'
                       f' class="llm-role llm-role-{escape(role)}" fill="{colour}" fill-opacity="{_op(strength)}"'
                       f' stroke="currentColor" stroke-opacity="0.15"><title>{escape(tip)}</title></rect>')
            ltr = letters.get(role, "")
            if ltr:
                out.append(f'<text{_attrs(x=_num(x + cell / 2), y=_num(y + cell / 2 + 3.5))} text-anchor="middle"'
                           f' fill="currentColor" font-size="11" pointer-events="none">{escape(ltr)}</text>')
    ly = top + n_heads * cell + 18
    for k, (role, ltr, text) in enumerate(legend):
        x = left + (k % 3) * 180
        y = ly + (k // 3) * 20
        out.append(f'<rect{_attrs(x=_num(x), y=_num(y - 10), width=12, height=12)} class="llm-role llm-role-{escape(role)}"'
                   f' fill="{ROLE_COLOURS.get(role, GREY)}" fill-opacity="{"0.1" if role == "spread" else "0.8"}"'
                   ' stroke="currentColor" stroke-opacity="0.3"/>')
        out.append(f'<text{_attrs(x=_num(x + 18), y=_num(y))} fill="currentColor" font-size="11">'
                   f'{escape(ltr)} {escape(text)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- curves (log axes)

SERIES_COLOURS = ["#0072B2", "#E69F00", "#009E73", "#D55E00"]  # Okabe–Ito: blue, orange, green, vermillion
SERIES_DASHES = ["", "6 4", "2 3", "8 3 2 3"]  # so colour is never the only cue


def _nice_ticks(lo: float, hi: float, log: bool, target: int = 5) -> list[float]:
    """Round tick values covering [lo, hi]: 1-2-5 steps (linear) or 1-2-5 × powers of 10 (log)."""
    import math

    if log:
        k0, k1 = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
        for mults in ((1,), (1, 2, 5), (1, 2, 3, 4, 5, 6, 7, 8, 9)):
            ticks = [m * 10.0**k for k in range(k0, k1 + 1) for m in mults if lo <= m * 10.0**k <= hi * (1 + 1e-9)]
            if len(ticks) >= 3:
                return ticks
        return _nice_ticks(lo, hi, False, target)  # less than a decade: round linear values
    raw = (hi - lo) / max(target - 1, 1)
    mag = 10.0 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.ceil(lo / step - 1e-9) * step
    n = int(math.floor((hi - first) / step + 1e-9)) + 1
    return [round(first + i * step, 10) for i in range(n)]


def _tick_text(v: float) -> str:
    """1500 → 1.5K, 2000000 → 2M, 0.5 → 0.5: short labels for axis ticks."""
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(v) >= size:
            return f"{v / size:g}{suffix}"
    return f"{v:g}"


def segment_bars(rows, *, title: str, description: str, fig_id: str, ticks: list[float],
                 legend: list[tuple[str, str, str]], unit: str = "", tick_text=_tick_text, shares: bool = False,
                 tooltips: bool = False, width: int = 440, label_w: float = 92) -> str:
    """Horizontal bars cut into segments on one axis (a timeline when the axis is time).

    ``rows`` = [(label, [(value, kind, text), ...])]; segment ``kind`` picks a colour from
    ``legend`` = [(kind, colour, legend text)] and gets class ``llm-seg-<kind>``; ``text`` is
    written inside the segment when it fits, else left out (the table has every number).

    ``shares``: each bar fills the axis, split by its segments' shares of the bar's own total
    (a 100% stacked bar; then ``ticks`` should run 0 to 100). ``tick_text`` formats the ticks
    (and the tooltips); ``tooltips`` gives every segment a ``<title>`` "label: legend value".
    """
    colours = {k: c for k, c, _ in legend}
    names = {k: t for k, _, t in legend}
    # Legend entries side by side, starting a new line where the next would run off the figure.
    places, x, line = [], label_w, 0
    for kind, colour, text in legend:
        w = 17 + CHAR_W * 0.92 * len(text)
        if x > label_w and x + w > width - 4:
            x, line = label_w, line + 1
        places.append((x, 6 + 18 * line, kind, colour, text))
        x += w + 18
    bar_h, gap, top = 26, 14, 30 + 18 * line
    plot_w = width - label_w - 16
    top_value = ticks[-1]
    height = top + len(rows) * (bar_h + gap) + 34
    out = _svg_open(width, height, title, description, fig_id)
    for x, y, kind, colour, text in places:
        out.append(f'<rect{_attrs(x=_num(x), y=y, width=12, height=12, rx=2)} class="llm-seg llm-seg-{kind}"'
                   f' fill="{colour}"/>')
        out.append(f'<text{_attrs(x=_num(x + 17), y=_num(y + 10.5))} fill="currentColor" font-size="12">{escape(text)}</text>')
    for i, (label, segs) in enumerate(rows):
        y = top + i * (bar_h + gap)
        out.append(f'<text{_attrs(x=_num(label_w - 8), y=_num(y + bar_h / 2 + 4.5))} text-anchor="end"'
                   f' fill="currentColor" font-size="13">{escape(label)}</text>')
        x = label_w
        scale = (sum(v for v, _, _ in segs) or 1) if shares else top_value
        for value, kind, text in segs:
            w = plot_w * value / scale
            tip = f"<title>{escape(label)}: {escape(names[kind])} {escape(tick_text(value))}</title>" if tooltips else ""
            out.append(f'<rect{_attrs(x=_num(x), y=y, width=_num(max(w, 0.8)), height=bar_h)}'
                       f' class="llm-seg llm-seg-{kind}" fill="{colours[kind]}" stroke="currentColor"'
                       f' stroke-opacity="0.35" stroke-width="0.6"{">" + tip + "</rect>" if tip else "/>"}')
            if text and CHAR_W * 0.85 * len(text) + 6 < w:
                out.append(f'<text{_attrs(x=_num(x + w / 2), y=_num(y + bar_h / 2 + 4))} text-anchor="middle"'
                           f' fill="#000000" font-size="12">{escape(text)}</text>')
            x += w
    axis_y = top + len(rows) * (bar_h + gap) - gap / 2
    out.append(f'<line{_attrs(x1=_num(label_w), y1=_num(axis_y), x2=_num(label_w + plot_w), y2=_num(axis_y))}'
               ' stroke="currentColor" stroke-opacity="0.4"/>')
    for t in ticks:
        tx = _num(label_w + plot_w * t / top_value)
        out.append(f'<line{_attrs(x1=tx, y1=_num(axis_y), x2=tx, y2=_num(axis_y + 4))} stroke="currentColor"'
                   ' stroke-opacity="0.4"/>')
        out.append(f'<text{_attrs(x=tx, y=_num(axis_y + 17))} text-anchor="middle" fill="currentColor"'
                   f' fill-opacity="0.75" font-size="12">{escape(tick_text(t))}</text>')
    if unit:
        out.append(f'<text{_attrs(x=_num(label_w + plot_w / 2), y=_num(axis_y + 31))} text-anchor="middle"'
                   f' fill="currentColor" font-size="12">{escape(unit)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def series_chart(
    series: list[tuple[str, list[tuple[float, float]]]],
    *,
    title: str,
    description: str,
    fig_id: str,
    x_label: str,
    y_label: str,
    log_x: bool = False,
    log_y: bool = False,
    x_range: tuple[float, float] | None = None,
    y_range: tuple[float, float] | None = None,
    markers: bool = False,
    point_labels: list[list[str]] | None = None,
    width: int = 640,
    height: int = 320,
) -> str:
    """Several named curves on one chart, each axis linear or logarithmic.

    ``series`` is [(name, [(x, y), ...]), ...]; series i gets class ``llm-series-i``, an
    Okabe–Ito colour and its own dash pattern, and a legend entry. ``markers`` draws a dot on
    every point; ``point_labels[i][j]`` writes a short text beside point j of series i.
    Ranges default to the data's, padded and widened to round ticks.
    """
    import math

    xs = [x for _, pts in series for x, _ in pts]
    ys = [y for _, pts in series for _, y in pts]

    def pad(lo, hi, log):
        if log:
            a, b = math.log10(lo), math.log10(hi)
            m = max((b - a) * 0.08, 0.05)
            return 10 ** (a - m), 10 ** (b + m)
        m = max((hi - lo) * 0.06, 1e-9)
        return lo - m, hi + m

    xr = x_range or pad(min(xs), max(xs), log_x)
    yr = y_range or pad(min(ys), max(ys), log_y)
    x_ticks, y_ticks = _nice_ticks(*xr, log_x), _nice_ticks(*yr, log_y)
    legend_h = 22
    left, right, top, bottom = 58, 18, 14 + legend_h, 46
    pw, ph = width - left - right, height - top - bottom

    def tf(v, log):
        return math.log10(v) if log else v

    def sx(x):
        a, b = tf(xr[0], log_x), tf(xr[1], log_x)
        return left + pw * (tf(x, log_x) - a) / (b - a)

    def sy(y):
        a, b = tf(yr[0], log_y), tf(yr[1], log_y)
        return top + ph * (1 - (tf(y, log_y) - a) / (b - a))

    out = _svg_open(width, height, title, description, fig_id, fluid=True)
    out.append(f'<rect{_attrs(x=left, y=top, width=pw, height=ph)} fill="none" stroke="currentColor"'
               ' stroke-opacity="0.4" class="llm-axis"/>')
    for t in y_ticks:
        y = sy(t)
        out.append(f'<line{_attrs(x1=left, y1=_num(y), x2=left + pw, y2=_num(y))} stroke="currentColor"'
                   ' stroke-opacity="0.12" class="llm-grid"/>')
        out.append(f'<text{_attrs(x=left - 6, y=_num(y + 4))} text-anchor="end" fill="currentColor"'
                   f' fill-opacity="0.7" font-size="11">{escape(_tick_text(t))}</text>')
    for t in x_ticks:
        x = sx(t)
        out.append(f'<line{_attrs(x1=_num(x), y1=top, x2=_num(x), y2=top + ph)} stroke="currentColor"'
                   ' stroke-opacity="0.12" class="llm-grid"/>')
        out.append(f'<text{_attrs(x=_num(x), y=top + ph + 16)} text-anchor="middle" fill="currentColor"'
                   f' fill-opacity="0.7" font-size="11">{escape(_tick_text(t))}</text>')
    scale = lambda log: " (log scale)" if log else ""  # noqa: E731
    out.append(f'<text{_attrs(x=_num(left + pw / 2), y=height - 8)} text-anchor="middle" fill="currentColor"'
               f' font-size="12">{escape(x_label + scale(log_x))}</text>')
    out.append(f'<text{_attrs(x=14, y=_num(top + ph / 2))} transform="rotate(-90 14 {_num(top + ph / 2)})"'
               f' text-anchor="middle" fill="currentColor" font-size="12">{escape(y_label + scale(log_y))}</text>')
    lx = left
    for i, (name, pts) in enumerate(series):
        colour, dash = SERIES_COLOURS[i % 4], SERIES_DASHES[i % 4]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        cls = f"llm-series llm-series-{i % 4}"
        line = " ".join(f"{_num(sx(x))},{_num(sy(y))}" for x, y in pts)
        out.append(f'<polyline points="{line}" fill="none" class="{cls}" stroke="{colour}"'
                   f' stroke-width="2.2"{dash_attr}/>')
        for j, (x, y) in enumerate(pts):
            if markers:
                out.append(f'<circle{_attrs(cx=_num(sx(x)), cy=_num(sy(y)), r=4)} class="{cls} llm-series-dot"'
                           f' fill="{colour}"/>')
            if point_labels and point_labels[i][j]:
                out.append(f'<text{_attrs(x=_num(sx(x) + 7), y=_num(sy(y) - 7))} fill="currentColor"'
                           f' font-size="11">{escape(point_labels[i][j])}</text>')
        out.append(f'<line{_attrs(x1=lx, y1=14, x2=lx + 28, y2=14)} class="{cls}" stroke="{colour}"'
                   f' stroke-width="2.2"{dash_attr}/>')
        out.append(f'<text{_attrs(x=lx + 34, y=18)} fill="currentColor" font-size="12">{escape(name)}</text>')
        lx += 34 + CHAR_W * len(name) + 24
    out.append("</svg>")
    return "\n".join(out) + "\n"


def grouped_bars(
    labels: list[str],
    series: list[tuple[str, list[float]]],
    *,
    title: str,
    description: str,
    fig_id: str,
    width: int = 640,
    marks: list[float | None] | None = None,
    mark_text: str = "",
    fluid: bool = True,
) -> str:
    """Horizontal bars in groups: one group per label, one bar per series (values in 0..1,
    shown as percentages). Series keep the same order in every group and the legend, so
    colour is never the only cue; rects carry ``llm-gbar llm-gbar-<i>`` classes.

    A value of ``None`` draws no bar and writes "n/a" (a source without that number).
    ``marks[i]``, when given, draws a dashed line across group i at that value (e.g. what a
    blind guess scores), explained in the legend by ``mark_text``. The legend wraps onto more
    lines when it would run off the figure; ``fluid=False`` draws at the natural width.
    """
    n = len(series)
    bar_h, inner, gap, legend_h, bottom = 12, 2, 12, 26, 28
    label_w = max(CHAR_W * max(len(t) for t in labels), 60) + 16
    value_w = 56
    plot_w = width - label_w - value_w - 8
    group_h = n * bar_h + (n - 1) * inner
    # The legend, in series order: one line from the plot's left edge if it fits, else wrapped
    # lines from the figure's left edge.
    entries = [(20 + CHAR_W * len(name) + 24, name) for name, _values in series]
    if marks and mark_text:
        entries.append((26 + CHAR_W * len(mark_text) + 24, None))
    x0 = label_w if label_w + sum(w for w, _ in entries) - 24 <= width else 8
    places, x, line = [], x0, 0
    for w, name in entries:
        if x > x0 and x + w - 24 > width:
            x, line = x0, line + 1
        places.append((x, 6 + 20 * line, name))
        x += w
    top = legend_h + 6 + 20 * line
    height = top + len(labels) * (group_h + gap) + bottom
    out = _svg_open(width, height, title, description, fig_id, fluid=fluid)
    for s, (x, y, name) in enumerate(places):
        if name is None:
            out.append(f'<line{_attrs(x1=_num(x), y1=y + 7, x2=_num(x + 20), y2=y + 7)} stroke="currentColor"'
                       ' stroke-width="1.6" stroke-dasharray="4 3" class="llm-mark"/>')
            out.append(f'<text{_attrs(x=_num(x + 26), y=y + 11.5)} fill="currentColor">{escape(mark_text)}</text>')
            continue
        colour = SERIES_COLOURS[s % len(SERIES_COLOURS)]
        out.append(f'<rect{_attrs(x=_num(x), y=y, width=14, height=14, rx=2)}'
                   f' class="llm-gbar llm-gbar-{s}" fill="{colour}"/>')
        out.append(f'<text{_attrs(x=_num(x + 20), y=y + 11.5)} fill="currentColor">{escape(name)}</text>')
    for i, label in enumerate(labels):
        y0 = top + i * (group_h + gap)
        out.append(
            f'<text{_attrs(x=_num(label_w - 8), y=_num(y0 + group_h / 2 + 4.5))} text-anchor="end"'
            f' fill="currentColor" class="llm-label" xml:space="preserve">{escape(label)}</text>'
        )
        for s, (_name, values) in enumerate(series):
            y = y0 + s * (bar_h + inner)
            v = values[i]
            if v is None:
                out.append(f'<text{_attrs(x=_num(label_w + 5), y=_num(y + bar_h - 2))} fill="currentColor"'
                           ' fill-opacity="0.7" font-size="11" class="llm-value">n/a</text>')
                continue
            w = max(plot_w * v, 1.0)
            colour = SERIES_COLOURS[s % len(SERIES_COLOURS)]
            out.append(f'<rect{_attrs(x=_num(label_w), y=y, width=_num(w), height=bar_h, rx=2)}'
                       f' class="llm-gbar llm-gbar-{s}" fill="{colour}"/>')
            out.append(f'<text{_attrs(x=_num(label_w + w + 5), y=_num(y + bar_h - 2))} fill="currentColor"'
                       f' font-size="11" class="llm-value">{v:.1%}</text>')
        if marks and marks[i]:
            xm = _num(label_w + plot_w * marks[i])
            out.append(f'<line{_attrs(x1=xm, y1=_num(y0 - 3), x2=xm, y2=_num(y0 + group_h + 3))} stroke="currentColor"'
                       ' stroke-width="1.6" stroke-dasharray="4 3" class="llm-mark"/>')
    axis_y = top + len(labels) * (group_h + gap)
    out.append(f'<line{_attrs(x1=_num(label_w), y1=axis_y, x2=_num(label_w + plot_w), y2=axis_y)}'
               ' stroke="currentColor" stroke-opacity="0.4" class="llm-axis"/>')
    for frac in (0, 0.25, 0.5, 0.75, 1.0):
        xt = _num(label_w + plot_w * frac)
        out.append(f'<text{_attrs(x=xt, y=axis_y + 18)} text-anchor="middle" fill="currentColor"'
                   f' fill-opacity="0.7" font-size="11">{int(frac * 100)}%</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def log_dots(
    rows: list[tuple[str, float, int, str]],
    groups: list[tuple[str, str]],
    *,
    title: str,
    description: str,
    fig_id: str,
    decades: tuple[int, int],
    tick_text=_tick_text,
    axis_label: str = "",
    step: int = 1,
    width: int = 420,
) -> str:
    """One row per item, a dot at its value on a logarithmic axis, a faint stem from the axis
    start (a "lollipop" chart that reads top to bottom, e.g. in date order).

    ``rows`` = [(label, value, group index, value text)]; ``groups`` = [(legend name, shape)]
    with shape "circle", "square" or "diamond" (so colour is never the only cue); each dot has
    class ``llm-series llm-series-<group>``. ``decades`` = (lo, hi) powers of ten of the axis,
    with a labelled grid line every ``step`` decades.
    """
    import math

    row_h, top_pad, bottom = 22, 8, 44
    label_w = CHAR_W * max(len(r[0]) for r in rows) + 14
    value_w = CHAR_W * max(len(r[3]) for r in rows) + 14
    plot_w = width - label_w - value_w
    lo, hi = decades
    # legend: one line, wrapped when it would run off
    places, x, line = [], 8.0, 0
    for g, (name, shape) in enumerate(groups):
        w = 18 + CHAR_W * len(name) + 18
        if x > 8 and x + w - 18 > width:
            x, line = 8.0, line + 1
        places.append((x, 14 + 20 * line, g, name, shape))
        x += w
    top = 28 + 20 * line + top_pad
    height = top + len(rows) * row_h + bottom

    def sx(v: float) -> float:
        return label_w + plot_w * (math.log10(v) - lo) / (hi - lo)

    def dot(cx: float, cy: float, g: int, shape: str) -> str:
        colour, cls = SERIES_COLOURS[g % 4], f"llm-series llm-series-{g % 4} llm-series-dot"
        if shape == "square":
            return f'<rect{_attrs(x=_num(cx - 4.5), y=_num(cy - 4.5), width=9, height=9)} class="{cls}" fill="{colour}"/>'
        if shape == "diamond":
            pts = f"{_num(cx)},{_num(cy - 6)} {_num(cx + 6)},{_num(cy)} {_num(cx)},{_num(cy + 6)} {_num(cx - 6)},{_num(cy)}"
            return f'<polygon points="{pts}" class="{cls}" fill="{colour}"/>'
        return f'<circle{_attrs(cx=_num(cx), cy=_num(cy), r=4.5)} class="{cls}" fill="{colour}"/>'

    out = _svg_open(width, height, title, description, fig_id)
    shapes = {g: shape for g, (_n, shape) in enumerate(groups)}
    for x, y, g, name, shape in places:
        out.append(dot(x + 6, y - 4, g, shape))
        out.append(f'<text{_attrs(x=_num(x + 16), y=y)} fill="currentColor" font-size="12">{escape(name)}</text>')
    axis_y = top + len(rows) * row_h
    for k in range(lo, hi + 1, step):
        xt = sx(10.0**k)
        out.append(f'<line{_attrs(x1=_num(xt), y1=top - 4, x2=_num(xt), y2=axis_y)} stroke="currentColor"'
                   ' stroke-opacity="0.12" class="llm-grid"/>')
        out.append(f'<text{_attrs(x=_num(xt), y=axis_y + 16)} text-anchor="middle" fill="currentColor"'
                   f' fill-opacity="0.75" font-size="11">{escape(tick_text(10.0**k))}</text>')
    out.append(f'<line{_attrs(x1=_num(label_w), y1=axis_y, x2=_num(label_w + plot_w), y2=axis_y)}'
               ' stroke="currentColor" stroke-opacity="0.4" class="llm-axis"/>')
    if axis_label:
        out.append(f'<text{_attrs(x=_num(label_w + plot_w / 2), y=axis_y + 34)} text-anchor="middle"'
                   f' fill="currentColor" font-size="12">{escape(axis_label)}</text>')
    for i, (label, value, g, text) in enumerate(rows):
        cy = top + i * row_h + row_h / 2
        cx = sx(value)
        out.append(f'<text{_attrs(x=_num(label_w - 8), y=_num(cy + 4.5))} text-anchor="end" fill="currentColor"'
                   f'>{escape(label)}</text>')
        out.append(f'<line{_attrs(x1=_num(label_w), y1=_num(cy), x2=_num(cx), y2=_num(cy))} stroke="currentColor"'
                   ' stroke-opacity="0.3" stroke-width="2"/>')
        out.append(dot(cx, cy, g, shapes[g]))
        out.append(f'<text{_attrs(x=_num(cx + 9), y=_num(cy + 4.5))} fill="currentColor" font-size="12"'
                   f' class="llm-value">{escape(text)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"
