"""The recap notebook (docs/15-life-of-a-token.ipynb) is executed, and prints what it stores.

The site shows the notebook with its stored outputs (mkdocs-jupyter, ``execute: false``), so
those outputs must be what the code really prints. ``test_notebook_prints_its_stored_outputs``
runs every cell in a fresh kernel of this virtual environment's Python (with nbclient) and
compares the text each code cell prints (stdout and ``text/plain`` results; stderr is
ignored) with the stored text. To refresh the stored outputs after changing the notebook::

    .venv/bin/python tests/test_notebook.py --update
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
NOTEBOOK = REPO / "docs" / "15-life-of-a-token.ipynb"
KERNEL = "llmsite-venv"


def printed_text(cell) -> str:
    """What a code cell printed: stdout streams and plain-text results, in order."""
    parts = []
    for out in cell.get("outputs", []):
        if out["output_type"] == "stream" and out["name"] == "stdout":
            parts.append(out["text"])
        elif out["output_type"] in ("execute_result", "display_data"):
            parts.append(out.get("data", {}).get("text/plain", ""))
    # A stored .ipynb may hold multi-line text as a list of lines.
    return "".join("".join(p) if isinstance(p, list) else p for p in parts)


def merged_streams(outputs: list) -> list:
    """Outputs with consecutive stdout pieces joined: a kernel may deliver one cell's printout
    in several chunks, and storing them as they came makes a noisy diff on every update."""
    out = []
    for o in outputs:
        if (out and o["output_type"] == "stream" and out[-1]["output_type"] == "stream"
                and o["name"] == out[-1]["name"]):
            prev = out[-1]
            prev["text"] = "".join(prev["text"]) + "".join(o["text"])
        else:
            out.append(o)
    return out


def kernel_dir(base: Path) -> Path:
    """A kernelspec that starts *this* Python, found through JUPYTER_PATH (no network, no install)."""
    spec = base / "kernels" / KERNEL
    spec.mkdir(parents=True, exist_ok=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "llmsite venv", "language": "python",
        "env": {"PYDEVD_DISABLE_FILE_VALIDATION": "1", "LLMSITE_DEVICE": "cpu"},
    }))
    return base


def execute(nb_path: Path, jupyter_dir: Path):
    """Run the notebook in a fresh kernel; return the executed notebook (nothing is written)."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(nb_path, as_version=4)
    os.environ["JUPYTER_PATH"] = str(kernel_dir(jupyter_dir))
    client = NotebookClient(nb, kernel_name=KERNEL, timeout=600, allow_errors=False,
                            resources={"metadata": {"path": str(REPO)}})
    client.execute()
    return nb


def test_every_code_cell_has_stored_text_output():
    """Cheap, no model: the page would show code without results otherwise."""
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert code, "the notebook has no code cells"
    empty = [i for i, c in enumerate(code) if not printed_text(c).strip()]
    assert not empty, f"code cells {empty} have no stored output: run `python tests/test_notebook.py --update`"
    errors = [i for i, c in enumerate(code) for o in c.get("outputs", []) if o["output_type"] == "error"]
    assert not errors, f"code cells {errors} store an error"


def test_update_joins_a_printout_delivered_in_chunks():
    import nbformat

    chunks = [nbformat.v4.new_output("stream", name="stdout", text="a\n"),
              nbformat.v4.new_output("stream", name="stdout", text=["b\n", "c\n"]),
              nbformat.v4.new_output("execute_result", data={"text/plain": "42"}),
              nbformat.v4.new_output("stream", name="stdout", text="d\n")]
    cell = {"outputs": merged_streams(chunks)}
    assert [o["output_type"] for o in cell["outputs"]] == ["stream", "execute_result", "stream"]
    assert cell["outputs"][0]["text"] == "a\nb\nc\n"
    assert printed_text(cell) == "a\nb\nc\n42d\n"  # what the page shows is unchanged


def test_printed_text_ignores_stderr_and_keeps_results():
    cell = {"outputs": [{"output_type": "stream", "name": "stderr", "text": "warning\n"},
                        {"output_type": "stream", "name": "stdout", "text": "a\n"},
                        {"output_type": "execute_result", "data": {"text/plain": "42"}}]}
    assert printed_text(cell) == "a\n42"


@pytest.mark.model
@pytest.mark.slow
def test_notebook_prints_its_stored_outputs(tmp_path, monkeypatch):
    pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    from llmsite.model import ModelUnavailable, ensure_model

    try:
        ensure_model(progress=False)
    except ModelUnavailable as exc:
        pytest.skip(f"the notebook needs the model, which is unavailable: {exc}")
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))
    stored = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    ran = execute(NOTEBOOK, tmp_path)
    want = [printed_text(c) for c in stored["cells"] if c["cell_type"] == "code"]
    got = [printed_text(c) for c in ran.cells if c.cell_type == "code"]
    assert len(got) == len(want)
    for i, (w, g) in enumerate(zip(want, got)):
        assert g == w, (f"code cell {i} of {NOTEBOOK.name} printed something else.\n--- stored:\n{w}\n"
                        f"--- now:\n{g}\nIf intended: `python tests/test_notebook.py --update`")


def update() -> None:
    """Execute the notebook and store its outputs (stderr dropped, so the page stays clean)."""
    import tempfile

    import nbformat

    with tempfile.TemporaryDirectory() as tmp:
        nb = execute(NOTEBOOK, Path(tmp))
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = merged_streams(
                [o for o in cell.outputs if not (o.output_type == "stream" and o.name == "stderr")])
            cell.metadata.pop("execution", None)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nbformat.write(nb, NOTEBOOK)
    print(f"wrote {NOTEBOOK.relative_to(REPO)}")


if __name__ == "__main__":
    if sys.argv[1:] != ["--update"]:
        sys.exit("usage: python tests/test_notebook.py --update")
    update()
