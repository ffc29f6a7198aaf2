"""The explorers on the reader's own sentence (issue 21), in Chromium against the built site.

The attention explorer (ch. 4-5), the logit-lens strip (ch. 6) and the live pipeline (home page,
recap) take a sentence from the reader and run the in-browser engine on it
(``docs/assets/js/engine/client.js``). Here the engine is a stand-in with the same interface
(``tests/explorer_engine.py``): its numbers come from ``llmsite.transformer`` on the real model,
so every number the page shows is compared with CPython's. The stand-in's module and the
playground manifest (whose size the download offer must show) are served through
``page.route``; no request leaves 127.0.0.1.

The head finders' rules are checked without the model too: ``roleScores`` (JS) against
``role_scores`` (Python) on random attention maps.
"""

from __future__ import annotations

import base64
import json
import math
from urllib.parse import quote, urlparse

import pytest

import explorer_engine as fake
from llmsite.figures import show_token

pytestmark = pytest.mark.browser

# a manifest of an odd size, so that the offer can only show it by reading the file
SHARDS = {"model/a-00001-of-00002.gguf": 7_654_321, "model/a-00002-of-00002.gguf": 4_691_357}
MANIFEST = {"format": 1, "shards": list(SHARDS), "sizes": SHARDS, "sha256": {n: "0" * 64 for n in SHARDS}}
OFFER_MB = "12.3 MB"  # (7,654,321 + 4,691,357) bytes
SENTENCE = "The cat sat on the mat because it was warm, and the cat sat"


@pytest.fixture(scope="module")
def model_ok():
    from llmsite.model import ModelUnavailable

    try:
        fake._model()
    except ModelUnavailable as e:
        pytest.skip(str(e))


@pytest.fixture
def live(browser_page, site_server):
    """A page whose engine is the stand-in. Yields open(path) → page; checks afterwards that
    nothing left 127.0.0.1, no script error happened and no dialog opened."""
    page = browser_page
    seen, errors, dialogs = [], [], []
    page.on("request", lambda r: seen.append(r.url))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.route("**/assets/js/engine/client.js",
               lambda route: route.fulfill(status=200, content_type="text/javascript", body=fake.FAKE_CLIENT))
    page.route("**/assets/playground/manifest.json",
               lambda route: route.fulfill(status=200, content_type="application/json", body=json.dumps(MANIFEST)))

    def engine(route):
        q = json.loads(route.request.post_data)
        try:
            body = fake.analyze(q["text"], q["maxTokens"], q["topK"])
        except ValueError as e:
            body = {"error": str(e)}
        route.fulfill(status=200, content_type="application/json", body=json.dumps(body))

    page.route(f"**{fake.ROUTE}", engine)

    def open_page(path):
        page.goto(f"{site_server}/{path}")
        return page

    open_page.seen = seen
    yield open_page
    hosts = {urlparse(u).hostname for u in seen if not u.startswith(("data:", "blob:", "about:"))}
    assert hosts <= {"127.0.0.1"}, f"requests left 127.0.0.1: {sorted(hosts)}"
    assert not errors, errors
    assert not dialogs, f"a dialog opened: {dialogs}"


def start(page, root):
    w = page.locator(root).first
    w.scroll_into_view_if_needed()
    page.wait_for_selector(f"{root}[data-widget-state=ready]", timeout=30_000)
    return w


def run(page, w, text, agree=True):
    """Type text, press the button; agree to the download when offered; wait for the result."""
    w.locator('[data-sentence="input"]').fill(text)
    w.locator('[data-sentence="run"]').click()
    if agree:
        page.wait_for_function("(r) => ['offer', 'done', 'working'].includes(r.dataset.live)", arg=w.element_handle())
        if w.get_attribute("data-live") == "offer":
            assert OFFER_MB in w.locator('[data-sentence="offer"]').inner_text()
            w.locator('[data-sentence="agree"]').click()
        page.wait_for_function("(r) => r.dataset.live === 'done' || r.dataset.live === 'error'", arg=w.element_handle())
        assert w.get_attribute("data-live") == "done", w.locator('[data-sentence="note"]').inner_text()
    return w.locator('[data-sentence="note"]').inner_text()


def hash_of(page) -> dict:
    from urllib.parse import parse_qs

    return {k: v[0] for k, v in parse_qs(page.evaluate("location.hash.slice(1)")).items()}


# ------------------------------------------------------------------------------ without the model


def test_explorer_scripts_never_parse_text_as_html():
    import re

    from llmsite.figures import REPO

    for name in ["attention-explorer.js", "logit-lens.js", "live-pipeline.js", "widget-core.js"]:
        src = (REPO / "docs/assets/js" / name).read_text(encoding="utf-8")
        for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
            assert sink not in src, f"{name} uses {sink}"
        urls = [u for u in re.findall(r"""["'`]((?:https?:)?//[^"'`]*)""", src) if not u.startswith("http://www.w3.org/")]
        assert not urls, f"{name} names an absolute URL: {urls}"


def test_role_scores_in_js_equal_python(browser_page, site_server):
    """roleScores (attention-explorer.js) = role_scores (Python) on random causal maps, for a
    sentence typed twice (chapter 5's rule, head_scores), one with repeats, one without, and one
    too short; the best head per role is the same."""
    import torch

    from llmsite.figures.attention import head_scores
    from llmsite.figures.attention_explorer import role_scores

    page = browser_page
    page.goto(f"{site_server}/index.html")
    torch.manual_seed(0)
    L, H = 3, 4
    cases = [[5, 6, 7, 8, 5, 6, 7, 8], [1, 2, 3, 1, 4, 2, 3, 1, 9], [1, 2, 3, 4, 5], [7, 7]]
    for ids in cases:
        T = len(ids)
        maps = torch.rand(L, H, T, T).tril()
        maps = maps / maps.sum(-1, keepdim=True)
        want = role_scores(maps, ids)
        got = page.evaluate("""async ([att, ids, L, H]) => {
            const m = await import(new URL('assets/js/attention-explorer.js', location.href).href);
            const s = m.roleScores(new Float32Array(att), ids, L, H);
            return { s: Array.from(s, (x) => Number.isNaN(x) ? null : x), found: m.findHeads(s, L, H) };
        }""", [maps.flatten().tolist(), ids, L, H])
        flat = want.flatten().tolist()
        for g, w in zip(got["s"], flat):
            assert (g is None) == math.isnan(w)
            if g is not None:
                assert g == pytest.approx(w, abs=1e-6)
        for k, f in enumerate(got["found"]):
            col = want[..., k]
            if torch.isnan(col).all():
                assert f["layer"] is None
            else:
                best = int(torch.nan_to_num(col, nan=-1).flatten().argmax())
                assert (f["layer"], f["head"]) == divmod(best, H)
        if ids == cases[0]:  # a sentence twice: exactly chapter 5's rule
            assert torch.equal(want, head_scores(maps, 4))


def test_empty_sentence_says_so_and_downloads_nothing(live):
    page = live("06-transformer-block.html")
    w = start(page, '[data-widget="logit-lens"]')
    w.locator('[data-sentence="input"]').focus()  # with the keyboard only: Enter runs
    page.keyboard.type("   ")
    page.keyboard.press("Enter")
    note = w.locator('[data-sentence="note"]')
    assert "empty" in note.inner_text() and note.get_attribute("aria-live") == "polite"
    assert w.get_attribute("data-live") == "empty"
    assert not any("engine/client.js" in u or u.endswith(".gguf") for u in live.seen)


def test_declining_the_offer_downloads_nothing(live):
    page = live("index.html")
    w = start(page, '[data-widget="live-pipeline"]')
    run(page, w, "Hello there", agree=False)
    page.wait_for_selector('[data-sentence="offer"]:not([hidden])')
    assert OFFER_MB in w.locator('[data-sentence="offer"]').inner_text()
    assert page.evaluate("document.activeElement.dataset.sentence") == "agree"  # the offer has the focus
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # "Not now"
    assert "Nothing was downloaded" in w.locator('[data-sentence="note"]').inner_text()
    assert not any("engine/client.js" in u for u in live.seen)
    assert page.locator("#fig-01-pipeline").is_visible()  # the prerendered picture stays


# ------------------------------------------------------------------------------ with the model


@pytest.mark.model
def test_attention_explorer_on_my_sentence(live, model_ok):
    from llmsite.figures.attention_explorer import role_scores

    page = live("04-self-attention.html")
    w = start(page, '[data-widget="attention-explorer"]')
    assert not any("engine/client.js" in u for u in live.seen), "the engine loaded before the reader asked"
    run(page, w, SENTENCE)
    assert w.locator('select[data-ae="sentence"]').input_value() == "live"
    ids = fake.ids_of(SENTENCE)
    tokens = [fake._model()[1].decode([i]) for i in ids]
    maps = fake.attention(SENTENCE)
    # a number shown in the head view = llmsite.transformer's
    w.locator('select[data-ae="layer"]').select_option(index=13)  # by index: Playwright also matches "13" against labels, which count from 1
    w.locator('select[data-ae="head"]').select_option(index=8)
    it, cat = tokens.index(" it"), tokens.index(" cat")
    w.locator(f'.ae-col-q .ae-tok[data-i="{it}"]').focus()
    shown = float(w.locator(f'.ae-col-k .ae-tok[data-i="{cat}"] .ae-num').inner_text())
    assert shown == pytest.approx(float(maps[13, 8, it, cat]), abs=5e-4)
    assert w.locator(".ae-col-q .ae-tok").count() == len(ids)
    # the head finders, re-scored on this sentence with chapter 5's rules
    want = role_scores(maps, ids)
    got = page.evaluate("(r) => Array.from(r.explorer.scores, (x) => Number.isNaN(x) ? null : x)",
                        w.element_handle())
    for g, v in zip(got, want.flatten().tolist()):
        assert (g is None) == math.isnan(v) and (g is None or g == pytest.approx(v, abs=1e-5))
    for k, role in enumerate(["prev", "self", "induction", "sink"]):
        best = divmod(int(want[..., k].flatten().argmax()), 9)
        b = w.locator(f'[data-ae-role="{role}"]')
        assert (int(b.get_attribute("data-layer")), int(b.get_attribute("data-head"))) == best
    w.locator('[data-ae-role="induction"]').click()  # " cat sat" repeats: an induction head is found
    layer, head = divmod(int(want[..., 2].flatten().argmax()), 9)
    assert (w.locator('select[data-ae="layer"]').input_value(), w.locator('select[data-ae="head"]').input_value()) == (str(layer), str(head))
    assert hash_of(page) == {"text": SENTENCE, "layer": str(layer), "head": str(head), "view": "head"}
    # the grid of all 270 heads is drawn for this sentence
    w.locator('[data-ae-view="grid"]').click()
    assert w.locator(".ae-thumb canvas").first.get_attribute("width") == str(len(ids))


@pytest.mark.model
def test_url_state_round_trips(live, model_ok):
    text = "Two plus two is four"
    page = live(f"05-multi-head-attention.html#text={quote(text)}&layer=3&head=2&view=head")
    w = start(page, '[data-widget="attention-explorer"]')
    # a shared link never downloads by itself: it offers, with the sentence in the box
    page.wait_for_selector('[data-widget="attention-explorer"] [data-sentence="offer"]:not([hidden])')
    assert w.locator('[data-sentence="input"]').input_value() == text
    assert (w.locator('select[data-ae="layer"]').input_value(), w.locator('select[data-ae="head"]').input_value()) == ("3", "2")
    w.locator('[data-sentence="agree"]').click()
    page.wait_for_function("(r) => r.dataset.live === 'done'", arg=w.element_handle())
    assert w.locator('select[data-ae="sentence"]').input_value() == "live"
    assert (w.locator('select[data-ae="layer"]').input_value(), w.locator('select[data-ae="head"]').input_value()) == ("3", "2")
    w.locator('select[data-ae="head"]').select_option(index=5)
    url = page.url
    assert hash_of(page) == {"text": text, "layer": "3", "head": "5", "view": "head"}
    page.goto("about:blank")
    page.goto(url)
    w = start(page, '[data-widget="attention-explorer"]')
    page.wait_for_selector('[data-widget="attention-explorer"] [data-sentence="offer"]:not([hidden])')
    assert w.locator('select[data-ae="head"]').input_value() == "5"
    w.locator('[data-sentence="agree"]').click()
    page.wait_for_function("(r) => r.dataset.live === 'done'", arg=w.element_handle())
    assert w.locator('.ae-sentence').inner_text().startswith(f"“{text}”")


@pytest.mark.model
def test_logit_lens_long_input_is_capped(live, model_ok):
    page = live("06-transformer-block.html")
    w = start(page, '[data-widget="logit-lens"]')
    text = "one two three four five six seven eight nine ten " * 10
    note = run(page, w, text)
    assert "longer than 64 tokens" in note
    assert w.locator(".ll-table thead th").count() == 1 + 64
    lens = fake.analyze(text)["lens"]  # llmsite.transformer's logit lens of the first 64 tokens
    w.locator('.ll-cell[data-layer="30"][data-pos="63"]').focus()
    page.keyboard.press("ArrowDown")  # layer 29
    items = w.locator('[data-ll="panel"] li').all_inner_texts()
    assert items == [f"{show_token(c['token'])} {c['p']:.3f}" for c in lens[29][63]]
    assert hash_of(page)["layer"] == "29"


@pytest.mark.model
def test_hostile_text_stays_text_on_the_home_page(live, model_ok):
    evil = '<img src=x onerror=alert(1)><script>alert(2)</script>'
    page = live("index.html")
    assert page.locator("#start-here").get_attribute("href") == "01-big-picture.html"
    w = start(page, '[data-widget="live-pipeline"]')
    run(page, w, evil)
    assert w.locator(".lp-text").inner_text() == f"“{evil}”"
    assert page.locator('[data-widget="live-pipeline"] img, [data-widget="live-pipeline"] script').count() == 0
    assert not page.locator("#fig-01-pipeline").is_visible()  # the live pipeline takes its place
    ids = fake.ids_of(evil)
    assert w.locator(".lp-id").all_inner_texts() == [str(i) for i in ids]
    # the top guesses: the final distribution of llmsite.transformer, from all 49,152
    r = fake.analyze(evil)
    top = w.locator('[data-lp="top"] li').all_inner_texts()
    assert top[0].startswith(show_token(r["lens"][30][-1][0]["token"]))
    assert f"{100 * r['lens'][30][-1][0]['p']:.1f}%" in top[0]
    assert hash_of(page) == {"text": evil}


@pytest.mark.model
def test_recap_follows_a_token_up_the_blocks(live, model_ok):
    text = "The capital of France is"
    page = live(f"15-recap.html#text={quote(text)}&pos=3")
    w = start(page, '[data-widget="live-pipeline"]')
    page.wait_for_selector('[data-widget="live-pipeline"] [data-sentence="agree"]:visible').click()
    page.wait_for_function("(r) => r.dataset.live === 'done'", arg=w.element_handle())
    assert w.locator('.lp-chip[aria-pressed="true"]').inner_text().startswith("\u2423France")
    rows = w.locator('[data-lp="blocks"] tbody tr')
    assert rows.count() == 31
    r = fake.analyze(text)
    assert rows.nth(30).locator(".lp-guess").inner_text() == show_token(r["lens"][30][3][0]["token"])
    w.locator('.lp-chip[data-i="3"]').focus()
    page.keyboard.press("End")  # the last token: the loop's button appears
    assert hash_of(page) == {"text": text}
    w.locator('[data-lp="append"]').click()
    page.wait_for_function("(r) => r.dataset.live === 'done' && r.querySelectorAll('.lp-chip').length === 6",
                           arg=w.element_handle())
    assert w.locator('[data-sentence="input"]').input_value() == text + " Paris"


@pytest.mark.model
def test_stand_in_lens_equals_llmsite_logit_lens(model_ok):
    """The stand-in's lens is llmsite.transformer.logit_lens (so the pages are compared with it)."""
    import torch

    from llmsite.transformer import logit_lens

    text = "The capital of France is"
    r = fake.analyze(text)
    with torch.no_grad():
        lens = logit_lens(torch.tensor(fake.ids_of(text)), fake._model()[0], top=5)
    assert [[[c["id"] for c in cell] for cell in row] for row in r["lens"]] == lens.ids.tolist()
    got = torch.tensor([[[c["p"] for c in cell] for cell in row] for row in r["lens"]])
    assert float((got - lens.probs).abs().max()) < 1e-5


# ------------------------------------------------------------------------------ the real engine


@pytest.fixture(scope="module")
def engine_site(with_runtime):
    """The served site with the playground's shards and the engine's own files; skips (saying
    why) when the engine is not in this checkout or its files cannot be built."""
    from llmsite.figures import REPO

    if not (REPO / "docs/assets/js/engine/client.js").exists():
        pytest.skip("docs/assets/js/engine/client.js is missing: the engine (issue 21) is not in this checkout")
    try:
        from llmsite.site import engine
    except ImportError:
        try:
            from llmsite import engine  # (the engine branch before the three wings)
        except ImportError:
            pytest.skip("llmsite.site.engine (the engine's build step) is not in this checkout")
    from llmsite.site import playground

    with_runtime("playground", playground.build_runtime, (playground.PlaygroundUnavailable,), "playground")
    return with_runtime("engine", engine.build, (engine.EngineUnavailable,), "engine")


@pytest.mark.model
def test_real_engine_on_the_home_page(browser_page, engine_site, model_ok):
    """The home page with the real in-browser engine: the offer shows the manifest's size, the
    pipeline is drawn for the sentence, and the numbers the page was given equal CPython's."""
    page = browser_page
    seen = []
    page.on("request", lambda r: seen.append(r.url))
    page.goto(f"{engine_site}/index.html")
    w = start(page, '[data-widget="live-pipeline"]')
    text = "The capital of France is"
    w.locator('[data-sentence="input"]').fill(text)
    w.locator('[data-sentence="run"]').click()
    page.wait_for_selector('[data-widget="live-pipeline"] [data-sentence="agree"]:visible')
    man = json.loads(page.evaluate("fetch('assets/playground/manifest.json').then((r) => r.text())"))
    mb = f"{sum(man['sizes'][n] for n in man['shards']) / 1e6:.1f} MB"
    assert mb in w.locator('[data-sentence="offer"]').inner_text()
    w.locator('[data-sentence="agree"]').click()
    page.wait_for_function("(r) => r.dataset.live === 'done' || r.dataset.live === 'error'", arg=w.element_handle(),
                           timeout=240_000)
    assert w.get_attribute("data-live") == "done", w.locator('[data-sentence="note"]').inner_text()
    want = fake.analyze(text)
    assert w.locator(".lp-id").all_inner_texts() == [str(i) for i in want["ids"]]
    got = page.evaluate("""(root) => { const r = root.pipeline.r, n = r.n;
        return { p: Array.from(r.probs.subarray(0, 49152)), a: Array.from(r.attention.subarray(0, 9 * n * n)),
                 norm: Array.from(r.residualNorm) }; }""", w.element_handle())
    import torch

    probs = torch.tensor(got["p"])
    ref = torch.frombuffer(bytearray(base64.b64decode(want["probs"])), dtype=torch.float32)
    assert float((probs - ref).abs().max()) < 1e-4
    att = torch.frombuffer(bytearray(base64.b64decode(want["attention"])), dtype=torch.float32)
    assert float((torch.tensor(got["a"]) - att[: len(got["a"])]).abs().max()) < 1e-4
    norm = torch.frombuffer(bytearray(base64.b64decode(want["residualNorm"])), dtype=torch.float32)
    assert torch.allclose(torch.tensor(got["norm"]), norm, rtol=1e-4, atol=1e-4)  # the RMS, as the stand-in's
    # chapter 4 from a shared link: the model is in the browser's cache now, so it runs at once;
    # the head finders on the engine's maps = role_scores on CPython's
    from llmsite.figures.attention_explorer import role_scores

    page.goto(f"{engine_site}/04-self-attention.html#text={quote(text)}&layer=2&head=4")
    w = start(page, '[data-widget="attention-explorer"]')
    page.wait_for_function("(r) => r.dataset.live === 'done'", arg=w.element_handle(), timeout=240_000)
    want = role_scores(fake.attention(text), fake.ids_of(text))
    got = page.evaluate("(r) => Array.from(r.explorer.scores, (x) => Number.isNaN(x) ? null : x)", w.element_handle())
    for g, v in zip(got, want.flatten().tolist()):
        assert (g is None) == math.isnan(v) and (g is None or abs(g - v) < 1e-4)
    assert (w.locator('select[data-ae="layer"]').input_value(), w.locator('select[data-ae="head"]').input_value()) == ("2", "4")
    hosts = {urlparse(u).hostname for u in seen if not u.startswith(("data:", "blob:", "about:"))}
    assert hosts <= {"127.0.0.1"}


@pytest.mark.model
def test_shared_link_runs_at_once_when_the_model_is_cached(live, model_ok):
    """With the shards already in the playground's Cache Storage there is nothing to download:
    a shared link runs without asking."""
    page = live("index.html")
    page.evaluate("""async (shards) => { const c = await caches.open('llmsite-playground-v1');
        for (const n of shards) await c.put(new URL(`assets/playground/${n}?v=${'0'.repeat(16)}`, location.href).href,
                                            new Response('x')); }""", list(SHARDS))
    text = "Hello, world"
    page.goto(page.url.split("#")[0] + f"#text={quote(text)}")
    page.reload()
    w = start(page, '[data-widget="live-pipeline"]')
    page.wait_for_function("(r) => r.dataset.live === 'done'", arg=w.element_handle())
    assert w.locator('[data-sentence="offer"]').is_hidden()
    assert w.locator(".lp-id").all_inner_texts() == [str(i) for i in fake.ids_of(text)]


def test_an_engine_that_cannot_start_says_why(live):
    page = live("index.html")
    failing = ('export function createEngine() { const ready = Promise.reject(new Error("a phone-sized memory"));'
               ' ready.catch(() => {}); return { ready, analyze: () => Promise.reject(new Error("no")) }; }')
    page.route("**/assets/js/engine/client.js",
               lambda route: route.fulfill(status=200, content_type="text/javascript", body=failing))
    w = start(page, '[data-widget="live-pipeline"]')
    run(page, w, "Hello", agree=False)
    w.locator('[data-sentence="agree"]').click()
    page.wait_for_function("(r) => r.dataset.live === 'error'", arg=w.element_handle())
    note = w.locator('[data-sentence="note"]').inner_text()
    assert note == "The model cannot run in this browser: a phone-sized memory. The examples stay as they are."
    assert page.locator("#fig-01-pipeline").is_visible()
