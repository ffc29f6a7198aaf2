"""Every reader's numbers: the texts lessons read ship with the package, pinned (issue 18).

CPython's own documentation (``pydoc_data.topics``) changes with every release, patch releases
included, so nothing a page prints may read it, nor any other text that comes with the
interpreter, the OS or an installed package's docs.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from llmsite import corpus

REPO = Path(__file__).resolve().parent.parent


def test_the_python_docs_are_the_pinned_copy():
    assert hashlib.sha256(corpus.PYTHON_DOCS.read_bytes()).hexdigest() == corpus.PYTHON_DOCS_SHA256
    topics = corpus.python_docs_topics()
    assert len(topics) == 79 and list(topics)[:2] == ["assert", "assignment"]
    assert len(corpus.python_docs()) == 465_048  # Python 3.11.7's pydoc_data, as recorded
    assert corpus.python_docs() == "\n".join(topics.values())


def test_a_damaged_copy_fails_loudly(tmp_path, monkeypatch):
    bad = tmp_path / "python-docs-topics.json"
    bad.write_bytes(corpus.PYTHON_DOCS.read_bytes().replace(b"assert", b"insist", 1))
    with pytest.raises(corpus.CorpusError, match="not the pinned text"):
        corpus._read_pinned(bad, corpus.PYTHON_DOCS_SHA256)
    with pytest.raises(corpus.CorpusError, match="missing"):
        corpus._read_pinned(tmp_path / "nope.json", corpus.PYTHON_DOCS_SHA256)


def test_the_corpus_ships_in_the_wheel():
    text = (REPO / "pyproject.toml").read_text()
    assert '"data/*.json"' in text


# What would make a page print something else on another Python or OS.
FOREIGN_TEXT = {
    r"\bpydoc_data\b": "CPython's help topics change with every release",
    r"\bpydoc\b": "pydoc renders the installed Python's docs",
    r"/usr/share\b": "the OS's files differ between machines",
    r"\bsysconfig\b": "paths of the interpreter",
    r"\binspect\.getdoc\b|\.__doc__\b": "docstrings of installed packages change with their versions",
    r"\bhelp\(": "help() renders the installed Python's docs",
    r"\bsite-packages\b|\bsite\.getsitepackages\b": "an installed package's files",
}


def _sources():
    for folder in ("snippets", "llmsite", "benchmarks"):
        for path in sorted((REPO / folder).rglob("*.py")):
            yield path


@pytest.mark.parametrize("pattern,why", FOREIGN_TEXT.items(), ids=list(FOREIGN_TEXT.values()))
def test_no_snippet_or_lesson_reads_text_that_ships_with_python_or_the_system(pattern, why):
    offenders = []
    for path in _sources():
        rel = path.relative_to(REPO).as_posix()
        if rel == "llmsite/corpus.py":  # says where the shipped copy came from
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#", 1)[0]
            if re.search(pattern, code):
                offenders.append(f"{rel}:{n}: {line.strip()}")
    assert not offenders, f"{why}; read llmsite.corpus (shipped, pinned) instead:\n" + "\n".join(offenders)


def test_the_guard_catches_the_old_way():
    """The guard has teeth: the line every corpus snippet used to start with is caught."""
    old = 'import pydoc_data.topics  # the Python docs'
    assert re.search(r"\bpydoc_data\b", old.split("#", 1)[0])
