"""MkDocs hooks (``hooks:`` in mkdocs.yml): keep every built page self-contained.

mkdocs-jupyter writes two things into notebook pages that point outside the site: a module
script that would import mermaid from a CDN if the notebook had a diagram (ours has none), and
an empty ``<script src="">`` left where MathJax would go. Both are removed, so the offline tests
can hold every page to "loads nothing from outside".
"""

from __future__ import annotations

import re

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


def on_page_content(html: str, page, config, files) -> str:
    return exclude_from_search(html)


def on_post_page(output: str, page, config) -> str:
    output = put_sizes(mark_outputs(output), sizes())
    if not page.file.src_uri.endswith(".ipynb"):
        return output
    return focusable_cells(_EMPTY_SCRIPT.sub("", _CDN_MODULE.sub("", output)))


def on_post_template(output: str, template_name: str, config) -> str:
    return not_found_page(output) if template_name == "404.html" else output
