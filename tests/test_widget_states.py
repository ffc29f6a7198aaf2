"""Widget states, the 404 page, pages opened from disk and the one model size (issue 23).

Nothing here downloads the model or boots Python: the playground's busy states are driven with a
stand-in engine whose answer the test releases by hand, so "working…" and the dimmed old result
can be seen while a request is in flight. (Booting the tokenizer is tested in test_widget.py,
which also checks its busy state and detail line on the booted page.)
"""

from __future__ import annotations

import functools
import http.server
import re
import threading
from pathlib import Path

import pytest

from llmsite.site import mkdocs_hooks, playground, widgets

REPO = Path(__file__).resolve().parent.parent
PG = '.llm-widget[data-widget="playground"]'

pytestmark = pytest.mark.browser


def watch(page) -> list[str]:
    urls: list[str] = []
    page.on("request", lambda r: urls.append(r.url))
    return urls


# ------------------------------------------------------------------ one model size, computed

SIZE_IN_TEXT = re.compile(r"(\d+(?:\.\d+)?)\s*MB")


def model_size_mentions(text: str) -> list[str]:
    """Sizes written next to the model's download ("the model (98 MB)", "98 MB, downloaded once")."""
    out = []
    for m in SIZE_IN_TEXT.finditer(text):
        around = text[max(0, m.start() - 90): m.end() + 40].lower()
        if "model" in around and re.search(r"download|fetch", around):
            out.append(m.group(0))
    return out


def test_the_size_finder_sees_a_typed_size():
    assert model_size_mentions("The first run fetches the model (93 MB) and converts it") == ["93 MB"]
    assert model_size_mentions("the KV cache holds 377 MB per conversation") == []


def test_pages_and_widgets_give_one_computed_model_size(built_site):
    want = playground.size_text(playground.model_bytes())
    m = playground.read_manifest()
    if m:  # the pinned fallback agrees with what the build wrote
        assert playground.size_text(m["model_bytes"]) == playground.size_text(playground.MODEL_BYTES)
    found = {}
    for f in sorted(built_site.glob("*.html")):
        text = re.sub(r"<[^>]+>", " ", f.read_text(encoding="utf-8"))
        for s in model_size_mentions(text):
            found.setdefault(s, []).append(f.name)
    assert found and set(found) == {want}, found
    assert f"fetches the model ({want})" in (built_site / "index.html").read_text(encoding="utf-8")
    for page in ("01-big-picture.html", "07-next-token-prediction.html", "08-sampling.html", "09-generation.html"):
        assert f'data-widget="playground" data-size="{want}"' in (built_site / page).read_text(encoding="utf-8")
    # no page or widget types a size: the markdown has the placeholder, the JS reads data-size
    for md in (REPO / "docs").glob("*.md"):
        assert not model_size_mentions(md.read_text(encoding="utf-8")), f"{md.name}: write {mkdocs_hooks.MODEL_SIZE}"
    for js in (REPO / "docs" / "assets" / "js").glob("*.js"):
        code = "\n".join(line for line in js.read_text(encoding="utf-8").splitlines() if not line.lstrip().startswith("//"))
        assert not SIZE_IN_TEXT.search(code), f"{js.name} types a size"


def test_the_tokenizer_button_names_its_computed_size(built_site, site_server, browser_page):
    n = widgets.download_bytes()
    if n is None:
        pytest.skip("the tokenizer runtime is not built (python -m llmsite widget): no size to name")
    want = playground.size_text(n)
    page = browser_page
    urls = watch(page)
    page.goto(f"{site_server}/02-tokens.html")
    assert page.locator(".tw-load").inner_text() == f"Load the tokenizer ({want})"
    # focusing and typing in the box downloads nothing; the box says the button is needed
    page.locator(".tw-input").focus()
    page.keyboard.type(" and more")
    page.wait_for_timeout(300)
    w = page.locator(".tokenizer-widget")
    assert w.get_attribute("data-state") == "idle" and w.get_attribute("data-widget-state") == "idle"
    assert not [u for u in urls if "/assets/widget/" in u and not u.endswith("prerendered.html")], urls
    assert "Press “Load the tokenizer" in page.locator(".tw-status").inner_text()
    assert "tw-stale" in page.locator(".tw-result").get_attribute("class")
    assert float(page.eval_on_selector(".tw-tokens", "e => getComputedStyle(e).opacity")) < 1


# ------------------------------------------------------------------ the playground, without the model

def test_before_the_model_controls_say_so_and_nothing_downloads(site_server, browser_page):
    page = browser_page
    urls = watch(page)
    page.goto(f"{site_server}/08-sampling.html")
    w = page.locator(PG)
    assert w.locator(".pg-needs-model").is_visible()
    for sel in ("input[type=range]", ".pg-seed", ".pg-draw"):
        for c in w.locator(sel).all():
            assert c.is_disabled(), sel
            assert w.locator(".pg-needs-model").get_attribute("id") in c.get_attribute("aria-describedby")
    page.locator(f"{PG} .pg-input").focus()
    page.keyboard.press("Control+Enter")
    page.evaluate(f"document.querySelector('{PG}').playground.showDraws()")  # what "Draw 20 tokens" calls
    page.wait_for_timeout(500)
    assert w.get_attribute("data-widget-state") == "idle"
    assert not [u for u in urls if "/assets/playground/" in u and "prerendered" not in u], urls
    assert "Nothing is downloaded before you do" in w.locator("[data-widget-status]").inner_text()
    assert page.evaluate("document.activeElement.classList.contains('pg-load')")


FAKE_ENGINE = """() => {
    const root = document.querySelector('%s');
    const pg = root.playground;
    const probs = new Float32Array(49152);
    [0.5, 0.2, 0.1].forEach((p, i) => { probs[i + 1] = p; });
    window.release = [];
    pg.engine = {
        maxPrompt: 448, man: {n_ctx: 512},
        tokenize: async () => [7, 8, 9],
        tokenBytes: async (ids) => ids.map((i) => new TextEncoder().encode('t' + i)),
        run: (f) => f(),
        next: () => new Promise((resolve) => {
            const answer = () => resolve({probs, sorted: Uint32Array.from([1, 2, 3]), ms: 5, decodeMs: 4, fed: 3});
            if (window.autoAnswer) setTimeout(answer, 5); else window.release.push(answer);
        }),
        imEnd: 1,  // generation (always the favourite, token 1) stops after one step
    };
    pg.readyText = 'Ready (a stand-in engine).';
    pg.go.hidden = false;
    pg.needModel(false);
}""" % PG


def state(page) -> dict:
    return page.evaluate(f"""() => {{
        const w = document.querySelector('{PG}');
        const live = w.querySelector('.pg-live'), pre = w.querySelector('.pg-result');
        return {{status: w.querySelector('[data-widget-status]').textContent, busy: w.dataset.busy,
                 live_stale: live.classList.contains('llm-stale'), live_hidden: live.hidden,
                 live_opacity: Number(getComputedStyle(live).opacity), pre_opacity: Number(getComputedStyle(pre).opacity),
                 pre_stale: pre.classList.contains('llm-stale'), rows: live.querySelectorAll('tr[data-id]').length}};
    }}""")


def answer_all(page) -> None:
    """Let every request in flight answer (typing also schedules one), until the widget is idle."""
    page.wait_for_function(f"""() => {{
        window.release.splice(0).forEach((f) => f());
        return document.querySelector('{PG}').dataset.busy === 'false';
    }}""", polling=100, timeout=20_000)


def test_a_slow_request_dims_the_old_result_and_says_working(site_server, browser_page):
    page = browser_page
    page.goto(f"{site_server}/01-big-picture.html")
    page.add_style_tag(content="* { transition: none !important; }")
    page.evaluate(FAKE_ENGINE)
    page.locator(f"{PG} .pg-go").click()  # first request: the prerendered table is the old result
    page.wait_for_timeout(600)
    s = state(page)
    assert s["busy"] == "true" and s["pre_stale"] and s["pre_opacity"] < 1 and s["status"] == "Working…", s
    answer_all(page)
    s = state(page)
    assert s["rows"] == 3 and not s["live_stale"] and s["live_opacity"] == 1 and s["status"].startswith("Ready"), s
    page.locator(f"{PG} .pg-input").fill("Another prompt")
    page.locator(f"{PG} .pg-go").click()  # second: the live table from before is now the stale one
    page.wait_for_timeout(600)
    s = state(page)
    assert s["live_stale"] and s["live_opacity"] < 1 and s["status"] == "Working…", s
    answer_all(page)
    assert not state(page)["live_stale"]


# ------------------------------------------------------------------ the embedding map and focus rings

def test_the_embedding_map_marks_focus_by_shape_not_only_colour(site_server, browser_page):
    page = browser_page
    page.goto(f"{site_server}/03-embeddings.html")
    root = page.locator('[data-widget="embedding-map"]')
    root.scroll_into_view_if_needed()
    page.wait_for_function("document.querySelector('[data-widget=\"embedding-map\"]').dataset.widgetState === 'ready'")
    pt = root.locator(".em-pt").nth(3)
    pt.focus()
    ring = root.locator('[data-em="ring"]')
    assert ring.count() == 1
    assert ring.get_attribute("cx") == pt.get_attribute("data-x") and ring.get_attribute("cy") == pt.get_attribute("data-y")
    assert "underline" in pt.locator("text").evaluate("t => getComputedStyle(t).textDecorationLine")
    page.keyboard.press("ArrowRight")
    assert root.locator('[data-em="ring"]').get_attribute("cx") == root.locator(".em-pt").nth(4).get_attribute("data-x")


# Material's search box opens its search panel when focused (a visible change of its own).
NO_RING_NEEDED = ("md-search__input",)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["02-tokens.html", "08-sampling.html"])
def test_every_focused_thing_has_a_visible_ring(site_server, browser_page, name):
    page = browser_page
    page.goto(f"{site_server}/{name}")
    seen, bare = set(), []
    for _ in range(300):
        page.keyboard.press("Tab")
        r = page.evaluate("""() => {
            const e = document.activeElement;
            if (!e || e === document.body) return null;
            let shown = e;  // a visually hidden radio (Material's palette switch) shows focus on its label
            if (e.matches('input.md-option') && e.nextElementSibling) shown = e.nextElementSibling;
            const s = getComputedStyle(shown);
            return {html: e.outerHTML.slice(0, 100), cls: e.className && e.className.baseVal === undefined ? e.className : '',
                    ring: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 1};
        }""")
        if r is None or r["html"] in seen:
            if r is None:
                break
            continue
        seen.add(r["html"])
        if not r["ring"] and not any(c in r["cls"] for c in NO_RING_NEEDED):
            bare.append(r["html"])
    assert len(seen) > 20
    assert not bare, bare


# ------------------------------------------------------------------ 404 under a sub-path, pages from disk

def test_404_page_has_no_root_absolute_urls(built_site):
    html = (built_site / "404.html").read_text(encoding="utf-8")
    assert not re.search(r'\s(?:href|src)="/(?!/)', html)
    assert "Back to the course" in html


@pytest.fixture(scope="module")
def sub_path_server(built_site):
    """The site under /course/, answering a missing page with 404.html (as GitHub Pages does)."""
    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *a, **k):
            super().__init__(*a, directory=str(built_site), **k)

        def log_message(self, *a):
            pass

        def translate_path(self, path):
            return super().translate_path(path[len("/course"):] if path.startswith("/course/") else "/__outside__")

        def send_head(self):
            p = Path(self.translate_path(self.path.split("?")[0]))
            if self.path.startswith("/course/") and (p.is_file() or (p / "index.html").is_file()):
                return super().send_head()
            body = (built_site / "404.html").read_bytes()
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            return __import__("io").BytesIO(body)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_404_page_works_under_a_sub_path_and_leads_back(sub_path_server, browser_page):
    page = browser_page
    failed, ok = [], set()
    probes = []  # the page's HEAD requests for 404.html, one per folder level, deepest first
    page.on("response", lambda r: ok.add(r.url) if r.status < 400 else None if "/no/such/page" in r.url else
            (probes if r.request.method == "HEAD" else failed).append(r.url))
    page.goto(f"{sub_path_server}/course/no/such/page.html")
    assert page.evaluate("document.baseURI").endswith("/course/")
    # styled: Material's stylesheet loaded (its header is not transparent)
    assert page.eval_on_selector(".md-header", "e => getComputedStyle(e).backgroundColor") not in ("rgba(0, 0, 0, 0)", "transparent")
    # Chromium's preload scanner may ask for the assets next to the address before the first script
    # sets <base> (harmless 404s); each of them then loads from the site's root
    assert [u for u in failed if u.replace("/course/no/such/", "/course/") not in ok] == []
    assert f"{sub_path_server}/course/assets/css/site.css" in ok
    assert probes == [f"{sub_path_server}/course/no/such/404.html", f"{sub_path_server}/course/no/404.html"], probes
    page.get_by_role("link", name="Back to the course").click()
    page.wait_for_url(f"{sub_path_server}/course/index.html")
    assert "How LLMs Work" in page.title()


@pytest.mark.parametrize("name", ["01-big-picture.html", "02-tokens.html", "03-embeddings.html"])
def test_from_disk_widgets_say_how_to_serve_the_folder(built_site, browser_page, name):
    page = browser_page
    page.goto((built_site / name).as_uri())
    notes = page.locator(".llm-widget .llm-file-note")
    assert notes.count() == page.locator(".llm-widget[data-widget]").count() >= 1
    text = notes.first.inner_text()
    assert "Serve the folder over http to use the live widgets" in text and "python -m http.server -d site" in text
    assert "With JavaScript on" not in page.content()


@pytest.mark.slow
@pytest.mark.parametrize("name", ["01-big-picture.html", "07-next-token-prediction.html", "08-sampling.html", "09-generation.html"])
def test_the_live_playground_passes_axe_in_both_schemes(site_server, browser_page, name):
    """The live views (the table, the sampling filters, the streamed reply with its probabilities),
    drawn by the widget's own code from a stand-in engine's numbers."""
    from test_a11y import AXE, COLOUR_RULES, NO_MOTION, run_axe

    if not AXE.exists():
        pytest.skip("no node_modules/axe-core: run `npm ci`")
    page = browser_page
    page.goto(f"{site_server}/{name}")
    page.add_style_tag(content=NO_MOTION)
    page.evaluate(FAKE_ENGINE)
    page.evaluate("window.autoAnswer = true")
    page.locator(f"{PG} .pg-go").click()
    page.wait_for_function(f"document.querySelector('{PG}').dataset.busy === 'false'")
    assert page.locator(f"{PG} .pg-live").is_visible()
    if name.startswith("08"):
        page.locator(f"{PG} .pg-draw").click()
        page.wait_for_selector(f"{PG} .pg-draw-tok")
    if name.startswith("09"):
        assert page.locator(f"{PG} .pg-step .pg-p").count() == 1
    bad = run_axe(page, within=PG)
    page.evaluate("document.body.setAttribute('data-md-color-scheme', 'slate')")
    bad += run_axe(page, COLOUR_RULES, within=PG)
    assert not bad, bad
