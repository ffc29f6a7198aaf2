"""The CI a real project runs (.github/workflows): it cannot run here, so it is checked here.

Each workflow parses, calls Makefile targets that exist (a renamed target breaks this test,
not a deploy), and the cache-key step, run as a shell script, yields the wheel's pinned sha256.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from llmsite import model

REPO = Path(__file__).resolve().parent.parent
WORKFLOWS = REPO / ".github" / "workflows"


def load(name: str) -> dict:
    data = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    # YAML 1.1 reads the key `on:` as True.
    data["on"] = data.pop(True, data.get("on"))
    return data


def steps(workflow: dict) -> list[dict]:
    return [s for job in workflow["jobs"].values() for s in job.get("steps", [])]


def runs(workflow: dict) -> str:
    return "\n".join(s.get("run", "") for s in steps(workflow))


def uses(workflow: dict) -> list[str]:
    return [s["uses"].split("@")[0] for s in steps(workflow) if "uses" in s]


def make_targets() -> set[str]:
    text = (REPO / "Makefile").read_text(encoding="utf-8")
    return set(re.findall(r"^([A-Za-z][\w-]*):(?!=)", text, flags=re.M))


def readme_test_command() -> str:
    m = re.search(r"^(make \w+)\s+# run the whole test suite", (REPO / "README.md").read_text(encoding="utf-8"), re.M)
    assert m, "README.md no longer names its test command"
    return m[1]


@pytest.mark.parametrize("name", ["test.yml", "pages.yml", "gpu.yml"])
def test_workflow_parses_and_calls_existing_make_targets(name):
    wf = load(name)
    assert wf["on"] and wf["jobs"], name
    called = re.findall(r"\bmake ([\w-]+)", runs(wf))
    assert called, f"{name} calls no Makefile target"
    missing = sorted(set(called) - make_targets())
    assert not missing, f"{name} calls make targets the Makefile lacks: {missing}"
    for job in wf["jobs"].values():
        for step in job.get("steps", []):
            if "uses" in step:
                assert re.fullmatch(r"[\w.-]+/[\w.-]+@v\d+", step["uses"]), f"{name}: pin actions by major version: {step['uses']}"


def test_ci_scripts_run_the_readme_test_command():
    command = readme_test_command()
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert [line for line in ci.splitlines() if line.strip() and not line.startswith(("#", "set ", "cd "))] == [command]
    wf = load("test.yml")
    assert command in runs(wf).splitlines()
    assert {"push", "pull_request"} <= set(wf["on"])
    assert "actions/upload-artifact" in uses(wf) and "actions/cache" in uses(wf)
    (job,) = wf["jobs"].values()
    assert job["strategy"]["matrix"]["python"] == ["3.11", "3.12", "3.13"], "every supported Python"
    assert any(s.get("with", {}).get("python-version") == "${{ matrix.python }}" for s in steps(wf))
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert 'requires-python = ">=3.11,<3.14"' in pyproject, "requires-python and the matrix must agree"
    assert any(s.get("with", {}).get("cache") == "npm" for s in steps(wf)), "cache the npm downloads"
    assert all(job["runs-on"].startswith("ubuntu") for job in wf["jobs"].values())


def test_pages_workflow_publishes_the_built_site_with_the_official_actions():
    wf = load("pages.yml")
    assert "make site" in runs(wf)
    assert {"actions/upload-pages-artifact", "actions/deploy-pages"} <= set(uses(wf))
    site_dir = yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8").split("\nnav:")[0])["site_dir"]
    upload = next(s for s in steps(wf) if s.get("uses", "").startswith("actions/upload-pages-artifact"))
    assert upload["with"]["path"].rstrip("/") == site_dir
    assert wf["permissions"]["pages"] == "write" and wf["permissions"]["id-token"] == "write"


def test_gpu_workflow_installs_cuda_torch_first_then_runs_the_whole_suite():
    wf = load("gpu.yml")
    (job,) = wf["jobs"].values()
    assert "self-hosted" in job["runs-on"] and "gpu" in job["runs-on"]
    assert "workflow_dispatch" in wf["on"]
    script = runs(wf)
    cuda_torch = script.index("/whl/cu")
    assert cuda_torch < script.index(readme_test_command()), "CUDA torch must be installed before make test"
    assert "torch.cuda.is_available()" in script


@pytest.mark.parametrize("name", ["test.yml", "pages.yml"])
def test_model_cache_key_is_the_pinned_wheel_sha256(name, tmp_path):
    wf = load(name)
    step = next(s for s in steps(wf) if s.get("id") == "model-key")
    out = tmp_path / "github_output"
    done = subprocess.run(["bash", "-euo", "pipefail", "-c", step["run"]], cwd=REPO, capture_output=True, text=True,
                          env=dict(os.environ, GITHUB_OUTPUT=str(out)))
    assert done.returncode == 0, done.stderr
    assert out.read_text().strip() == f"key=llmsite-model-{model.WHEEL_SHA256}-v{model.CACHE_FORMAT}"
    cache = next(s for s in steps(wf) if s.get("uses", "").startswith("actions/cache"))
    assert cache["with"]["key"] == "${{ steps.model-key.outputs.key }}"
    assert cache["with"]["path"] == "~/.cache/llmsite"


@pytest.mark.parametrize("name", ["test.yml", "pages.yml", "gpu.yml"])
def test_torch_step_installs_the_version_pyproject_pins(name, tmp_path):
    """The workflows read the torch pin from pyproject.toml: run that extraction here."""
    script = runs(load(name))
    expr = re.search(r'"torch==\$\((sed .*?pyproject\.toml)\)"', script)
    assert expr, f"{name} does not read torch's version from pyproject.toml"
    done = subprocess.run(["bash", "-c", expr[1]], cwd=REPO, capture_output=True, text=True)
    pinned = re.search(r'"torch==([\d.]+)"', (REPO / "pyproject.toml").read_text())[1]
    assert done.stdout.strip() == pinned
