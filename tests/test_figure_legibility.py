"""Figures legible on a phone (issue 23): every SVG ``<text>`` on every page renders at >= 11 px,
at a 390 px wide viewport and at 1280, in Chromium; and the figures' labels do not overlap.

Rendered size = computed font-size x the element's screen transform scale (``getScreenCTM()``), so
an SVG squeezed into a narrow column counts as the small text the reader actually sees. A figure
that is wider than the phone keeps a legible size and scrolls sideways (the mkdocs hook gives it a
minimum width); the test also checks that such a scrolling figure can be reached by keyboard.
"""

from __future__ import annotations

import pytest

MIN_PX = 11.0
VIEWPORTS = {"phone": (390, 844), "desktop": (1280, 900)}

# One call per page: every visible SVG <text>/<tspan> with its rendered size, its figure and
# its words; plus the figures that scroll and whether each is focusable and named.
MEASURE = """() => {
  const out = [];
  for (const el of document.querySelectorAll('svg text')) {
    const r = el.getBoundingClientRect();
    if (!r.width && !r.height) continue;            // hidden (display:none, empty)
    const ctm = el.getScreenCTM();
    if (!ctm) continue;
    const scale = Math.hypot(ctm.a, ctm.b);
    const px = scale * parseFloat(getComputedStyle(el).fontSize);
    const fig = el.closest('figure, [id]');
    out.push({px: Math.round(px * 100) / 100, fig: fig ? (fig.id || fig.className) : '',
              text: el.textContent.trim().slice(0, 40)});
  }
  const scrolling = [];
  for (const f of document.querySelectorAll('.llm-figure')) {
    if (f.scrollWidth > f.clientWidth + 1)
      scrolling.push({fig: f.id, tabindex: f.getAttribute('tabindex'), label: f.getAttribute('aria-label') || ''});
  }
  return {texts: out, scrolling};
}"""


def _pages(site) -> list[str]:
    return sorted(p.relative_to(site).as_posix() for p in site.glob("*.html"))


def measure_site(browser, server: str, site, width: int, height: int) -> dict[str, dict]:
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(server)
               else route.abort())
    found = {}
    try:
        for name in _pages(site):
            page.goto(f"{server}/{name}", wait_until="load")
            found[name] = page.evaluate(MEASURE)
    finally:
        context.close()
    return found


@pytest.fixture(scope="module")
def measured(browser, built_site, site_server):
    return {vp: measure_site(browser, site_server, built_site, *size) for vp, size in VIEWPORTS.items()}


def smallest_per_page(found: dict[str, dict]) -> dict[str, float]:
    return {name: min(t["px"] for t in m["texts"]) for name, m in found.items() if m["texts"]}


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_no_figure_text_under_11px(measured, viewport):
    found = measured[viewport]
    assert sum(len(m["texts"]) for m in found.values()) > 1000, "the figures' text was not found"
    small = [f"{name} {t['fig']}: {t['px']} px {t['text']!r}"
             for name, m in found.items() for t in m["texts"] if t["px"] < MIN_PX - 0.01]
    print("smallest rendered px per page:", smallest_per_page(found))
    assert not small, f"{len(small)} SVG texts under {MIN_PX} px at {viewport}:\n" + "\n".join(small[:60])


def test_scrolling_figures_are_keyboard_reachable(measured):
    phone = measured["phone"]
    scrolling = [s for m in phone.values() for s in m["scrolling"]]
    assert scrolling, "at 390 px some figures are wider than the column and should scroll"
    bad = [s for s in scrolling if s["tabindex"] != "0" or not s["label"]]
    assert not bad, f"scrolling figures without tabindex=0 and an aria-label: {bad[:10]}"
    desktop = [s for m in measured["desktop"].values() for s in m["scrolling"]]
    assert not desktop, f"figures that scroll on a 1280 px desktop: {desktop}"


# Each label's box as the reader sees it: the four corners of its getBBox() through its screen
# transform, so a rotated label is a rotated rectangle (not the larger axis-aligned box around it).
TEXT_BOXES = """(id) => {
  const fig = document.getElementById(id);
  if (!fig) return null;
  const quad = (el, b) => {
    const m = el.getScreenCTM();
    const pt = (x, y) => [m.a * x + m.c * y + m.e, m.b * x + m.d * y + m.f];
    return [pt(b.x, b.y), pt(b.x + b.width, b.y), pt(b.x + b.width, b.y + b.height), pt(b.x, b.y + b.height)];
  };
  const texts = [...fig.querySelectorAll('svg text')].filter(el => el.textContent.trim() && el.getBBox().width)
    .map(el => ({t: el.textContent.trim(), corners: quad(el, el.getBBox())}));
  // markers: the small shapes (dots, squares, triangles, crosses) a label sits beside
  const marks = [...fig.querySelectorAll('svg circle, svg rect, svg path')].filter(el => {
    const b = el.getBBox(); return b.width > 0 && b.width <= 14 && b.height <= 14;
  }).map(el => ({t: 'marker', corners: quad(el, el.getBBox())}));
  // guide lines (dashed): a label must not sit on one
  const lines = [...fig.querySelectorAll('svg line[stroke-dasharray]')].filter(el => {
    const b = el.getBBox(); return Math.hypot(b.width, b.height) > 40;
  }).map(el => {
    const m = el.getScreenCTM(), g = k => el[k].baseVal.value;
    const p = (x, y) => [m.a * x + m.c * y + m.e, m.b * x + m.d * y + m.f];
    const p0 = p(g('x1'), g('y1')), p1 = p(g('x2'), g('y2'));
    return {t: 'dashed line', corners: [p0, p1, p1, p0]};
  });
  return {texts, others: marks.concat(lines)};
}"""


def _gap(a: list, b: list) -> float:
    """How far apart two convex quadrilaterals are along the best separating axis (negative:
    they overlap by that much on every axis)."""
    best = float("-inf")
    for poly in (a, b):
        for k in range(4):
            (x0, y0), (x1, y1) = poly[k], poly[(k + 1) % 4]
            nx, ny = y0 - y1, x1 - x0
            norm = (nx * nx + ny * ny) ** 0.5
            if norm < 1e-9:  # a line segment is a quadrilateral with two empty edges
                continue
            pa = [(x * nx + y * ny) / norm for x, y in a]
            pb = [(x * nx + y * ny) / norm for x, y in b]
            best = max(best, max(min(pb) - max(pa), min(pa) - max(pb)))
    return best


def overlapping(boxes: list[dict], others: list[dict] = (), slack: float = 1.0) -> list[tuple[str, str]]:
    """Pairs of labels whose boxes overlap by more than ``slack`` px (font boxes include some
    air above and below the glyphs, so touching boxes are not yet colliding letters), and labels
    that sit on a marker or a dashed guide line."""
    return ([(a["t"], b["t"]) for i, a in enumerate(boxes) for b in boxes[i + 1:]
             if _gap(a["corners"], b["corners"]) < -slack]
            + [(a["t"], o["t"]) for a in boxes for o in others if _gap(a["corners"], o["corners"]) < -slack])


def _rect(t, x0, y0, x1, y1):
    return {"t": t, "corners": [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]}


def test_overlap_check_catches_overlaps():
    a = _rect("a", 0, 0, 10, 10)
    assert overlapping([a, _rect("b", 5, 0, 15, 10)]) == [("a", "b")]
    assert overlapping([a, _rect("b", 10, 0, 20, 10)]) == []
    # two long labels slanted at 45°, 30 px apart: their axis-aligned boxes overlap, they do not
    import math

    def slanted(t, x):
        c, s = math.cos(-math.pi / 4), math.sin(-math.pi / 4)
        return {"t": t, "corners": [[x + c * u - s * v, s * u + c * v] for u, v in ((0, -10), (60, -10), (60, 2), (0, 2))]}
    assert overlapping([slanted("a", 0), slanted("b", 30)]) == []
    assert overlapping([slanted("a", 0), slanted("b", 8)]) == [("a", "b")]
    line = {"t": "line", "corners": [[-5, 5], [20, 5], [20, 5], [-5, 5]]}
    assert overlapping([a], [line]) == [("a", "line")]
    assert overlapping([a], [{**line, "corners": [[-5, 15], [20, 15], [20, 15], [-5, 15]]}]) == []


# The figures issue 23 found with colliding labels, redrawn; they stay apart at both widths.
NO_OVERLAP = {"03-embeddings.html": "fig-03-embedding-map", "04-self-attention.html": "fig-04-attention-heatmap",
              "12-scaling.html": "fig-12-params-tokens", "03b-why-transformers-won.html": "fig-03b-encoder-decoder"}


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_labels_do_not_overlap(browser, built_site, site_server, viewport):
    context = browser.new_context(viewport=dict(zip(("width", "height"), VIEWPORTS[viewport])))
    page = context.new_page()
    try:
        found = {}
        for name, fig in NO_OVERLAP.items():
            page.goto(f"{site_server}/{name}", wait_until="load")
            boxes = page.evaluate(TEXT_BOXES, fig)
            assert boxes and boxes["texts"], f"{fig} not found on {name}"
            found[fig] = overlapping(boxes["texts"], boxes["others"])
    finally:
        context.close()
    assert not any(found.values()), {k: v for k, v in found.items() if v}


# ------------------------------------------------------------------ the mkdocs hook, without a browser

def _figure(fid="fig-x", width=640, sizes=(13, 11), title="A &lt;b&gt; title", extra=""):
    texts = "".join(f'<text x="1" y="2" font-size="{s}">&lt;script&gt;alert(1)&lt;/script&gt; {s}</text>' for s in sizes)
    return (f'<figure class="llm-figure" id="{fid}">\n<svg xmlns="http://www.w3.org/2000/svg" class="llm-fig" '
            f'viewBox="0 0 {width} 300" width="100%" role="img" font-family="sans-serif" font-size="13"{extra}>\n'
            f'<title id="{fid}-title">{title}</title>{texts}</svg>\n<figcaption>c</figcaption>\n</figure>\n')


def test_hook_sets_min_width_from_the_smallest_font():
    from llmsite.site.mkdocs_hooks import legible_figures

    out = legible_figures("<p>before</p>" + _figure(sizes=(13, 9)) + "<p>after</p>")
    assert 'style="min-width: 782.3px"' in out  # 640 × 11 / 9 = 782.2…, rounded up to 0.1 px
    assert 'data-llm-min-width="782.3"' in out
    # the title is read as text and written back escaped: hostile text stays text
    assert 'data-llm-scroll-label="A &lt;b&gt; title (scroll sideways to see all of it)"' in out
    assert out.startswith("<p>before</p>") and out.endswith("<p>after</p>")
    assert out.count("&lt;script&gt;") == 2 and "<script>" not in out
    assert legible_figures(_figure(width=420, sizes=(11,))).count('style="min-width: 420px"') == 1


def test_hook_leaves_other_markup_alone():
    from llmsite.site.mkdocs_hooks import legible_figures

    foreign = ('<svg viewBox="0 0 640 300"><text font-size="5">x</text></svg>'
               '<figure class="other"><svg class="llm-fig" viewBox="0 0 640 300"><text font-size="5">x</text></svg></figure>'
               '<pre>&lt;figure class="llm-figure" id="fig-a"&gt;</pre>')
    assert legible_figures(foreign) == foreign
    styled = _figure(extra=' style="width: 50%"')
    assert legible_figures(styled) == styled  # an SVG that sets its own style keeps it
    # two figures, each measured on its own (the second's 8 px text does not widen the first)
    two = legible_figures(_figure("fig-a", sizes=(11,)) + _figure("fig-b", sizes=(8,)))
    assert 'style="min-width: 640px"' in two and 'style="min-width: 880px"' in two


def test_scroll_script_is_added_once_and_only_where_needed():
    from llmsite.site.mkdocs_hooks import add_scroll_script, legible_figures

    page = "<html><body>" + legible_figures(_figure()) + "</body></html>"
    out = add_scroll_script(page)
    assert out.count("<script>") == 1 and out.index("<script>") > out.index("</figure>")
    assert add_scroll_script("<html><body><p>no figures</p></body></html>") == "<html><body><p>no figures</p></body></html>"


def test_hook_keeps_a_fractional_natural_width():
    from llmsite.site.mkdocs_hooks import legible_figures

    assert 'style="min-width: 468.4px"' in legible_figures(_figure(width=468.4, sizes=(11,)))


@pytest.mark.browser
def test_scrolling_figures_pass_axe_on_a_phone(browser, site_server):
    """At 390 px the figures scroll: axe's rules for scrolling regions, names and focus hold
    within them (the full axe run in test_a11y.py is at 1280, where they do not scroll)."""
    from test_a11y import AXE, run_axe

    if not AXE.exists():
        pytest.skip(f"no {AXE}: run `npm ci` (make deps does)")
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        found = []
        for name in ("05-multi-head-attention.html", "12-scaling.html", "08-sampling.html"):
            page.goto(f"{site_server}/{name}", wait_until="load")
            assert page.locator(".llm-figure[tabindex='0']").count() >= 1, f"no scrolling figure on {name}"
            found += [f"{name} {v['rule']}: {v['target']} — {v['why']}" for v in run_axe(page, within=".llm-figure")]
        fig = page.locator(".llm-figure[tabindex='0']").first
        fig.focus()
        page.keyboard.press("ArrowRight")  # scrolls smoothly: wait for it
        fig.evaluate("f => new Promise(ok => { const t0 = Date.now(); (function w() {"
                     " if (f.scrollLeft > 0 || Date.now() - t0 > 5000) ok(); else requestAnimationFrame(w); })(); })")
        assert fig.evaluate("f => f.scrollLeft") > 0, "the arrow key did not scroll the focused figure"
    finally:
        context.close()
    assert not found, "\n".join(found)
