"""Every chapter opens with an "In one minute" box for readers who skip the code (issue 20).

The box is the first thing under the title, before the first ``##`` section:
``!!! abstract "In one minute"``, then 3 to 5 plain sentences and a picture (an included figure or
a widget), and no code: no fence, no snippet include other than a figure's. A test of the page's
text, so it runs without the model.
"""

from __future__ import annotations

import re

import pytest

from llmsite.site.snippets import REPO

DOCS = REPO / "docs"
HEAD = '!!! abstract "In one minute"'
# The chapters this path covers so far (the other chapters join as they gain their box).
CHAPTERS = ["07-next-token-prediction.md", "08-sampling.md", "09-generation.md", "10-training.md",
            "11-fine-tuning.md", "12-scaling.md", "13-limits.md", "14-choosing-a-model.md", "14b-prompting.md",
            "15-recap.md"]


def in_one_minute(text: str) -> tuple[str, list[str]]:
    """The box's prose and its include lines, or AssertionError if it is not where it belongs."""
    before_first_section = text.split("\n## ", 1)[0]
    assert HEAD in before_first_section, f"no {HEAD} before the first ## section"
    body = before_first_section.split(HEAD, 1)[1].split("\n")[1:]
    block = []
    for line in body:
        if line.strip() and not line.startswith("    "):
            break  # the box ends at the first line that is not indented
        block.append(line[4:])
    prose = " ".join(ln.strip() for ln in block if ln.strip() and not ln.startswith(("--8<--", "<")))
    includes = [ln.strip() for ln in block if ln.startswith(("--8<--", "<div", "<script"))]
    return prose, includes


def sentences(prose: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z\"'(])", prose) if s.strip()]


@pytest.mark.parametrize("name", CHAPTERS)
def test_chapter_opens_with_in_one_minute(name):
    text = (DOCS / name).read_text(encoding="utf-8")
    title_end = text.index("\n", text.index("# "))
    assert text[title_end:].lstrip("\n").startswith(HEAD), f"{name}: the box must come right under the title"
    prose, includes = in_one_minute(text)
    assert 3 <= len(sentences(prose)) <= 5, f"{name}: {len(sentences(prose))} sentences: {sentences(prose)}"
    assert "`" not in prose and "```" not in prose, f"{name}: no code in the box"
    # The picture stands right after the box, not in it: an SVG figure indented into an admonition
    # is mangled by Markdown, and the rest of the page ends up inside the <svg> (seen on ch. 8).
    after = text.split(HEAD, 1)[1].split("\n## ", 1)[0]
    after_box = [ln.strip() for ln in after.split("\n")[1:] if ln.strip() and not ln.startswith("    ")][:1]
    pictures = [i for i in includes + after_box if i.startswith('--8<-- "docs/figures/') or "llm-widget" in i]
    assert pictures, f"{name}: the box needs a picture (a figure include or a widget) in it or right after it"
    assert all(i.startswith('--8<-- "docs/figures/') or i.startswith(("<div", "<script")) for i in includes), \
        f"{name}: only figures or widgets in the box, got {includes}"


@pytest.mark.parametrize("name", CHAPTERS)
def test_a_figure_is_included_once(name):
    """A figure moved into the box must leave its old place: ids in the page would repeat."""
    text = (DOCS / name).read_text(encoding="utf-8")
    figures = re.findall(r'--8<-- "(docs/figures/[^"]+)"', text)
    assert len(figures) == len(set(figures)), f"{name}: a figure included twice: {sorted(figures)}"


def test_the_check_finds_a_missing_box():
    with pytest.raises(AssertionError):
        in_one_minute("# Title\n\nSome text.\n\n## A section\n")
    prose, includes = in_one_minute('# T\n\n!!! abstract "In one minute"\n    One. Two. Three.\n\n'
                                    '    --8<-- "docs/figures/x.md"\n\nAfter.\n')
    assert sentences(prose) == ["One.", "Two.", "Three."] and includes == ['--8<-- "docs/figures/x.md"']


def test_no_figure_is_indented_into_a_block():
    """An SVG fragment included with an indent (inside an admonition or a list) is not left as raw
    HTML: Markdown wraps and escapes parts of it, the <svg> never closes, and every widget below it
    becomes invisible. Figures go at the left margin."""
    bad = [f"{p.name}:{n}" for p in sorted(DOCS.glob("*.md"))
           for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
           if line.startswith((" ", "\t")) and '--8<-- "docs/figures/' in line]
    assert not bad, "figure includes must not be indented: " + ", ".join(bad)
