"""A path through the course for readers who skip the code (issue 20).

* Every chapter opens with an "In one minute" box (``!!! abstract "In one minute"``) before its
  first ``##`` section: 3 to 5 plain sentences, no code, and its picture (a figure include or a
  widget) in the box or right after it.
* No prose outside a fold points at a line of code that the page only shows inside a fold
  (``??? example``): a reader who opens no fold must not be sent looking for it.
* The glossary has every promised term as its own ``###`` heading, and every link into it from
  the docs (pages and notebook) lands on one of those headings; its own links to chapter
  sections land on real headings too.

No model and no build needed: this reads the markdown and the snippet files it includes.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from markdown.extensions.toc import slugify

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
CHAPTERS = sorted(p for p in DOCS.glob("*.md") if re.match(r"\d\d[a-z]?-", p.name))
BOX = '!!! abstract "In one minute"'
INCLUDE = re.compile(r'^(?P<indent>\s*)--8<-- "(?P<path>[^"]+)"\s*$')

# The headings chapters link to (glossary.md#<slug>): keep in step with docs/glossary.md.
TERMS = [
    "Token", "Token id", "Vocabulary", "Tokenizer", "Embedding", "Forward pass", "Logit", "Softmax",
    "Temperature", "Greedy decoding", "Top-k", "Top-p", "Attention", "Attention head",
    "Query, key and value", "Causal mask", "Residual stream", "RMSNorm", "Feed-forward network",
    "Transformer block", "RoPE", "Logit lens", "KV cache", "Prefill", "Decode", "TTFT",
    "Context window", "Loss", "Cross-entropy", "Gradient", "Backpropagation", "SFT", "RLHF", "DPO",
    "LoRA", "Quantization", "Hallucination", "Prompt injection", "Scaling law",
]


def test_the_chapters_are_found():
    names = [p.name for p in CHAPTERS]
    assert "01-big-picture.md" in names and "03b-why-transformers-won.md" in names
    assert "index.md" not in names and "glossary.md" not in names


# --------------------------------------------------------------------------- "In one minute"


def sentences(text: str) -> int:
    """Sentences in plain prose: an end mark followed by a space and a capital, a quote, a digit
    or the end. "0.75" and "e.g." do not end a sentence."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", " ".join(text.split()))  # links -> their words
    return len(re.findall(r"[.!?][\"”)]?(?=\s+[\"“'(A-Z0-9]|\s*$)", text))


def opening(page: Path) -> tuple[str, list[str], str]:
    """(text before the first ## section, the box's own lines, what follows the box there)."""
    text = page.read_text(encoding="utf-8")
    head = re.split(r"^## ", text, maxsplit=1, flags=re.M)[0]
    assert BOX in head, f"{page.name}: no {BOX} before its first ## section"
    after = head.split(BOX, 1)[1].splitlines()[1:]
    body = []
    for line in after:
        if line.strip() and not line.startswith("    "):
            break
        body.append(line)
    rest = "\n".join(after[len(body):])
    return head, body, rest


@pytest.mark.parametrize("page", CHAPTERS, ids=lambda p: p.name)
def test_every_chapter_opens_with_in_one_minute(page):
    head, body, rest = opening(page)
    assert head.lstrip().startswith("# "), f"{page.name}: the page starts with its title"
    assert head.split(BOX)[0].strip().count("\n") == 0, f"{page.name}: the box comes right after the title"
    prose = [line for line in body if not INCLUDE.match(line)]
    text = "\n".join(prose)
    assert "```" not in text and "`" not in text, f"{page.name}: no code in the box"
    assert not any("snippets/" in line for line in body), f"{page.name}: no code in the box"
    n = sentences(text)
    assert 3 <= n <= 5, f"{page.name}: the box has {n} sentences (3 to 5)"
    picture = "\n".join(body) + "\n" + rest
    assert '--8<-- "docs/figures/' in picture or 'class="llm-widget' in picture, \
        f"{page.name}: the box's picture (a figure include or a widget) belongs in it or right after it"


def test_sentence_counter():
    assert sentences("One. Two has 0.75 in it. Three [links](x.md#y) too.") == 3
    assert sentences('He said "no." Then left. Gone') == 2
    assert sentences("Top-p keeps 6 tokens at T = 1.3, e.g. here.") == 1


# --------------------------------------------------------------------------- prose and folds


def lines_in_folds(lines: list[str]) -> list[bool]:
    """For each line: is it inside a ``???`` fold (collapsed until the reader opens it)?"""
    inside, fold_indent = [], None
    for line in lines:
        indent = len(line) - len(line.lstrip())
        if fold_indent is not None and line.strip() and indent <= fold_indent:
            fold_indent = None
        if fold_indent is None and re.match(r"\s*\?\?\?\+? ", line):
            fold_indent = indent
            inside.append(True)
            continue
        inside.append(fold_indent is not None)
    return inside


def code_like(span: str) -> bool:
    """An inline code span that reads as a line or expression of code (`kv = h // 3`,
    `maps[13, 8]`), not a bare name or a path (`llmsite.tokenizer`, `rope_theta`)."""
    return bool(re.search(r"[=()\[\]]|\w\s+\S", span)) and not span.startswith(("python ", "pip ", "make "))


def folded_code_mentions(text: str, repo: Path = REPO) -> list[str]:
    """Inline code in prose outside any fold that is found only in code shown inside a fold."""
    lines = text.splitlines()
    folded = lines_in_folds(lines)
    shown, hidden, prose = [], [], []
    in_fence = False
    for line, in_fold in zip(lines, folded):
        m = INCLUDE.match(line)
        if m:
            path = repo / m["path"].split(":", 1)[0]  # "file.py:section" shows part of file.py
            content = path.read_text(encoding="utf-8") if path.is_file() else ""
            (hidden if in_fold else shown).append(content)
            continue
        if line.lstrip().startswith("```"):
            in_fence = not in_fence
            continue
        if in_fence:
            (hidden if in_fold else shown).append(line)
        elif not in_fold:
            prose.append(line)
    shown_text, hidden_text = "\n".join(shown), "\n".join(hidden)
    spans = re.findall(r"`([^`\n]+)`", "\n".join(prose))
    return [s for s in spans if code_like(s) and s in hidden_text and s not in shown_text]


@pytest.mark.parametrize("page", CHAPTERS, ids=lambda p: p.name)
def test_no_prose_points_into_folded_code(page):
    found = folded_code_mentions(page.read_text(encoding="utf-8"))
    assert not found, f"{page.name}: prose cites code that is only inside a fold: {found}"


OLD_05 = '''## Putting the heads back together

??? example "The code: concat.py, 34 lines"

    ```python title="snippets/05-multi-head-attention/concat.py"
    --8<-- "snippets/05-multi-head-attention/concat.py"
    ```

```text title="Output"
--8<-- "snippets/05-multi-head-attention/concat.out"
```

## Sharing keys and values: grouped-query attention

Look at the loop above again: `kv = h // 3`. Our model has 9 query heads but only **3**
key/value heads. The code lives in `llmsite/transformer.py` and uses `rope_theta`.
'''


def test_the_fold_check_catches_chapter_5_as_it_was():
    assert folded_code_mentions(OLD_05) == ["kv = h // 3"]
    shown = OLD_05.replace('??? example "The code: concat.py, 34 lines"\n\n', "").replace("\n    ", "\n")
    assert folded_code_mentions(shown) == []  # the same line, shown unfolded: fine
    assert lines_in_folds(["a", "??? note", "    b", "", "    c", "d"]) == [False, True, True, True, True, False]


# --------------------------------------------------------------------------- glossary


GLOSSARY = DOCS / "glossary.md"


def anchors(page: Path) -> set[str]:
    """The ids Material gives a page's headings (Python-Markdown's default slugify)."""
    text = page.read_text(encoding="utf-8")
    text = re.sub(r"^```.*?^```", "", text, flags=re.M | re.S)
    return {slugify(re.sub(r"\s+#+\s*$", "", h).strip(), "-")
            for h in re.findall(r"^#{1,6} (.+)$", text, re.M)}


def test_glossary_has_every_term_as_its_own_heading():
    text = GLOSSARY.read_text(encoding="utf-8")
    headings = re.findall(r"^### (.+)$", text, re.M)
    missing = [t for t in TERMS if t not in headings]
    assert not missing, f"missing glossary entries: {missing}"
    assert len(headings) == len(set(headings)), "a term appears twice"
    assert {slugify(t, "-") for t in ["Query, key and value", "KV cache", "Top-p"]} == \
        {"query-key-and-value", "kv-cache", "top-p"}  # the anchors the chapters link to
    nav = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    assert re.search(r"^\s+- Glossary: glossary\.md$", nav, re.M)


def test_every_glossary_entry_is_short_and_shows_where_to_see_it():
    text = GLOSSARY.read_text(encoding="utf-8")
    entries = re.split(r"^### ", text, flags=re.M)[1:]
    for entry in entries:
        term, body = entry.split("\n", 1)
        body = re.split(r"^## ", body, flags=re.M)[0].strip()
        assert 1 <= sentences(body) <= 4, f"{term}: keep it short"
        assert re.search(r"\]\((\d\d[a-z]?-[^)]+\.md[^)]*|https://[^)]+)\)", body), f"{term}: link the chapter"


def links(text: str) -> list[tuple[str, str]]:
    return re.findall(r"\]\(((?:\.\./)?[\w.-]+\.md)(?:#([\w-]+))?\)", text)


def doc_texts() -> dict[str, str]:
    out = {p.name: p.read_text(encoding="utf-8") for p in DOCS.glob("*.md")}
    for nb in DOCS.glob("*.ipynb"):
        cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
        out[nb.name] = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    return out


def test_every_link_into_the_glossary_lands_on_an_entry():
    known = anchors(GLOSSARY)
    bad = [(name, anchor) for name, text in doc_texts().items()
           for target, anchor in links(text) if target == "glossary.md" and anchor and anchor not in known]
    assert not bad, f"links to glossary anchors that do not exist: {bad}"


def test_the_glossary_links_land_on_real_sections():
    bad = [(target, anchor) for target, anchor in links(GLOSSARY.read_text(encoding="utf-8"))
           if not (DOCS / target).is_file() or (anchor and anchor not in anchors(DOCS / target))]
    assert not bad, f"glossary links to missing pages or sections: {bad}"


@pytest.mark.parametrize("page", CHAPTERS, ids=lambda p: p.name)
def test_every_chapter_links_the_glossary(page):
    assert "(glossary.md#" in page.read_text(encoding="utf-8"), \
        f"{page.name}: link the first use of a term to its glossary entry"
