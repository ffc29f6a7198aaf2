"""The fixed texts the lessons read: the same characters on every Python, OS and machine.

Chapters 2, 3b, 10, 12 and 13 measure and train on English text. It used to be the Python help
topics that ship with CPython (``pydoc_data.topics``), but that text changes with every release,
patch releases included (465,048 characters on 3.11.7, 492,233 on 3.12.1, 510,664 on 3.13.0),
so a reader on another Python got other numbers. We ship one copy with the package instead:

- ``data/python-docs-topics.json``: the 79 help topics of the Python 3.11.7 documentation, as
  ``pydoc_data.topics.topics`` holds them (key order kept), 465,048 characters when joined.
  Source: CPython 3.11.7, ``Lib/pydoc_data/topics.py`` (generated from the docs,
  https://docs.python.org/3.11/). Copyright © 2001-2023 Python Software Foundation; licensed
  under the PSF License Agreement (https://docs.python.org/3/license.html), which permits
  redistribution with this notice.

The file's sha256 is pinned here and checked on every load, so a damaged or edited copy fails
loudly instead of quietly printing other numbers.

    from llmsite.corpus import python_docs, python_docs_topics
    text = python_docs()             # one string, topics joined by newlines
    topics = python_docs_topics()    # {topic name: text}
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
PYTHON_DOCS = DATA / "python-docs-topics.json"
PYTHON_DOCS_SHA256 = "4717ccc51e2e7bd1eed2feddb0bcb5a7da19a1a923fd2f258cf81e4285e31683"


class CorpusError(RuntimeError):
    """A shipped text is missing or not the pinned one."""


def _read_pinned(path: Path, sha256: str) -> bytes:
    try:
        data = path.read_bytes()
    except OSError as e:
        raise CorpusError(f"{path} is missing ({e.strerror}); reinstall llmsite (pip install -e .)") from None
    got = hashlib.sha256(data).hexdigest()
    if got != sha256:
        raise CorpusError(f"{path} is not the pinned text (sha256 {got[:12]}…, expected {sha256[:12]}…): "
                          "restore it with `git checkout -- llmsite/data`")
    return data


@lru_cache(maxsize=None)
def _topics() -> tuple[tuple[str, str], ...]:
    return tuple(json.loads(_read_pinned(PYTHON_DOCS, PYTHON_DOCS_SHA256)).items())


def python_docs_topics() -> dict[str, str]:
    """The Python 3.11.7 help topics, ``{name: text}``, in their original order (a fresh dict)."""
    return dict(_topics())


def python_docs() -> str:
    """All help topics joined by newlines: 465,048 characters of English technical prose."""
    return "\n".join(text for _, text in _topics())
