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


def on_page_content(html: str, page, config, files) -> str:
    return exclude_from_search(html)


def on_post_page(output: str, page, config) -> str:
    output = mark_outputs(output)
    if not page.file.src_uri.endswith(".ipynb"):
        return output
    return _EMPTY_SCRIPT.sub("", _CDN_MODULE.sub("", output))
