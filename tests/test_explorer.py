"""The data explorers in Chromium (issue 11): what the reader sees equals the stored data
(which tests/test_explorer_data.py holds to llmsite.transformer), the keyboard reaches every
control, data loads only when needed, and nothing is requested off 127.0.0.1.

Run with ``pytest tests/test_explorer.py -m browser``; the model-marked test also compares the
shown number with ``llmsite.transformer.attention_maps`` directly.
"""

from __future__ import annotations

import base64
import json
from urllib.parse import urlparse

import pytest

from llmsite import figures
from llmsite.figures.attention_explorer import DATA, SCALE, unpack

pytestmark = pytest.mark.browser
ROOT = '[data-widget="attention-explorer"]'


@pytest.fixture(scope="module")
def data():
    d = json.loads((figures.REPO / DATA).read_text(encoding="utf-8"))
    for s in d["sentences"]:
        s["u"] = unpack(base64.b64decode(s["weights"]), d["layers"], d["heads"], len(s["tokens"]))
    return d


@pytest.fixture
def session(browser_page, site_server):
    page = browser_page
    seen = []
    page.on("request", lambda r: seen.append(r.url))
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))

    def open_page(name):
        page.goto(f"{site_server}/{name}")
        return page

    yield open_page, seen, errors
    hosts = {urlparse(u).hostname for u in seen if not u.startswith(("data:", "blob:", "about:"))}
    assert hosts <= {"127.0.0.1"}, f"requests left 127.0.0.1: {sorted(hosts)}"
    assert not errors, errors


def start(page, root=ROOT):
    w = page.locator(root).first
    if w.get_attribute("data-widget-state") == "idle":
        try:  # scrolling to the button may already have started it (near the viewport) and removed it
            w.locator("[data-widget-load]").click(timeout=5_000)
        except Exception:
            assert w.get_attribute("data-widget-state") != "idle"
    page.wait_for_selector(f"{root}[data-widget-state=ready]", timeout=30_000)
    return w


def choose(w, sentence, layer, head):
    """Indices from 0, as in the data; the menus show blocks 1-30 and heads 1-9, so select by index
    (Playwright matches a string against values and labels alike: "13" would pick label 13)."""
    w.locator('select[data-ae="sentence"]').select_option(sentence)
    w.locator('select[data-ae="layer"]').select_option(index=layer)
    w.locator('select[data-ae="head"]').select_option(index=head)
    assert w.locator('select[data-ae="layer"]').input_value() == str(layer)
    assert w.locator('select[data-ae="layer"] option:checked').inner_text() == str(layer + 1)
    assert w.locator('select[data-ae="head"] option:checked').inner_text() == str(head + 1)


def shown_weight(w, side_from, i, j):
    """Focus token i on one side; read the number shown on token j of the other side."""
    w.locator(f'.ae-col-{side_from} .ae-tok[data-i="{i}"]').focus()
    other = "k" if side_from == "q" else "q"
    return float(w.locator(f'.ae-col-{other} .ae-tok[data-i="{j}"] .ae-num').inner_text())


def test_data_loads_lazily_and_numbers_equal_the_stored_data(session, data):
    open_page, seen, _ = session
    page = open_page("04-self-attention.html")
    page.wait_for_timeout(500)
    assert not any(u.endswith("/attention.json") for u in seen), "data fetched before the reader got near it"
    w = start(page)
    assert sum(u.endswith("/attention.json") for u in seen) == 1
    s = next(x for x in data["sentences"] if x["id"] == "tired")
    it, animal = s["tokens"].index(" it"), s["tokens"].index(" animal")
    choose(w, "tired", 13, 8)
    got = shown_weight(w, "q", it, animal)
    assert got == pytest.approx(int(s["u"][13, 8, it, animal]) / SCALE, abs=5e-4)
    assert got > 0.7  # the head chapter 4 talks about
    # masked: after " it" nothing is shown, and the token says so
    later = w.locator(f'.ae-col-k .ae-tok[data-i="{it + 1}"]')
    assert "ae-masked" in later.get_attribute("class") and later.locator(".ae-num").inner_text() == ""
    # the reverse: who looks at " animal"; a different sentence, layer and head
    s = next(x for x in data["sentences"] if x["id"] == "bank-grass")
    choose(w, "bank-grass", 4, 2)
    bank = s["tokens"].index(" bank")
    for q in (bank, len(s["tokens"]) - 1):
        assert shown_weight(w, "k", 1, q) == pytest.approx(int(s["u"][4, 2, q, 1]) / SCALE, abs=5e-4)
    # average over heads: the mean of the nine stored heads
    w.locator('select[data-ae="head"]').select_option("avg")
    mean = float(s["u"][4, :, bank, 1].double().mean()) / SCALE
    assert shown_weight(w, "q", bank, 1) == pytest.approx(mean, abs=5e-4)


def test_heatmap_cursor_and_head_buttons(session, data):
    open_page, _, _ = session
    page = open_page("04-self-attention.html")
    w = start(page)
    w.locator('[data-ae-role="induction"]').click()  # one click: sentence, layer and head
    ind = next(f for f in data["found"] if f["role"] == "induction")
    assert w.locator('select[data-ae="sentence"]').input_value() == "repeat"
    assert w.locator('select[data-ae="layer"]').input_value() == str(ind["layer"])
    assert w.locator('select[data-ae="head"]').input_value() == str(ind["head"])
    heat = w.locator('[data-ae="heatmap"]')
    heat.focus()
    for key in ["ArrowDown"] * 20 + ["ArrowRight"] * 7:  # cell (20, 7)
        page.keyboard.press(key)
    text = w.locator('[data-ae="readout"]').inner_text()
    s = next(x for x in data["sentences"] if x["id"] == "repeat")
    assert text.endswith(f"{int(s['u'][ind['layer'], ind['head'], 20, 7]) / SCALE:.3f}")
    for _ in range(14):
        page.keyboard.press("ArrowRight")  # (20, 21): the future
    assert "masked" in w.locator('[data-ae="readout"]').inner_text()
    # the table of numbers for the selected head
    w.locator('[data-ae="table"] summary').click()
    cell = w.locator("table.ae-numbers tbody tr").nth(20).locator("td").nth(7).inner_text()
    assert cell == f"{int(s['u'][ind['layer'], ind['head'], 20, 7]) / SCALE:.3f}"


def test_keyboard_reaches_every_control_and_arrows_move(session):
    open_page, _, _ = session
    page = open_page("04-self-attention.html")
    w = start(page)
    w.locator('select[data-ae="sentence"]').focus()
    reached = []
    for _ in range(40):
        reached.append(page.evaluate("""() => { const a = document.activeElement;
            return a.dataset.ae || a.dataset.aeView || a.dataset.aeRole || (a.dataset.side ? 'tok-' + a.dataset.side : a.tagName); }"""))
        page.keyboard.press("Tab")
    for want in ["sentence", "layer", "head", "grid", "prev", "self", "induction", "sink", "it",
                 "tok-q", "tok-k", "heatmap"]:
        assert want in reached, f"Tab never reached {want}: {reached}"
    # arrows in the token list
    w.locator('.ae-col-q .ae-tok[data-i="3"]').focus()
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.dataset.i") == "4"
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.dataset.side") == "k"
    # the 270-head grid: arrows, then Enter opens the head
    w.locator('[data-ae-view="grid"]').click()
    assert w.locator(".ae-thumb").count() == 270
    w.locator('.ae-thumb[data-layer="2"][data-head="3"]').focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowRight")
    assert page.evaluate("[document.activeElement.dataset.layer, document.activeElement.dataset.head]") == ["3", "4"]
    page.keyboard.press("Enter")
    assert w.locator('select[data-ae="layer"]').input_value() == "3"
    assert w.locator('select[data-ae="head"]').input_value() == "4"
    assert w.locator('[data-ae="headview"]').is_visible()
    # Enter replaced the grid: the keyboard stays in the explorer, on the opened head's heatmap
    assert page.evaluate("document.activeElement.dataset.ae") == "heatmap"


@pytest.mark.model
def test_shown_number_equals_llmsite_transformer(session, data):
    import torch

    from llmsite.figures.attention_explorer import sentence_ids
    from llmsite.model import ModelUnavailable, load
    from llmsite.transformer import attention_maps, from_hf

    try:
        model, tok = load(device="cpu", dtype="float32")
    except ModelUnavailable as e:
        pytest.skip(str(e))
    ids = sentence_ids(tok, "wide-first")
    with torch.no_grad():
        maps = attention_maps(torch.tensor(ids), from_hf(model))
    tokens = [tok.decode([i]) for i in ids]
    it, wide = tokens.index(" it"), tokens.index(" wide")
    open_page, _, _ = session
    page = open_page("04-self-attention.html")
    w = start(page)
    choose(w, "wide-first", 9, 2)
    assert shown_weight(w, "q", it, wide) == pytest.approx(float(maps[9, 2, it, wide]), abs=1 / SCALE + 5e-4)


def test_logit_lens_panel_shows_the_stored_top_five(session):
    from llmsite.figures.logit_lens import DATA as LENS

    d = json.loads((figures.REPO / LENS).read_text(encoding="utf-8"))
    open_page, seen, _ = session
    page = open_page("06-transformer-block.html")
    root = '[data-widget="logit-lens"]'
    # without JavaScript's help the prerendered strip already names each cell's top token
    first = page.locator(f'{root} .ll-cell[data-layer="30"][data-pos="4"] .ll-tok').inner_text()
    assert first == "\u2423Paris"
    w = start(page, root)
    w.locator('select[data-ll="prompt"]').select_option("1")
    p = d["prompts"][1]
    T = len(p["tokens"])
    w.locator(f'.ll-cell[data-layer="30"][data-pos="{T - 1}"]').focus()
    page.keyboard.press("ArrowDown")  # layer 29
    page.keyboard.press("ArrowLeft")  # one position earlier
    items = w.locator('[data-ll="panel"] li').all_inner_texts()
    want = [f"{d['vocab'][i].replace(' ', chr(0x2423))} {q:.3f}" for i, q in p["lens"][29][T - 2]]
    assert items == want
    assert page.evaluate("document.activeElement.dataset.layer") == "29"


def test_embedding_map_lists_the_stored_neighbours(session):
    from llmsite.figures.embedding_map import DATA as MAP

    d = json.loads((figures.REPO / MAP).read_text(encoding="utf-8"))
    open_page, _, _ = session
    page = open_page("03-embeddings.html")
    root = '[data-widget="embedding-map"]'
    page.locator(root).scroll_into_view_if_needed()  # near the viewport: the data loads by itself
    page.wait_for_selector(f"{root}[data-widget-state=ready]", timeout=30_000)
    w = page.locator(root)
    k = next(i for i, p in enumerate(d["points"]) if p["token"] == " Paris")
    w.locator(f'.em-pt[data-k="{k}"]').focus()
    want = [f"{t.replace(' ', chr(0x2423))} {v:.3f}" for t, v in d["points"][k]["neighbours"]]
    assert w.locator('[data-em="panel"] li').all_inner_texts() == want
    assert w.locator(".em-link").count() == sum(t in {p["token"] for p in d["points"]} for t, _ in d["points"][k]["neighbours"])
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.dataset.k") == str(k + 1)
    assert w.locator('[data-em="panel"] strong').inner_text() == d["points"][k + 1]["token"].replace(" ", "\u2423")
