"""Accessibility (issue 23): axe-core with the WCAG 2.2 AA rules on every page, light and dark.

axe-core comes from npm, pinned exactly in package.json / package-lock.json (`npm ci` in `make
deps`), and is injected into Debian's Chromium by Playwright. One browser page visits every built
page (the 404 page too): it starts what starts without downloading anything (the data explorers,
a quiz answered right and wrong, the playground's "press the button first" state), runs axe,
switches Material's palette to the dark scheme with its own toggle, and runs axe's colour rules
again (the others do not depend on the scheme).

A violation fails the test unless tests/a11y_allowlist.json names it (rule, page, CSS target)
with the reason; an entry that no longer matches anything fails too, so the list only shrinks.
"""

from __future__ import annotations

import fnmatch
import json
import re
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
ALLOW = Path(__file__).with_name("a11y_allowlist.json")
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
# Material fades colours when the scheme changes: axe would read a colour half-way.
NO_MOTION = "*, *::before, *::after { transition: none !important; animation: none !important; }"

pytestmark = pytest.mark.xdist_group("a11y")


def allowlist() -> list[dict]:
    entries = json.loads(ALLOW.read_text(encoding="utf-8"))
    for e in entries:
        assert {"rule", "page", "target", "reason"} <= set(e), f"{ALLOW.name}: {e} needs rule, page, target, reason"
        assert len(e["reason"]) > 20, f"{ALLOW.name}: give a real reason for {e}"
    return entries


def allowed(entries: list[dict], page: str, rule: str, target: str) -> dict | None:
    for e in entries:
        if e["rule"] == rule and fnmatch.fnmatch(page, e["page"]) and re.search(e["target"], target):
            return e
    return None


def start_widgets(page, name: str) -> None:
    """Bring each widget on the page into the states a reader sees without downloading a model."""
    page.add_style_tag(content=NO_MOTION)
    for w in page.locator(".llm-widget[data-widget]").all():
        kind = w.get_attribute("data-widget")
        if kind in {"attention-explorer", "logit-lens", "embedding-map"}:
            w.scroll_into_view_if_needed()  # they fetch their data near the viewport
            page.wait_for_function("w => w.dataset.widgetState !== 'loading' && w.dataset.widgetState !== 'idle'",
                                   arg=w.element_handle(), timeout=60_000)
            if kind == "embedding-map":
                w.locator(".em-pt").first.focus()
            if kind == "logit-lens":
                first = w.locator(".ll-cell").first
                if first.count():
                    first.focus()
        elif kind == "playground":
            box = w.locator(".pg-input")
            box.focus()
            page.keyboard.press("Control+Enter")  # before the model: says the button is needed
        elif kind == "tokenizer":
            w.locator(".tw-input").fill("Tokens: ½ 日本語 🦜 and   spaces")  # before loading: stale, dimmed
    quiz = page.locator(".quiz").first
    if quiz.count():  # feedback colours: one wrong answer (the right one is then shown too)
        wrong = quiz.locator("input[type=radio]:not([data-correct])").first
        wrong.check()
        quiz.locator("button[type=submit]").click()
    page.evaluate("document.activeElement && document.activeElement.blur && document.activeElement.blur()")


# the rules whose result can change with the colour scheme: the dark pass runs only these
COLOUR_RULES = ["color-contrast", "link-in-text-block"]


def run_axe(page, rules: list[str] | None = None, within: str | None = None) -> list[dict]:
    """axe's violations, one per element: all WCAG 2.2 AA rules, or only ``rules``; on the whole
    page, or ``within`` the elements a CSS selector names."""
    if not page.evaluate("!!window.axe"):
        page.add_script_tag(path=str(AXE))
    only = {"type": "rule", "values": rules} if rules else {"type": "tag", "values": TAGS}
    return page.evaluate("""async ([only, within]) => {
        const r = await axe.run(within || document, {runOnly: only, resultTypes: ['violations']});
        return r.violations.flatMap(v => v.nodes.map(n => ({
            rule: v.id, target: n.target.join(' '),
            why: ((n.any[0] || n.all[0] || n.none[0] || {}).message || v.help).slice(0, 200)})));
    }""", [only, within])


def dark(page) -> None:
    """Material's own palette toggle (the label of the next scheme's radio), as a reader does it."""
    page.locator("form[data-md-component=palette] label:not([hidden])").first.click()
    page.wait_for_function("document.body.dataset.mdColorScheme === 'slate'")


@pytest.fixture(scope="module")
def axe_page(browser):
    if not AXE.exists():
        pytest.skip(f"no {AXE.relative_to(REPO)}: run `npm ci` (make deps does)")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme="light")
    context.add_init_script("try { localStorage.clear(); } catch (e) {}")  # each page starts light, quizzes unanswered
    page = context.new_page()
    page.set_default_timeout(60_000)
    yield page
    context.close()


@pytest.mark.browser
@pytest.mark.slow
def test_axe_finds_no_wcag22_aa_violations_on_any_page_light_or_dark(built_site, site_server, axe_page, record_property):
    entries = allowlist()
    pages = sorted(p.name for p in built_site.glob("*.html"))
    assert "404.html" in pages and len(pages) >= 19
    page = axe_page
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    found, used, t0 = [], set(), time.monotonic()
    per_page = {}
    for name in pages:
        t1 = time.monotonic()
        page.goto(f"{site_server}/{name}")
        start_widgets(page, name)
        for scheme in ("light", "dark"):
            if scheme == "dark":
                dark(page)
            for v in run_axe(page, COLOUR_RULES if scheme == "dark" else None):
                e = allowed(entries, name, v["rule"], v["target"])
                if e:
                    used.add(entries.index(e))
                else:
                    found.append(f"{name} ({scheme}) {v['rule']}: {v['target']} — {v['why']}")
        per_page[name] = round(time.monotonic() - t1, 1)
    record_property("axe_seconds", round(time.monotonic() - t0, 1))
    print(f"\naxe-core on {len(pages)} pages x 2 schemes: {time.monotonic() - t0:.1f} s {per_page}")
    assert not found, f"{len(found)} violations:\n" + "\n".join(found[:60])
    stale = [e for i, e in enumerate(entries) if i not in used]
    assert not stale, f"{ALLOW.name}: these entries match nothing any more, remove them: {stale}"
    assert not errors, errors


@pytest.mark.browser
def test_axe_catches_a_violation(site_server, axe_page):
    """The check can fail: grey-on-white text and an unlabelled button are reported."""
    page = axe_page
    page.goto(f"{site_server}/index.html")
    page.evaluate("""() => {
        const p = document.createElement('p'); p.textContent = 'faint'; p.style.color = '#bbb';
        const b = document.createElement('button'); b.setAttribute('role', 'button');
        document.querySelector('.md-content article').prepend(p, b);
    }""")
    rules = {v["rule"] for v in run_axe(page)}
    assert {"color-contrast", "button-name"} <= rules


def test_axe_core_is_pinned_exactly():
    pkg = json.loads((REPO / "package.json").read_text())
    lock = json.loads((REPO / "package-lock.json").read_text())
    want = pkg["dependencies"]["axe-core"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", want), "pin axe-core to one version"
    assert lock["packages"]["node_modules/axe-core"]["version"] == want


@pytest.mark.browser
def test_quizzes_look_like_the_theme_in_both_schemes(site_server, axe_page):
    """A quiz is drawn like Material's own boxes (its admonitions) and its Submit like Material's
    primary button, in both schemes; the plugin's own black border is gone."""
    page = axe_page
    page.goto(f"{site_server}/01-big-picture.html")
    page.add_style_tag(content=NO_MOTION)
    look = """() => {
        const s = (sel, p) => getComputedStyle(document.querySelector(sel))[p];
        return {quiz: [s('.quiz', 'borderRadius'), s('.quiz', 'boxShadow'), s('.quiz', 'borderTopColor')],
                box: [s('.admonition', 'borderRadius'), s('.admonition', 'boxShadow')],
                submit: [s('.quiz button[type=submit]', 'backgroundColor'), s('.quiz button[type=submit]', 'color')],
                primary: [s('.md-header', 'backgroundColor'), s('.md-header', 'color')]};
    }"""
    for scheme in ("light", "dark"):
        if scheme == "dark":
            dark(page)
        got = page.evaluate(look)
        assert got["quiz"][:2] == got["box"], (scheme, got)
        assert got["quiz"][2] not in ("rgb(0, 0, 0)",), (scheme, got)  # mkdocs-quiz's "1px solid black"
        assert got["submit"] == got["primary"], (scheme, got)
