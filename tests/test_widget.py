"""The tokenizer widget of chapter 2 (DESIGN §5): Pyodide runs ``llmsite/tokenizer.py`` in the
reader's browser, from the site's own files.

The browser tests (``-m browser``) load the built site from 127.0.0.1 in Debian's Chromium,
type into the widget and check its token ids against CPython's ``llmsite.tokenizer`` for the
same text. They boot Pyodide once (a fresh browser context, so a cold cache) and measure it:
``pytest tests/test_widget.py -m browser -s`` prints the boot and first-result times, which
also go into the test report (``record_property``). The other tests need no browser.
"""

from __future__ import annotations

import gzip
import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from llmsite.site import tokenview, widgets

REPO = Path(__file__).resolve().parent.parent
JS = REPO / "docs" / "assets" / "js"
PAGE = "02-tokens.html"
BOOT_TIMEOUT_MS = 180_000  # a cold Pyodide boot takes 20-60 s on 2 busy cores

PARITY_TEXTS = [
    "I'm learning about tokenization",
    "Hello, world! It's 2025; π ≈ 3.14159 and 1,000,000 > 999,999.",
    "Emoji: 🦜 👩‍👩‍👧 🇫🇷 ❤️ and a thumbs up 👍🏽",
    "日本語のテキスト、中文文本和한국어 텍스트",
    "Ωμέγα, Привет, مرحبا, नमस्ते, ١٢٣ and ５ and ½",
    "tabs\tand  spaces   and\n\nnew lines \n  indented",  # (a text box turns \r\n into \n)
    "<|im_start|>user\nHi!<|im_end|>",
    "def f(x):\n    return x ** 2  # square",
]


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def tok():
    from llmsite.model import ModelUnavailable
    from llmsite.tokenizer import load_model_tokenizer

    try:
        return load_model_tokenizer()
    except ModelUnavailable as e:
        pytest.skip(str(e))


@dataclass
class Session:
    page: object
    base: str
    requests: list = field(default_factory=list)
    dialogs: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    boot_s: float = 0.0
    first_result_s: float = 0.0
    widget_boot_ms: int = 0
    widget_first_result_ms: int = 0


def _watch(page, s: Session) -> None:
    page.on("request", lambda r: s.requests.append(r.url))
    page.on("dialog", lambda d: (s.dialogs.append(d.message), d.dismiss()))
    page.on("pageerror", lambda e: s.errors.append(str(e)))


@pytest.fixture(scope="module")
def widget_site(with_runtime) -> str:
    """The served site, with the tokenizer widget's runtime files (conftest.with_runtime)."""
    return with_runtime("widget", widgets.build_runtime, (widgets.WidgetUnavailable,), "widget")


@pytest.fixture(scope="module")
def session(browser, widget_site):
    """One page of chapter 2 with the widget booted, in a fresh context (cold cache)."""
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.set_default_timeout(BOOT_TIMEOUT_MS)
    s = Session(page, widget_site)
    _watch(page, s)
    page.goto(f"{widget_site}/{PAGE}")
    widget = page.locator(".tokenizer-widget")
    assert widget.get_attribute("data-state") == "idle", "the widget must not load Python before it is used"
    page.locator(".tw-input").focus()  # focusing the box downloads nothing: only the button does
    page.wait_for_timeout(200)
    assert widget.get_attribute("data-state") == "idle"
    assert not [u for u in s.requests if "pyodide" in u]
    t0 = time.monotonic()
    page.locator(".tw-load").click()
    page.wait_for_selector('.tokenizer-widget[data-state="ready"]')
    s.boot_s = time.monotonic() - t0
    page.locator(".tw-input").fill("I'm learning about tokenization")
    page.wait_for_function("document.querySelector('.tokenizer-widget').dataset.firstResultMs !== undefined")
    s.first_result_s = time.monotonic() - t0
    s.widget_boot_ms = int(widget.get_attribute("data-boot-ms"))
    s.widget_first_result_ms = int(widget.get_attribute("data-first-result-ms"))
    yield s
    context.close()


def _lone(text: str) -> bool:
    return any(0xD800 <= ord(c) <= 0xDFFF for c in text)


def type_and_read(page, text: str, *, set_value: bool = False) -> dict:
    """Put ``text`` in the box (typed with ``fill``, or set like a paste), wait for its
    tokens and read them back."""
    if set_value:
        # a str with lone surrogates cannot cross to the browser as it is: send UTF-16 units
        units = list(memoryview(text.encode("utf-16-le", "surrogatepass")).cast("H")) if _lone(text) else None
        page.evaluate("""([t, units]) => {
            if (units) { t = ''; for (const u of units) t += String.fromCharCode(u); }
            const box = document.querySelector('.tw-input');
            box.value = t;
            box.dispatchEvent(new InputEvent('input', {inputType: 'insertFromPaste', bubbles: true}));
        }""", [None if units else text, units])
    else:
        page.locator(".tw-input").fill(text)
    page.wait_for_function("""() => {
        const w = document.querySelector('.tokenizer-widget');
        return w.dataset.state === 'ready' && w.dataset.busy === 'false';
    }""")
    return page.evaluate("""() => {
        const w = document.querySelector('.tokenizer-widget');
        const chips = [...w.querySelectorAll('.tw-tokens .tw-tok')];
        return {
            ids: w.querySelector('.tw-ids code').textContent.split(' ').filter(Boolean).map(Number),
            chip_ids: chips.map((c) => Number(c.dataset.id)),
            labels: chips.map((c) => c.textContent),
            stats: w.querySelector('.tw-stats').textContent,
            value: w.querySelector('.tw-input').value,
            limit: w.querySelector('.tw-limit').hidden ? '' : w.querySelector('.tw-limit').textContent,
            more: w.querySelector('.tw-more').hidden ? '' : w.querySelector('.tw-more').textContent,
        };
    }""")


# --------------------------------------------------------------------------- without a browser


def test_token_labels_show_whitespace_and_partial_bytes():
    assert tokenview.label_runs(b" hello") == [["w", "␣"], ["t", "hello"]]
    assert tokenview.label_runs(b"\n\t\r") == [["w", "↵→␍"]]
    assert tokenview.label_runs(b" \xf0\x9f") == [["w", "␣"], ["b", "F0 9F"]]
    assert tokenview.label_runs(b"\x00<b>") == [["w", "␀"], ["t", "<b>"]]
    assert tokenview.label_runs("\u00a0\u3000".encode()) == [["w", "␣␣"]]


@pytest.mark.model
def test_prerendered_result_is_fresh(tok):
    """The committed fragment is what the widget builder makes now (like the figures)."""
    assert not widgets.prerendered_stale(tok), "run `python -m llmsite widget` and commit " \
        "docs/assets/widget/prerendered.html"


@pytest.mark.model
def test_compact_tokenizer_json_is_the_same_tokenizer(tok):
    from llmsite.model import ensure_model
    from llmsite.tokenizer import Tokenizer

    data = (ensure_model() / "tokenizer.json").read_bytes()
    compact = widgets.compact_tokenizer_json(data)
    assert len(gzip.compress(compact)) < len(data) / 4
    small = Tokenizer.from_json_text(compact.decode("utf-8"))
    for text in [*PARITY_TEXTS, widgets.DEFAULT_TEXT]:
        assert small.encode_with_offsets(text) == tok.encode_with_offsets(text)


def test_page_loads_the_widget_with_relative_urls_only():
    md = (REPO / "docs" / "02-tokens.md").read_text(encoding="utf-8")
    assert '<div class="llm-widget tokenizer-widget" data-widget="tokenizer">' in md
    assert '<script type="module" src="assets/js/tokenizer-widget.js"></script>' in md
    assert '--8<-- "docs/assets/widget/prerendered.html"' in md
    others = [p.name for p in (REPO / "docs").glob("*.md") if p.name != "02-tokens.md"
              and "tokenizer-widget.js" in p.read_text(encoding="utf-8")]
    assert not others, f"only pages with a widget load its script: {others}"


def test_widget_scripts_never_parse_text_as_html():
    for path in [*JS.glob("tokenizer-*"), *JS.glob("widget-core.js"), *JS.glob("playground-*")]:
        src = path.read_text(encoding="utf-8")
        for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
            assert sink not in src, f"{path.name} uses {sink}"
        assert not re.search(r"""["'`](https?:)?//""", src), f"{path.name} names an absolute URL"


# --------------------------------------------------------------------------- in the browser


@pytest.mark.browser
@pytest.mark.slow
def test_boot_and_first_result_times(session, record_property):
    s = session
    record_property("widget_boot_s", round(s.boot_s, 2))
    record_property("widget_first_result_s", round(s.first_result_s, 2))
    record_property("widget_boot_ms_in_page", s.widget_boot_ms)
    record_property("widget_first_result_ms_in_page", s.widget_first_result_ms)
    print(f"\ntokenizer widget, cold cache: Python + tokenizer ready {s.boot_s:.1f} s after the button "
          f"(page: {s.widget_boot_ms / 1000:.1f} s), first result {s.first_result_s:.1f} s "
          f"(page: {s.widget_first_result_ms / 1000:.1f} s)")
    assert 0 < s.widget_boot_ms <= s.widget_first_result_ms


@pytest.mark.browser
@pytest.mark.slow
def test_prerendered_result_matches_the_live_tokenizer(session, tok):
    got = type_and_read(session.page, widgets.DEFAULT_TEXT)
    assert got["ids"] == got["chip_ids"] == tok.encode(widgets.DEFAULT_TEXT)
    prerendered = re.search(r"<code>([\d ]+)</code>", widgets.PRERENDERED.read_text()).group(1)
    assert got["ids"] == [int(i) for i in prerendered.split()]


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("text", PARITY_TEXTS, ids=range(len(PARITY_TEXTS)))
def test_browser_ids_equal_cpython_ids(session, tok, text):
    got = type_and_read(session.page, text)
    want = tok.encode(text)
    assert got["value"] == text
    assert got["ids"] == got["chip_ids"] == want
    n = len(want)
    assert got["stats"].startswith(f"{n:,} token{'' if n == 1 else 's'} · {len(text):,} character")


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("text", [
    "<script>alert('xss')</script>",
    '<img src="x-img-probe" onerror="alert(1)">',
    '"><svg onload=alert(1)><a href="javascript:alert(1)">x</a>',
    "&lt;b&gt; &amp; &#60;i&#62;",
])
def test_hostile_input_is_shown_as_text(session, tok, text):
    page = session.page
    got = type_and_read(page, text)
    assert got["ids"] == tok.encode(text)
    shown = "".join(got["labels"]).replace("␣", " ")
    assert shown == text  # every character came back as text, markup included
    injected = page.locator(".tokenizer-widget script, .tokenizer-widget img, .tokenizer-widget svg, "
                            ".tokenizer-widget .tw-tokens a, .tokenizer-widget .tw-tokens b")
    assert injected.count() == 0
    page.wait_for_timeout(200)
    assert not session.dialogs, session.dialogs
    assert not [u for u in session.requests if "x-img-probe" in u]


@pytest.mark.browser
@pytest.mark.slow
def test_empty_input_and_lone_surrogates(session, tok):
    page = session.page
    got = type_and_read(page, "")
    assert got["ids"] == [] and got["stats"].startswith("0 tokens · 0 characters")
    got = type_and_read(page, "a\ud800b \udfff!", set_value=True)
    assert "lone surrogate" in got["limit"]
    assert got["ids"] == tok.encode("a\ufffdb \ufffd!")
    got = type_and_read(page, "fine again 🦜")
    assert got["limit"] == "" and got["ids"] == tok.encode("fine again 🦜")


@pytest.mark.browser
@pytest.mark.slow
def test_a_one_megabyte_paste_is_capped_and_the_page_stays_responsive(session, tok, record_property):
    page = session.page
    big = ("The quick brown fox 🦊 jumps over 13 lazy dogs; 東京 is far. " * 20_000)[:1_000_000]
    t0 = time.monotonic()
    got = type_and_read(page, big, set_value=True)
    took = time.monotonic() - t0
    kept = got["value"]
    assert kept == big[: widgets.MAX_CHARS]  # code points: an emoji is kept whole
    assert "20,000" in got["limit"] and "1,000,000" in got["limit"]
    assert got["ids"] == tok.encode(kept)
    t1 = time.monotonic()
    page.evaluate("() => 1 + 1")
    page.locator(".tw-input").press("End")
    page.keyboard.type("!")
    assert time.monotonic() - t1 < 10, "the page should answer at once after the paste"
    record_property("widget_20000_chars_s", round(took, 2))
    print(f"\n1 MB paste: capped and tokenized ({len(got['ids']):,} tokens) in {took:.1f} s")
    type_and_read(page, "short again")


@pytest.mark.browser
@pytest.mark.slow
def test_tokens_can_be_read_with_the_keyboard(session):
    page = session.page
    type_and_read(page, "one two three")
    page.locator(".tw-tok").first.focus()
    page.keyboard.press("ArrowRight")
    focused = page.evaluate("() => document.activeElement.dataset.id")
    assert focused == page.locator(".tw-tok").nth(1).get_attribute("data-id")
    assert f"id {focused}" in page.locator(".tw-detail").inner_text()
    page.keyboard.press("End")
    assert page.evaluate("() => document.activeElement.textContent") == "␣three"


@pytest.mark.browser
@pytest.mark.slow
def test_the_detail_line_clears_when_its_token_is_gone(session):
    page = session.page
    type_and_read(page, "one two three four")
    page.locator(".tw-tok").nth(3).hover()
    assert "Token 4 of 4" in page.locator(".tw-detail").inner_text()
    type_and_read(page, "one two three four five")  # token 4 is still " four": the line stays on it
    assert "Token 4 of 5" in page.locator(".tw-detail").inner_text()
    page.mouse.move(0, 0)
    type_and_read(page, "one")  # no token 4 any more
    assert page.locator(".tw-detail").inner_text().startswith("Hover over a token")


@pytest.mark.browser
@pytest.mark.slow
def test_while_busy_the_old_tokens_are_dimmed_and_it_says_working(session):
    page = session.page
    type_and_read(page, "before")
    # in one turn of the page's event loop: the worker cannot have answered yet
    busy = page.evaluate("""() => {
        const box = document.querySelector('.tw-input');
        box.value = 'after the edit';
        box.dispatchEvent(new InputEvent('input', {bubbles: true}));
        const w = document.querySelector('.tokenizer-widget');
        return {busy: w.dataset.busy, stale: w.querySelector('.tw-result').classList.contains('tw-stale'),
                ariaBusy: w.querySelector('.tw-result').getAttribute('aria-busy'),
                working: w.querySelector('.tw-elapsed').textContent};
    }""")
    assert busy == {"busy": "true", "stale": True, "ariaBusy": "true", "working": "working…"}, busy
    type_and_read(page, "after the edit")
    assert page.locator(".tw-elapsed").inner_text() == ""
    assert "tw-stale" not in page.locator(".tw-result").get_attribute("class")


@pytest.mark.browser
@pytest.mark.slow
def test_text_round_trips_through_the_url_fragment(session, tok):
    page = session.page
    text = "Share me: 50% off <b>now</b> & 日本 🦜\nline two"
    type_and_read(page, text)
    page.wait_for_function("(t) => location.hash === '#text=' + encodeURIComponent(t)", arg=text)
    url = page.url
    assert "#text=" in url
    other = page.context.new_page()
    other.set_default_timeout(BOOT_TIMEOUT_MS)
    _watch(other, session)
    other.goto(url)  # a shared link fills the box; the tokenizer waits for the reader's button
    assert other.locator(".tw-input").input_value() == text
    assert other.locator(".tokenizer-widget").get_attribute("data-state") == "idle"
    other.locator(".tw-load").click()
    got = type_and_read(other, text)
    assert got["value"] == text and got["ids"] == tok.encode(text)
    other.close()


@pytest.mark.browser
def test_without_widget_files_the_page_says_so_and_keeps_the_prerendered_result(widget_site, browser_page):
    page = browser_page
    page.route("**/assets/widget/manifest.json", lambda route: route.fulfill(status=404, body="not here"))
    page.goto(f"{widget_site}/{PAGE}")
    before = page.locator(".tw-ids code").inner_text()
    page.locator(".tw-load").click()
    page.wait_for_selector('.tokenizer-widget[data-state="unavailable"]', timeout=60_000)
    assert "not part of this build" in page.locator(".tw-status").inner_text()
    assert page.locator(".tw-ids code").inner_text() == before


@pytest.mark.browser
@pytest.mark.slow
def test_the_widget_requested_nothing_outside_localhost(session):
    """Last in this file: every request any test above made came from 127.0.0.1."""
    assert any("pyodide.asm.wasm" in u for u in session.requests)
    outside = [u for u in session.requests if not re.match(r"^(http://127\.0\.0\.1:\d+/|data:|blob:|about:)", u)]
    assert not outside, outside
    assert not session.errors, session.errors
