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
    bar_h, gap, top, bottom = 22, 6, 12, 28
    label_w = max(CHAR_W * max(len(r[0]) for r in rows), 60) + 16
    value_w = 64
    plot_w = width - label_w - value_w - 8
    height = top + len(rows) * (bar_h + gap) + bottom
    tid, did = f"{fig_id}-title", f"{fig_id}-desc"
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="llm-fig" viewBox="0 0 {width} {height}"'
        f' width="100%" role="img" aria-labelledby="{tid} {did}" font-family="sans-serif" font-size="13">',
        f'<title id="{tid}">{escape(title)}</title>',
        f'<desc id="{did}">{escape(description)}</desc>',
    ]
    for i, (label, value, text) in enumerate(rows):
        y = top + i * (bar_h + gap)
        other = muted_last and i == len(rows) - 1
        cls, fill = ("llm-bar llm-bar--muted", GREY) if other else ("llm-bar", BLUE)
        w = max(plot_w * value, 1.0)
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
    for frac in (0, 0.25, 0.5, 0.75, 1.0):
        x = _num(label_w + plot_w * frac)
        out.append(f'<text{_attrs(x=x, y=axis_y + 18)} text-anchor="middle" fill="currentColor"'
                   f' fill-opacity="0.7" font-size="11">{int(frac * 100)}%</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"
