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
