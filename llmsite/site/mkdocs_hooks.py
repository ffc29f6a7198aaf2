"""MkDocs hooks (``hooks:`` in mkdocs.yml): keep every built page self-contained.

mkdocs-jupyter writes two things into notebook pages that point outside the site: a module
script that would import mermaid from a CDN if the notebook had a diagram (ours has none), and
an empty ``<script src="">`` left where MathJax would go. Both are removed, so the offline tests
can hold every page to "loads nothing from outside".
"""

from __future__ import annotations

import math
import re
from html import escape
from html.parser import HTMLParser

_CDN_MODULE = re.compile(r'<script type="module">(?:(?!</script>).)*?https://cdnjs\.cloudflare\.com/(?:(?!</script>).)*</script>',
                         re.S)
_EMPTY_SCRIPT = re.compile(r'<script src="">\s*</script>')


_OUTPUT_BLOCK = '<div class="highlight"><span class="filename">Output</span>'


def mark_outputs(html: str) -> str:
    """Give recorded outputs (code blocks titled "Output") the class ``llm-output``, so the site's
    CSS wraps their long lines instead of hiding key results behind a sideways scroll."""
    return html.replace(_OUTPUT_BLOCK, '<div class="highlight llm-output"><span class="filename">Output</span>')


_QUIZ_START = re.compile(r'<div class="quiz-intro"|<div class="quiz"')
# notebook pages: the "In [8]:" prompts, the copy button's "Copied!" and the hidden second copy
# of each cell's code (for the clipboard); the highlighted code itself stays searchable
_NOTEBOOK_NOISE = re.compile(r'<(div class="jp-InputPrompt jp-InputArea-prompt"|div class="jp-OutputPrompt jp-OutputArea-prompt"'
                             r'|div class="clipboard-copy-txt"|clipboard-copy)')


def exclude_from_search(html: str) -> str:
    """Keep quizzes ("QuizQuiz Complete!", every answer) and notebook noise out of the search index.

    Material's search skips an element with ``data-search-exclude`` only until the first closing
    tag of the same name, so the quizzes (the last section of a chapter, full of nested divs)
    are wrapped in an ``<aside>``, a tag they never use; the notebook bits hold no nested tags
    of their own kind.
    """
    m = _QUIZ_START.search(html)
    if m and "<aside" not in html[m.start():]:
        html = f'{html[:m.start()]}<aside class="llm-quizzes" data-search-exclude>{html[m.start():]}</aside>'
    return _NOTEBOOK_NOISE.sub(lambda n: f"<{n.group(1)} data-search-exclude", html)


# ---------------------------------------------------------------- one size per download (issue 23)
#: pages write the model's size as this placeholder; the build puts in the computed size
MODEL_SIZE = "{{ model_size }}"


def sizes() -> dict[str, str | None]:
    """The downloads the site names, as the pages and widget buttons write them ("98 MB"):
    the model (the playground's manifest, else the pinned size of its shards) and the tokenizer
    runtime (its manifest; None when it is not built)."""
    from llmsite.site import playground, widgets

    tok = widgets.download_bytes()
    return {"model": playground.size_text(playground.model_bytes()),
            "tokenizer": playground.size_text(tok) if tok else None}


def put_sizes(text: str, size: dict) -> str:
    """The placeholder in prose, and ``data-size`` on the widgets that download something (their
    buttons name it before anything is fetched)."""
    text = text.replace(MODEL_SIZE, size["model"])
    text = text.replace('data-widget="playground"', f'data-widget="playground" data-size="{size["model"]}"')
    if size["tokenizer"]:
        text = text.replace('data-widget="tokenizer"', f'data-widget="tokenizer" data-size="{size["tokenizer"]}"')
    return text


_SCROLLING_CELL = '<div class="highlight-ipynb hl-python">'


def focusable_cells(html: str) -> str:
    """Notebook code cells scroll sideways: a keyboard reaches them (WCAG 2.1.1, axe's
    scrollable-region-focusable) with tabindex, and a screen reader hears what they are."""
    return html.replace(_SCROLLING_CELL, '<div class="highlight-ipynb hl-python" tabindex="0" role="region" aria-label="Code cell">')


# ---------------------------------------------------------------- the 404 page under any sub-path
# MkDocs renders 404.html with root-absolute URLs ("/assets/..."), which break under a sub-path
# (a GitHub project page, /<repo>/). The page is served for a missing URL at any depth, so no
# relative URL is right either. Instead its URLs become relative to a <base> that a first,
# classic script finds: the deepest folder of the address that holds 404.html (one HEAD request
# per level, a few hundred bytes each, only on this page). Chromium's preload scanner may first
# ask for the stylesheets next to the address (before the script ran): harmless 404s.
_FIND_ROOT = """<script>(function () {
  var root = "/";
  if (location.protocol === "file:") {
    root = location.pathname.replace(/[^/]*$/, "");
  } else {
    var dirs = location.pathname.split("/").slice(0, -1);
    for (var i = dirs.length; i >= 1; i--) {
      var dir = dirs.slice(0, i).join("/") + "/";
      try {
        var x = new XMLHttpRequest();
        x.open("HEAD", dir + "404.html", false);
        x.send();
        if (x.status === 200) { root = dir; break; }
      } catch (e) { /* keep looking */ }
    }
  }
  var base = document.createElement("base");
  base.href = root;
  document.head.prepend(base);
})();</script>"""
# Material reads its base (for the search index) from the page's config, against the address:
# it is made absolute from <base> before Material's bundle runs.
_FIX_CONFIG = ('<script>(function () { var c = document.getElementById("__config"), j = JSON.parse(c.textContent);'
               ' j.base = new URL(".", document.baseURI).href;'
               ' j.search = new URL(j.search, document.baseURI).href; c.textContent = JSON.stringify(j); })();</script>\n')
_ROOT_URL = re.compile(r'(\s(?:href|src)=")/(?!/)')
NOT_FOUND = ('<h1>Page not found</h1>\n<p>There is no page at this address: it may have moved, or the link had a '
             'typo.</p>\n<p class="llm-404-links"><a class="md-button md-button--primary" href="index.html">Back to the course</a> '
             '<a class="md-button" href="01-big-picture.html">Chapter 1: the big picture</a></p>')


def not_found_page(html: str) -> str:
    """Material's 404 page made to work under any sub-path, with a way back to the course."""
    html = _ROOT_URL.sub(r"\1", html)
    html = html.replace('__md_scope=new URL("/",location)', "__md_scope=new URL(document.baseURI)")
    html = html.replace('"base": "/"', '"base": "."').replace('"search": "/assets/', '"search": "assets/')
    html = re.sub(r'<meta charset="utf-8">', lambda m: m.group(0) + "\n" + _FIND_ROOT, html, count=1)
    html = re.sub(r'<script src="assets/javascripts/bundle\.', lambda m: _FIX_CONFIG + m.group(0), html, count=1)
    return html.replace("<h1>404 - Not found</h1>", NOT_FOUND)


def on_page_markdown(markdown: str, page, config, files) -> str:
    return markdown.replace(MODEL_SIZE, sizes()["model"])


# ---------------------------------------------------------------- figures legible on a phone (issue 23)
MIN_TEXT_PX = 11
# The opening of a figure as llmsite.figures writes it (Figure.fragment, svg._svg_open): the only
# markup the legibility pass touches. Everything after the <svg> tag is read with an HTML parser.
_FIGURE_SVG = re.compile(r'<figure class="llm-figure" id="(?P<id>fig-[A-Za-z0-9_-]+)">\s*'
                         r'<svg xmlns="http://www.w3.org/2000/svg" class="llm-fig" viewBox="0 0 (?P<w>[0-9.]+) [0-9.]+"'
                         r'(?P<rest>[^<>]*)>')


class _Done(Exception):
    pass


class _SvgScan(HTMLParser):
    """Read one figure's SVG up to its own </svg>: the font sizes it sets and its title."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.sizes: list[float] = []
        self.depth = 0
        self.end: int | None = None
        self.title: list[str] = []
        self._in_title = False
        self._title_done = False

    def handle_starttag(self, tag, attrs):
        if self.end is not None:
            return
        if tag == "svg":
            self.depth += 1
        if tag == "title" and not self._title_done and self.depth == 1:
            self._in_title = True
        size = dict(attrs).get("font-size")
        if size is not None:
            try:
                value = float(size.removesuffix("px"))
            except ValueError:
                value = 0.0
            if value > 0:
                self.sizes.append(value)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag == "svg":
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if self.end is not None:
            return
        if tag == "title" and self._in_title:
            self._in_title, self._title_done = False, True
        if tag == "svg":
            self.depth -= 1
            if self.depth == 0:
                self.end = self.getpos()
                raise _Done

    def handle_data(self, data):
        if self._in_title:
            self.title.append(data)


def _scan_svg(html: str, start: int) -> _SvgScan:
    scan = _SvgScan()
    try:
        scan.feed(html[start:])
        scan.close()
    except _Done:
        pass
    return scan


def legible_figures(html: str, min_px: float = MIN_TEXT_PX) -> str:
    """Give each figure SVG a minimum width at which its smallest text renders at ``min_px``.

    The figures scale down with the column (``max-width: 100%``); on a 390 px phone a 640-wide
    chart with 11-unit labels would show them at 6 px. With ``min-width = viewBox width × min_px / smallest
    font-size`` (rounded up to 0.1 px) the SVG stops shrinking there and its figure scrolls sideways
    (``.llm-figure`` has ``overflow-x: auto``; a small script makes a figure that scrolls
    focusable). On a desktop wide enough for the figure nothing changes. Only the markup that
    llmsite.figures writes is matched; the rest of the SVG is read with an HTML parser.
    """
    out, pos = [], 0
    for m in _FIGURE_SVG.finditer(html):
        if "style=" in m["rest"]:
            continue
        svg_at = m.start() + m.group(0).index("<svg")
        scan = _scan_svg(html, svg_at)
        if not scan.sizes or scan.end is None:
            continue
        # rounded up to 0.1 px, so that a figure whose smallest text is already min_px keeps its
        # exact natural width (a 468.4-wide one must not grow by a fraction of a pixel on desktop)
        width = f'{math.ceil(round(float(m["w"]) * min_px / min(scan.sizes) * 10, 6)) / 10:g}'
        title = " ".join("".join(scan.title).split()) or "Figure"
        label = escape(f"{title} (scroll sideways to see all of it)")
        out.append(html[pos:m.start()])
        out.append(f'<figure class="llm-figure" id="{m["id"]}" data-llm-min-width="{width}"'
                   f' data-llm-scroll-label="{label}">' + html[m.end("id") + 2:m.start("rest")]
                   + f' style="min-width: {width}px"{m["rest"]}>')
        pos = m.end()
    out.append(html[pos:])
    return "".join(out)


def on_page_content(html: str, page, config, files) -> str:
    return exclude_from_search(legible_figures(html))


# A figure wider than the column scrolls; then (and only then) it is a keyboard stop with a name,
# so that keyboard readers can scroll it too (axe: scrollable-region-focusable).
SCROLL_SCRIPT = """<script>(function () {
  function mark() {
    document.querySelectorAll(".llm-figure[data-llm-min-width]").forEach(function (f) {
      if (f.scrollWidth > f.clientWidth + 1) {
        f.setAttribute("tabindex", "0");
        f.setAttribute("aria-label", f.getAttribute("data-llm-scroll-label"));
      } else {
        f.removeAttribute("tabindex");
        f.removeAttribute("aria-label");
      }
    });
  }
  mark();
  window.addEventListener("resize", mark);
  window.addEventListener("load", mark);
})();</script>"""


def add_scroll_script(html: str) -> str:
    if "data-llm-min-width" not in html or "</body>" not in html:
        return html
    at = html.rindex("</body>")
    return html[:at] + SCROLL_SCRIPT + "\n" + html[at:]


def on_post_page(output: str, page, config) -> str:
    output = add_scroll_script(put_sizes(mark_outputs(output), sizes()))
    if not page.file.src_uri.endswith(".ipynb"):
        return output
    return focusable_cells(_EMPTY_SCRIPT.sub("", _CDN_MODULE.sub("", output)))


def on_post_template(output: str, template_name: str, config) -> str:
    return not_found_page(output) if template_name == "404.html" else output
