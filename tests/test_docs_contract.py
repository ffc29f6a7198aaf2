"""The snippet contract (DESIGN §4): every code block is a tested file, and nothing is orphaned."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from llmsite.site import docs_tests, snippets

REPO = snippets.REPO
SKIP_WITH_REASON = re.compile(r'<!--\s*skip:\s*next\s+"[^"]+"\s*-->')


def all_fences():
    return [f for page in snippets.pages() for f in snippets.fences(page)]


def where(f) -> str:
    return f"{f.page.relative_to(REPO)}:{f.line}"


def test_every_python_fence_is_collected_by_sybil():
    """A Python fence Sybil would not see (```py3, ```{.python}, ```pycon ...) is untested: fail."""
    missed = []
    for f in all_fences():
        if not f.is_python:
            continue
        info = f"{f.lang} {f.attrs}".strip() + "\n"
        if not docs_tests.PYTHON_INFO.match(info):
            missed.append(f"{where(f)}: ```{f.lang} is not run by the tests; write ```python")
    assert not missed, "\n".join(missed)


def test_inline_python_fences_are_rare_and_skips_give_a_reason():
    problems = []
    for page in snippets.pages():
        lines = page.read_text(encoding="utf-8").splitlines()
        for f in snippets.fences(page):
            if not f.is_python or f.include:
                continue
            before = next((ln for ln in reversed(lines[: f.line - 1]) if ln.strip()), "")
            if "skip:" in before and not SKIP_WITH_REASON.search(before):
                problems.append(f'{where(f)}: a skip needs a reason: <!-- skip: next "why" -->')
    assert not problems, "\n".join(problems)


def test_every_include_exists():
    missing = [f"{p.relative_to(REPO)}: {inc}" for p in snippets.pages() for inc in snippets.included_files(p)
               if not (REPO / inc).exists()]
    assert not missing, "included files that do not exist:\n" + "\n".join(missing)


def test_no_orphan_snippets():
    used = {inc for p in snippets.pages() for inc in snippets.included_files(p)}
    orphans = [str(p.relative_to(REPO)) for p in sorted(snippets.SNIPPETS.rglob("*.py"))
               if str(p.relative_to(REPO)) not in used]
    assert not orphans, "snippets no page shows (include them or delete them):\n" + "\n".join(orphans)
    lonely = [str(o.relative_to(REPO)) for o in sorted(snippets.SNIPPETS.rglob("*.out")) if not o.with_suffix(".py").exists()]
    assert not lonely, "outputs without a snippet:\n" + "\n".join(lonely)


def test_snippets_declare_what_they_need():
    """A snippet that loads the model says so, so it skips cleanly where the model is missing."""
    undeclared = []
    for p in sorted(snippets.SNIPPETS.rglob("*.py")):
        src = p.read_text(encoding="utf-8")
        if re.search(r"llmsite\.(model|transformer)|from llmsite\.model|load\(", src) and "model" not in snippets.requirements(p):
            undeclared.append(str(p.relative_to(REPO)))
    assert not undeclared, "add `# requires: model` to:\n" + "\n".join(undeclared)


@pytest.mark.parametrize("info", ['python', 'python title="a.py"', 'py', 'python hl_lines="2 3" linenums="1"',
                                  '{.python}', 'python3'])
def test_material_fence_attributes_are_understood(info):
    assert docs_tests.PYTHON_INFO.match(info + "\n")


def test_fence_scanner_finds_lines_and_includes(tmp_path):
    page = tmp_path / "p.md"
    page.write_text('# t\n\n```python title="x"\n--8<-- "snippets/a/b.py"\n```\n\n~~~py\nprint(1)\n~~~\n')
    fs = snippets.fences(page)
    assert [(f.line, f.lang, f.include) for f in fs] == [(3, "python", ("snippets/a/b.py", None)), (7, "py", None)]


def test_the_gpu_rule_allows_one_unit_of_the_last_digit_and_no_other_word():
    assert snippets.same_output("p=0.77\n", "p=0.77\n")
    assert not snippets.same_output("p=0.77\n", "p=0.78\n")  # exact on the pinned CPU
    assert snippets.same_output("p=0.77 (77.25%)\n", "p=0.78 (77.26%)\n", tolerant=True)
    assert snippets.same_output("loss 2.981, 15 heads\n", "loss 2.980, 16 heads\n", tolerant=True)
    # the bfloat16 failures seen on an H200: more than one unit, or other words
    assert "more than one unit" in snippets.mismatch("Paris 77.25%\n", "Paris 77.60%\n", tolerant=True)
    assert "words differ" in snippets.mismatch("sums to 1: True\n", "sums to 1: False\n", tolerant=True)
    assert not snippets.same_output("p=0.77 Paris\n", "p=0.77 Lyon\n", tolerant=True)
    assert "lines printed" in snippets.mismatch("a\nb\n", "a\n", tolerant=True)
    assert snippets.last_digit_unit("1.9e+12") == 1e11 and snippets.last_digit_unit("49") == 1
    assert snippets.last_digit_unit("63.704%") == pytest.approx(0.001)


@pytest.fixture
def scratch_repo(tmp_path, monkeypatch):
    """A tiny repository with one page and one snippet, for testing failure messages."""
    (tmp_path / "docs").mkdir()
    (tmp_path / "snippets" / "demo").mkdir(parents=True)
    for mod in (snippets, docs_tests):
        monkeypatch.setattr(mod, "REPO", tmp_path)
    monkeypatch.setattr(snippets, "DOCS", tmp_path / "docs")
    monkeypatch.setattr(snippets, "SNIPPETS", tmp_path / "snippets")
    monkeypatch.setattr(docs_tests, "_run", snippets.run)  # no memo across scratch files
    return tmp_path


def run_page(repo: Path, page_text: str):
    page = repo / "docs" / "page.md"
    page.write_text(textwrap.dedent(page_text))
    doc = docs_tests.sybil(repo / "docs").parse(page)
    return list(doc)


PAGE = '''\
    # Demo

    Some text.

    ```python title="snippets/demo/s.py"
    --8<-- "snippets/demo/s.py"
    ```

    ```text
    --8<-- "snippets/demo/s.out"
    ```
    '''


def test_a_snippet_that_raises_names_the_snippet_line_and_the_page(scratch_repo):
    (scratch_repo / "snippets/demo/s.py").write_text("x = 1\n\nraise ValueError('boom')\n")
    (scratch_repo / "snippets/demo/s.out").write_text("")
    [example] = run_page(scratch_repo, PAGE)
    assert example.line == 5  # reported by pytest as docs/page.md:5
    with pytest.raises(AssertionError) as err:
        example.evaluate()
    msg = str(err.value)
    assert "snippets/demo/s.py" in msg and "docs/page.md" in msg
    assert 'File "snippets/demo/s.py", line 3' in msg and "ValueError: boom" in msg


def test_a_changed_output_fails_with_a_diff_and_the_fix(scratch_repo):
    (scratch_repo / "snippets/demo/s.py").write_text("print('Paris 0.77')\n")
    (scratch_repo / "snippets/demo/s.out").write_text("Paris 0.78\n")
    [example] = run_page(scratch_repo, PAGE)
    with pytest.raises(AssertionError) as err:
        example.evaluate()
    assert "-Paris 0.78" in str(err.value) and "+Paris 0.77" in str(err.value)
    assert "--update-outputs" in str(err.value)


def test_update_outputs_rewrites_the_recording(scratch_repo, monkeypatch):
    (scratch_repo / "snippets/demo/s.py").write_text("print('fresh')\n")
    (scratch_repo / "snippets/demo/s.out").write_text("stale\n")
    monkeypatch.setitem(docs_tests.UPDATE, "on", True)
    [example] = run_page(scratch_repo, PAGE)
    example.evaluate()
    assert (scratch_repo / "snippets/demo/s.out").read_text() == "fresh\n"


def test_cuda_snippets_skip_cleanly_without_a_gpu(scratch_repo, monkeypatch):
    import unittest

    (scratch_repo / "snippets/demo/s.py").write_text("# requires: cuda\nimport torch\nassert torch.cuda.is_available()\n")
    monkeypatch.setattr(docs_tests, "_cuda", lambda: False)
    [example] = run_page(scratch_repo, PAGE.replace('```text\n    --8<-- "snippets/demo/s.out"\n    ```\n', ""))
    with pytest.raises(unittest.SkipTest, match="requires: cuda"):
        example.evaluate()


def test_inline_python_runs_and_reports_its_page_line(scratch_repo):
    examples = run_page(scratch_repo, '''\
        # Inline

        ```python
        assert 1 + 1 == 3
        ```
        ''')
    with pytest.raises(AssertionError):
        examples[0].evaluate()
    assert examples[0].line == 3


def test_a_page_including_a_missing_snippet_fails_the_build(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "index.md").write_text('# Hi\n\n```python\n--8<-- "snippets/nope/missing.py"\n```\n')
    cfg = tmp_path / "mkdocs.yml"
    cfg.write_text(textwrap.dedent(f"""\
        site_name: t
        docs_dir: {docs}
        site_dir: {tmp_path / 'site'}
        markdown_extensions:
          - pymdownx.superfences
          - pymdownx.snippets:
              base_path: ["{REPO}"]
              check_paths: true
        """))
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(cfg)], capture_output=True,
                          text=True, env={"NO_MKDOCS_2_WARNING": "1", "PATH": "/usr/bin:/bin"})
    assert done.returncode != 0
    assert "snippets/nope/missing.py" in done.stderr + done.stdout
