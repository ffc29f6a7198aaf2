"""How the test suite runs the pages under docs/ (used by the root ``conftest.py``).

A block that includes a snippet (``--8<-- "snippets/..."``) runs that file as
``python snippets/...py`` and compares its output with the ``.out`` file beside it; any other
Python block runs inline. Failures are reported as ``docs/<page>.md:LINE``; a snippet's own
traceback points into ``snippets/...py:LINE``.

``pytest --update-outputs`` rewrites the ``.out`` files instead of comparing them.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from unittest import SkipTest

from sybil import Sybil
from sybil.evaluators.python import PythonEvaluator
from sybil.parsers.markdown import SkipParser
from sybil.parsers.markdown.lexers import RawFencedCodeBlockLexer

from llmsite.site import cpu, snippets

REPO = Path(__file__).resolve().parents[2]
UPDATE = {"on": False}

# Material allows attributes after the language (title="…", hl_lines="…", linenums="…"):
# Sybil's stock parser wants the info string to be exactly "python", so lex it ourselves.
PYTHON_INFO = re.compile(r"[ \t]*\{?[ \t]*\.?(?:python3?|py3?)(?:[ \t]+[^\n]*)?\}?[ \t]*$\n", re.MULTILINE)


@functools.cache
def _cuda() -> bool:
    import torch

    return torch.cuda.is_available()


@functools.cache
def _model_ready() -> str | None:
    """None when the model can be loaded, else why not (the skip reason)."""
    from llmsite.model import ModelUnavailable, ensure_model, hub_model_id

    if hub_model_id():
        return None
    try:
        ensure_model()
    except ModelUnavailable as exc:
        return str(exc)
    return None


@functools.cache
def _run(path: Path) -> snippets.Run:
    return snippets.run(path)  # a snippet shown on two pages runs once


def run_included_snippet(example) -> None:
    __tracebackhide__ = True
    rel, _section = example.parsed
    path = REPO / rel
    if not path.is_file():
        raise AssertionError(f"{rel} does not exist (included at {example.path}:{example.line})")
    needs = snippets.requirements(path)
    if "cuda" in needs and not _cuda():
        raise SkipTest(f"{rel} declares `# requires: cuda` and this machine has no CUDA GPU")
    if "model" in needs and (why := _model_ready()):
        raise SkipTest(f"{rel} needs the model, which is unavailable: {why}")
    result = _run(path)
    shown_on = ", ".join(snippets.pages_including(rel)) or "no page"
    if result.returncode != 0:
        raise AssertionError(
            f"{rel} (shown on {shown_on}) exited with {result.returncode}:\n{result.stderr[-4000:]}")
    out = snippets.out_path(path)
    out_rel = str(out.relative_to(REPO))
    if cpu.WARNING in result.stderr:  # it trained on this CPU's own kernels, not the pinned ones
        raise AssertionError(f"{rel} (shown on {shown_on}) did not pin its CPU kernels:\n{result.stderr[-2000:]}")
    if UPDATE["on"]:
        if not cpu.pinned():
            raise SkipTest(f"not recording {out_rel}: {cpu.why_not_pinned()}; the site's outputs are "
                           "recorded with the pinned AVX2 kernels (llmsite/site/cpu.py)")
        if out.exists() or snippets.pages_including(out_rel):
            out.write_text(result.stdout, encoding="utf-8")
        return
    if not out.exists():
        if snippets.pages_including(out_rel):
            raise AssertionError(f"{out_rel} is missing: run `pytest --update-outputs {example.path}`")
        return
    expected = out.read_text(encoding="utf-8")
    # Exact where the recorded kernels run (any x86-64 CPU with AVX2); elsewhere within a
    # tolerance, like on a GPU, and a mismatch says why.
    # Exact where the recorded kernels run (any x86-64 CPU with AVX2); elsewhere (a GPU runs the
    # model, or this CPU cannot be pinned) by the GPU rule, and a mismatch says why.
    on_gpu = _cuda() and "model" in needs
    tolerant = on_gpu or not cpu.pinned()
    if (why := snippets.mismatch(expected, result.stdout, tolerant=tolerant)) is not None:
        rule = ("" if not tolerant else "\n(compared by the GPU rule: words identical, numbers within one unit "
                "of the last printed digit, because " + ("the model ran on a CUDA GPU" if on_gpu
                                                       else cpu.why_not_pinned()) + ")")
        raise AssertionError(
            f"{rel} (shown on {shown_on}) printed something other than {out_rel}: {why}\n"
            + snippets.diff(expected, result.stdout, out_rel) + rule
            + "\nIf the change is intended: `pytest --update-outputs` (or `make outputs`) and commit the .out file.")


_inline = PythonEvaluator()


def python_fences(document):
    lexer = RawFencedCodeBlockLexer(info_pattern=PYTHON_INFO)
    for region in lexer(document):
        source = region.lexemes["source"]
        body = [line for line in source.splitlines() if line.strip()]
        match = snippets.INCLUDE.match(body[0]) if len(body) == 1 else None
        if match:
            region.parsed = (match["path"], match["section"])
            region.evaluator = run_included_snippet
        else:
            region.parsed = source
            region.evaluator = _inline
        yield region


def sybil(docs: Path | str) -> Sybil:
    """The Sybil that collects every Markdown page under ``docs``."""
    return Sybil(parsers=[python_fences, SkipParser()], path=str(docs), patterns=["*.md"])
