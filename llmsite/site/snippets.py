"""The snippet contract: every code block on the site is a file under ``snippets/``.

A page shows a snippet with a fenced block whose only line is a ``pymdownx.snippets``
include, and its recorded output with a second include of the ``.out`` file beside it::

    ```python title="snippets/01-big-picture/scores.py"
    --8<-- "snippets/01-big-picture/scores.py"
    ```

    ```text title="Output"
    --8<-- "snippets/01-big-picture/scores.out"
    ```

This module finds those includes, runs snippets the way a reader would
(``python snippets/...py`` from the repository root, in a fresh process) and compares what
they print with the ``.out`` file. The test suite (``conftest.py``) drives it through Sybil,
so a failure is reported at ``docs/<page>.md:LINE``.

A snippet declares what it needs in a comment among its first lines::

    # requires: model        the real model (fetched and converted once)
    # requires: cuda         a CUDA GPU; skipped without one
"""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from llmsite.site import cpu

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs"
SNIPPETS = REPO / "snippets"

# ```python  ```py  ``` python title="x"  ```{.python}  ~~~py hl_lines="2"  ```pycon  ```python3
FENCE_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*\{?[ \t]*\.?(?P<lang>[\w+-]*)(?P<attrs>[^`\n]*)$")
PYTHON_LANGS = {"python", "py", "python3", "py3", "pycon", "ipython", "python-repl"}
INCLUDE = re.compile(r'^[ \t]*-{1,}8<-{1,}[ \t]+["\']?(?P<path>[^"\':\s]+)(?::(?P<section>[\w-]+))?["\']?[ \t]*$')
REQUIRES = re.compile(r"^#\s*requires:\s*(?P<what>[\w, -]+)$", re.M)


@dataclass(frozen=True)
class Fence:
    page: Path
    line: int  # 1-based line of the opening fence
    lang: str
    attrs: str
    body: list[str]

    @property
    def is_python(self) -> bool:
        return self.lang.lower() in PYTHON_LANGS

    @property
    def include(self) -> tuple[str, str | None] | None:
        """(path, section) when the block is a single snippet include."""
        lines = [b for b in self.body if b.strip()]
        if len(lines) != 1:
            return None
        m = INCLUDE.match(lines[0])
        return (m["path"], m["section"]) if m else None


def fences(page: Path, text: str | None = None) -> list[Fence]:
    """Every fenced code block of a Markdown page, with its line number."""
    lines = (text if text is not None else page.read_text(encoding="utf-8")).splitlines()
    out, i = [], 0
    while i < len(lines):
        m = FENCE_OPEN.match(lines[i])
        if not m:
            i += 1
            continue
        close = re.compile(r"^[ \t]*" + re.escape(m["fence"][0]) + "{" + str(len(m["fence"])) + r",}[ \t]*$")
        j = i + 1
        while j < len(lines) and not close.match(lines[j]):
            j += 1
        out.append(Fence(page, i + 1, m["lang"], m["attrs"].strip(), lines[i + 1 : j]))
        i = j + 1
    return out


def included_files(page: Path) -> list[str]:
    """Every path a page pulls in with ``--8<--`` (in or outside fences)."""
    return [m["path"] for line in page.read_text(encoding="utf-8").splitlines() if (m := INCLUDE.match(line))]


def pages() -> list[Path]:
    return sorted(DOCS.rglob("*.md"))


def pages_including(snippet_rel: str) -> list[str]:
    return [str(p.relative_to(REPO)) for p in pages() if snippet_rel in included_files(p)]


def requirements(path: Path) -> set[str]:
    head = "\n".join(path.read_text(encoding="utf-8").splitlines()[:12])
    return {w.strip() for m in REQUIRES.finditer(head) for w in m["what"].split(",") if w.strip()}


def out_path(snippet: Path) -> Path:
    return snippet.with_suffix(".out")


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str


def run(snippet: Path, timeout: int = 900) -> Run:
    """Run a snippet exactly as a reader would: ``python snippets/...py`` from the repo root."""
    # As the reader's shell has it: a snippet pins its CPU kernels itself, by importing llmsite.
    env = dict(cpu.reader_env(), PYTHONHASHSEED="0", PYTHONIOENCODING="utf-8", TOKENIZERS_PARALLELISM="false")
    done = subprocess.run(
        [sys.executable, str(snippet.relative_to(REPO))], cwd=REPO, env=env, capture_output=True,
        text=True, encoding="utf-8", timeout=timeout,
    )
    # Tracebacks name files relative to the repository: `File "snippets/x/y.py", line 3`.
    return Run(done.returncode, done.stdout, done.stderr.replace(str(REPO) + os.sep, ""))


_NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?%?")


def last_digit_unit(number: str) -> float:
    """One unit of the last printed digit: ``77.25%`` → 0.01, ``2.981`` → 0.001, ``15`` → 1,
    ``1.9e+12`` → 1e11."""
    mantissa, _, exponent = number.rstrip("%").lower().partition("e")
    decimals = len(mantissa.split(".", 1)[1]) if "." in mantissa else 0
    return 10.0 ** (int(exponent or 0) - decimals)


def mismatch(expected: str, actual: str, tolerant: bool = False) -> str | None:
    """Why ``actual`` is not the recorded ``expected`` output, or None when it is.

    The one comparison rule of the site (DESIGN §5e):

    * exact, byte for byte, where the recorded kernels run: any x86-64 CPU with AVX2 (pinned by
      ``llmsite.site.cpu``), on any supported Python;
    * ``tolerant`` elsewhere (a CUDA GPU, a CPU that cannot be pinned): every word, token and
      symbol identical, and every number within one unit of its last printed digit (77.25% may
      print as 77.26%, never as 77.40%). A GPU adds floats in another order, so a value that lies
      on a rounding boundary can round the other way; anything larger is a real difference.
    """
    if expected == actual:
        return None
    if not tolerant:
        return "the output differs (exact comparison: this machine runs the recorded kernels)"
    e_lines, a_lines = expected.splitlines(), actual.splitlines()
    if len(e_lines) != len(a_lines):
        return f"{len(a_lines)} lines printed, {len(e_lines)} recorded"
    for n, (e_line, a_line) in enumerate(zip(e_lines, a_lines), 1):
        if _NUMBER.sub("#", e_line) != _NUMBER.sub("#", a_line):
            return f"line {n}: the words differ, not only the numbers: {a_line!r} vs recorded {e_line!r}"
        for e, a in zip(_NUMBER.findall(e_line), _NUMBER.findall(a_line)):
            unit = last_digit_unit(e)
            if abs(float(e.rstrip("%")) - float(a.rstrip("%"))) > unit * 1.000001:
                return (f"line {n}: {a} vs recorded {e}, more than one unit of the last printed digit "
                        f"({unit:g}) apart")
    return None


def same_output(expected: str, actual: str, tolerant: bool = False) -> bool:
    """True when ``actual`` passes for the recorded ``expected`` (see :func:`mismatch`)."""
    return mismatch(expected, actual, tolerant) is None


def diff(expected: str, actual: str, name: str) -> str:
    import difflib

    return "".join(difflib.unified_diff(
        expected.splitlines(keepends=True), actual.splitlines(keepends=True),
        fromfile=f"{name} (recorded)", tofile=f"{name} (printed now)"))
