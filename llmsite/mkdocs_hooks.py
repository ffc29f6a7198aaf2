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


def on_post_page(output: str, page, config) -> str:
    output = mark_outputs(output)
    if not page.file.src_uri.endswith(".ipynb"):
        return output
    return _EMPTY_SCRIPT.sub("", _CDN_MODULE.sub("", output))
